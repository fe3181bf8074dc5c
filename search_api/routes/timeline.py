"""GET /api/documents/{id}/timeline: a bill's actions (introduced, in committee, passed …), oldest first."""
from __future__ import annotations

from fastapi import APIRouter

from search_api.deps import ActionStoreDep, StoreDep
from search_api.routes.documents import document_or_404
from search_api.schemas import ActionOut, TimelineOut

router = APIRouter(prefix="/api/documents", tags=["documents"])


@router.get("/{doc_id}/timeline", response_model=TimelineOut,
            responses={404: {"description": "No such document.", "content": {"application/json": {"example": {
                "detail": "no document 'br-0000000000'"}}}}})
def timeline(doc_id: str, store: StoreDep, actions: ActionStoreDep) -> TimelineOut:
    """The document's actions in order, each with its date, the body that acted, the source's own
    description, the normalised stage and the source URL; an empty list when the source exposes no steps."""
    d = document_or_404(store, doc_id)
    return TimelineOut(document_id=d.id, actions=[
        ActionOut(date=a.date, body=a.body, description=a.description, stage=a.stage.value, source_url=a.source_url)
        for a in actions.timeline(d.id)])
