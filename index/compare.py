"""Comparison across jurisdictions: for one provision, the best matching passage in each.

Each jurisdiction is its own filtered search (filter before ranking), so a small
jurisdiction is never crowded out by a large one. The provision is free text or an
existing passage, whose stored vector is used directly."""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from corpus.citation import Citation, Versions, cite_passage
from corpus.jurisdictions import same
from corpus.models import Document, Passage, Version
from index.metadata import Filters
from index.results import OPERATIVE, OPERATIVE_MARGIN
from index.search import Searcher


COMMON_DEPTH = 400  # passages ranked once across all jurisdictions before any per-jurisdiction search
PER_JURISDICTION = 8  # a jurisdiction's best passages considered when preferring its operative provision


class UnknownPassage(KeyError):
    pass


@dataclass
class Match:
    jurisdiction: str
    score: float
    passage: Passage
    document: Document
    version: Version | None = None  # the stored version the passage was cut from (cited with its hash)
    context: "Match | None" = None  # the recital that matched best, when the operative provision was chosen


@dataclass
class Comparison:
    query: str
    source: Match | None  # the passage compared from, when given by id
    took_ms: float
    matches: list[Match] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # jurisdictions with no passage above the cutoff


def cited(m: Match) -> Citation:
    return cite_passage(m.document, m.passage, m.version)


def citation(m: Match, retrieved: date | None = None) -> str:
    """The full citation of a match (corpus/citation.py is the one formatter; `retrieved` is only
    used when the passage's version is unknown)."""
    c = cited(m)
    if not c.retrieved and retrieved is not None:
        c = dataclasses.replace(c, retrieved=retrieved.isoformat())
    return c.text()


def _operative(cols, ranked: list) -> tuple:
    """A jurisdiction's match: its best passage, unless that is a recital (or another passage that
    does not state the rule) and an operative provision of the same document matches nearly as well
    (OPERATIVE_MARGIN): then the provision, with the recital kept as its context."""
    top = ranked[0]
    if cols.value_of("unit_type", top.passage_id) in OPERATIVE:
        return top, None
    doc = cols.value_of("document_id", top.passage_id)
    for hit in ranked[1:PER_JURISDICTION]:
        if (cols.value_of("unit_type", hit.passage_id) in OPERATIVE and cols.value_of("document_id", hit.passage_id) == doc
                and hit.score >= top.score - OPERATIVE_MARGIN):
            return hit, top
    return top, None


def compare(
    searcher: Searcher,
    query: str | None = None,
    passage_id: int | None = None,
    jurisdictions: list[str] | None = None,
    filters: Filters | None = None,
    min_score: float = 0.0,
) -> Comparison:
    if (query is None) == (passage_id is None):
        raise ValueError("give either a query or a passage id")
    started = time.perf_counter()
    searcher.refresh()
    snap = searcher.snapshot  # one snapshot for the whole comparison
    retriever, results = searcher.retriever, searcher.results
    versions = Versions(searcher.store)
    base = filters or Filters()
    source = None
    if passage_id is not None:
        p = results.passages([passage_id]).get(passage_id)
        if p is None or not snap.columns.holds(passage_id):
            raise UnknownPassage(passage_id)
        try:
            vector = retriever.passage_vector(snap, passage_id)
        except KeyError:  # a footnote or heading passage has no vector of its own (index/units.py): its words
            vector = retriever.query_vector(p.text)
        doc = results.document(snap, p.document_id)
        source = Match(doc.jurisdiction, 1.0, p, doc, versions.get(p.version_id))
        query_text = p.text
    else:
        vector = retriever.query_vector(query)
        query_text = query
    all_jurisdictions = snap.columns.values("jurisdiction")
    wanted = [j for j in all_jurisdictions if not jurisdictions or any(same(j, w) for w in jurisdictions)]
    matches, missing = [], []
    cols = snap.columns
    keep = np.ones(len(cols), bool)
    if source is not None and source.document.id in cols.labels["document_id"]:
        # the source document does not compete with itself
        keep = cols.codes["document_id"] != cols.labels["document_id"].index(source.document.id)
    # One ranking over every wanted jurisdiction first: in a list sorted by score, a
    # jurisdiction's first passage is its best. Only jurisdictions that list does not reach get
    # a partition search of their own (a search per jurisdiction scans the index each time).
    pool = cols.ids[cols.mask(base.replace(jurisdiction=wanted)) & keep] if wanted else cols.ids[:0]
    best: dict[str, list] = {}
    for hit in retriever.dense(snap, vector, COMMON_DEPTH, pool) if len(pool) else []:
        best.setdefault(cols.value_of("jurisdiction", hit.passage_id), []).append(hit)
    for jur in wanted:
        if jur in best:
            ranked = best[jur]
        else:
            ranked = retriever.dense(snap, vector, PER_JURISDICTION, cols.ids[cols.mask(base.replace(jurisdiction=[jur])) & keep])
        if not ranked or ranked[0].score < min_score:
            missing.append(jur)
            continue
        chosen, context = _operative(cols, ranked)
        p = results.passages([chosen.passage_id])[chosen.passage_id]
        match = Match(jur, chosen.score, p, results.document(snap, p.document_id), versions.get(p.version_id))
        if context is not None:
            c = results.passages([context.passage_id])[context.passage_id]
            match.context = Match(jur, context.score, c, results.document(snap, c.document_id), versions.get(c.version_id))
        matches.append(match)
    matches.sort(key=lambda m: -m.score)
    return Comparison(query_text, source, round((time.perf_counter() - started) * 1000, 2), matches, missing)
