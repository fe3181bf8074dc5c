"""Response models of the crosswalk and diff endpoints (the API contract of issue 15: keep the keys)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from corpus.citation import Versions
from corpus.models import Document
from index.crosswalk import Counterpart, Crosswalk
from index.diff import Diff, Reading
from index.provisions import Provision
from search_api.exports.tables import cite_unit
from search_api.schemas import DocumentOut


class UnitOut(BaseModel):
    locator: str
    passage_ids: list[int]
    text: str
    label: str = Field(description="The unit's own heading: 'Article 5', 'Art. 14', 'Recital (12)', 'Annex III'.")
    kind: str = Field(description="article, recital, annex, heading or other.")
    number: str = Field(description="The unit's number, comparable across languages ('5', '12', 'III', '6-1-1702').")
    page: int | None
    page_end: int | None
    citation: str

    @classmethod
    def of(cls, document: Document, unit: Provision, versions: Versions, **extra) -> "UnitOut":
        first, last = unit.pages
        return cls(locator=unit.locator, passage_ids=unit.passage_ids, text=unit.text, label=unit.label,
                   kind=unit.kind, number=unit.key.number, page=first, page_end=last,
                   citation=cite_unit(document, unit, versions).text(), **extra)


class CounterpartOut(UnitOut):
    similarity: float = Field(description="Cosine of the two units' vectors (normalised means of their passages).")
    score: float = Field(description="CSLS score (cosine corrected for hub units): what ranks and classifies.")


class CrosswalkRowOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    from_: UnitOut = Field(alias="from")
    to: list[CounterpartOut]
    match: Literal["equivalent", "partial", "none"]


class UnmatchedOut(BaseModel):
    locator: str
    passage_ids: list[int]
    label: str
    kind: str


class CrosswalkSummary(BaseModel):
    equivalent: int
    partial: int
    none: int
    coverage: float = Field(description="Share of the rows that have a counterpart (equivalent or partial).")


class CrosswalkResponse(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    from_: DocumentOut = Field(alias="from")
    to: DocumentOut
    units: str
    align: Literal["order", "best"]
    same_text: bool = Field(description="Whether the two documents were recognised as one text (versions, "
                                        "formats, translations): then units are aligned in order.")
    took_ms: float
    rows: list[CrosswalkRowOut]
    unmatched_to: list[UnmatchedOut]
    summary: CrosswalkSummary

    @classmethod
    def of(cls, cw: Crosswalk, versions: Versions) -> "CrosswalkResponse":
        def counterpart(c: Counterpart) -> CounterpartOut:
            return CounterpartOut.of(cw.target, c.unit, versions, similarity=round(c.similarity, 5), score=round(c.score, 5))

        return cls(**{
            "from": DocumentOut.from_document(cw.source), "to": DocumentOut.from_document(cw.target),
            "units": cw.units, "align": cw.align, "same_text": cw.same_text, "took_ms": cw.took_ms,
            "rows": [CrosswalkRowOut(**{"from": UnitOut.of(cw.source, r.unit, versions),
                                        "to": [counterpart(c) for c in r.counterparts], "match": r.match})
                     for r in cw.rows],
            "unmatched_to": [UnmatchedOut(locator=u.locator, passage_ids=u.passage_ids, label=u.label, kind=u.kind)
                             for u in cw.unmatched],
            "summary": CrosswalkSummary(**cw.summary()),
        })


class ReadingOut(BaseModel):
    document: DocumentOut
    version_id: int | None
    sha256: str | None
    fetched_at: str | None
    label: str

    @classmethod
    def of(cls, r: Reading) -> "ReadingOut":
        v = r.version
        return cls(document=DocumentOut.from_document(r.document), version_id=v.id if v else None,
                   sha256=v.sha256 if v else None, fetched_at=v.fetched_at.isoformat() if v else None, label=r.label)


class DiffUnitOut(BaseModel):
    from_locator: str | None
    to_locator: str | None
    status: Literal["unchanged", "changed", "added", "removed", "moved"]
    similarity: float
    redline: list[tuple[Literal["equal", "insert", "delete"], str]]
    from_passage_ids: list[int]
    to_passage_ids: list[int]


class DiffSummary(BaseModel):
    unchanged: int
    changed: int
    added: int
    removed: int
    moved: int


class DiffResponse(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    from_: ReadingOut = Field(alias="from")
    to: ReadingOut
    language: str
    took_ms: float
    summary: DiffSummary
    units: list[DiffUnitOut]

    @classmethod
    def of(cls, d: Diff, include_unchanged: bool = True) -> "DiffResponse":
        return cls(**{
            "from": ReadingOut.of(d.old), "to": ReadingOut.of(d.new), "language": d.language, "took_ms": d.took_ms,
            "summary": DiffSummary(**d.summary()),
            "units": [DiffUnitOut(from_locator=u.old.locator if u.old else None, to_locator=u.new.locator if u.new else None,
                                  status=u.status, similarity=u.similarity, redline=u.redline,
                                  from_passage_ids=u.old.passage_ids if u.old else [],
                                  to_passage_ids=u.new.passage_ids if u.new else [])
                      for u in d.units if include_unchanged or u.status != "unchanged"],
        })
