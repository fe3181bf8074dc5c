"""POST /api/admin/index: re-index in the background (token required). The API keeps
serving the previous snapshot until the new one is published."""
from __future__ import annotations

import logging
import threading

from fastapi import APIRouter, Request
from pydantic import BaseModel

from index.ingest import Ingest
from search_api.security import AdminDep

router = APIRouter(prefix="/api/admin", tags=["admin"])
log = logging.getLogger(__name__)


class JobStatus(BaseModel):
    running: bool
    last_result: str | None


def _state(request: Request) -> dict:
    app = request.app
    if not hasattr(app.state, "index_job"):
        app.state.index_job = {"lock": threading.Lock(), "running": False, "last": None}
    return app.state.index_job


@router.post("/index", response_model=JobStatus, status_code=202)
def reindex(request: Request, _: AdminDep) -> JobStatus:
    """Start an incremental ingest (extract what is pending, embed, publish) unless one is running."""
    job = _state(request)
    app = request.app
    with job["lock"]:
        if job["running"]:
            return JobStatus(running=True, last_result=job["last"])
        job["running"] = True

    def run() -> None:
        try:
            searcher = app.state.searcher
            encoder = searcher.encoder if searcher else None
            report = Ingest(app.state.settings, app.state.store, encoder).run().index
            job["last"] = f"ok: {report.count} passages, +{report.added}/-{report.removed} vectors"
        except Exception as exc:  # reported through the status endpoint, never lost
            log.exception("background index update failed")
            job["last"] = f"failed: {type(exc).__name__}: {exc}"
        finally:
            job["running"] = False

    threading.Thread(target=run, name="ailex-reindex", daemon=True).start()
    return JobStatus(running=True, last_result=job["last"])


@router.get("/index", response_model=JobStatus)
def reindex_status(request: Request, _: AdminDep) -> JobStatus:
    job = _state(request)
    return JobStatus(running=job["running"], last_result=job["last"])
