"""Filter columns for the passages of one snapshot, as compact NumPy arrays.

Stored with the snapshot so filters always agree with the vectors they select from,
and evaluated as array masks before FAISS ranks anything."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

FILENAME = "passages.npz"
COLUMNS = ("language", "jurisdiction", "doc_type", "status", "document_id")


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
    date_from: date | None = None
    date_to: date | None = None

    def is_empty(self) -> bool:
        return not any(getattr(self, c) for c in COLUMNS) and self.date_from is None and self.date_to is None


class PassageColumns:
    def __init__(self, ids: np.ndarray, codes: dict[str, np.ndarray], labels: dict[str, list[str]],
                 date_start: np.ndarray, date_end: np.ndarray):
        self.ids = ids
        self.codes = codes
        self.labels = labels
        self.date_start = date_start
        self.date_end = date_end
        self._pos = {int(i): n for n, i in enumerate(ids)}

    @classmethod
    def from_rows(cls, rows) -> "PassageColumns":
        ids = np.array([r["id"] for r in rows], np.int64)
        codes, labels = {}, {}
        for col in COLUMNS:
            values = [str(r[col] or "") for r in rows]
            uniq = sorted(set(values))
            lookup = {v: n for n, v in enumerate(uniq)}
            codes[col] = np.array([lookup[v] for v in values], np.int32)
            labels[col] = uniq
        starts = np.array([date_key(r["date"]) for r in rows], np.int32)
        ends = np.array([date_key(r["date"], end=True) for r in rows], np.int32)
        return cls(ids, codes, labels, starts, ends)

    def __len__(self) -> int:
        return len(self.ids)

    def mask(self, f: Filters) -> np.ndarray:
        m = np.ones(len(self.ids), bool)
        for col in COLUMNS:
            wanted = getattr(f, col)
            if not wanted:
                continue
            want_codes = [n for n, label in enumerate(self.labels[col]) if _matches(col, label, wanted)]
            m &= np.isin(self.codes[col], want_codes)
        # a document dated only by year matches any range that overlaps that year
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

    def facets(self, ids: np.ndarray, columns=("language", "jurisdiction", "doc_type", "status")) -> dict:
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

    def save(self, folder: Path) -> None:
        np.savez(Path(folder) / FILENAME, ids=self.ids, date_start=self.date_start, date_end=self.date_end,
                 **{f"code_{c}": self.codes[c] for c in COLUMNS})
        (Path(folder) / "labels.json").write_text(json.dumps(self.labels, ensure_ascii=False))

    @classmethod
    def load(cls, folder: Path) -> "PassageColumns":
        data = np.load(Path(folder) / FILENAME)
        labels = json.loads((Path(folder) / "labels.json").read_text())
        return cls(data["ids"], {c: data[f"code_{c}"] for c in COLUMNS}, labels, data["date_start"], data["date_end"])


def _matches(col: str, label: str, wanted: list[str]) -> bool:
    if col == "language":
        # 'zh' selects zh-cn and zh-tw; 'en' selects 'en' only
        return any(label == w.lower() or label.startswith(w.lower() + "-") for w in wanted)
    if col == "document_id":
        return label in wanted
    return label.lower() in {w.lower() for w in wanted}
