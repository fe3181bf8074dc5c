"""Filter columns for the passages of one snapshot, as compact NumPy arrays.

Stored with the snapshot so filters always agree with the vectors they select from, and
evaluated as array masks before FAISS ranks anything.

Two kinds of columns: per passage (language, document, canonical copy) and per document
(jurisdiction, type, status, date), the latter gathered onto passages through the passage's
document. A publish therefore only encodes the passages it adds (`PassageColumns.update`): the
previous snapshot's rows are reused, and a document's new status or date costs one row of
the document table, not a pass over its passages."""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from corpus.jurisdictions import same
from corpus.models import Document

FILENAME = "passages.npz"
LABELS = "labels.json"
# 1: every column per passage, no canonical links; 2: no unit types (both read, then rebuilt by `ailex index`)
FORMAT = 3
PASSAGE_COLUMNS = ("language", "document_id", "unit_type")
DOCUMENT_COLUMNS = ("jurisdiction", "doc_type", "status")
COLUMNS = DOCUMENT_COLUMNS + PASSAGE_COLUMNS


def date_key(value: str, end: bool = False) -> int:
    """'2024' → 20240000 (start of the period) or 20241231 with end=True; '' → 0 (unknown)."""
    m = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", value or "")
    if not m:
        return 0
    y, mo, d = int(m[1]), int(m[2] or (12 if end else 1)), int(m[3] or (31 if end else 1))
    return y * 10000 + mo * 100 + d


@dataclass
class Filters:
    language: list[str] = field(default_factory=list)
    jurisdiction: list[str] = field(default_factory=list)
    doc_type: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    document_id: list[str] = field(default_factory=list)
    unit_type: list[str] = field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None
    # concept ids (any of): applied from the snapshot's concept tags (index/concept_tags.py),
    # not from these columns, so is_empty() does not count them
    concept: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not any(getattr(self, c) for c in COLUMNS) and self.date_from is None and self.date_to is None

    def empty_period(self) -> bool:
        """date_from after date_to: no date lies in it, so nothing passes (an answer, not an error)."""
        return self.date_from is not None and self.date_to is not None and self.date_from > self.date_to

    def replace(self, **changes) -> "Filters":
        return Filters(**{**self.__dict__, **changes})


@dataclass
class PassageRow:
    """What the columns need of one passage."""

    id: int
    document_id: str
    language: str
    unit_type: str = ""


def _encode(values: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    labels = sorted(set(values))
    lookup = {v: n for n, v in enumerate(labels)}
    return np.fromiter((lookup[v] for v in values), np.int32, len(values)), labels


def _recode(codes: np.ndarray, labels: list[str], extra: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """`codes` over `labels`, followed by `extra` values, as codes over one new sorted label list."""
    merged = sorted(set(labels) | set(extra))
    lookup = {v: n for n, v in enumerate(merged)}
    remap = np.array([lookup[v] for v in labels] or [0], np.int32)
    head = remap[codes] if len(codes) else np.zeros(0, np.int32)
    tail = np.fromiter((lookup[v] for v in extra), np.int32, len(extra))
    return np.concatenate([head, tail]), merged


class PassageColumns:
    def __init__(self, ids: np.ndarray, passage_codes: dict[str, np.ndarray], passage_labels: dict[str, list[str]],
                 canonical: np.ndarray, documents: Sequence[Document]):
        order = np.argsort(ids, kind="stable")
        self.ids = np.asarray(ids, np.int64)[order]
        self.passage_codes = {c: np.asarray(v, np.int32)[order] for c, v in passage_codes.items()}
        self.passage_labels = passage_labels
        self.canonical = np.asarray(canonical, np.int64)[order]  # the passage this one copies; 0: none
        self.documents = documents
        # per-document columns, gathered onto passages through the passage's document
        doc_pos = {d.id: n for n, d in enumerate(documents)}
        doc_ids = passage_labels["document_id"]
        row_of_label = np.array([doc_pos.get(d, -1) for d in doc_ids] or [-1], np.int64)
        self._doc_row = row_of_label[self.passage_codes["document_id"]] if len(self.ids) else np.zeros(0, np.int64)
        self.labels: dict[str, list[str]] = dict(passage_labels)
        self.codes: dict[str, np.ndarray] = dict(self.passage_codes)
        for col in DOCUMENT_COLUMNS:
            doc_codes, labels = _encode([getattr(d, col) or "" for d in documents] + [""])  # "" for unknown documents
            self.labels[col] = labels
            self.codes[col] = doc_codes[self._doc_row]  # -1 picks the trailing ""
        starts = np.array([date_key(d.date) for d in documents] + [0], np.int32)
        ends = np.array([date_key(d.date, end=True) for d in documents] + [0], np.int32)
        self.date_start, self.date_end = starts[self._doc_row], ends[self._doc_row]
        self._pos = {int(i): n for n, i in enumerate(self.ids)}

    # -- building ------------------------------------------------------------------------
    @classmethod
    def build(cls, passages: Iterable[PassageRow], canonical: dict[int, int],
              documents: Sequence[Document]) -> "PassageColumns":
        return cls.update(None, np.zeros(0, np.int64), list(passages), canonical, documents)

    @classmethod
    def update(cls, previous: "PassageColumns | None", keep: np.ndarray, new: Sequence[PassageRow],
               canonical: dict[int, int], documents: Sequence[Document]) -> "PassageColumns":
        """The previous snapshot's rows for the passage ids in `keep`, plus `new` rows. `canonical`
        holds every duplicate link among the passages ({copy id: canonical id}); documents are the
        corpus's documents now (their metadata may have changed since the previous snapshot)."""
        if previous is None:
            keep_pos = np.zeros(0, np.int64)
            prev_codes = {c: np.zeros(0, np.int32) for c in PASSAGE_COLUMNS}
            prev_labels: dict[str, list[str]] = {c: [] for c in PASSAGE_COLUMNS}
            prev_ids = np.zeros(0, np.int64)
        else:
            keep_pos = np.flatnonzero(np.isin(previous.ids, keep))
            prev_codes, prev_labels, prev_ids = previous.passage_codes, previous.passage_labels, previous.ids
        codes, labels = {}, {}
        for col in PASSAGE_COLUMNS:
            codes[col], labels[col] = _recode(prev_codes[col][keep_pos], prev_labels[col],
                                              [str(getattr(r, col) or "") for r in new])
        ids = np.concatenate([prev_ids[keep_pos], np.array([r.id for r in new], np.int64)])
        links = np.array([canonical.get(int(i), 0) for i in ids], np.int64) if canonical else np.zeros(len(ids), np.int64)
        return cls(ids, codes, labels, links, list(documents))

    def __len__(self) -> int:
        return len(self.ids)

    # -- filters --------------------------------------------------------------------------
    def mask(self, f: Filters) -> np.ndarray:
        m = np.ones(len(self.ids), bool)
        for col in COLUMNS:
            wanted = getattr(f, col)
            if not wanted:
                continue
            want_codes = [n for n, label in enumerate(self.labels[col]) if value_matches(col, label, wanted)]
            m &= np.isin(self.codes[col], want_codes)
        # a document dated only by year matches any range that overlaps that year
        if f.empty_period():
            return np.zeros(len(self.ids), bool)
        if f.date_from is not None:
            m &= self.date_end >= int(f.date_from.strftime("%Y%m%d"))
        if f.date_to is not None:
            m &= (self.date_start <= int(f.date_to.strftime("%Y%m%d"))) & (self.date_start > 0)
        return m

    def allowed_ids(self, f: Filters) -> np.ndarray | None:
        """Ids that pass `f`, or None when nothing is filtered (search everything)."""
        if f.is_empty():
            return None
        return self.ids[self.mask(f)]

    def facets(self, ids: np.ndarray, columns=("language", "jurisdiction", "doc_type", "status", "unit_type")) -> dict:
        pos = np.array([self._pos[int(i)] for i in ids if int(i) in self._pos], np.int64)
        out = {}
        for col in columns:
            counts = np.bincount(self.codes[col][pos], minlength=len(self.labels[col])) if len(pos) else []
            out[col] = {self.labels[col][n]: int(c) for n, c in sorted(enumerate(counts), key=lambda x: -x[1]) if c}
        # year of the document date, newest first (undated documents are not counted)
        years = self.date_start[pos] // 10000 if len(pos) else np.array([], np.int32)
        values, counts = np.unique(years[years > 0], return_counts=True)
        out["year"] = {str(int(y)): int(c) for y, c in sorted(zip(values, counts), reverse=True)}
        return out

    def value_of(self, column: str, passage_id: int) -> str:
        pos = self._pos.get(int(passage_id))
        return "" if pos is None else self.labels[column][self.codes[column][pos]]

    def language_of(self, passage_ids) -> dict[int, str]:
        return {int(i): self.value_of("language", i) for i in passage_ids}

    def canonical_of(self, passage_id: int) -> int:
        """The passage this one copies (another format of the same act), or itself."""
        pos = self._pos.get(int(passage_id))
        return int(passage_id) if pos is None or not self.canonical[pos] else int(self.canonical[pos])

    def holds(self, passage_id: int) -> bool:
        return int(passage_id) in self._pos

    def values(self, column: str) -> list[str]:
        """The non-empty values of `column` present in this snapshot (sorted)."""
        present = np.unique(self.codes[column]) if len(self.ids) else []
        return [self.labels[column][c] for c in present if self.labels[column][c]]

    # -- persistence ----------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        np.savez(Path(folder) / FILENAME, format=np.int64(FORMAT), ids=self.ids, canonical=self.canonical,
                 **{f"code_{c}": self.passage_codes[c] for c in PASSAGE_COLUMNS})
        (Path(folder) / LABELS).write_text(json.dumps(self.passage_labels, ensure_ascii=False))

    @classmethod
    def load(cls, folder: Path, documents: Sequence[Document], older: bool = False) -> "PassageColumns":
        """The snapshot's passage columns; `documents` is the snapshot's document table. With
        `older`, a snapshot written before unit types is served as it is (no unit types: the
        `unit_type` filter matches nothing) until the next `ailex index` rebuilds its columns."""
        data = np.load(Path(folder) / FILENAME)
        fmt = int(data["format"]) if "format" in data else 1
        if fmt != FORMAT and not (older and fmt == 2):
            raise ValueError(f"the filter columns in {folder} are of an older format: run `ailex index`")
        labels = json.loads((Path(folder) / LABELS).read_text())
        codes = {c: data[f"code_{c}"] for c in PASSAGE_COLUMNS if f"code_{c}" in data}
        if "unit_type" not in codes:
            codes["unit_type"], labels["unit_type"] = np.zeros(len(data["ids"]), np.int32), [""]
        return cls(data["ids"], codes, labels, data["canonical"], documents)


def value_matches(col: str, label: str, wanted: list[str]) -> bool:
    """Whether a column value passes a filter (one rule for passages and the document list)."""
    if col == "language":
        # 'zh' selects zh-cn and zh-tw; 'en' selects 'en' only
        return any(label == w.lower() or label.startswith(w.lower() + "-") for w in wanted)
    if col == "document_id":
        return label in wanted
    if col == "jurisdiction":  # "UK" finds GB: corpus/jurisdictions.py
        return any(same(label, w) for w in wanted)
    return label.lower() in {w.lower() for w in wanted}
