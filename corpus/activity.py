"""Parliamentary actions on AI: per parliament and year, how many bills, committee reports,
resolutions, debates and questions on AI the corpus holds (the overview officers keep by hand).

A document counts as "on AI" when it was imported (the sample corpus is chosen for it) or when the
crawler scored it at least `min_relevance` (AILEX_CRAWL_MIN_RELEVANCE: a crawl with
`--min-relevance 0` also stores off-topic documents, which must not inflate the overview).
Parliament = jurisdiction; the year is the document's date (its introduction, sitting or
publication), "unknown" when it has none.
"""
from __future__ import annotations

from pydantic import Field

from corpus.models import Record
from corpus.store import Store

ACTIVITY_SCHEMA_VERSION = 1

# columns of the overview → the doc_types each counts
KINDS: dict[str, tuple[str, ...]] = {
    "bills": ("bill", "act", "procedure"),
    "committee_reports": ("committee_report", "committee_evidence"),
    "resolutions": ("resolution",),
    "debates": ("debate",),
    "questions": ("question",),
}


class ActivityRow(Record):
    schema_version: int = ACTIVITY_SCHEMA_VERSION
    jurisdiction: str
    year: str = Field(description="YYYY, or 'unknown'")
    bills: int = 0
    committee_reports: int = 0
    resolutions: int = 0
    debates: int = 0
    questions: int = 0

    @property
    def total(self) -> int:
        return sum(getattr(self, k) for k in KINDS)


def ai_activity(store: Store, min_relevance: float) -> list[ActivityRow]:
    """Rows per (jurisdiction, year), jurisdictions in alphabetical order, newest year first."""
    has_crawl = store.db.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='crawl_documents'").fetchone() is not None
    relevance = ("(SELECT c.relevance FROM crawl_documents c WHERE c.document_id = d.id "
                 "ORDER BY c.relevance DESC LIMIT 1)") if has_crawl else "NULL"
    rows = store.db.execute(
        f"SELECT d.jurisdiction, d.doc_type, substr(d.date, 1, 4) AS year, {relevance} AS relevance FROM documents d"
    ).fetchall()
    kind_of = {t: k for k, types in KINDS.items() for t in types}
    cells: dict[tuple[str, str], ActivityRow] = {}
    for r in rows:
        kind = kind_of.get(r["doc_type"])
        if kind is None or (r["relevance"] is not None and r["relevance"] < min_relevance):
            continue
        year = r["year"] if (r["year"] or "").isdigit() else "unknown"
        row = cells.setdefault((r["jurisdiction"], year), ActivityRow(jurisdiction=r["jurisdiction"], year=year))
        setattr(row, kind, getattr(row, kind) + 1)
    return sorted(cells.values(), key=lambda a: (a.jurisdiction, a.year == "unknown", _desc(a.year)))


def _desc(year: str) -> int:
    return -int(year) if year.isdigit() else 0
