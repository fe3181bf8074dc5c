"""What changed between two readings of one text: two versions of a document, or two documents
that hold readings (the European Parliament's position and the Regulation; a bill's XML and its
printed PDF).

Both sides are cut into provision units (index/provisions.py). Units are paired by their key
first (Article 5 ↔ Article 5), then what is left by content (word 5-gram shingles, the ones
duplicate detection uses), so an article that was renumbered is `moved`, not removed plus
added. Changed units get a word-level redline from difflib's SequenceMatcher (the standard
library's diff, the algorithm behind `difflib.ndiff`; no home-made diff).

Old versions' passages stay in the store as retired rows (`active=0`); a version's passages are
read from there, so a diff needs no index and no vectors."""
from __future__ import annotations

import difflib
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Literal

from corpus.models import Document, Passage, Version
from corpus.store import Store
from index.provisions import Provision, provisions
from pipeline.dedupe import shingles

Status = Literal["unchanged", "changed", "added", "removed", "moved"]
Op = Literal["equal", "insert", "delete"]

SAME_KEY_MIN = 0.3  # units with the same number but less in common than this are not one unit
MOVED_MIN = 0.5  # shingle overlap (Jaccard) for two differently numbered units to be one unit moved
_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)
_SENTENCE = re.compile(r"(?<=[.;:!?。；])(?<=\S)(?= )|(?<= )(?=\()")  # after a full stop, or before "(a)"


class UnknownVersion(KeyError):
    pass


class NothingToCompare(ValueError):
    """The request cannot give a diff (one version only, no text, no common language): say why."""


@dataclass
class Reading:
    """One side of a diff: a document as one version (or its current text) holds it."""

    document: Document
    version: Version | None
    passages: list[Passage]

    @property
    def label(self) -> str:
        when = f", version {self.version.id} of {self.version.fetched_at.date().isoformat()}" if self.version else ""
        return f"{self.document.title}{when}"


@dataclass
class UnitDiff:
    status: Status
    old: Provision | None
    new: Provision | None
    similarity: float
    redline: list[tuple[Op, str]] = field(default_factory=list)


@dataclass
class Diff:
    old: Reading
    new: Reading
    language: str
    units: list[UnitDiff]
    took_ms: float

    def summary(self) -> dict[str, int]:
        counts = Counter(u.status for u in self.units)
        return {s: counts.get(s, 0) for s in ("unchanged", "changed", "added", "removed", "moved")}


# -- readings (small accessors: the store's passage rows, current or retired) ---------------------------
def version_passages(store: Store, document_id: str, version_id: int) -> list[Passage]:
    """The passages a version was cut into: the active rows for the current version, else the
    retired ones (the last set written, if the version was re-processed)."""
    rows = [p for p in store.passages(document_id) if p.version_id == version_id]
    if rows:
        return rows
    rows = sorted((p for p in store.passages(document_id, active=False) if p.version_id == version_id), key=lambda p: p.id)
    starts = [n for n, p in enumerate(rows) if p.seq == min(q.seq for q in rows)] if rows else []
    return rows[starts[-1]:] if starts else []


def version_reading(store: Store, document: Document, version_id: int) -> Reading:
    version = next((v for v in store.versions(document.id) if v.id == version_id), None)
    if version is None:
        raise UnknownVersion(version_id)
    return Reading(document, version, version_passages(store, document.id, version_id))


def current_reading(store: Store, document: Document) -> Reading:
    version = store.get_version(document.current_version) if document.current_version else None
    return Reading(document, version, store.passages(document.id))


def previous_and_current(store: Store, document: Document, from_version: int | None = None,
                         to_version: int | None = None) -> tuple[Reading, Reading]:
    """The two versions a document diff compares: by default the one before the current, and the current."""
    versions = store.versions(document.id)
    ids = [v.id for v in versions]
    for v in (from_version, to_version):
        if v is not None and v not in ids:
            raise UnknownVersion(v)
    if len(versions) < 2:
        raise NothingToCompare(f"document {document.id!r} has one version only: there is nothing to compare yet")
    new_id = to_version if to_version is not None else (document.current_version or ids[-1])
    if from_version is not None:
        old_id = from_version
    else:
        older = [v for v in ids if v < new_id]
        if not older:
            raise NothingToCompare(f"version {new_id} is the first version of {document.id!r}: give from_version")
        old_id = older[-1]
    if old_id == new_id:
        raise NothingToCompare("from_version and to_version are the same version")
    return version_reading(store, document, old_id), version_reading(store, document, new_id)


# -- comparing ------------------------------------------------------------------------------------------
def _words(text: str) -> list[str]:
    return _TOKEN.findall(" ".join(text.split()))


def _sentences(text: str) -> list[str]:
    """Sentence-sized pieces (whitespace normalised); joined, they give the text back."""
    return [s for s in _SENTENCE.split(" ".join(text.split())) if s]


def redline(old: str, new: str) -> tuple[float, list[tuple[Op, str]]]:
    """(similarity, [(op, text)…]) at word level: runs of equal, deleted and inserted text.

    Two passes of difflib, as word-diff tools do: sentences first, then words inside the
    sentences that differ. Word-level matching over a whole article costs seconds (difflib is
    quadratic where words repeat); the sentence pass leaves it only the changed stretches.
    Similarity: the share of characters the two texts have in common (2·equal / (old + new))."""
    a, b = _sentences(old), _sentences(new)
    out: list[tuple[Op, str]] = []

    def emit(op: Op, text: str) -> None:
        if not text:
            return
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        else:
            out.append((op, text))

    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            emit("equal", "".join(a[i1:i2]))
            continue
        wa, wb = _TOKEN.findall("".join(a[i1:i2])), _TOKEN.findall("".join(b[j1:j2]))
        for wtag, k1, k2, l1, l2 in difflib.SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes():
            if wtag == "equal":
                emit("equal", "".join(wa[k1:k2]))
            else:
                emit("delete", "".join(wa[k1:k2]))
                emit("insert", "".join(wb[l1:l2]))
    equal = sum(len(t) for op, t in out if op == "equal")
    total = sum(len(t) for op, t in out if op != "insert") + sum(len(t) for op, t in out if op != "delete")
    return (2 * equal / total if total else 1.0), out


def _overlap(a: set[int], b: set[int]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _language(old: list[Passage], new: list[Passage]) -> str:
    """The language both readings share most passages in (a bilingual print holds two)."""
    a, b = Counter(p.language for p in old), Counter(p.language for p in new)
    common = [(min(a[lang], b[lang]), lang) for lang in a if lang in b]
    if not common:
        raise NothingToCompare(f"the two readings share no language ({', '.join(sorted(a)) or 'none'} against "
                               f"{', '.join(sorted(b)) or 'none'}): compare translations with the crosswalk")
    return max(common)[1]


def diff(old: Reading, new: Reading) -> Diff:
    started = time.perf_counter()
    for side in (old, new):
        if not side.passages:
            raise NothingToCompare(f"{side.label} has no text (processing status: "
                                   f"{side.version.processing_status.value if side.version else 'none'})")
    language = _language(old.passages, new.passages)
    a = provisions(p for p in old.passages if p.language == language)
    b = provisions(p for p in new.passages if p.language == language)
    texts_a, texts_b = [u.text for u in a], [u.text for u in b]
    pairs: dict[int, int] = {}
    # 1. by key: the same article, recital or annex number
    by_key = {(u.key.kind, u.key.number, u.key.series): j for j, u in enumerate(b)}
    grams_a = [shingles(t) for t in texts_a]
    grams_b = [shingles(t) for t in texts_b]
    for i, u in enumerate(a):
        j = by_key.get((u.key.kind, u.key.number, u.key.series))
        if j is not None and (_overlap(grams_a[i], grams_b[j]) >= SAME_KEY_MIN or
                              difflib.SequenceMatcher(None, _words(texts_a[i]), _words(texts_b[j]), autojunk=False).quick_ratio() >= SAME_KEY_MIN):
            pairs[i] = j
    # 2. by content: what is left, best overlap first (an inverted index over shingles, not all pairs)
    left_b = set(range(len(b))) - set(pairs.values())
    owners: dict[int, list[int]] = defaultdict(list)
    for j in left_b:
        for g in grams_b[j]:
            owners[g].append(j)
    candidates = []
    for i in set(range(len(a))) - set(pairs):
        shared = Counter(j for g in grams_a[i] for j in owners.get(g, ()))
        for j, n in shared.items():
            score = n / (len(grams_a[i]) + len(grams_b[j]) - n)
            if score >= MOVED_MIN:
                candidates.append((score, i, j))
    moved: set[int] = set()
    for _, i, j in sorted(candidates, reverse=True):
        if i not in pairs and j in left_b:
            pairs[i] = j
            left_b.discard(j)
            moved.add(i)
    # 3. one entry per unit, in the new reading's order (removed units after their predecessor)
    entries: list[tuple[float, UnitDiff]] = []
    position = -1.0
    for i, u in enumerate(a):
        j = pairs.get(i)
        if j is None:
            entries.append((position + 0.5, UnitDiff("removed", u, None, 0.0, [("delete", texts_a[i])])))
            continue
        position = float(j)
        if " ".join(texts_a[i].split()) == " ".join(texts_b[j].split()):
            status, similarity, ops = "unchanged", 1.0, [("equal", " ".join(texts_b[j].split()))]
        else:
            similarity, ops = redline(texts_a[i], texts_b[j])
            status = "changed"
        if i in moved and not u.key.same_number(b[j].key):
            status = "moved"
        entries.append((float(j), UnitDiff(status, u, b[j], round(similarity, 4), ops)))
    paired_b = set(pairs.values())
    for j, u in enumerate(b):
        if j not in paired_b:
            entries.append((float(j), UnitDiff("added", None, u, 0.0, [("insert", texts_b[j])])))
    units = [e for _, e in sorted(entries, key=lambda x: x[0])]
    return Diff(old, new, language, units, round((time.perf_counter() - started) * 1000, 2))
