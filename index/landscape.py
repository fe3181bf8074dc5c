"""The landscape: which jurisdictions cover which concepts, from the concept tags of one snapshot.

`build_landscape` answers `GET /api/landscape`, `/landscape` and `ailex landscape`: one cell per
(jurisdiction, concept) with at least one tagged passage passing the filters, with the number of
passages (copies of another passage not counted) and documents, and the best passage. Every
count comes from arrays of the snapshot's tag file (index/concept_tags.py), so the whole sample
corpus takes a few milliseconds; answers are cached per snapshot and request.
`concept_passages` lists the passages of a concept (the search page without a query), strongest
tag first."""
from __future__ import annotations

import dataclasses
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from index.concept_tags import UnknownConcept, evidence_text
from index.metadata import Filters
from index.results import SearchResult
from index.retrieve import Ranking

CACHE = 256
_cache: OrderedDict[tuple, dict] = OrderedDict()
_lock = threading.Lock()


def _tags(snap):
    if snap.concepts is None:
        raise LookupError("the index being served has no concept tags: run `ailex index`")
    return snap.concepts


def build_landscape(searcher, filters: Filters | None = None, concepts: list[str] | None = None,
                    names: Callable[[str], str] = lambda code: code) -> dict:
    """`{"taxonomy_version", "concepts", "jurisdictions", "cells"}` for the snapshot being served."""
    searcher.refresh()
    snap = searcher.snapshot
    tags = _tags(snap)
    filters = filters or Filters()
    concepts = list(dict.fromkeys(concepts or []))
    tags.codes(concepts)  # UnknownConcept names the known ids
    key = (snap.build_id, repr(filters.replace(concept=[])), tuple(concepts))
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    cols = snap.columns
    cells = tags.landscape(cols, filters.replace(concept=[]), concepts)
    rows = searcher.store.passages_by_ids([c["best_passage_id"] for c in cells])
    out_cells = []
    for c in cells:
        p = rows.get(c["best_passage_id"])
        if p is None:  # retired since the snapshot was built (rows are never deleted): skip
            continue
        out_cells.append({
            "jurisdiction": c["jurisdiction"], "concept": c["concept"], "passages": c["passages"],
            "documents": c["documents"],
            "best": {"passage_id": p.id, "document_id": p.document_id, "locator": p.locator, "text": p.text,
                     "score": c["best_score"], "evidence": evidence_text(p.text, c["best_window"], p.unit_type),
                     "language": p.language}})
    mask = cols.mask(filters.replace(concept=[])) if not filters.is_empty() else np.ones(len(cols), bool)
    present = sorted({cols.labels["jurisdiction"][int(k)] for k in np.unique(cols.codes["jurisdiction"][mask])} - {""})
    shown = concepts or tags.ids
    result = {"taxonomy_version": tags.taxonomy_version,
              "concepts": [{"id": c, "label": tags.label(c)} for c in shown],
              "jurisdictions": [{"code": j, "name": names(j)} for j in present],
              "cells": out_cells}
    with _lock:
        _cache[key] = result
        while len(_cache) > CACHE:
            _cache.popitem(last=False)
    return result


def concept_passages(searcher, filters: Filters, k: int = 10) -> SearchResult:
    """The passages tagged with any of `filters.concept` within the other filters, strongest tag
    first, as search hits (with their concepts and evidence)."""
    started = time.perf_counter()
    searcher.refresh()
    snap = searcher.snapshot
    tags = _tags(snap)
    codes = tags.codes(filters.concept)
    sel = np.isin(tags.concept, codes)
    allowed = snap.columns.allowed_ids(filters.replace(concept=[]))
    if allowed is not None:
        sel &= np.isin(tags.passage_id, allowed)
    pids, scores = tags.passage_id[sel], tags.score[sel]
    order = np.lexsort((pids, -scores))  # strongest first, then reading order of ids
    best: dict[int, float] = {}
    for i in order.tolist():
        best.setdefault(int(pids[i]), float(scores[i]))
    ranked = list(best.items())
    ranking = Ranking(ranked=ranked, total=len(ranked), dense={}, allowed=None, words={pid for pid, _ in ranked})
    label = ", ".join(tags.label(c) for c in filters.concept)
    result = searcher.results.build(snap, "", ranking, k, "keyword", None, True, 0.0, started)
    return dataclasses.replace(result, query=label)


def reset_cache() -> None:
    with _lock:
        _cache.clear()


__all__ = ["build_landscape", "concept_passages", "UnknownConcept", "reset_cache"]


def concept_overview(searcher, concept: str, per_jurisdiction: int = 3) -> list[tuple[str, list[tuple]]]:
    """For one concept, per jurisdiction (most tagged passages first) its strongest passages:
    [(jurisdiction, [(passage, document, score, evidence)])] — the concept page's good practices."""
    searcher.refresh()
    snap = searcher.snapshot
    tags = _tags(snap)
    code = int(tags.codes([concept])[0])
    pos, ok = tags._columns_pos(snap.columns)
    sel = np.nonzero(ok & tags.canonical & (tags.concept == code))[0]
    jur = snap.columns.codes["jurisdiction"][pos[sel]]
    picks: dict[str, list[int]] = {}
    for i in sel[np.lexsort((-tags.score[sel], jur))].tolist():
        j = snap.columns.labels["jurisdiction"][int(snap.columns.codes["jurisdiction"][pos[i]])]
        if j and len(picks.setdefault(j, [])) < per_jurisdiction:
            picks[j].append(i)
    counts = {j: int((jur == k).sum()) for k, j in enumerate(snap.columns.labels["jurisdiction"]) if j}
    rows = searcher.store.passages_by_ids([int(tags.passage_id[i]) for idx in picks.values() for i in idx])
    out = []
    for j in sorted(picks, key=lambda j: (-counts.get(j, 0), j)):
        items = []
        for i in picks[j]:
            p = rows.get(int(tags.passage_id[i]))
            if p is not None:
                items.append((p, snap.documents.get(p.document_id), float(tags.score[i]),
                              evidence_text(p.text, int(tags.window[i]), p.unit_type)))
        out.append((j, items))
    return out
