"""Query-time search over the published snapshot: `Searcher` = a retriever + a result builder.

`Searcher` is the heavy object the API loads once (model + snapshot) and the CLI uses directly.
It follows the CURRENT pointer, so a snapshot published while it serves is picked up on the next
request (loaded once, by one thread) and the old snapshot answers until then. Each search reads
one snapshot from start to end: `index/retrieve.py` ranks, `index/results.py` builds the hits."""
from __future__ import annotations

import dataclasses
import threading
import time
from collections import OrderedDict

from corpus.settings import Settings
from corpus.store import Store
from index.metadata import Filters
from index.results import Hit, ResultBuilder, SearchResult  # noqa: F401 (re-exported)
from index.retrieve import DenseHit, Diversify, Mode, Ranking, Retriever, query_language  # noqa: F401
from index.snapshot import IndexMissing, Snapshot  # noqa: F401 (re-exported)
from pipeline.encoders import Encoder

DIVERSIFY_DEPTH = 8  # ranked this many times k, so every group has candidates to interleave
FACET_DEPTH = 100
# Whole results are cached per snapshot, as a search engine's request cache is per refresh: the
# same query over the same index gives the same answer. The TTL bounds how long a document's
# metadata edited without a re-index can show stale (a publish empties the cache at once).
RESULT_TTL_S = 60.0


class Searcher:
    def __init__(self, settings: Settings, store: Store, encoder: Encoder):
        self.settings = settings
        self.store = store
        self.encoder = encoder
        self.retriever = Retriever(settings, encoder, store)
        self.results = ResultBuilder(store)
        self._rcache: OrderedDict[tuple, tuple[float, SearchResult]] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.refresh()
        if self.retriever._snapshot is None:
            raise IndexMissing(f"no index in {settings.index_dir}: run `ailex index` first")
        # the first query would otherwise pay for langdetect's profiles (~1 s) and the encoder's
        # first run; a server pays once at start instead
        query_language("warm up the language profiles of the query detector")
        encoder.encode_queries(["warm up"])

    @property
    def min_score(self) -> float:
        """The relevance cutoff: AILEX_MIN_SCORE when set, else the encoder's calibrated one."""
        if self.settings.min_score is not None:
            return self.settings.min_score
        return float(getattr(self.encoder, "min_score", 0.0))

    def refresh(self) -> bool:
        """Serve a newer snapshot if one was published. Returns True when it switched."""
        return self.retriever.refresh()

    @property
    def snapshot(self) -> Snapshot:
        return self.retriever.snapshot

    def query_vector(self, query: str):
        return self.retriever.query_vector(query)

    def clear_caches(self) -> None:
        """Forget cached query vectors and results (benchmarks measuring the uncached path)."""
        self.retriever.clear_caches()
        with self._cache_lock:
            self._rcache.clear()

    def search(
        self,
        query: str,
        k: int = 10,
        filters: Filters | None = None,
        mode: Mode = "hybrid",
        diversify: Diversify | None = None,
        collapse_duplicates: bool = True,
        min_score: float | None = None,
    ) -> SearchResult:
        """Rank, cut off what scores below `min_score` (default AILEX_MIN_SCORE; dense similarity,
        so keyword mode is never cut), collapse copies, interleave groups, then take k."""
        started = time.perf_counter()
        self.refresh()
        snap = self.snapshot
        filters = filters or Filters()
        cutoff = self.min_score if min_score is None else min_score
        args = (query, k, filters, mode, diversify, collapse_duplicates, cutoff)
        if not self.settings.result_cache:
            return self._search(snap, *args, started)
        key = (snap.build_id, query, k, repr(filters), mode, diversify, collapse_duplicates, cutoff)
        with self._cache_lock:
            cached = self._rcache.get(key)
            if cached is not None and time.monotonic() - cached[0] < RESULT_TTL_S:
                self._rcache.move_to_end(key)
                return dataclasses.replace(cached[1], took_ms=round((time.perf_counter() - started) * 1000, 2))
        result = self._search(snap, *args, started)
        with self._cache_lock:
            if self._rcache and next(iter(self._rcache))[0] != key[0]:
                self._rcache.clear()  # a new snapshot: every older result is stale
            self._rcache[key] = (time.monotonic(), result)
            if len(self._rcache) > self.settings.result_cache:
                self._rcache.popitem(last=False)
        return result

    def _search(self, snap: Snapshot, query: str, k: int, filters: Filters, mode: Mode, diversify: Diversify | None,
                collapse_duplicates: bool, cutoff: float, started: float) -> SearchResult:
        depth = max(k * (DIVERSIFY_DEPTH if diversify else 2), FACET_DEPTH)
        ranking = self.retriever.rank(snap, query, depth, filters, mode)
        if diversify and mode != "keyword":
            self.retriever.add_group_bests(snap, ranking, query, diversify, mode)
        # a family's copies of a provision show in the filter's language, else in the query's, else
        # (no copy in it, or a query in no one language: "Article 50") in the preferred language
        prefer = filters.language[0] if len(filters.language) == 1 else query_language(query)
        return self.results.build(snap, query, ranking, k, mode, diversify, collapse_duplicates, cutoff, started,
                                  prefer_languages=(prefer if prefer != "und" else "", self.settings.preferred_language))
