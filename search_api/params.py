"""Query parameters shared by the API and the page, validated once."""
from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from fastapi import Depends, HTTPException, Query
from pydantic import BeforeValidator, WithJsonSchema

from corpus.text import PY_SPACE, split_values
from search_api.contract import CONCEPT_IDS, one_of
from index.metadata import Filters
from pipeline.units import UNIT_TYPES

MAX_QUERY = 1000
MAX_FILTER_VALUES = 50


def _date_or_blank(value):
    """YYYY-MM-DD, or an empty form field (`date_from=`, as the search form submits it) for no filter.
    Strict: pydantic alone would also read `0` or `1700000000` as a Unix time."""
    if isinstance(value, str):
        if not value.strip():
            return None
        if not ISO_DATE.fullmatch(value.strip()):
            raise ValueError("expected a date as YYYY-MM-DD")
        return value.strip()
    return value


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
OptionalDate = Annotated[date | None, BeforeValidator(_date_or_blank),
                         WithJsonSchema({"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "maxLength": 0}]})]

# the schema of free text that must hold more than spaces (the route answers a readable 422 itself):
# a character str.strip() keeps, spelled out since `\S` differs between regex dialects
NOT_BLANK = {"pattern": f"[^{PY_SPACE}]"}


def _clean(values: list[str] | None, name: str) -> list[str]:
    out = list(dict.fromkeys(split_values(values)))  # a value given twice is one value
    if len(out) > MAX_FILTER_VALUES:
        raise HTTPException(422, f"{name}: at most {MAX_FILTER_VALUES} values")
    return out


def filters_dep(
    lang: Annotated[list[str] | None, Query(max_length=MAX_FILTER_VALUES, description="Passage language(s): fr, de, zh (matches zh-cn, zh-tw)…")] = None,
    jurisdiction: Annotated[list[str] | None, Query(max_length=MAX_FILTER_VALUES, description="EU, BR, US-CO, …")] = None,
    doc_type: Annotated[list[str] | None, Query(max_length=MAX_FILTER_VALUES, description="act, bill, resolution, committee_report, …")] = None,
    status: Annotated[list[str] | None, Query(max_length=MAX_FILTER_VALUES, description="in_force, pending, enacted, lapsed, …")] = None,
    date_from: Annotated[OptionalDate, Query(description="Documents dated on or after (YYYY-MM-DD).")] = None,
    date_to: Annotated[OptionalDate, Query(description="Documents dated on or before (YYYY-MM-DD).")] = None,
    document: Annotated[list[str] | None, Query(max_length=MAX_FILTER_VALUES, description="Only passages of these document ids.")] = None,
    unit_type: Annotated[list[str] | None, Query(max_length=MAX_FILTER_VALUES, description="Passage unit type(s): "
                                                 + ", ".join(UNIT_TYPES) + ".", json_schema_extra=one_of(UNIT_TYPES))] = None,
    concept: Annotated[list[str] | None, Query(max_length=MAX_FILTER_VALUES, description="Only passages tagged with any of these concept ids "
                                               "(GET /api/concepts lists them).",
                                               json_schema_extra=CONCEPT_IDS)] = None,
) -> Filters:
    # date_from after date_to is an empty period (no document in it), not an error: no schema can say
    # that one parameter must not exceed another, and the API answers what its schema accepts
    unit_types = _clean(unit_type, "unit_type")
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
