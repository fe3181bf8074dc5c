"""GET /: the server-rendered search page (Jinja2, no front-end build, no inline scripts).

Every state of the page is its URL: facets and chips are plain links, the form is a GET."""
from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from index.concept_tags import UnknownConcept
from index.landscape import concept_passages
from index.search import IndexMissing
from search_api.deps import get_searcher
from search_api.params import MAX_QUERY, FiltersDep, ModeParam
from search_api.schemas import SearchResponse
from search_api.views import FACETS, SearchState, group_by_document, templates

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def page(
    request: Request,
    filters: FiltersDep,
    q: Annotated[str, Query(max_length=MAX_QUERY)] = "",
    k: Annotated[int, Query(ge=1, le=100)] = 10,
    mode: ModeParam = "hybrid",
    diversify: Annotated[str, Query(pattern="^(|language|jurisdiction)$")] = "jurisdiction",
) -> Response:
    state = SearchState(q=q.strip(), k=k, mode=mode, diversify=diversify, filters=filters)
    if sorted(parse_qsl(request.url.query, keep_blank_values=True)) != sorted(state.pairs()):
        # the form submits every field, empty ones too: one canonical URL per search keeps permalinks short
        return RedirectResponse(state.url(), status_code=303)
    error, result, options, status = None, None, {}, 200
    try:
        searcher = get_searcher(request)
    except Exception as exc:  # index not built yet: the page says so instead of failing
        searcher, error = None, getattr(exc, "detail", str(exc))
    if searcher is not None:
        columns = searcher.snapshot.columns
        options = {c: columns.values(c) for c in ("language", "jurisdiction", "doc_type", "status", "unit_type")}
        if searcher.snapshot.concepts is not None:
            options["concept"] = searcher.snapshot.concepts.ids
        try:
            if state.q:
                result = SearchResponse.from_result(searcher.search(state.q, k=k, filters=filters, mode=mode,
                                                                       diversify=diversify or None))
            elif filters.concept:  # issue 14: no query, a concept: its passages, strongest first (landscape cells)
                result = SearchResponse.from_result(concept_passages(searcher, filters, k))
        except IndexMissing as exc:
            error = str(exc)
        except (UnknownConcept, LookupError) as exc:
            error, status = str(exc), 422
    if not error and filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        error = "The period is empty: the “from” date is after the “to” date."
    titles = {}
    for doc_id in filters.document_id:
        if searcher is not None and doc_id in searcher.snapshot.documents:
            titles[doc_id] = searcher.snapshot.documents.get(doc_id).title
    facets = []
    if result:
        for col in FACETS:
            values = [(v, n, state.is_selected(col, v), state.toggle(col, v))
                      for v, n in result.facets.get(col, {}).items() if v]
            if values:
                facets.append((col, values))
    return templates.TemplateResponse(request, "search.html", {
        "nav": "search", "state": state, "q": state.q, "result": result, "error": error, "options": options,
        "groups": group_by_document(result.results) if result else [], "facets": facets,
        "chips": state.chips(titles), "clear_url": state.cleared(),
        "api_url": state.api_url(),
    }, status_code=status)
