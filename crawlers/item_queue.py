"""The Redis item queue between distributed crawlers and ingest workers (reliable, at-least-once).

Crawlers RPUSH items on `ailex:items` (crawlers/distributed.py). An ingest worker takes a batch with
LMOVE into its own processing list `ailex:items:processing:{worker}`, stores the items
(crawlers.pipelines.store_item, idempotent), and removes them from that list only when they are stored
and indexed. A worker that dies stops its heartbeat (`ailex:ingest:alive:{worker}`, expires after
AILEX_REDIS_LEASE_SECONDS); any other worker then moves its processing list back to the queue. Storing
an item twice is a no-op (content-addressed store, documents keyed by source URL), so redelivery after
a crash never duplicates a document.

The index writer lock (`ailex:index:writer`) lives here too: a Redis lock with a short expiry that its
holder keeps extending, so one writer at a time publishes index snapshots and a dead writer's lock
frees itself within AILEX_REDIS_LEASE_SECONDS.

Only corpus and the crawler item types are imported; the part that also runs the pipeline and the
index (the worker loop) is cli/ingest_cmds.py.
"""
from __future__ import annotations

import logging
import threading
from contextlib import contextmanager

from corpus.crawl_state import CrawlState
from corpus.store import Store

from crawlers.distributed import ITEM_QUEUE, decode_item, redis_client, worker_id
from crawlers.pipelines import store_item

log = logging.getLogger(__name__)

WORKERS = "ailex:ingest:workers"
WRITER_LOCK = "ailex:index:writer"


class ItemQueue:
    def __init__(self, redis_url: str, lease_seconds: int = 30, worker: str | None = None):
        self.server = redis_client(redis_url)
        self.lease = lease_seconds
        self.worker = worker or worker_id()
        self.processing = self._processing(self.worker)
        self.server.sadd(WORKERS, self.worker)
        self.beat()

    @staticmethod
    def _processing(worker: str) -> str:
        return f"{ITEM_QUEUE}:processing:{worker}"

    def beat(self) -> None:
        self.server.set(f"ailex:ingest:alive:{self.worker}", "1", ex=self.lease)

    def __len__(self) -> int:
        return int(self.server.llen(ITEM_QUEUE))

    def take(self, limit: int, timeout: float = 1.0) -> list[bytes]:
        """Up to `limit` items, moved atomically into this worker's processing list (waits up to
        `timeout` seconds for the first one)."""
        out = []
        first = self.server.blmove(ITEM_QUEUE, self.processing, timeout, "LEFT", "RIGHT")
        if first is None:
            return out
        out.append(first)
        while len(out) < limit:
            nxt = self.server.lmove(ITEM_QUEUE, self.processing, "LEFT", "RIGHT")
            if nxt is None:
                break
            out.append(nxt)
        return out

    def done(self, entries: list[bytes]) -> None:
        pipe = self.server.pipeline()
        for e in entries:
            pipe.lrem(self.processing, 1, e)
        pipe.execute()

    def give_back(self, worker: str | None = None) -> int:
        """Move a worker's processing list (default: this worker's) back to the head of the queue."""
        key = self._processing(worker or self.worker)
        n = 0
        while self.server.lmove(key, ITEM_QUEUE, "RIGHT", "LEFT") is not None:
            n += 1
        return n

    def reclaim_dead(self) -> int:
        moved = 0
        for raw in self.server.smembers(WORKERS):
            other = raw.decode()
            if other != self.worker and not self.server.exists(f"ailex:ingest:alive:{other}"):
                n = self.give_back(other)
                self.server.srem(WORKERS, other)
                if n:
                    log.warning("ingest worker %s is gone: %d of its items are back in the queue", other, n)
                moved += n
        return moved

    def leave(self) -> None:
        self.give_back()
        self.server.srem(WORKERS, self.worker)
        self.server.delete(f"ailex:ingest:alive:{self.worker}")

    @contextmanager
    def writer_lock(self, wait: float = 3600.0):
        """Hold the single index-writer lock; its expiry is extended while held."""
        lock = self.server.lock(WRITER_LOCK, timeout=self.lease, blocking_timeout=wait, thread_local=False)
        if not lock.acquire():
            raise TimeoutError(f"index writer lock not obtained within {wait:.0f} s")
        stop = threading.Event()

        def keep() -> None:
            while not stop.wait(self.lease / 3):
                try:
                    lock.reacquire()
                except Exception:  # lost it (Redis restarted?): the writer finishes; publishing is atomic
                    log.exception("could not extend the index writer lock")
                    return

        t = threading.Thread(target=keep, name="writer-lock", daemon=True)
        t.start()
        try:
            yield
        finally:
            stop.set()
            t.join(timeout=5)
            try:
                lock.release()
            except Exception:
                log.warning("index writer lock had expired before release")


def store_entries(store: Store, entries: list[bytes], count=lambda key: None) -> tuple[dict[str, int], list]:
    """Store the items of a batch; returns (outcomes, versions created). Bad items are counted, not raised."""
    from scrapy.exceptions import DropItem

    state = CrawlState(store)
    outcomes: dict[str, int] = {}
    versions = []
    for raw in entries:
        try:
            item, spider, min_relevance = decode_item(raw)
            outcome, version = store_item(store, state, item, spider, min_relevance, count)
        except DropItem as exc:
            log.warning("item dropped: %s", exc)
            outcome, version = "invalid", None
        except (ValueError, KeyError, TypeError) as exc:
            log.error("unreadable item in the queue: %s", exc)
            outcome, version = "invalid", None
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if version is not None and version.processing_status.value == "pending":
            versions.append(version)
    return outcomes, versions
