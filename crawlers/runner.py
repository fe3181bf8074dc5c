"""Run spiders in this process (one Twisted reactor per process: call `run_crawl` once).

`ailex crawl` calls `run_crawl`; `ailex schedule` runs each job as a separate `ailex crawl`
process, so a failing spider (or a crash) never takes the scheduler down.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from corpus.crawl_state import CrawlRun, CrawlState
from corpus.settings import Settings
from corpus.store import Store

from crawlers.replay import Recordings, ReplayServer
from crawlers.settings import scrapy_settings
from crawlers.spiders import SPIDERS

log = logging.getLogger(__name__)


class CrawlError(Exception):
    pass


@dataclass
class CrawlResult:
    runs: list[CrawlRun] = field(default_factory=list)
    seconds: float = 0.0
    replay_hits: int = 0

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(r.status == "ok" for r in self.runs)


def resolve_spiders(names: list[str], all_: bool) -> list[str]:
    if all_:
        return list(SPIDERS)
    unknown = [n for n in names if n not in SPIDERS]
    if unknown:
        raise CrawlError(f"unknown spider(s): {', '.join(unknown)} (known: {', '.join(SPIDERS)})")
    if not names:
        raise CrawlError("name at least one spider, or use --all")
    return list(dict.fromkeys(names))


def args_for(spider: str, args: dict[str, str]) -> dict[str, str]:
    """Spider arguments for one spider: `KEY=V` goes to every spider, `SPIDER.KEY=V` to that one only
    (`sittings` means a date to europarl and a sitting number to ourcommons)."""
    out = {k: v for k, v in args.items() if "." not in k}
    out.update({k.split(".", 1)[1]: v for k, v in args.items() if k.startswith(f"{spider}.")})
    return out


def run_spiders(configure, spiders: list[str], *, replay: Recordings | None, spider_args: dict[str, str] | None,
                log_level: str) -> tuple[list, int]:
    """Run `spiders` in one Scrapy process (replay server around it when asked); returns their
    crawlers, for the statistics, and how many requests the replay server answered.
    `configure(replay_url)` gives the Scrapy settings."""
    from scrapy.crawler import CrawlerProcess

    server = ReplayServer(replay).start() if replay else None
    try:
        root_level = logging.getLogger().level
        process = CrawlerProcess(configure(server.base_url if server else None))
        # Scrapy lowers the root logger to NOTSET; keep the CLI's level (-v for DEBUG) for its handler
        logging.getLogger().setLevel(root_level or logging.INFO)
        for name in ("scrapy", "twisted", "crawlers"):
            logging.getLogger(name).setLevel(log_level)
        crawlers = []
        for name in spiders:
            crawler = process.create_crawler(SPIDERS[name])
            crawlers.append(crawler)
            process.crawl(crawler, **args_for(name, spider_args or {}))
        process.start()
    finally:
        if server:
            server.stop()
    return crawlers, len(server.hits) if server else 0


def run_crawl(
    settings: Settings, spiders: list[str], *, replay: Recordings | None = None, http_cache: bool | None = None,
    min_relevance: float | None = None, spider_args: dict[str, str] | None = None, log_level: str = "INFO",
) -> CrawlResult:
    from scrapy.crawler import CrawlerProcess

    started = time.monotonic()
    def configure(replay_url: str | None) -> dict:
        return scrapy_settings(settings, replay_url=replay_url, http_cache=http_cache,
                               min_relevance=min_relevance, log_level=log_level)

    crawlers, replay_hits = run_spiders(configure, spiders, replay=replay, spider_args=spider_args, log_level=log_level)
    store = Store(settings.data_dir)
    try:
        state = CrawlState(store)
        runs = []
        for crawler in crawlers:
            run_id = crawler.stats.get_value("ailex/run_id") if crawler.stats else None
            if run_id is not None:
                runs.append(state.get_run(run_id))
            else:
                raise CrawlError(f"spider {crawler.spidercls.name} did not start (see the log)")
    finally:
        store.close()
    return CrawlResult(runs=runs, seconds=round(time.monotonic() - started, 2),
                       replay_hits=replay_hits)
