"""GET /documents/{id}: one document as a page (the JSON stays at /api/documents/{id})."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from corpus.families import store_families
from index.similar import similar_documents
from search_api.deps import CrawlStateDep, StoreDep, get_searcher
from search_api.routes.documents import DOC_ID
from search_api.views import templates

router = APIRouter(include_in_schema=False)
SIMILAR = 5


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document_page(doc_id: str, request: Request, store: StoreDep, crawl: CrawlStateDep) -> HTMLResponse:
    try:
        if not DOC_ID.match(doc_id):
            raise KeyError(doc_id)
        doc = store.get_document(doc_id)
    except KeyError:
        return templates.TemplateResponse(request, "error.html", {
            "title": "No such document", "message": f"There is no document {doc_id!r} in the corpus.",
        }, status_code=404)
    similar, similar_error = [], None
    try:
        similar = similar_documents(get_searcher(request), doc.id, SIMILAR)
    except Exception as exc:  # no index yet: the rest of the page still helps
        similar_error = getattr(exc, "detail", str(exc))
    passages = store.passages(doc.id)
    family = store_families(store)[doc.id]
    return templates.TemplateResponse(request, "document.html", {
        "doc": doc, "versions": store.versions(doc.id), "passages": passages, "family": family,
        "languages": sorted({p.language for p in passages}),
        "related": crawl.related_documents(doc.id), "similar": similar, "similar_error": similar_error,
    })
