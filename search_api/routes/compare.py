"""GET /api/compare: one provision, the best matching passage in each jurisdiction."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query

from index.compare import UnknownPassage, compare
from search_api.deps import SearcherDep
from search_api.exports import export_response, openapi_content
from search_api.exports.tables import compare_table
from search_api.params import MAX_QUERY, FiltersDep
from search_api.schemas import CompareMatch, CompareResponse

router = APIRouter(prefix="/api", tags=["compare"])

@router.get("/compare", response_model=CompareResponse, responses=openapi_content("The best passage per jurisdiction."))
def compare_route(
    searcher: SearcherDep,
    filters: FiltersDep,
    q: Annotated[str | None, Query(min_length=1, max_length=MAX_QUERY, description="A provision as free text.")] = None,
    passage_id: Annotated[int | None, Query(ge=1, description="Or an existing passage to compare from.")] = None,
    format: Annotated[Literal["json", "csv", "md", "docx"], Query(
        description="json (default), or a file with full citations: csv, md (Markdown), docx (Word).")] = "json",
):
    """For a provision (free text or a passage id), the best passage in each jurisdiction,
    best first; `jurisdiction=` narrows the columns, other filters narrow every column."""
    if (q is None or not q.strip()) == (passage_id is None):
        raise HTTPException(422, "give either q or passage_id")
    jurisdictions, filters.jurisdiction = filters.jurisdiction, []
    try:
        result = compare(searcher, query=q.strip() if q else None, passage_id=passage_id,
                         jurisdictions=jurisdictions or None, filters=filters,
                         min_score=searcher.min_score)
    except UnknownPassage:
        raise HTTPException(404, f"no passage {passage_id} in the index") from None
    today = date.today()
    body = CompareResponse(
        query=result.query, took_ms=result.took_ms, retrieved=today.isoformat(),
        source=CompareMatch.from_match(result.source, today) if result.source else None,
        matches=[CompareMatch.from_match(m, today) for m in result.matches], no_match=result.missing,
    )
    if format == "json":
        return body
    return export_response(compare_table(result), format)
