"""`ailex crawl`, `ailex schedule`: crawl parliamentary sources into the corpus, then index.

Thin over crawlers.runner / crawlers.schedule; the pipeline and the index are called here,
never from crawlers/ (crawlers import only corpus).
"""
from __future__ import annotations

import logging
from pathlib import Path

import typer

from cli.common import fail, ingest, print_index, print_json, settings

COLUMNS = ("status", "requests", "items", "new", "changed", "unchanged", "off_topic", "not_modified",
           "not_found", "failed", "structure_errors", "seconds")


def _parse_args(pairs: list[str]) -> dict[str, str]:
    out = {}
    for p in pairs or []:
        if "=" not in p:
            fail(f"--arg wants KEY=VALUE, got {p!r}")
        k, v = p.split("=", 1)
        out[k.strip()] = v
    return out


def _print_runs(runs) -> None:
    widths = [max(len(c), 15 if c == "status" else 5) + 1 for c in COLUMNS]
    typer.echo(f"{'spider':<15}" + "".join(f"{c:>{w}}" for c, w in zip(COLUMNS, widths)))
    for r in runs:
        cells = [r.status] + [r.stats.get(c, 0) for c in COLUMNS[1:]]
        line = f"{r.spider:<15}" + "".join(f"{str(v):>{w}}" for v, w in zip(cells, widths))
        typer.secho(line, fg=None if r.status == "ok" else typer.colors.RED)
        if r.message:
            typer.secho(f"  {r.message[:300]}", fg=typer.colors.RED, err=True)


def _distributed(cfg, names, job, replay, politeness, min_relevance, spider_args, as_json) -> None:
    from crawlers.distributed import default_job, run_distributed
    from crawlers.runner import CrawlError

    if not politeness and replay is None:
        fail("--no-politeness is only allowed with --replay (never against live sites)")
    try:
        result = run_distributed(cfg, names, job=job or default_job(), replay=replay, politeness=politeness,
                                 min_relevance=min_relevance, spider_args=spider_args,
                                 log_level="DEBUG" if logging.getLogger().level <= logging.DEBUG else "INFO")
    except CrawlError as exc:
        fail(str(exc))
    if as_json:
        print_json({"job": result.job, "worker": result.worker, "seconds": result.seconds,
                    "replay_hits": result.replay_hits, "mine": result.mine, "total": result.total})
    else:
        cols = ("requests", "items", "queued", "already_queued", "not_found", "failed", "structure_errors")
        typer.echo(f"job {result.job}, crawler {result.worker}: this process / all processes so far")
        typer.echo(f"{'spider':<15}" + "".join(f"{c:>18}" for c in cols))
        for name, mine in result.mine.items():
            total = result.total.get(name, {})
            typer.echo(f"{name:<15}" + "".join(f"{str(mine.get(c, 0)) + ' / ' + str(total.get(c, 0)):>18}" for c in cols))
        typer.echo(f"crawl took {result.seconds:.1f} s; items are on the Redis queue for `ailex ingest-worker`")
    if not result.ok:
        raise typer.Exit(1)


def crawl_cmd(
    spiders: list[str] = typer.Argument(None, help="Spiders to run (see --list).", show_default=False),
    all_: bool = typer.Option(False, "--all", help="Run every spider."),
    list_: bool = typer.Option(False, "--list", help="List the spiders with their last run, then exit."),
    replay: list[Path] = typer.Option(None, "--replay", help="Answer every request from a recording "
                                      "(folder with responses.jsonl), e.g. ../shared/snapshot; repeat it to serve "
                                      "several recordings together. Unrecorded URLs get 404."),
    no_index: bool = typer.Option(False, "--no-index", help="Store documents but do not process them "
                                  "or update the index."),
    http_cache: bool = typer.Option(None, "--http-cache/--no-http-cache", help="Development HTTP cache "
                                    "[default: AILEX_CRAWL_HTTP_CACHE]", show_default=False),
    min_relevance: float = typer.Option(None, "--min-relevance", min=0.0, max=1.0, help="AI-relevance "
                                        "threshold for storing documents [default: AILEX_CRAWL_MIN_RELEVANCE]"),
    arg: list[str] = typer.Option(None, "--arg", "-a", help="Spider argument KEY=VALUE (repeatable), "
                                  "e.g. -a sittings=2024-04-24; SPIDER.KEY=VALUE for one spider only"),
    as_json: bool = typer.Option(False, "--json", help="Print the runs as JSON."),
    distributed: bool = typer.Option(False, "--distributed", help="Be one of many crawler processes sharing "
                                     "a Redis frontier (AILEX_REDIS_URL): items go to the Redis item queue for "
                                     "`ailex ingest-worker`; nothing is stored or indexed by this process."),
    job: str = typer.Option(None, "--job", help="With --distributed: the shared crawl's name; processes naming "
                            "the same job share one frontier [default: today's UTC date]", show_default=False),
    politeness: bool = typer.Option(True, "--politeness/--no-politeness", help="With --distributed: the "
                                    "per-site limits shared by all crawlers. --no-politeness is for benchmarks "
                                    "and needs --replay."),
) -> None:
    """Crawl parliamentary sources (politely) into the corpus, then process and index what is new.

    Re-crawls are incremental: conditional requests, nothing stored twice, a new version when a
    document changed. Each spider's run statistics are recorded (`ailex status`, `ailex crawl --list`).
    Exits 1 when a spider failed or found a page structure it does not know (status
    structure_error: zero items where items were expected)."""
    from corpus.crawl_state import CrawlState
    from corpus.store import Store
    from crawlers.runner import CrawlError, resolve_spiders, run_crawl
    from crawlers.spiders import SPIDERS, describe

    cfg = settings()
    if list_:
        store = Store(cfg.data_dir)
        last = {r.spider: r for r in CrawlState(store).latest_runs()}
        rows = [{"spider": n, "jurisdiction": c.jurisdiction, "doc": describe(n),
                 "last_run": (last[n].model_dump(mode="json") if n in last else None)} for n, c in SPIDERS.items()]
        if as_json:
            print_json(rows)
            return
        for r in rows:
            lr = r["last_run"]
            tail = (f"last run {lr['started_at']} {lr['status']}: {lr['stats'].get('items', 0)} items, "
                    f"{lr['stats'].get('new', 0)} new") if lr else "never run"
            typer.echo(f"{r['spider']:<15} {r['jurisdiction']:<3} {r['doc'][:70]:<70}  {tail}")
        return
    try:
        names = resolve_spiders(spiders or [], all_)
    except CrawlError as exc:
        fail(str(exc))
    replay = list(replay or []) or None  # (issue 17) --replay is repeatable: several recordings at once
    for folder in replay or []:
        if not (folder / "responses.jsonl").exists():
            fail(f"--replay {folder}: no responses.jsonl there")
    if replay is None and not cfg.crawl_contact_url:
        typer.secho("warning: AILEX_CRAWL_CONTACT_URL is not set; site operators cannot reach you",
                    fg=typer.colors.YELLOW, err=True)
    if distributed:
        _distributed(cfg, names, job, replay, politeness, min_relevance, _parse_args(arg), as_json)
        return
    if not politeness:
        fail("--no-politeness only applies to --distributed")
    try:
        result = run_crawl(cfg, names, replay=replay, http_cache=http_cache, min_relevance=min_relevance,
                           spider_args=_parse_args(arg),
                           log_level="DEBUG" if logging.getLogger().level <= logging.DEBUG else "INFO")
    except CrawlError as exc:
        fail(str(exc))
    summary = {"seconds": result.seconds, "replay": [str(f) for f in replay] if replay else None,
               "runs": [r.model_dump(mode="json") for r in result.runs]}
    if not as_json:
        _print_runs(result.runs)
        typer.echo(f"crawl took {result.seconds:.1f} s" + (f" ({result.replay_hits} replayed responses)" if replay else ""))
    new = sum(int(r.stats.get("new", 0)) + int(r.stats.get("changed", 0)) for r in result.runs)
    if not no_index:
        run = ingest(Store(cfg.data_dir), progress=not as_json).run()
        report = run.index
        summary["processed"] = run.processed.processed
        summary["index"] = {"count": report.count, "added": report.added, "removed": report.removed}
        summary["after_publish"] = run.after_publish
        if not as_json:
            typer.echo(f"processed {run.processed.processed} new/changed versions")
            print_index(report, run.after_publish)
    elif not as_json:
        typer.echo(f"{new} new or changed documents stored; not indexed (--no-index)")
    if as_json:
        print_json(summary)
    if not result.ok:
        raise typer.Exit(1)


def schedule_cmd(
    config: Path = typer.Option(None, "--config", help="Schedule file [default: AILEX_CRAWL_SCHEDULE]",
                                show_default=False),
    once: bool = typer.Option(False, "--once", help="Run every configured job once now, then exit "
                              "(for a systemd timer or a cron line)."),
) -> None:
    """Run configured crawls on cron-like schedules; each job runs as its own `ailex crawl` process
    and is logged (DATA_DIR/logs/schedule.log and one output file per run); a failing job does not
    stop the others."""
    from crawlers.schedule import ScheduleError, load_jobs, run_forever, run_job

    cfg = settings()
    path = config or cfg.crawl_schedule
    try:
        jobs = load_jobs(Path(path))
    except ScheduleError as exc:
        fail(str(exc))
    log_dir = Path(cfg.data_dir) / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_dir / "schedule.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logging.getLogger("crawlers.schedule").addHandler(handler)
    logging.getLogger("crawlers.schedule").setLevel(logging.INFO)
    if once:
        codes = {job.name: run_job(job, log_dir) for job in jobs}
        for name, code in codes.items():
            typer.secho(f"{name}: {'ok' if code == 0 else f'exit {code}'}",
                        fg=None if code == 0 else typer.colors.RED)
        if any(codes.values()):
            raise typer.Exit(1)
        return
    run_forever(jobs, log_dir)


def register(app: typer.Typer) -> None:
    app.command("crawl")(crawl_cmd)
    app.command("schedule")(schedule_cmd)


if __name__ == "__main__":  # pragma: no cover - `python -m cli.crawl_cmds crawl …` without the other groups
    _app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    register(_app)
    _app()
