"""Documents most similar to one document, in other jurisdictions, with the passage pairs
that make them similar (the evidence an officer cites)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from corpus.models import Document, Passage
from index.metadata import Filters
from index.search import Searcher
from index.units import passage_ids

MAX_SOURCE_PASSAGES = 300  # long acts: a spread sample keeps this interactive
NEIGHBOURS = 8  # units fetched per source passage
PAIRS = 3  # pairs shown (and averaged) per similar document


@dataclass
class Pair:
    score: float
    source: Passage
    target: Passage


@dataclass
class SimilarDocument:
    document: Document
    score: float
    pairs: list[Pair]


def similar_documents(searcher: Searcher, doc_id: str, k: int = 5) -> list[SimilarDocument]:
    searcher.refresh()
    snap, results = searcher.snapshot, searcher.results
    doc = results.document(snap, doc_id)  # KeyError for unknown ids
    cols = snap.columns
    own_ids = cols.ids[cols.mask(Filters(document_id=[doc_id]))]
    own = sorted(results.passages(own_ids.tolist()).values(), key=lambda p: p.seq)
    if len(own) > MAX_SOURCE_PASSAGES:
        own = [own[int(i)] for i in np.linspace(0, len(own) - 1, MAX_SOURCE_PASSAGES)]
    vectors, sources = [], []
    for p in own:
        try:
            vectors.append(searcher.retriever.passage_vector(snap, p.id))
            sources.append(p)
        except KeyError:  # passage newer than the snapshot
            continue
    if not vectors:
        return []
    allowed = cols.ids[~cols.mask(Filters(jurisdiction=[doc.jurisdiction]))]
    scores, ids = snap.index.search(np.stack(vectors), NEIGHBOURS, snap.allowed_units(allowed))
    best: dict[tuple[int, int], float] = {}
    for src, row_s, row_i in zip(sources, scores, ids):
        for s, u in zip(row_s, row_i):
            if u < 0:
                continue
            key = (src.id, int(passage_ids(np.array([u]))[0]))
            best[key] = max(best.get(key, -1.0), float(s))
    targets = results.passages(sorted({t for _, t in best}))
    by_doc: dict[str, list[tuple[float, int, int]]] = defaultdict(list)
    for (src, tgt), s in best.items():
        if tgt in targets:
            by_doc[targets[tgt].document_id].append((s, src, tgt))
    src_by_id = {p.id: p for p in sources}
    out = []
    for target_doc, pairs in by_doc.items():
        pairs.sort(reverse=True)
        chosen, used_src, used_tgt = [], set(), set()
        for s, src, tgt in pairs:  # distinct passages on both sides, so one boilerplate line can't count thrice
            if src in used_src or tgt in used_tgt:
                continue
            chosen.append(Pair(s, src_by_id[src], targets[tgt]))
            used_src.add(src)
            used_tgt.add(tgt)
            if len(chosen) == PAIRS:
                break
        score = float(np.mean([p.score for p in chosen])) * len(chosen) / PAIRS
        out.append(SimilarDocument(results.document(snap, target_doc), score, chosen))
    out.sort(key=lambda d: -d.score)
    return out[:k]
