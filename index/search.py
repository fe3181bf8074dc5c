"""Query-time search over one index snapshot: filters first, then dense or lexical ranking.

`Searcher` is the heavy object the API loads once (model + index) and the CLI uses directly.
It follows the CURRENT pointer, so a rebuild published while it serves is picked up on the
next request and the old snapshot answers until then."""
from __future__ import annotations

import dataclasses
import logging
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal, NamedTuple

import numpy as np

from corpus.models import Document, Passage
from corpus.settings import Settings
from corpus.store import Store
from index import snapshots
from index.faiss_index import FaissIndex
from index.lexical import LexicalIndex, query_terms
from index.manifest import Manifest
from index.metadata import Filters, PassageColumns
from index.query import ParsedQuery, fts_expression, parse_query, phrase_expression
from index.diversify import collapse, interleave
from index.highlight import best_sentence_by_terms, term_spans
from index.units import WINDOW_BITS, WINDOW_MASK, passage_ids
from pipeline.language import detect as detect_language
from pipeline.windows import sentence_windows
from pipeline.encoders import Encoder

log = logging.getLogger(__name__)

Mode = Literal["semantic", "keyword", "hybrid"]
Diversify = Literal["language", "jurisdiction"]
RRF_K = 60  # the constant from Cormack et al.; damps the weight of top ranks
# Measured on the dev eval (cross-lingual, language filter): weight 0.2 cost 0.10 MRR, 0.05 cost
# 0.02, 0 cost nothing; lexical evidence still counts fully within the query's language.
CROSS_LANGUAGE_LEXICAL_WEIGHT = 0.0
DIVERSIFY_DEPTH = 8  # ranked this many times k, so every group has candidates to interleave
GROUP_BEST = 2  # passages fetched per group that the ranking left out
FACET_DEPTH = 100  # facets count the best hits this deep, not the whole corpus
QUERY_CACHE = 512
# Whole results are cached per snapshot, as a search engine's request cache is per refresh: the
# same query over the same index gives the same answer. The TTL bounds how long a document's
# metadata edited without a re-index can show stale (a publish empties the cache at once).
RESULT_TTL_S = 60.0


class IndexMissing(Exception):
    pass


@dataclass
class Hit:
    rank: int
    score: float
    passage: Passage
    document: Document
    best_sentence: str | None = None
    highlights: list[tuple[int, int]] = field(default_factory=list)  # character spans of query terms
    also_in: list[tuple[int, Document]] = field(default_factory=list)  # the same text elsewhere (collapsed)
    similarity: float | None = None  # cosine of the passage's best unit to the query; None: found by words only


@dataclass
class SearchResult:
    query: str
    mode: str
    took_ms: float
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    below_cutoff: int = 0  # ranked passages hidden by the relevance cutoff


class DenseHit(NamedTuple):
    passage_id: int
    score: float
    window: int  # 0: the passage's own vector won; n: its n-th sentence


@dataclass
class Ranking:
    ranked: list[tuple[int, float]]  # (passage id, score), best first
    total: int  # passages that qualified (filters, phrases; keyword mode: also the terms)
    dense: dict[int, DenseHit]  # dense evidence per passage, for the cutoff and highlighting
    allowed: np.ndarray | None = None  # the candidate pool the ranking drew from (None: everything)


@dataclass
class Snapshot:
    folder: Path
    manifest: Manifest
    index: FaissIndex
    columns: PassageColumns
    unit_ids: np.ndarray  # every vector id in the index (passages and sentence windows)
    lexical: LexicalIndex | None = None  # hybrid's BM25 (None in snapshots older than it: FTS5 then)

    def allowed_units(self, allowed_passages: np.ndarray | None) -> np.ndarray | None:
        if allowed_passages is None:
            return None
        return self.unit_ids[np.isin(passage_ids(self.unit_ids), allowed_passages)]


def load_snapshot(index_dir: Path) -> Snapshot:
    folder = snapshots.current(index_dir)
    if folder is None:
        raise IndexMissing(f"no index in {index_dir}: run `ailex index` first")
    return open_snapshot(folder)


def open_snapshot(folder: Path) -> Snapshot:
    index = FaissIndex.load(folder)
    return Snapshot(folder, Manifest.read(folder), index, PassageColumns.load(folder), index.ids(),
                    LexicalIndex.load(folder))


class Searcher:
    def __init__(self, settings: Settings, store: Store, encoder: Encoder):
        self.settings = settings
        self.store = store
        self.encoder = encoder
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._pointer_mtime = 0.0
        self._qcache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._rcache: OrderedDict[tuple, tuple[float, SearchResult]] = OrderedDict()
        self._cache_lock = threading.Lock()  # guards both caches (query vectors, results)
        self.refresh()
        if self._snapshot is None:
            raise IndexMissing(f"no index in {settings.index_dir}: run `ailex index` first")
        # the first query would otherwise pay for langdetect's profiles (~1 s) and the encoder's
        # first run; a server pays once at start instead
        _query_language("warm up the language profiles of the query detector")
        encoder.encode_queries(["warm up"])

    @property
    def min_score(self) -> float:
        """The relevance cutoff: AILEX_MIN_SCORE when set, else the encoder's calibrated one."""
        if self.settings.min_score is not None:
            return self.settings.min_score
        return float(getattr(self.encoder, "min_score", 0.0))

    # -- snapshot ----------------------------------------------------------------
    def refresh(self) -> bool:
        """Load a newer snapshot if one was published. Returns True when it switched."""
        pointer = self.settings.index_dir / snapshots.POINTER
        try:
            mtime = pointer.stat().st_mtime
        except FileNotFoundError:
            return False
        if self._snapshot is not None and mtime == self._pointer_mtime:
            return False
        with self._lock:
            snap = load_snapshot(self.settings.index_dir)
            if snap.manifest.dim != self.encoder.dim:
                raise IndexMissing(
                    f"index built with {snap.manifest.model} (dim {snap.manifest.dim}) but the encoder is "
                    f"{self.encoder.name} (dim {self.encoder.dim}): run `ailex index --rebuild`"
                )
            self._snapshot, self._pointer_mtime = snap, mtime
        log.info("serving index %s (%d passages)", snap.manifest.build_id, snap.manifest.count)
        return True

    @property
    def snapshot(self) -> Snapshot:
        if self._snapshot is None:
            self.refresh()
        if self._snapshot is None:
            raise IndexMissing(f"no index in {self.settings.index_dir}: run `ailex index` first")
        return self._snapshot

    # -- ranking -----------------------------------------------------------------
    def query_vector(self, query: str) -> np.ndarray:
        with self._cache_lock:
            vec = self._qcache.get(query)
            if vec is not None:
                self._qcache.move_to_end(query)
                return vec
        vec = self.encoder.encode_queries([query])[0]
        with self._cache_lock:
            self._qcache[query] = vec
            if len(self._qcache) > QUERY_CACHE:
                self._qcache.popitem(last=False)
        return vec

    def clear_caches(self) -> None:
        """Forget cached query vectors and results (benchmarks measuring the uncached path)."""
        with self._cache_lock:
            self._qcache.clear()
            self._rcache.clear()

    def dense_by_vector(self, vector: np.ndarray, depth: int, allowed: np.ndarray | None) -> list[DenseHit]:
        """Best passages by their best unit (the passage itself or one of its sentences)."""
        snap = self.snapshot
        per_passage = max(1.0, len(snap.unit_ids) / max(len(snap.columns), 1))
        unit_depth = int(min(len(snap.unit_ids), max(depth * per_passage * 2, 200)))
        scores, ids = snap.index.search(vector[None, :], unit_depth, snap.allowed_units(allowed))
        valid = ids[0] >= 0
        uids, scores = ids[0][valid], scores[0][valid]
        # hits come best first: a passage's first unit is its best one
        _, first = np.unique(uids >> WINDOW_BITS, return_index=True)
        first = np.sort(first)[:depth]
        return [DenseHit(int(u) >> WINDOW_BITS, float(sc), int(u) & WINDOW_MASK)
                for u, sc in zip(uids[first].tolist(), scores[first].tolist())]

    def _lexical(self, parsed: ParsedQuery, depth: int, allowed: np.ndarray | None,
                 mode: Mode = "keyword") -> list[tuple[int, float]]:
        lexical = self.snapshot.lexical
        if mode == "hybrid" and lexical is not None:
            # required phrases are already in `allowed` (candidates()); here words only rank
            return lexical.search(query_terms(parsed), depth, allowed)
        expr = fts_expression(parsed)
        if expr is None or (allowed is not None and not len(allowed)):
            return []
        return self.store.keyword_search(expr, depth, None if allowed is None else allowed.tolist())

    def candidates(self, parsed: ParsedQuery, filters: Filters) -> np.ndarray | None:
        """Passage ids allowed by the filters, `title:` terms and required phrases (None: all)."""
        snap = self.snapshot
        if parsed.title_terms:
            titles = self.store.documents_with_title(parsed.title_terms)
            filters = Filters(**{**filters.__dict__, "document_id": titles or ["\x00none"]})
        allowed = snap.columns.allowed_ids(filters)
        phrase = phrase_expression(parsed)
        if phrase is not None:
            hits = self.store.keyword_search(phrase, len(snap.columns) + 1, None if allowed is None else allowed.tolist())
            allowed = np.array(sorted(pid for pid, _ in hits), np.int64)
        return allowed

    def rank(self, query: str, depth: int, filters: Filters, mode: Mode) -> Ranking:
        snap = self.snapshot
        parsed = parse_query(query)
        allowed = self.candidates(parsed, filters)
        pool = len(snap.columns) if allowed is None else len(allowed)
        text = parsed.text or " ".join(parsed.title_terms)
        dense = {h.passage_id: h for h in self.dense_by_vector(self.query_vector(text), depth, allowed)} \
            if mode != "keyword" else {}
        if mode == "semantic":
            return Ranking([(pid, h.score) for pid, h in dense.items()], pool, dense, allowed)
        lexical = self._lexical(parsed, depth, allowed if mode == "keyword" else self._lexical_pool(text, allowed), mode)
        if mode == "keyword":
            expr = fts_expression(parsed)
            total = self.store.keyword_count(expr, None if allowed is None else allowed.tolist()) if expr else pool
            if expr is None:  # only title: terms: the documents' passages in reading order
                lexical = [(int(pid), 0.0) for pid in (allowed if allowed is not None else snap.columns.ids)[:depth]]
            return Ranking(lexical, total, {}, allowed)
        # the whole fused union: truncating here would drop dense-only hits (other languages)
        # that diversification is meant to bring forward
        return Ranking(self._fuse(text, list(dense.values()), lexical), pool, dense, allowed)

    def _lexical_pool(self, query: str, allowed: np.ndarray | None) -> np.ndarray | None:
        """Where BM25 evidence can count in hybrid mode: passages in the query's language (fusion
        gives other languages weight CROSS_LANGUAGE_LEXICAL_WEIGHT = 0). Searching only those keeps
        a cross-language filter (English query, French passages) from ranking every French
        passage that shares a word with the query, for nothing (seconds on a big corpus)."""
        query_lang = _query_language(query)
        if query_lang == "und" or CROSS_LANGUAGE_LEXICAL_WEIGHT > 0:
            return allowed
        cols = self.snapshot.columns
        same = cols.ids[cols.mask(Filters(language=[query_lang.split("-")[0]]))]
        return same if allowed is None else np.intersect1d(allowed, same, assume_unique=True)

    def _fuse(self, query: str, dense: list[DenseHit], lexical: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """Reciprocal rank fusion in which lexical evidence counts fully only for passages in
        the query's language: shared words across languages (names, numbers, 'AI') are noise."""
        query_lang = _query_language(query)  # "und" for short queries: then words decide alone
        languages = self.snapshot.columns.language_of([pid for pid, _ in lexical])
        fused: dict[int, float] = {}
        for r, h in enumerate(dense):
            fused[h.passage_id] = fused.get(h.passage_id, 0.0) + 1.0 / (RRF_K + r + 1)
        for r, (pid, _) in enumerate(lexical):
            same = query_lang == "und" or languages.get(pid, "").split("-")[0] == query_lang.split("-")[0]
            weight = 1.0 if same else CROSS_LANGUAGE_LEXICAL_WEIGHT
            fused[pid] = fused.get(pid, 0.0) + weight / (RRF_K + r + 1)
        return sorted(fused.items(), key=lambda x: -x[1])

    def _add_group_bests(self, ranking: Ranking, query: str, diversify: Diversify, mode: Mode) -> None:
        """Make sure every language/jurisdiction in the pool has its best passages among the
        candidates: a partition search per group missing from the ranking. Cross-script
        matches (English → Korean) score below same-script ones and would otherwise never
        reach the page; the relevance cutoff still hides groups with no good match."""
        snap = self.snapshot
        column = "language" if diversify == "language" else "jurisdiction"
        present = {snap.columns.value_of(column, pid) for pid, _ in ranking.ranked}
        parsed = parse_query(query)
        vector = self.query_vector(parsed.text or " ".join(parsed.title_terms))
        # fused scores are reciprocal ranks: these rank after everything the fusion kept
        tail_score = 1.0 / (RRF_K + len(ranking.ranked) + 1)
        # groups split the pool rank() already drew (filters, phrases, title: applied once), so
        # a jurisdiction filter keeps its meaning and no candidate query runs twice
        cols = snap.columns
        pool = cols.ids if ranking.allowed is None else ranking.allowed
        codes = cols.codes[column][np.searchsorted(cols.ids, pool)]
        for code in np.unique(codes):
            value = cols.labels[column][code]
            if not value or value in present:
                continue
            for hit in self.dense_by_vector(vector, GROUP_BEST, pool[codes == code]):
                ranking.dense[hit.passage_id] = hit
                ranking.ranked.append((hit.passage_id, hit.score if mode == "semantic" else tail_score))

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
        filters = filters or Filters()
        cutoff = self.min_score if min_score is None else min_score
        if not self.settings.result_cache:
            return self._search(query, k, filters, mode, diversify, collapse_duplicates, cutoff, started)
        key = (self.snapshot.manifest.build_id, query, k, repr(filters), mode, diversify, collapse_duplicates, cutoff)
        with self._cache_lock:
            cached = self._rcache.get(key)
            if cached is not None and time.monotonic() - cached[0] < RESULT_TTL_S:
                self._rcache.move_to_end(key)
                return dataclasses.replace(cached[1], took_ms=round((time.perf_counter() - started) * 1000, 2))
        result = self._search(query, k, filters, mode, diversify, collapse_duplicates, cutoff, started)
        with self._cache_lock:
            if self._rcache and next(iter(self._rcache))[0] != key[0]:
                self._rcache.clear()  # a new snapshot: every older result is stale
            self._rcache[key] = (time.monotonic(), result)
            if len(self._rcache) > self.settings.result_cache:
                self._rcache.popitem(last=False)
        return result

    def _search(self, query: str, k: int, filters: Filters, mode: Mode, diversify: Diversify | None,
                collapse_duplicates: bool, cutoff: float, started: float) -> SearchResult:
        depth = max(k * (DIVERSIFY_DEPTH if diversify else 2), FACET_DEPTH)
        ranking = self.rank(query, depth, filters, mode)
        if diversify and mode != "keyword":
            self._add_group_bests(ranking, query, diversify, mode)
        ranked = ranking.ranked
        hidden = 0
        if cutoff > 0 and mode != "keyword":
            kept = [(pid, s) for pid, s in ranked if pid in ranking.dense and ranking.dense[pid].score >= cutoff]
            hidden, ranked = len(ranked) - len(kept), kept
        columns = self.snapshot.columns
        facets = columns.facets(np.array([pid for pid, _ in ranked[:FACET_DEPTH]], np.int64))
        # grouping needs only ids, duplicate links and filter columns; whole passages are read
        # for the hits shown (and their copies), not for the whole ranked list
        dup = self.store.duplicate_links([pid for pid, _ in ranked])
        scored = [(pid, score) for pid, score in ranked if pid in dup]  # absent: retired since
        groups = collapse(scored, lambda ps: dup[ps[0]] or ps[0]) if collapse_duplicates \
            else [(ps, []) for ps in scored]
        if diversify:
            column = "language" if diversify == "language" else "jurisdiction"
            groups = interleave(groups, lambda g: columns.value_of(column, g[0][0]))
        groups = groups[:k]
        passages = self.store.passages_by_ids([pid for (pid, _), copies in groups for pid in [pid, *[c for c, _ in copies]]])
        docs: dict[str, Document] = {}

        def doc(document_id: str) -> Document:
            if document_id not in docs:
                docs[document_id] = self.store.get_document(document_id)
            return docs[document_id]

        hits = []
        for (pid, score), copies in groups:
            p = passages[pid]
            sentences = _windows(p.text)
            window = ranking.dense[p.id].window if p.id in ranking.dense else 0
            best = sentences[window - 1] if 0 < window <= len(sentences) else best_sentence_by_terms(sentences, query)
            hits.append(Hit(len(hits) + 1, score, p, doc(p.document_id), best_sentence=best,
                            highlights=term_spans(p.text, query),
                            also_in=[(passages[c].id, doc(passages[c].document_id)) for c, _ in copies],
                            similarity=ranking.dense[pid].score if pid in ranking.dense else None))
        took = (time.perf_counter() - started) * 1000
        return SearchResult(query, mode, round(took, 2), ranking.total, hits, facets, hidden)


@lru_cache(maxsize=4096)
def _windows(text: str) -> list[str]:
    """A hit's sentences (to show the one that matched); the same passages come back often."""
    return sentence_windows(text)


@lru_cache(maxsize=4096)
def _query_language(query: str) -> str:
    return detect_language(query)
