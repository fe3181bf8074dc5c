"""GET /api/search."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from search_api.contract import setting_maximum
from search_api.deps import SearcherDep, SettingsDep
from search_api.params import MAX_QUERY, NOT_BLANK, DiversifyParam, FiltersDep, ModeParam
from search_api.schemas import SearchResponse

router = APIRouter(prefix="/api", tags=["search"])


@router.get("/search", response_model=SearchResponse)
def search(
    searcher: SearcherDep,
    settings: SettingsDep,
    filters: FiltersDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY, description="Query text, any language.",
                            json_schema_extra=NOT_BLANK)],
    k: Annotated[int, Query(ge=1, description="How many passages (at most AILEX_MAX_K).",
                            json_schema_extra=setting_maximum("max_k"))] = 10,
    mode: ModeParam = "hybrid",
    diversify: DiversifyParam = None,
) -> SearchResponse:
    """Passages most similar to `q`, filtered before ranking, with facet counts over the best hits."""
    if not q.strip():
        raise HTTPException(422, "q: the query is empty")
    if k > settings.max_k:
        raise HTTPException(422, f"k: at most {settings.max_k}")
    return SearchResponse.from_result(searcher.search(q.strip(), k=k, filters=filters, mode=mode, diversify=diversify))
