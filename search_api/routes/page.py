"""GET /: the server-rendered search page (Jinja2, no front-end build, no inline scripts)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from index.search import IndexMissing
from search_api.deps import get_searcher
from search_api.params import MAX_QUERY, FiltersDep, ModeParam
from search_api.schemas import SearchResponse

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parents[1] / "templates")

LANGUAGE_NAMES = {
    "en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian", "pt": "Portuguese",
    "nl": "Dutch", "ko": "Korean", "zh-cn": "Chinese (simplified)", "zh-tw": "Chinese (traditional)",
}


@router.get("/", response_class=HTMLResponse)
def page(
    request: Request,
    filters: FiltersDep,
    q: Annotated[str, Query(max_length=MAX_QUERY)] = "",
    k: Annotated[int, Query(ge=1, le=100)] = 10,
    mode: ModeParam = "semantic",
    diversify: Annotated[str, Query(pattern="^(|language|jurisdiction)$")] = "jurisdiction",
) -> HTMLResponse:
    error, result, options = None, None, {}
    try:
        searcher = get_searcher(request)
    except Exception as exc:  # index not built yet: the page says so instead of failing
        searcher, error = None, getattr(exc, "detail", str(exc))
    if searcher is not None:
        labels = searcher.snapshot.columns.labels
        options = {c: labels[c] for c in ("language", "jurisdiction", "doc_type", "status")}
        if q.strip():
            try:
                result = SearchResponse.from_result(searcher.search(q.strip(), k=k, filters=filters, mode=mode,
                                                                       diversify=diversify or None))
            except IndexMissing as exc:
                error = str(exc)
    selected = {
        "language": filters.language, "jurisdiction": filters.jurisdiction, "doc_type": filters.doc_type,
        "status": filters.status,
    }
    return templates.TemplateResponse(request, "search.html", {
        "q": q, "k": k, "mode": mode, "diversify": diversify, "segments": segments, "result": result, "error": error, "options": options, "selected": selected,
        "date_from": filters.date_from or "", "date_to": filters.date_to or "", "language_names": LANGUAGE_NAMES,
        "api_url": "/api/search?" + urlencode([("q", q), ("k", k), ("mode", mode)]
                                             + [("lang", v) for v in filters.language]
                                             + [("jurisdiction", v) for v in filters.jurisdiction]),
    })


def segments(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """Text cut into (piece, highlighted) runs, so the template marks terms without |safe."""
    out, pos = [], 0
    for a, b in spans:
        if a > pos:
            out.append((text[pos:a], False))
        out.append((text[a:b], True))
        pos = b
    out.append((text[pos:], False))
    return out
