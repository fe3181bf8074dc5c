"""Crosswalk: one document against another, provision by provision, in any two languages.

Each provision unit (article, section, recital, annex: index/provisions.py) is represented by
the normalised mean of its passages' vectors, read from the published snapshot (never
re-encoded). Units are scored with CSLS (cross-domain similarity local scaling, Conneau et al.
2018): 2·cos(x, y) − r(x) − r(y), where r is a unit's mean cosine to its k nearest units on the
other side. Plain cosine lets long, general units ("Article 3 — Definitions" of the AI Act,
whose mean vector sits near the centre of the act) be everyone's best match; CSLS discounts
those hubs. Between two different laws the score is the CSLS of the mean of two similarities:
the units' mean vectors (which read headings and numbers) and how much of the source unit the
target covers, sentence by sentence (sentence windows carry no locator, so "Art. 14" of one law
is not pulled towards "Article 14" of another). Measured on the sample corpus (README,
Crosswalks; tests/benchmarks/bench_crosswalk.py): Brazil's PL 2338 → AI Act articles, top-1
matches in a 32-article reading list: 11 (cosine), 17 (CSLS), 19 (CSLS with coverage).

Two alignments:
- `order` (versions, formats and translations of one text): a monotone alignment over the
  score matrix (Needleman–Wunsch style dynamic programming: pairs may not cross, units may stay
  unpaired), so Article 12 in English meets Article 12 in French even where another article
  reads alike. Measured: 308/308 units (recitals, articles, annexes) of the English AI Act
  meet the same number in French and in German; best-match alone got 99.7 % and 91.6 %.
- `best` (two different laws): each unit's best counterparts by score.
Which one applies is read from the documents (index/same_text.py) unless the caller says."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

from corpus.models import Document, Passage
from index.metadata import Filters
from index.provisions import Provision, UnitsParam, provisions, select
from index.same_text import same_text
from index.snapshot import Snapshot
from index.units import unit_id

Align = Literal["order", "best"]
Match = Literal["equivalent", "partial", "none"]

CSLS_K = 10
# Match classes, on the CSLS score (README "Crosswalks" has the figures behind them):
# - best (different laws): aligned translations of one article score ≥ 0.02 in 90 % (French)
#   and 75 % (German) of units, so a pair of different laws that scores as high reads like
#   the same provision: "equivalent". The strongest pairs of Brazil's bill (Art. 15 ↔ Art. 5,
#   Art. 31 ↔ Art. 73, Art. 39 ↔ Art. 57) score 0.02–0.03; articles with nothing like them in the
#   AI Act (civil liability, Art. 29; "other rights are not excluded", Art. 44) score below −0.02.
EQUIVALENT = 0.04
PARTIAL = -0.01
# - order (one text): an aligned pair is "equivalent" unless it scores below PARTIAL (the 1st
#   percentile of English–German aligned articles is −0.013): then the counterpart has changed
#   enough to be only "partial"; units the alignment leaves unpaired are "none".
ALSO_MARGIN = 0.01  # best mode: further counterparts within this of the best are listed too
MAX_COUNTERPARTS = 3


class UnknownDocument(KeyError):
    pass


class NoText(ValueError):
    pass


class PassageRows(Protocol):
    def passages_by_ids(self, ids) -> dict[int, Passage]: ...


@dataclass
class Counterpart:
    unit: Provision
    similarity: float  # cosine of the two units' vectors
    score: float  # CSLS (what ranks and classifies)


@dataclass
class Row:
    unit: Provision
    match: Match
    counterparts: list[Counterpart] = field(default_factory=list)


@dataclass
class Crosswalk:
    source: Document
    target: Document
    align: Align
    units: UnitsParam
    same_text: bool
    rows: list[Row]
    unmatched: list[Provision]
    took_ms: float

    def summary(self) -> dict:
        counts = {m: sum(1 for r in self.rows if r.match == m) for m in ("equivalent", "partial", "none")}
        matched = counts["equivalent"] + counts["partial"]
        return counts | {"coverage": round(matched / len(self.rows), 4) if self.rows else 0.0}


# -- reading the snapshot (small accessors the read model can re-point) -------------------------------
def document_of(snap: Snapshot, doc_id: str) -> Document:
    try:
        return snap.documents.get(doc_id)
    except KeyError:
        raise UnknownDocument(doc_id) from None


def document_units(snap: Snapshot, rows: PassageRows, doc_id: str) -> list[Provision]:
    """The document's provision units, from the passages this snapshot indexes."""
    cols = snap.columns
    ids = cols.ids[cols.mask(Filters(document_id=[doc_id]))]
    return provisions(rows.passages_by_ids(ids.tolist()).values())


def unit_vectors(snap: Snapshot, units: list[Provision]) -> np.ndarray:
    """Normalised mean of each unit's passage vectors (the passage vector embeds the locator and
    the text; a unit's passages weigh equally, so a long article is not one long passage's echo)."""
    out = np.zeros((len(units), snap.index.dim), np.float32)
    for n, unit in enumerate(units):
        vectors = []
        for p in unit.passages:
            try:
                vectors.append(snap.index.vector(unit_id(p.id, 0)))
            except KeyError:  # not in this snapshot
                continue
        if vectors:
            mean = np.mean(vectors, axis=0)
            out[n] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return out


def unit_sentences(snap: Snapshot, units: list[Provision]) -> tuple[np.ndarray, np.ndarray]:
    """Every vector of each unit (its passages' own vectors and their sentence windows, which embed
    the text without the locator), stacked, and where each unit's rows start. A unit with no vector
    gets one zero row, so every unit has a segment."""
    rows, starts = [], []
    for unit in units:
        starts.append(len(rows))
        for p in unit.passages:
            window = 0
            while True:
                try:
                    rows.append(snap.index.vector(unit_id(p.id, window)))
                except KeyError:  # windows are numbered 1, 2, … without gaps
                    break
                window += 1
        if len(rows) == starts[-1]:
            rows.append(np.zeros(snap.index.dim, np.float32))
    return np.asarray(rows, np.float32).reshape(-1, snap.index.dim), np.asarray(starts, np.int64)


def coverage(snap: Snapshot, source: list[Provision], target: list[Provision]) -> np.ndarray:
    """How much of each source unit a target unit covers: each source sentence's best cosine in the
    target unit, averaged over the source unit. Sentence windows carry no locator, so two laws'
    articles that only share a number ("Art. 14" of Brazil's bill, "Article 14" of the AI Act)
    are not pulled together, and one paragraph of a long article (Article 5's list of prohibited
    practices) can match a short article whole."""
    a, a_starts = unit_sentences(snap, source)
    b, b_starts = unit_sentences(snap, target)
    best_in_unit = np.maximum.reduceat(a @ b.T, b_starts, axis=1)  # source sentence × target unit
    counts = np.diff(np.append(a_starts, len(a)))
    return np.add.reduceat(best_in_unit, a_starts, axis=0) / counts[:, None]


# -- scoring and alignment ------------------------------------------------------------------------------
def csls(cos: np.ndarray, k: int = CSLS_K) -> np.ndarray:
    """2·cos − r_source − r_target, r being a unit's mean cosine to its k nearest on the other side."""
    if cos.size == 0:
        return cos
    k_row, k_col = min(k, cos.shape[1]), min(k, cos.shape[0])
    r_row = np.sort(cos, axis=1)[:, -k_row:].mean(axis=1)
    r_col = np.sort(cos, axis=0)[-k_col:, :].mean(axis=0)
    return 2 * cos - r_row[:, None] - r_col[None, :]


def monotone_alignment(score: np.ndarray, bias: float) -> list[tuple[int, int]]:
    """Pairs (i, j), increasing in both, maximising Σ (score[i, j] − bias): a pair is worth taking
    only when it scores above `bias`, and skipping a unit costs nothing. Row by row, vectorised:
    D[i, j] = max(D[i−1, j], D[i−1, j−1] + s[i−1, j−1], D[i, j−1]); the last term is a running max."""
    n, m = score.shape
    gain = score - bias
    table = np.zeros((n + 1, m + 1), np.float64)
    for i in range(1, n + 1):
        row = table[i - 1].copy()
        row[1:] = np.maximum(row[1:], table[i - 1, :-1] + gain[i - 1])
        table[i] = np.maximum.accumulate(row)
    pairs, i, j = [], n, m
    while i > 0 and j > 0:
        if table[i, j] == table[i, j - 1]:
            j -= 1
        elif table[i, j] == table[i - 1, j]:
            i -= 1
        else:
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
    return pairs[::-1]


def classify(score: float, align: Align) -> Match:
    if align == "order":
        return "equivalent" if score >= PARTIAL else "partial"
    return "equivalent" if score >= EQUIVALENT else "partial" if score >= PARTIAL else "none"


def crosswalk(snap: Snapshot, rows: PassageRows, from_id: str, to_id: str, units: UnitsParam = "article",
              align: Align | None = None) -> Crosswalk:
    """One row per provision unit of `from_id` (of the kinds `units` selects) with its counterparts
    in `to_id`, a match class, and the units of `to_id` nothing maps to."""
    started = time.perf_counter()
    source, target = document_of(snap, from_id), document_of(snap, to_id)
    src_units = select(document_units(snap, rows, from_id), units)
    dst_units = select(document_units(snap, rows, to_id), units)
    for doc, found in ((source, src_units), (target, dst_units)):
        if not found:
            raise NoText(f"document {doc.id!r} has no {'provision' if units == 'all' else units} units in the index")
    one_text = same_text(source, target)
    align = align or ("order" if one_text else "best")
    a, b = unit_vectors(snap, src_units), unit_vectors(snap, dst_units)
    cos = a @ b.T
    # one text: the units' mean vectors (with their headings and numbers) align translations best;
    # two laws: half of it is how much of the unit the counterpart covers, sentence by sentence
    score = csls(cos if align == "order" else (cos + coverage(snap, src_units, dst_units)) / 2)
    out: list[Row] = []
    if align == "order":
        # bias at the median score: a pair is taken only where it beats a typical pair of the two texts
        paired = dict(monotone_alignment(score, float(np.median(score))))
        for i, unit in enumerate(src_units):
            j = paired.get(i)
            if j is None:
                out.append(Row(unit, "none"))
                continue
            out.append(Row(unit, classify(float(score[i, j]), "order"),
                           [Counterpart(dst_units[j], float(cos[i, j]), float(score[i, j]))]))
    else:
        for i, unit in enumerate(src_units):
            ranked = np.argsort(-score[i])[:MAX_COUNTERPARTS]
            best = float(score[i, ranked[0]])
            match = classify(best, "best")
            if match == "none":
                out.append(Row(unit, "none"))
                continue
            chosen = [j for j in ranked if score[i, j] >= max(best - ALSO_MARGIN, PARTIAL)]
            out.append(Row(unit, match, [Counterpart(dst_units[j], float(cos[i, j]), float(score[i, j])) for j in chosen]))
    used = {id(c.unit) for r in out for c in r.counterparts}
    unmatched = [u for u in dst_units if id(u) not in used]
    took = round((time.perf_counter() - started) * 1000, 2)
    return Crosswalk(source, target, align, units, one_text, out, unmatched, took)
