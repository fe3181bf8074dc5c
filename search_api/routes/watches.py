"""/api/watches: saved searches and followed documents, and what they matched (newest first).

Reading is open like the rest of the API; making and removing a watch changes state, so it needs
the admin token. A watch's e-mail address and webhook URL are never shown, only its channels."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import AliasChoices, BaseModel, Field

from corpus.watches import Watch, WatchError, WatchExists, WatchSpec, WatchStore
from index.watch_delivery import describe
from index.watch_match import create_watch
from search_api.deps import SettingsDep, StoreDep, WatchStoreDep, get_searcher
from search_api.schemas import DocumentOut
from search_api.security import AdminDep

router = APIRouter(prefix="/api/watches", tags=["watches"])
MAX_PAGE = 200


class Problem(BaseModel):
    detail: str


ADMIN_ERRORS = {401: {"model": Problem, "description": "Missing or wrong admin token."},
                403: {"model": Problem, "description": "State-changing endpoints are off (no AILEX_ADMIN_TOKEN)."}}
NOT_FOUND = {404: {"model": Problem, "description": "No watch of that name."}}


class WatchIn(BaseModel):
    """A saved search (`query`, filters, `mode`…) or, with `kind: "document"`, a followed document."""

    name: str = Field(description="Letters, digits, '-' and '_'; the feed is /feeds/watches/{name}.atom.")
    kind: Literal["search", "document"] = "search"
    query: str = Field("", description='As in a search: words, "exact phrases", title:word.')
    lang: list[str] = Field(default_factory=list, validation_alias=AliasChoices("lang", "language"))
    jurisdiction: list[str] = Field(default_factory=list)
    doc_type: list[str] = Field(default_factory=list)
    status: list[str] = Field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None
    mode: Literal["semantic", "keyword", "hybrid"] = "hybrid"
    min_score: float | None = Field(None, ge=0.0, le=1.0)
    concepts: list[str] = Field(default_factory=list)
    document_id: str = ""
    webhook_url: str = ""
    email: str = ""


class WatchOut(BaseModel):
    name: str
    kind: str
    query: str
    filters: dict = Field(description="lang, jurisdiction, doc_type, status, date_from, date_to (those set).")
    mode: str
    min_score: float | None
    concepts: list[str]
    document_id: str
    channels: list[str] = Field(description="Where matches go besides the feed: email, webhook.")
    created_at: str
    last_run_at: str | None
    matches: int
    pending_deliveries: dict[str, int]
    feed_url: str
    matches_url: str

    @classmethod
    def of(cls, w: Watch, ws: WatchStore) -> "WatchOut":
        filters = w.filters_dict()
        if "language" in filters:
            filters = {"lang": filters.pop("language"), **filters}
        return cls(name=w.name, kind=w.kind, query=w.query, filters=filters, mode=w.mode, min_score=w.min_score,
                   concepts=w.concepts, document_id=w.document_id,
                   channels=[c for c, on in (("email", w.email), ("webhook", w.webhook_url)) if on],
                   created_at=w.created_at.isoformat(), last_run_at=w.last_run_at.isoformat() if w.last_run_at else None,
                   matches=ws.match_count(w.id), pending_deliveries=ws.pending(w.id),
                   feed_url=f"/feeds/watches/{w.name}.atom", matches_url=f"/api/watches/{w.name}/matches")


class WatchList(BaseModel):
    watches: list[WatchOut]


class MatchOut(BaseModel):
    id: int
    watch: str
    kind: str = Field(description="new, changed (a passage whose text changed: see diff_url), version, linked.")
    matched_at: str
    score: float | None = Field(description="Cosine of the passage's best vector to the query; null for word matches.")
    passage_id: int | None
    version_id: int | None
    previous_passage_id: int | None
    previous_version_id: int | None
    title: str
    locator: str
    snippet: str
    citation: str
    language: str
    document: DocumentOut | None
    url: str = Field(description="The passage in its document.")
    document_url: str
    diff_url: str | None = Field(description="The document's Changes tab (changed passages, new versions).")
    api_diff_url: str | None


class MatchPage(BaseModel):
    watch: str
    total: int
    limit: int
    offset: int
    matches: list[MatchOut]


def link_base(request: Request, public_url: str) -> str:
    """Absolute links: AILEX_PUBLIC_URL, else the address this request came to."""
    return public_url.rstrip("/") or str(request.base_url).rstrip("/")


def _watch(ws: WatchStore, name: str) -> Watch:
    try:
        return ws.get(name)
    except KeyError:
        raise HTTPException(404, f"no watch named {name!r}") from None


@router.get("", response_model=WatchList)
def list_watches(ws: WatchStoreDep) -> WatchList:
    """Every watch, with its filters, channels, number of matches and pending deliveries."""
    return WatchList(watches=[WatchOut.of(w, ws) for w in ws.list()])


@router.get("/{name}", response_model=WatchOut, responses=NOT_FOUND)
def get_watch(name: str, ws: WatchStoreDep) -> WatchOut:
    return WatchOut.of(_watch(ws, name), ws)


@router.get("/{name}/matches", response_model=MatchPage, responses=NOT_FOUND)
def watch_matches(
    name: str, request: Request, ws: WatchStoreDep, store: StoreDep, settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Matches per page.")] = 20,
    offset: Annotated[int, Query(ge=0, description="Matches to skip (newest first).")] = 0,
) -> MatchPage:
    """What a watch matched, newest first: passage, snippet, citation, links (and the diff of a change)."""
    w = _watch(ws, name)
    views = describe(store, ws.matches(w.id, limit, offset), link_base(request, settings.public_url))
    return MatchPage(watch=w.name, total=ws.match_count(w.id), limit=limit, offset=offset,
                     matches=[MatchOut(**v.as_json()) for v in views])


@router.post("", response_model=WatchOut, status_code=201, responses={
    **ADMIN_ERRORS, 409: {"model": Problem, "description": "A watch of that name exists."},
    422: {"description": "The watch is invalid or could never match (empty query, unknown filter values, "
                         "unknown document): `detail` says which field and why."},
    503: {"model": Problem, "description": "No index yet (a saved search needs the model and the index)."}})
def add_watch(body: WatchIn, request: Request, store: StoreDep, settings: SettingsDep, ws: WatchStoreDep,
              _: AdminDep) -> WatchOut:
    """Make a watch (admin token): from now on every published index reports its new matches, once."""
    try:
        spec = WatchSpec.parse(**body.model_dump(exclude={"lang"}), language=body.lang)
        encoder = get_searcher(request).encoder if spec.kind == "search" else None
        watch = create_watch(settings, store, spec, encoder)
    except WatchExists as exc:
        raise HTTPException(409, str(exc)) from None
    except WatchError as exc:
        raise HTTPException(422, str(exc)) from None
    return WatchOut.of(watch, ws)


@router.delete("/{name}", status_code=204, response_class=Response, responses={**ADMIN_ERRORS, **NOT_FOUND})
def remove_watch(name: str, ws: WatchStoreDep, _: AdminDep) -> Response:
    """Remove a watch with its recorded matches (admin token)."""
    if not ws.remove(name):
        raise HTTPException(404, f"no watch named {name!r}")
    return Response(status_code=204)
