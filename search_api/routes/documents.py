"""GET /api/documents/{id} and its stored original."""
from __future__ import annotations

import re

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from typing import Annotated

from fastapi import Query

from corpus.families import store_families
from index.similar import similar_documents
from search_api.deps import SearcherDep, StoreDep
from search_api.schemas import (
    DocumentDetail,
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


def _document(store, doc_id: str):
    if not DOC_ID.match(doc_id):
        raise HTTPException(404, f"no document {doc_id!r}")
    try:
        return store.get_document(doc_id)
    except KeyError:
        raise HTTPException(404, f"no document {doc_id!r}") from None


@router.get("/{doc_id}", response_model=DocumentDetail)
def get_document(doc_id: str, store: StoreDep) -> DocumentDetail:
    """Metadata, versions and passages in reading order."""
    d = _document(store, doc_id)
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


@router.get("/{doc_id}/file", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}, "description": "The stored original."}})
def get_file(doc_id: str, store: StoreDep) -> Response:
    """The stored original of the current version, with its content type."""
    d = _document(store, doc_id)
    if d.current_version is None:
        raise HTTPException(404, f"document {doc_id!r} has no stored file")
    v = store.get_version(d.current_version)
    safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", v.filename) or "document"
    return Response(
        store.read_blob(v.sha256), media_type=v.content_type,
        headers={"Content-Disposition": f'inline; filename="{safe_name}"', "X-Content-Type-Options": "nosniff"},
    )


@router.get("/{doc_id}/similar", response_model=SimilarResponse)
def similar(doc_id: str, store: StoreDep, searcher: SearcherDep,
            k: Annotated[int, Query(ge=1, le=50, description="How many documents.")] = 5) -> SimilarResponse:
    """Documents in other jurisdictions most similar to this one, with the passage pairs that make them similar."""
    d = _document(store, doc_id)
    return SimilarResponse(document=DocumentOut.from_document(d), similar=[
        SimilarDocumentOut(document=DocumentOut.from_document(s.document), score=round(s.score, 5), pairs=[
            PassagePair(score=round(p.score, 5), source=PassageOut.from_passage(p.source),
                        target=PassageOut.from_passage(p.target)) for p in s.pairs])
        for s in similar_documents(searcher, d.id, k)])
