"""GET /documents/{id}: one document as a page (the JSON stays at /api/documents/{id}).

Two tabs, each its own URL: the text and details (default), and `?tab=changes`: what changed
since the previous version, or against another reading (`&against=DOC_ID`, e.g. the European
Parliament's position against the Regulation). Watches link changed-passage alerts here."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from corpus.families import store_families
from index.similar import similar_documents
from search_api.deps import ActionStoreDep, CrawlStateDep, StoreDep, get_searcher
from search_api.routes.diff import documents_diff, versions_diff
from search_api.routes.documents import DOC_ID
from search_api.views import query_string, templates

router = APIRouter(include_in_schema=False)
SIMILAR = 5


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document_page(
    doc_id: str, request: Request, store: StoreDep, crawl: CrawlStateDep, actions: ActionStoreDep,
    tab: Literal["text", "changes"] = "text",
    against: Annotated[str, Query(max_length=80)] = "",
    from_version: Annotated[int | None, Query(ge=1)] = None,
    to_version: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    try:
        if not DOC_ID.match(doc_id):
            raise KeyError(doc_id)
        doc = store.get_document(doc_id)
    except KeyError:
        return templates.TemplateResponse(request, "error.html", {
            "title": "No such document", "message": f"There is no document {doc_id!r} in the corpus.",
        }, status_code=404)
    versions = store.versions(doc.id)
    context = {"doc": doc, "versions": versions, "tab": tab, "related": crawl.related_documents(doc.id),
               "timeline": actions.timeline(doc.id), "family": store_families(store)[doc.id]}
    if tab == "changes":
        return _changes(request, store, doc, versions, context, against, from_version, to_version)
    similar, similar_error = [], None
    try:
        similar = similar_documents(get_searcher(request), doc.id, SIMILAR)
    except Exception as exc:  # no index yet: the rest of the page still helps
        similar_error = getattr(exc, "detail", str(exc))
    passages = store.passages(doc.id)
    return templates.TemplateResponse(request, "document.html", context | {
        "passages": passages, "languages": sorted({p.language for p in passages}),
        "similar": similar, "similar_error": similar_error,
    })


def _changes(request, store, doc, versions, context, against, from_version, to_version) -> HTMLResponse:
    result, error, status, path, params = None, None, 200, None, []
    try:
        if against:
            result = documents_diff(store, against, doc.id)
            path, params = "/api/diff", [("from", against), ("to", doc.id)]
        elif len(versions) > 1 or from_version or to_version:
            result = versions_diff(store, doc.id, from_version, to_version)
            path, params = f"/api/documents/{doc.id}/diff", [("from_version", from_version), ("to_version", to_version)]
    except HTTPException as exc:
        error, status = exc.detail, exc.status_code
    # readings held as other documents: the same jurisdiction's documents, this one excepted
    others = sorted((d for d in store.documents() if d.jurisdiction == doc.jurisdiction and d.id != doc.id),
                    key=lambda d: (d.language != doc.language, d.title))
    exports = {fmt: f"{path}?{query_string(params + [('format', fmt)])}" for fmt in ("docx", "csv", "md")} if path else {}
    return templates.TemplateResponse(request, "document.html", context | {
        "diff": result, "diff_error": error, "against": against, "others": others, "exports": exports,
        "api_url": f"{path}?{query_string(params)}".rstrip("?") if path else None, "changed": _grouped(result.units) if result else [],
    }, status_code=status)


ORDER = {"changed": 0, "moved": 1, "added": 2, "removed": 3}


def _grouped(units) -> list:
    """Changed and moved units first (what a reader compares), then additions and removals (often
    front matter: a resolution's cover page), each in reading order; unchanged units are counted only."""
    return sorted((u for u in units if u.status != "unchanged"), key=lambda u: ORDER[u.status])
