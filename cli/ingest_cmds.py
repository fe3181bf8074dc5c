"""`ailex ingest-worker`: consume the Redis item queue of distributed crawls into the corpus and index.

The loop lives here, not in crawlers/ or index/, because it ties three stages together: the queue
consumer and the item-to-corpus step are crawlers' (crawlers/item_queue.py, crawlers/pipelines.py —
they import only corpus), extraction is pipeline's, embedding and publishing are index's.

One batch: take up to --batch items (moved into this worker's processing list), store them, extract and
chunk the versions they created (or that a dead worker stored but left pending: its items come back),
embed the new passages into the embedding cache (outside any lock, so several workers extract and embed
in parallel), then under the Redis index-writer lock link duplicate passages and publish a new index
snapshot; only then are the items removed from the processing list. Any number of workers can run; exactly one writes the index at a time.
"""
from __future__ import annotations

import logging
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import typer

from cli.common import fail, print_json, settings

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    worker: str = ""
    batches: int = 0
    items: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    processed: int = 0
    embedded: int = 0
    publishes: int = 0
    index_count: int = 0
    seconds: float = 0.0


def run_worker(cfg, *, batch: int = 32, idle_exit: float | None = None, max_items: int | None = None,
               stop: threading.Event | None = None, encoder=None, snapshot_root=None) -> IngestReport:
    from corpus.store import Store
    from crawlers.item_queue import ItemQueue, store_entries
    from index.ingest import Ingest
    from pipeline.encoders import load_encoder

    stop = stop or threading.Event()
    queue = ItemQueue(cfg.redis_url, cfg.redis_lease_seconds)
    store = Store(cfg.data_dir)
    encoder = encoder or load_encoder(cfg)
    stages = Ingest(cfg, store, encoder)
    report = IngestReport(worker=queue.worker)
    started = time.monotonic()
    last_item = time.monotonic()

    def heartbeat() -> None:
        while not stop.wait(max(1.0, cfg.redis_lease_seconds / 4)):
            try:
                queue.beat()
                queue.reclaim_dead()
            except Exception:
                log.exception("ingest heartbeat failed")

    beat = threading.Thread(target=heartbeat, name="ingest-heartbeat", daemon=True)
    beat.start()
    log.info("ingest worker %s reading %s", queue.worker, cfg.redis_url)
    try:
        queue.reclaim_dead()
        while not stop.is_set():
            if max_items is not None and report.items >= max_items:
                break
            entries = queue.take(batch if max_items is None else min(batch, max_items - report.items), timeout=1.0)
            if not entries:
                if idle_exit is not None and time.monotonic() - last_item >= idle_exit:
                    break
                continue
            last_item = time.monotonic()
            outcomes, versions = store_entries(store, entries)
            for k, v in outcomes.items():
                report.outcomes[k] = report.outcomes.get(k, 0) + v
            # the pending versions of this batch: created now, or left pending by a worker that died after
            # storing them (its items come back here); no other live worker holds these items
            report.processed += stages.extract(versions).processed if versions else 0
            # into the embedding cache, in parallel with other workers (the same units the index
            # build embeds, so it finds them all in the cache under the lock)
            report.embedded += stages.embed()
            with queue.writer_lock():
                index = stages.publish()
                if snapshot_root is not None and not index.up_to_date:
                    from index.publish import export_snapshot

                    export_snapshot(store, cfg.index_dir, snapshot_root)
            if not index.up_to_date:
                report.publishes += 1
            report.index_count = index.count
            queue.done(entries)
            report.batches += 1
            report.items += len(entries)
            log.info("batch of %d items %s; index %d passages%s", len(entries), outcomes, index.count,
                     "" if index.up_to_date else f" (published {index.folder.name if index.folder else ''})")
    finally:
        stop.set()
        queue.leave()  # items taken but not finished go back to the queue
        store.close()
        report.seconds = round(time.monotonic() - started, 2)
    return report


def ingest_worker_cmd(
    batch: int = typer.Option(32, "--batch", min=1, max=10000, help="Items per batch (one index publish per batch)."),
    idle_exit: float = typer.Option(None, "--idle-exit", min=0.0, help="Exit after this many seconds without "
                                    "items (default: run until stopped)."),
    max_items: int = typer.Option(None, "--max-items", min=1, help="Exit after this many items."),
    snapshot: Path = typer.Option(None, "--snapshot", file_okay=False, help="After each index publish, also "
                                  "export it as a replica snapshot into DIR (like `ailex index --snapshot DIR`)."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON when the worker ends."),
) -> None:
    """Store, extract, embed and index the items distributed crawlers put on the Redis queue
    (AILEX_REDIS_URL). Run one or more; one of them at a time writes the index (Redis lock)."""
    from pipeline.encoders import EncoderError

    cfg = settings()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        report = run_worker(cfg, batch=batch, idle_exit=idle_exit, max_items=max_items, stop=stop,
                            snapshot_root=snapshot)
    except EncoderError as exc:
        fail(str(exc))
    except Exception as exc:  # Redis down at start, …
        if type(exc).__module__.startswith("redis"):
            fail(f"Redis at AILEX_REDIS_URL={cfg.redis_url}: {exc}")
        raise
    if as_json:
        print_json(report.__dict__)
    else:
        typer.echo(f"ingest worker {report.worker}: {report.items} items in {report.batches} batches "
                   f"{report.outcomes}; {report.processed} versions processed, {report.embedded} vectors "
                   f"embedded, {report.publishes} index snapshots published ({report.index_count} passages) "
                   f"in {report.seconds:.1f} s")


def register(app: typer.Typer) -> None:
    app.command("ingest-worker")(ingest_worker_cmd)
