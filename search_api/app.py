"""create_app(): the FastAPI application. The model and the index are loaded once, in the
lifespan, and handed to routes through dependencies (search_api/deps.py)."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
import swagger_ui_bundle

from corpus.settings import Settings, get_settings
from corpus.store import Store
from index.concept_tags import UnknownConcept
from index.search import IndexMissing, Searcher
from pipeline.encoders import Encoder, load_encoder
from search_api.routes import (admin, compare, compare_page, concepts, concepts_page, corpus, crosswalk, crosswalk_page,
                               diff, document_page, documents, feeds, health, new_page, page, search, timeline, watches)
from search_api.security import SecurityHeaders

log = logging.getLogger(__name__)


READABLE_422 = {  # (issue 7) the documented shape of every 422 response
    "title": "HTTPValidationError", "type": "object", "required": ["detail"],
    "properties": {
        "detail": {"title": "Detail", "type": "string", "description": "What is wrong, readable (param: problem; …)."},
        "errors": {"title": "Errors", "type": "array", "items": {
            "type": "object", "properties": {
                "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                "msg": {"type": "string"}, "type": {"type": "string"}}}},
    },
}


def create_app(settings: Settings | None = None, encoder: Encoder | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # single queries are 3-7x slower with OpenMP threads than without (measured, issue #8);
        # requests already run in parallel, one per worker thread and process
        import faiss

        faiss.omp_set_num_threads(1)
        serving = settings
        if settings.snapshot_root is not None:  # an API replica: the newest complete snapshot (search_api/replica.py)
            from search_api.replica import first_snapshot

            serving = first_snapshot(settings)
        app.state.settings = serving
        app.state.store = Store(serving.data_dir)
        model = encoder or load_encoder(settings)

        def load_searcher() -> Searcher:
            return Searcher(serving, app.state.store, model)

        app.state.load_searcher = load_searcher
        try:
            app.state.searcher = load_searcher()
        except IndexMissing as exc:  # serve documents and health; search says what is missing
            log.warning("%s", exc)
            app.state.searcher = None
        if settings.snapshot_root is not None:
            from search_api.replica import SnapshotFollower

            app.state.follower = SnapshotFollower(app, settings.snapshot_root, settings, model)
        yield
        app.state.store.close()

    app = FastAPI(
        title="ailex",
        summary="Multilingual search over AI legislation for parliaments.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served below from local assets: the machines are offline, no CDN
        redoc_url=None,
    )

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url, title="ailex API",
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css", swagger_favicon_url="/static/favicon.svg")

    @app.exception_handler(RequestValidationError)
    async def readable_422(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        message = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', [])[1:]) or 'request'}: {e.get('msg', 'invalid')}" for e in errors
        )
        return JSONResponse(status_code=422, content={"detail": message, "errors": [
            {"loc": list(e.get("loc", [])), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in errors]})

    @app.exception_handler(UnknownConcept)
    async def unknown_concept(request: Request, exc: UnknownConcept) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": f"concept: {exc}", "known": exc.known})

    # (issue 7, schemathesis) document the 422 body that readable_422 and HTTPException(422, "…") send:
    # `detail` is a readable string, not FastAPI's default list of errors
    default_openapi = app.openapi

    def openapi_with_readable_422() -> dict:
        if app.openapi_schema is None:
            default_openapi().get("components", {}).get("schemas", {})["HTTPValidationError"] = READABLE_422
        return app.openapi_schema

    app.openapi = openapi_with_readable_422

    app.include_router(search.router)
    app.add_middleware(SecurityHeaders)
    if settings.snapshot_root is not None:
        from search_api.replica import FollowSnapshots

        app.add_middleware(FollowSnapshots, follower_of=lambda: getattr(app.state, "follower", None))
    app.include_router(compare.router)
    app.include_router(admin.router)
    app.include_router(documents.router)
    app.include_router(timeline.router)
    app.include_router(health.router)
    app.include_router(page.router)
    app.include_router(compare_page.router)
    app.include_router(document_page.router)
    app.include_router(corpus.router)
    app.include_router(crosswalk.router)  # issue 15: crosswalks, diffs and their pages
    app.include_router(diff.router)
    app.include_router(crosswalk_page.router)
    app.include_router(watches.router)
    app.include_router(feeds.router)
    app.include_router(new_page.router)
    app.include_router(concepts.router)  # issue 14: concepts, landscape and their pages
    app.include_router(concepts_page.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="docs-assets")
    return app
