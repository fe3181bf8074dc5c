"""API replicas: serve the newest complete snapshot of AILEX_SNAPSHOT_ROOT and follow newer ones.

Every replica (one `ailex serve` per machine, any number of workers, behind a load balancer) points at
the same snapshot root (a shared read-only mount, or a local folder each machine syncs). At start it
verifies and loads the newest complete snapshot (index/publish.py). On requests, at most every
CHECK_SECONDS, it looks for a newer one; a background thread verifies its checksums and loads it (store
copy, vectors, columns) while the current one keeps answering, then the app state is switched in one
step. Requests already running finish on the snapshot they started with: nothing is dropped.
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from corpus.settings import Settings
from corpus.store import Store
from index import publish
from index.search import IndexMissing, Searcher

log = logging.getLogger(__name__)

CHECK_SECONDS = 2.0


def snapshot_settings(settings: Settings, folder: Path) -> Settings:
    return settings.model_copy(update={"data_dir": Path(folder)})


def first_snapshot(settings: Settings) -> Settings:
    """The settings of the newest complete snapshot under settings.snapshot_root (verified)."""
    folder = publish.newest(settings.snapshot_root)
    if folder is None:
        raise IndexMissing(f"no complete snapshot in {settings.snapshot_root}: run `ailex index --snapshot DIR`")
    publish.verify(folder)
    log.info("serving snapshot %s", folder.name)
    return snapshot_settings(settings, folder)


class SnapshotFollower:
    def __init__(self, app, root: Path, base: Settings, encoder):
        self.app = app
        self.root = Path(root)
        self.base = base
        self.encoder = encoder
        self.serving: Path = Path(app.state.settings.data_dir)
        self._checked = time.monotonic()
        self._loading = threading.Lock()
        self.retired: list[Store] = []  # previous stores: requests may still hold them

    def poll(self) -> None:
        now = time.monotonic()
        if now - self._checked < CHECK_SECONDS:
            return
        self._checked = now
        newest = publish.newest(self.root)
        if newest is None or newest.name <= self.serving.name or self._loading.locked():
            return
        threading.Thread(target=self._switch, args=(newest,), name="snapshot-switch", daemon=True).start()

    def _switch(self, folder: Path) -> None:
        if not self._loading.acquire(blocking=False):
            return
        try:
            publish.verify(folder)
            settings = snapshot_settings(self.base, folder)
            store = Store(folder)
            searcher = Searcher(settings, store, self.encoder)
            state = self.app.state
            old = state.store
            state.settings, state.store, state.searcher = settings, store, searcher
            state.load_searcher = lambda: Searcher(settings, store, self.encoder)
            state.crawl_state = None
            self.retired = [*self.retired[-2:], old]  # keep a few alive for requests still running on them
            self.serving = folder
            log.info("switched to snapshot %s", folder.name)
        except Exception:
            log.exception("snapshot %s not loaded; still serving %s", folder.name, self.serving.name)
        finally:
            self._loading.release()


class FollowSnapshots:
    """ASGI middleware: let the follower look for a newer snapshot as requests arrive."""

    def __init__(self, app, follower_of):
        self.app = app
        self.follower_of = follower_of

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            follower = self.follower_of()
            if follower is not None:
                follower.poll()
        await self.app(scope, receive, send)
