"""`ailex import`: files on disk plus a CSV of their metadata → documents and versions.

Columns: path (relative to the CSV), title, jurisdiction, doc_type, status, language, date,
source_url; sha256 when present is checked against the file. A row that cannot be imported
is reported with its reason and the others go on.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from corpus.models import DocumentMeta
from corpus.store import Store, sha256_bytes
from corpus.text import content_type_for

REQUIRED = ("path", "title", "jurisdiction", "doc_type")
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class ImportError_(Exception):
    """A problem with the CSV as a whole (missing, unreadable, wrong columns)."""


@dataclass
class ImportReport:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (row path, reason)

    @property
    def total(self) -> int:
        return self.new + self.changed + self.unchanged


def read_rows(csv_path: Path) -> list[dict[str, str]]:
    if not csv_path.is_file():
        raise ImportError_(f"{csv_path} does not exist (AILEX_SAMPLE points at the sample corpus folder)")
    with open(csv_path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise ImportError_(f"{csv_path}: missing column(s) {', '.join(missing)}")
        return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


def import_row(store: Store, row: dict[str, str], base: Path, max_bytes: int | None = None) -> str:
    """Import one row; returns 'new', 'changed' or 'unchanged'. Raises ValueError with the reason."""
    path = (base / row["path"]).resolve()
    if not path.is_file():
        raise ValueError(f"file not found: {path}")
    if row.get("date") and not DATE.match(row["date"]):
        raise ValueError(f"date {row['date']!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    size = path.stat().st_size  # checked before reading: a huge file is never loaded into memory
    if max_bytes is not None and size > max_bytes:
        raise ValueError(f"file of {size} bytes exceeds AILEX_MAX_FILE_MB ({max_bytes // (1024 * 1024)} MB)")
    data = path.read_bytes()
    if row.get("sha256") and sha256_bytes(data) != row["sha256"].lower():
        raise ValueError("file does not match the sha256 in the CSV (changed or truncated?)")
    try:
        meta = DocumentMeta(
            source_key=row.get("source_key") or f"file:{row['path']}",
            title=row["title"], jurisdiction=row["jurisdiction"], doc_type=row["doc_type"],
            status=row.get("status", ""), language=row.get("language", "").lower(), date=row.get("date", ""),
            source_url=row.get("source_url", ""),
        )
    except ValidationError as exc:
        raise ValueError(f"bad metadata: {exc.errors()[0]['msg']}") from exc
    if not meta.title or not meta.jurisdiction or not meta.doc_type:
        raise ValueError("title, jurisdiction and doc_type must not be empty")
    had_version = _has_version(store, meta)
    doc = store.upsert_document(meta)
    _, created = store.add_version(doc.id, data, content_type_for(path.name), path.name)
    if not created:
        return "unchanged"
    return "changed" if had_version else "new"


def _has_version(store: Store, meta: DocumentMeta) -> bool:
    row = store.db.execute("SELECT current_version FROM documents WHERE source_key=?", (meta.source_key,)).fetchone()
    return bool(row and row[0] is not None)


def import_csv(store: Store, csv_path: Path, on_row=None, max_bytes: int | None = None) -> ImportReport:
    """Import every row; a file larger than `max_bytes` (AILEX_MAX_FILE_MB) is refused unread."""
    csv_path = Path(csv_path)
    report = ImportReport()
    for row in read_rows(csv_path):
        try:
            outcome = import_row(store, row, csv_path.parent, max_bytes)
        except (ValueError, OSError) as exc:
            report.errors.append((row.get("path", "?"), str(exc)))
            outcome = "error"
        else:
            setattr(report, outcome, getattr(report, outcome) + 1)
        if on_row:
            on_row(row.get("path", "?"), outcome)
    return report
