"""GET /api/documents (the list), /api/documents/{id} and its stored original."""
from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from corpus.families import store_families
from corpus.text import CONTENT_TYPES
from index.document_list import BadCursor, DocumentCounts, documents_with_concepts, list_documents
from index.similar import similar_documents
from search_api.contract import error_response
from search_api.deps import SearcherDep, StoreDep, get_searcher
from search_api.params import FiltersDep
from search_api.schemas import (
    DocumentDetail,
    DocumentList,
    DocumentListItem,
    DocumentOut,
    FamilyMemberOut,
    PassageOut,
    PassagePair,
    SimilarDocumentOut,
    SimilarResponse,
    VersionOut,
)

router = APIRouter(prefix="/api/documents", tags=["documents"])
DOC_ID = re.compile(r"^[a-z0-9-]{1,80}$")
# originals are served as one of the types the extractors read, anything else as bytes
FILE_TYPES = sorted(set(CONTENT_TYPES.values())) + ["application/octet-stream"]


def document_or_404(store, doc_id: str, name: str = ""):
    """The stored document, or a 404 naming the parameter (`name`) that gave the unknown id."""
    where = f"{name}: " if name else ""
    if not DOC_ID.match(doc_id):
        raise HTTPException(404, f"{where}no document {doc_id!r}")
    try:
        return store.get_document(doc_id)
    except KeyError:
        raise HTTPException(404, f"{where}no document {doc_id!r}") from None


@router.get("", response_model=DocumentList, responses={
    404: error_response("The cursor names no page of this listing (made for another sort, or not by it)."),
    503: error_response("`concept` needs the index's concept tags, and no index has been published yet.")})
def document_list(
    request: Request,
    store: StoreDep,
    filters: FiltersDep,
    sort: Annotated[Literal["date", "-date", "title", "-title"],
                    Query(description="date or title, ascending; '-' for descending (undated documents last).")] = "-date",
    limit: Annotated[int, Query(ge=1, le=200, description="Documents per page.")] = 50,
    cursor: Annotated[str | None, Query(min_length=1, max_length=2000, pattern="^[A-Za-z0-9_-]+$",
                                        description="The `next_cursor` of the previous page, as given.")] = None,
) -> DocumentList:
    """Every document passing the filters (as in search: `lang` is a declared or passage language),
    with its processing status, version and passage counts, one page at a time."""
    counts = {doc_id: DocumentCounts(**c) for doc_id, c in store.document_counts().items()}
    # concepts are tags of the published snapshot's passages: only then is the index needed
    within = documents_with_concepts(get_searcher(request).snapshot, filters.concept) if filters.concept else None
    try:
        page = list_documents(store.documents(), counts, filters, sort=sort, limit=limit, cursor=cursor, within=within)
    except BadCursor as exc:  # well-formed but names no position: like an unknown id
        raise HTTPException(404, f"cursor: {exc}") from None
    return DocumentList(total=page.total, sort=sort, limit=limit, next_cursor=page.next_cursor, documents=[
        DocumentListItem(**DocumentOut.from_document(item.document).model_dump(),
                         processing_status=item.document.processing_status.value, reason=item.document.reason,
                         version_count=item.counts.versions, passage_count=item.counts.passages,
                         passage_languages=item.counts.languages, url=f"/api/documents/{item.document.id}")
        for item in page.documents])


@router.get("/{doc_id}", response_model=DocumentDetail)
def get_document(doc_id: str, store: StoreDep) -> DocumentDetail:
    """Metadata, versions and passages in reading order."""
    d = document_or_404(store, doc_id)
    versions = store.versions(d.id)
    family = store_families(store)[d.id]
    d = d.model_copy(update={"family": family.id})
    return DocumentDetail(
        **DocumentOut.from_document(d).model_dump(),
        processing_status=d.processing_status.value, reason=d.reason, identifiers=d.identifiers,
        family_role=family.member(d.id).role,
        family_members=[FamilyMemberOut(**m.model_dump(include={"document_id", "title", "role", "language"}))
                        for m in family.members],
        file_url=f"/api/documents/{d.id}/file" if d.current_version else None,
        versions=[VersionOut(**v.model_dump(exclude={"schema_version", "document_id", "fetched_at", "processing_status"}),
                             fetched_at=v.fetched_at.isoformat(), processing_status=v.processing_status.value)
                  for v in versions],
        passages=[PassageOut.from_passage(p) for p in store.passages(d.id)],
    )


@router.get("/{doc_id}/file", response_class=Response, responses={200: {
    "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in FILE_TYPES},
    "description": "The stored original, with its content type."}})
def get_file(doc_id: str, store: StoreDep) -> Response:
    """The stored original of the current version, with its content type."""
    d = document_or_404(store, doc_id)
    if d.current_version is None:
        raise HTTPException(404, f"document {doc_id!r} has no stored file")
    v = store.get_version(d.current_version)
    safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", v.filename) or "document"
    known = v.content_type.split(";")[0].strip().lower() in FILE_TYPES  # its charset, if any, is kept
    return Response(
        store.read_blob(v.sha256), media_type=v.content_type if known else "application/octet-stream",
        headers={"Content-Disposition": f'inline; filename="{safe_name}"', "X-Content-Type-Options": "nosniff"},
    )


@router.get("/{doc_id}/similar", response_model=SimilarResponse)
def similar(doc_id: str, store: StoreDep, searcher: SearcherDep,
            k: Annotated[int, Query(ge=1, le=50, description="How many documents.")] = 5) -> SimilarResponse:
    """Documents in other jurisdictions most similar to this one, with the passage pairs that make them similar."""
    d = document_or_404(store, doc_id)
    return SimilarResponse(document=DocumentOut.from_document(d), similar=[
        SimilarDocumentOut(document=DocumentOut.from_document(s.document), score=round(s.score, 5), pairs=[
            PassagePair(score=round(p.score, 5), source=PassageOut.from_passage(p.source),
                        target=PassageOut.from_passage(p.target)) for p in s.pairs])
        for s in similar_documents(searcher, d.id, k)])
