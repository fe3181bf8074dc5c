"""Dependencies: the heavy objects loaded once in the lifespan, injected with Depends."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from corpus.actions import ActionStore
from corpus.crawl_state import CrawlState
from corpus.settings import Settings
from corpus.store import Store
from corpus.watches import WatchStore
from index.search import IndexMissing, Searcher


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> Store:
    return request.app.state.store


def get_searcher(request: Request) -> Searcher:
    searcher = request.app.state.searcher
    if searcher is None:
        try:
            searcher = request.app.state.load_searcher()
        except IndexMissing as exc:
            raise HTTPException(503, f"search is not available yet: {exc}") from exc
        request.app.state.searcher = searcher
    return searcher


def get_crawl_state(request: Request) -> CrawlState:
    """Crawl runs and document links (created once per app: the constructor creates the tables)."""
    state = getattr(request.app.state, "crawl_state", None)
    if state is None:
        state = request.app.state.crawl_state = CrawlState(request.app.state.store)
    return state


def get_action_store(request: Request) -> ActionStore:
    """Bill timelines (created once per app: the constructor creates the tables)."""
    actions = getattr(request.app.state, "action_store", None)
    if actions is None:
        actions = request.app.state.action_store = ActionStore(request.app.state.store)
    return actions
def get_watch_store(request: Request) -> WatchStore:
    """Watches and their matches (created once per app: the constructor creates the tables)."""
    watches = getattr(request.app.state, "watch_store", None)
    if watches is None:
        watches = request.app.state.watch_store = WatchStore(request.app.state.store)
    return watches


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
SearcherDep = Annotated[Searcher, Depends(get_searcher)]
CrawlStateDep = Annotated[CrawlState, Depends(get_crawl_state)]
ActionStoreDep = Annotated[ActionStore, Depends(get_action_store)]
WatchStoreDep = Annotated[WatchStore, Depends(get_watch_store)]
