"""GET /new: "What's new": the latest documents and versions, and the latest matches of each watch."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from index.watch_delivery import describe
from search_api.deps import SettingsDep, StoreDep, WatchStoreDep
from search_api.routes.watches import link_base
from search_api.views import templates

router = APIRouter(include_in_schema=False)
VERSIONS = 20
MATCHES_PER_WATCH = 5


@router.get("/new", response_class=HTMLResponse)
def new_page(request: Request, store: StoreDep, ws: WatchStoreDep, settings: SettingsDep) -> HTMLResponse:
    arrivals = []
    for r in ws.recent_versions(VERSIONS):
        try:
            arrivals.append((r, store.get_document(r["document_id"])))
        except KeyError:
            continue
    base = link_base(request, settings.public_url)
    watches = [(w, ws.match_count(w.id), describe(store, ws.matches(w.id, MATCHES_PER_WATCH), ""))
               for w in ws.list()]
    followed = {}
    for w, _, _ in watches:
        if w.kind == "document":
            try:
                followed[w.document_id] = store.get_document(w.document_id).title
            except KeyError:
                followed[w.document_id] = w.document_id
    return templates.TemplateResponse(request, "new.html", {
        "nav": "new", "arrivals": arrivals, "watches": watches, "followed": followed,
        "feed_url": f"{base}/feeds/new.atom"})
