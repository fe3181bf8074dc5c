"""GET /api/search."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query

from corpus.citation import Versions
from search_api.deps import SearcherDep, SettingsDep
from search_api.exports import export_response, openapi_content
from search_api.exports.tables import search_table
from search_api.params import MAX_QUERY, DiversifyParam, FiltersDep, ModeParam
from search_api.schemas import SearchResponse

router = APIRouter(prefix="/api", tags=["search"])


@router.get("/search", response_model=SearchResponse, responses=openapi_content("The ranked passages."))
def search(
    searcher: SearcherDep,
    settings: SettingsDep,
    filters: FiltersDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY, description="Query text, any language.")],
    k: Annotated[int, Query(ge=1, le=1000, description="How many passages (at most AILEX_MAX_K).")] = 10,
    mode: ModeParam = "hybrid",
    diversify: DiversifyParam = None,
    format: Annotated[Literal["json", "csv", "md", "docx"], Query(
        description="json (default), or the results as a file with full citations: csv, md, docx.")] = "json",
):
    """Passages most similar to `q`, filtered before ranking, with facet counts over the best hits."""
    if not q.strip():
        raise HTTPException(422, "q: the query is empty")
    if k > settings.max_k:
        raise HTTPException(422, f"k: at most {settings.max_k}")
    result = searcher.search(q.strip(), k=k, filters=filters, mode=mode, diversify=diversify)
    if format != "json":
        return export_response(search_table(result, Versions(searcher.store)), format)
    return SearchResponse.from_result(result)
