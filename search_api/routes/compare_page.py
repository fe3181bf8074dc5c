"""GET /compare: one provision side by side across jurisdictions (the HTML face of /api/compare)."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from index.compare import UnknownPassage, compare
from search_api.deps import get_searcher
from search_api.params import MAX_QUERY, FiltersDep
from search_api.schemas import CompareMatch
from search_api.views import SearchState, query_string, templates

router = APIRouter(include_in_schema=False)


@router.get("/compare", response_class=HTMLResponse)
def compare_page(
    request: Request,
    filters: FiltersDep,
    q: Annotated[str, Query(max_length=MAX_QUERY)] = "",
    passage_id: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    q = q.strip()
    error, body, status, all_jurisdictions = None, None, 200, []
    wanted = list(filters.jurisdiction)
    try:
        searcher = get_searcher(request)
        all_jurisdictions = searcher.snapshot.columns.values("jurisdiction")
    except Exception as exc:  # no index yet
        searcher, error, status = None, getattr(exc, "detail", str(exc)), 503
    if searcher is not None and (q or passage_id):
        if q and passage_id:
            error, status = "Compare either a text or a passage, not both.", 422
        else:
            filters.jurisdiction = []
            try:
                result = compare(searcher, query=None if passage_id else q, passage_id=passage_id,
                                 jurisdictions=wanted or None, filters=filters, min_score=searcher.min_score)
                today = date.today()
                body = {
                    "query": result.query, "took_ms": result.took_ms, "no_match": result.missing,
                    "source": CompareMatch.from_match(result.source, today) if result.source else None,
                    "matches": [CompareMatch.from_match(m, today) for m in result.matches],
                }
            except UnknownPassage:
                error, status = f"There is no passage {passage_id} in the index.", 404
            filters.jurisdiction = wanted
    state = SearchState(q=q, filters=filters)
    params = ([("passage_id", str(passage_id))] if passage_id else [("q", q)]) + state.filter_pairs()
    return templates.TemplateResponse(request, "compare.html", {
        "nav": "compare", "q": q, "passage_id": passage_id, "wanted": wanted, "jurisdictions": all_jurisdictions,
        "hidden_filters": [(k, v) for k, v in state.filter_pairs() if k != "jurisdiction"],
        "result": body, "error": error,
        "csv_url": "/api/compare?" + query_string(params + [("format", "csv")]),
        "json_url": "/api/compare?" + query_string(params),
        "search_url": SearchState(q=q or (body["query"][:300] if body else ""), filters=filters).url(),
    }, status_code=status)
