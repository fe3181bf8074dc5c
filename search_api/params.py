"""Query parameters shared by the API and the page, validated once."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import Depends, HTTPException, Query
from pydantic import BeforeValidator

from corpus.text import split_values
from index.metadata import Filters
from pipeline.units import UNIT_TYPES

MAX_QUERY = 1000
MAX_FILTER_VALUES = 50


def _blank_is_none(value):
    """An empty form field (`date_from=`) means no filter, as the search form submits it."""
    return None if isinstance(value, str) and not value.strip() else value


OptionalDate = Annotated[date | None, BeforeValidator(_blank_is_none)]


def _clean(values: list[str] | None, name: str) -> list[str]:
    out = split_values(values)
    if len(out) > MAX_FILTER_VALUES:
        raise HTTPException(422, f"{name}: at most {MAX_FILTER_VALUES} values")
    return out


def filters_dep(
    lang: Annotated[list[str] | None, Query(description="Passage language(s): fr, de, zh (matches zh-cn, zh-tw)…")] = None,
    jurisdiction: Annotated[list[str] | None, Query(description="EU, BR, US-CO, …")] = None,
    doc_type: Annotated[list[str] | None, Query(description="act, bill, resolution, committee_report, …")] = None,
    status: Annotated[list[str] | None, Query(description="in_force, pending, enacted, lapsed, …")] = None,
    date_from: Annotated[OptionalDate, Query(description="Documents dated on or after (YYYY-MM-DD).")] = None,
    date_to: Annotated[OptionalDate, Query(description="Documents dated on or before (YYYY-MM-DD).")] = None,
    document: Annotated[list[str] | None, Query(description="Only passages of these document ids.")] = None,
    unit_type: Annotated[list[str] | None, Query(description="Passage unit type(s): " + ", ".join(UNIT_TYPES) + ".")] = None,
    concept: Annotated[list[str] | None, Query(description="Only passages tagged with any of these concept ids "
                                               "(GET /api/concepts lists them).")] = None,
) -> Filters:
    if date_from and date_to and date_from > date_to:
        raise HTTPException(422, "date_from is after date_to")
    unit_types = [v.lower() for v in _clean(unit_type, "unit_type")]
    if unknown := [v for v in unit_types if v not in UNIT_TYPES]:
        raise HTTPException(422, f"unit_type: unknown value {unknown[0]!r} (one of {', '.join(UNIT_TYPES)})")
    return Filters(
        language=_clean(lang, "lang"), jurisdiction=_clean(jurisdiction, "jurisdiction"),
        doc_type=_clean(doc_type, "doc_type"), status=_clean(status, "status"), date_from=date_from, date_to=date_to,
        document_id=_clean(document, "document"), unit_type=unit_types, concept=_clean(concept, "concept"),
    )


FiltersDep = Annotated[Filters, Depends(filters_dep)]
ModeParam = Annotated[Literal["semantic", "keyword", "hybrid"], Query(description="Ranking: dense, BM25 or both fused.")]

DiversifyParam = Annotated[
    Literal["language", "jurisdiction"] | None,
    Query(description="Interleave the best matches per language or per jurisdiction."),
]
