"""From a ranking to the hits a reader sees: cutoff, copies collapsed, groups interleaved,
passages and documents filled in, the matching sentence and the query's words marked.

Everything here reads the same snapshot the ranking came from (filter columns, duplicate
links, document table) and passage rows by id (immutable once written)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from corpus.models import Document, Passage
from index.diversify import collapse, interleave
from index.highlight import best_sentence_by_terms, term_spans
from index.retrieve import Diversify, Mode, PassageRows, Ranking
from index.snapshot import Snapshot
from pipeline.windows import sentence_windows

FACET_DEPTH = 100  # facets count the best hits this deep, not the whole corpus


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
    concepts: list[dict] = field(default_factory=list)  # [{"id", "label", "score", "evidence"}] (issue 14)


@dataclass
class SearchResult:
    query: str
    mode: str
    took_ms: float
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    below_cutoff: int = 0  # ranked passages hidden by the relevance cutoff


@lru_cache(maxsize=4096)
def _windows(text: str, unit_type: str = "") -> list[str]:
    """A hit's sentences (to show the one that matched); the same passages come back often."""
    return sentence_windows(text, unit_type)


class ResultBuilder:
    def __init__(self, rows: PassageRows):
        self.rows = rows

    def passages(self, ids) -> dict[int, Passage]:
        return self.rows.passages_by_ids(list(ids))

    @staticmethod
    def document(snap: Snapshot, doc_id: str) -> Document:
        return snap.documents.get(doc_id)

    def build(self, snap: Snapshot, query: str, ranking: Ranking, k: int, mode: Mode, diversify: Diversify | None,
              collapse_duplicates: bool, cutoff: float, started: float) -> SearchResult:
        ranked = ranking.ranked
        hidden = 0
        if cutoff > 0 and mode != "keyword":
            kept = [(pid, s) for pid, s in ranked
                    if (pid in ranking.dense and ranking.dense[pid].score >= cutoff) or pid in ranking.words]
            hidden, ranked = len(ranked) - len(kept), kept
        cols = snap.columns
        facets = cols.facets(np.array([pid for pid, _ in ranked[:FACET_DEPTH]], np.int64))
        if snap.concepts is not None:  # issue 14: concepts among the same best hits
            facets["concept"] = snap.concepts.facet(np.array([pid for pid, _ in ranked[:FACET_DEPTH]], np.int64))
        # grouping needs only ids, duplicate links and filter columns; whole passages are read
        # for the hits shown (and their copies), not for the whole ranked list
        groups = collapse(ranked, lambda ps: cols.canonical_of(ps[0])) if collapse_duplicates \
            else [(ps, []) for ps in ranked]
        if diversify:
            column = "language" if diversify == "language" else "jurisdiction"
            groups = interleave(groups, lambda g: cols.value_of(column, g[0][0]))
        groups = groups[:k]
        passages = self.passages(pid for (pid, _), copies in groups for pid in [pid, *[c for c, _ in copies]])
        hits = []
        for (pid, score), copies in groups:
            p = passages[pid]
            sentences = _windows(p.text, p.unit_type)
            window = ranking.dense[p.id].window if p.id in ranking.dense else 0
            best = sentences[window - 1] if 0 < window <= len(sentences) else best_sentence_by_terms(sentences, query)
            hits.append(Hit(len(hits) + 1, score, p, snap.documents.get(p.document_id), best_sentence=best,
                            highlights=term_spans(p.text, query),
                            also_in=[(passages[c].id, snap.documents.get(passages[c].document_id)) for c, _ in copies],
                            similarity=ranking.dense[pid].score if pid in ranking.dense else None,
                            concepts=snap.concepts.hit_concepts(p.id, p.text, p.unit_type) if snap.concepts is not None else []))
        took = (time.perf_counter() - started) * 1000
        return SearchResult(query, mode, round(took, 2), ranking.total, hits, facets, hidden)
