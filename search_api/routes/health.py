"""GET /healthz: counts and the index being served."""
from __future__ import annotations

from fastapi import APIRouter, Request

from index import snapshots
from index.manifest import Manifest
from search_api.deps import SettingsDep, StoreDep
from search_api.schemas import Health, IndexInfo

router = APIRouter(tags=["health"])


def index_info(request: Request, settings) -> IndexInfo | None:
    """The index being served (or the one published on disk, before the first search)."""
    searcher = request.app.state.searcher
    if searcher is not None:
        searcher.refresh()
        m = searcher.snapshot.manifest
    else:
        folder = snapshots.current(settings.index_dir)
        m = Manifest.read(folder) if folder else None
    return IndexInfo(build_id=m.build_id, built_at=m.built_at, count=m.count, model=m.model, dim=m.dim) if m else None


@router.get("/healthz", response_model=Health)
def healthz(request: Request, store: StoreDep, settings: SettingsDep) -> Health:
    counts = store.counts()
    index = index_info(request, settings)
    return Health(status="ok" if index else "no_index", documents=counts["documents"], passages=counts["passages"],
                  by_status=counts["by_status"], index=index)
