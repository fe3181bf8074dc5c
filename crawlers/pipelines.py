"""Item pipeline and run recorder: the only place where crawled documents reach the corpus.

CorpusPipeline: validates each DocumentItem, records its links and relevance, and — when the
document is about AI (relevance >= AILEX_CRAWL_MIN_RELEVANCE) — upserts it into the Store and
adds its body as a version (same bytes: no-op; new bytes: new version). Counts new / changed /
unchanged / off_topic in the Scrapy stats under `ailex/…`.

RunRecorder (an extension): opens a crawl_runs row when the spider opens and, when it closes,
writes the run's statistics and a status that fails loudly: `structure_error` when a parser
found nothing where something was expected or the spider produced zero items, `failed` when
callbacks raised or the crawl did not finish.
"""
from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable

from scrapy import signals
from scrapy.exceptions import DropItem, NotConfigured

from corpus.actions import ActionStore, digest, in_order
from corpus.crawl_state import CrawlState, DocumentLink
from corpus.models import DocumentMeta, Version
from corpus.store import Store

from crawlers.actions import status_for
from crawlers.items import DocumentItem

log = logging.getLogger(__name__)


def meta_sha(meta: DocumentMeta) -> str:
    return hashlib.sha256(json.dumps(meta.model_dump(), sort_keys=True).encode("utf-8")).hexdigest()


class CorpusPipeline:
    def __init__(self, crawler, data_dir: str, min_relevance: float):
        self.crawler = crawler
        self.data_dir = data_dir
        self.min_relevance = min_relevance
        self.store: Store | None = None
        self.state: CrawlState | None = None

    @classmethod
    def from_crawler(cls, crawler):
        data_dir = crawler.settings.get("AILEX_DATA_DIR")
        if not data_dir:
            raise NotConfigured("AILEX_DATA_DIR is not set")
        return cls(crawler, data_dir, crawler.settings.getfloat("AILEX_MIN_RELEVANCE", 0.0))

    def open_spider(self):
        self.store = Store(self.data_dir)
        self.state = CrawlState(self.store)

    def close_spider(self):
        if self.store is not None:
            self.store.close()

    def process_item(self, item):
        if not isinstance(item, DocumentItem):
            return item
        assert self.store is not None and self.state is not None
        store_item(self.store, self.state, item, self.crawler.spider.name, self.min_relevance,
                   self.crawler.stats.inc_value)
        return item


def store_item(store: Store, state: CrawlState, item: DocumentItem, spider: str, min_relevance: float,
               count: Callable[[str], object] = lambda key: None) -> tuple[str, Version | None]:
    """Validate one item and bring it into the corpus (the one place that does it: the Scrapy pipeline
    and the distributed ingest worker both call this). Returns (outcome, the version its body became):
    outcome is new / changed / unchanged / off_topic; raises DropItem for an invalid item.
    Idempotent: the same item twice stores nothing new the second time."""
    count("ailex/items")
    problems = item.problems()
    if problems:
        count("ailex/failed")
        count("ailex/invalid_items")
        raise DropItem(f"{item.source_url}: {'; '.join(problems)}")
    state.add_links([DocumentLink(from_key=item.source_url, to_key=l.url, relation=l.relation, spider=spider)
                     for l in item.links if l.url != item.source_url])
    actions = in_order(item.actions)
    meta = DocumentMeta(
        source_key=item.source_url, title=" ".join(item.title.split())[:1000], jurisdiction=item.jurisdiction,
        doc_type=item.doc_type, status=status_for(actions, item.status) if actions else item.status,
        language=item.language, date=item.date,
        source_url=item.source_url, identifiers={k: str(v) for k, v in item.identifiers.items() if v},
    )
    sha = meta_sha(meta)
    if actions:  # a new or changed step is a changed document; the same timeline again is not
        sha = hashlib.sha256(f"{sha}:{digest(actions)}".encode("ascii")).hexdigest()
    if item.relevance < min_relevance:
        count("ailex/off_topic")
        state.remember(item.source_url, spider, item.relevance, item.ai_terms, sha, None)
        return "off_topic", None
    existed = store.document_id_by_source(meta.source_key) is not None
    previous = state.seen(item.source_url)
    doc = store.upsert_document(meta)
    new_version, version = False, None
    if item.body is not None:
        version, new_version = store.add_version(doc.id, item.body, item.content_type, item.filename or "document")
    if actions:
        ActionStore(store).replace(doc.id, actions)
    if not existed:
        outcome = "new"
    elif new_version or (previous is not None and previous["meta_sha"] != sha):
        outcome = "changed"
    else:
        outcome = "unchanged"
    count(f"ailex/{outcome}")
    state.remember(item.source_url, spider, item.relevance, item.ai_terms, sha, doc.id)
    return outcome, version


class RunRecorder:
    def __init__(self, crawler, data_dir: str):
        self.crawler = crawler
        self.data_dir = data_dir
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler):
        data_dir = crawler.settings.get("AILEX_DATA_DIR")
        if not data_dir:
            raise NotConfigured
        ext = cls(crawler, data_dir)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider):
        store = Store(self.data_dir)
        try:
            self.run_id = CrawlState(store).start_run(spider.name, replay=bool(self.crawler.settings.get("AILEX_REPLAY_URL")))
        finally:
            store.close()
        self.crawler.stats.set_value("ailex/run_id", self.run_id)

    def spider_closed(self, spider, reason):
        stats = self.crawler.stats.get_stats()
        g = lambda k: int(stats.get(k, 0) or 0)  # noqa: E731
        counters = {
            "requests": g("downloader/request_count"),
            "responses": g("downloader/response_count"),
            "not_modified": g("ailex/not_modified"),
            "not_found": g("ailex/not_found"),
            "failed": g("ailex/failed") + g("spider_exceptions/count"),
            "items": g("ailex/items"),
            "new": g("ailex/new"),
            "changed": g("ailex/changed"),
            "unchanged": g("ailex/unchanged"),
            "off_topic": g("ailex/off_topic"),
            "structure_errors": g("ailex/structure_errors"),
            "retries": g("retry/count"),
            "robots_forbidden": g("robotstxt/forbidden"),
        }
        start, finish = stats.get("start_time"), stats.get("finish_time")
        if start and finish:
            counters["seconds"] = round((finish - start).total_seconds(), 2)
        messages = list(getattr(spider, "structure_messages", []))[:20]
        parsed_pages = sum(v for k, v in stats.items() if k.startswith("downloader/response_status_count/2"))
        if getattr(spider, "fatal", ""):
            status = "failed"
            messages.insert(0, spider.fatal)
        elif reason != "finished":
            status = "failed"
            messages.insert(0, f"crawl ended: {reason}")
        elif g("spider_exceptions/count"):
            status = "failed"
            messages.insert(0, f"{g('spider_exceptions/count')} callback error(s), see the log")
        elif counters["items"] == 0 and getattr(spider, "expect_items", True) and not parsed_pages:
            status = "failed"
            messages.insert(0, f"no page could be fetched ({counters['failed']} failed, {counters['not_found']} not found)")
        elif counters["items"] == 0 and getattr(spider, "expect_items", True):
            status = "structure_error"
            messages.insert(0, "zero items parsed where items were expected (did the source change its pages?)")
        elif counters["structure_errors"]:
            status = "structure_error"
        else:
            status = "ok"
        if status != "ok":
            log.error("spider %s: %s: %s", spider.name, status, " | ".join(messages))
        store = Store(self.data_dir)
        try:
            CrawlState(store).finish_run(self.run_id, status, counters, " | ".join(messages))
        finally:
            store.close()
