"""GET /crosswalk: two documents side by side, provision by provision (the HTML face of /api/crosswalk)."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from corpus.citation import Versions
from search_api.analysis_schemas import CrosswalkResponse
from search_api.deps import get_searcher
from search_api.routes.crosswalk import run_crosswalk
from search_api.views import query_string, templates

router = APIRouter(include_in_schema=False)
MATCHES = ("equivalent", "partial", "none")


@router.get("/crosswalk", response_class=HTMLResponse)
def crosswalk_page(
    request: Request,
    from_id: Annotated[str, Query(alias="from", max_length=80)] = "",
    to_id: Annotated[str, Query(alias="to", max_length=80)] = "",
    units: Literal["article", "recital", "annex", "all"] = "article",
    align: Literal["", "order", "best"] = "",
    match: Literal["", "equivalent", "partial", "none"] = "",
) -> HTMLResponse:
    error, status, body, documents = None, 200, None, []
    try:
        searcher = get_searcher(request)
        documents = sorted(searcher.snapshot.documents, key=lambda d: (d.jurisdiction, d.title))
    except HTTPException as exc:  # no index yet
        searcher, error, status = None, exc.detail, 503
    if searcher is not None and from_id and to_id:
        try:
            cw = run_crosswalk(searcher, from_id, to_id, units, align or None)
            body = CrosswalkResponse.of(cw, Versions(searcher.store))
        except HTTPException as exc:
            error, status = exc.detail, exc.status_code
    elif searcher is not None and (from_id or to_id):
        error, status = "Pick two documents.", 422
    params = [("from", from_id), ("to", to_id), ("units", units)] + ([("align", align)] if align else [])
    rows = [r for r in body.rows if not match or r.match == match] if body else []
    return templates.TemplateResponse(request, "crosswalk.html", {
        "nav": "crosswalk", "documents": documents, "from_id": from_id, "to_id": to_id, "units": units,
        "align": align, "match": match, "result": body, "rows": rows, "error": error,
        "exports": {fmt: "/api/crosswalk?" + query_string(params + [("format", fmt)]) for fmt in ("csv", "md", "docx")},
        "json_url": "/api/crosswalk?" + query_string(params),
        "filter_url": {m: "/crosswalk?" + query_string(params + ([("match", m)] if m else [])) for m in ("",) + MATCHES},
        "swap_url": "/crosswalk?" + query_string([("from", to_id), ("to", from_id), ("units", units)]
                                                 + ([("align", align)] if align else [])),
    }, status_code=status)
