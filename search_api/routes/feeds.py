"""Atom feeds (RFC 4287, written by feedgen): a watch's matches and what is new in the corpus.

Each feed answers conditional GETs: its ETag is computed from one indexed count before anything
is rendered, so a feed reader polling an unchanged feed costs a 304 and no rendering."""
from __future__ import annotations

from datetime import datetime, timezone
from html import escape

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from feedgen.feed import FeedGenerator

from corpus.watches import Watch
from index.watch_delivery import MatchView, describe
from search_api.deps import SettingsDep, StoreDep, WatchStoreDep
from search_api.routes.watches import Problem, link_base
from search_api.views import humanize, jurisdiction_label

router = APIRouter(prefix="/feeds", tags=["feeds"])
ATOM = "application/atom+xml"
ENTRIES = 100  # newest entries per feed
# feedgen 1.0.0 writes an entry's links without their rel, type and title (lkiesow/python-feedgen#135,
# open): so each entry has one link, the alternate (RFC 4287 4.2.7.2: no rel means alternate), and
# the diff link is in the entry's content.
FEED_RESPONSES = {200: {"content": {ATOM: {}}, "description": "An Atom feed (RFC 4287)."},
                  304: {"description": "Not modified since the ETag given in If-None-Match."}}


def _not_modified(request: Request, etag: str) -> bool:
    given = request.headers.get("if-none-match", "")
    tags = {t.strip().removeprefix("W/") for t in given.split(",") if t.strip()}
    return "*" in tags or etag.removeprefix("W/") in tags


def _atom(fg: FeedGenerator, etag: str) -> Response:
    return Response(fg.atom_str(pretty=True), media_type=ATOM, headers={"ETag": etag, "Cache-Control": "no-cache"})


def _feed(feed_id: str, title: str, subtitle: str, self_url: str, alternate: str, updated: datetime) -> FeedGenerator:
    fg = FeedGenerator()
    fg.id(feed_id)
    fg.title(title)
    fg.subtitle(subtitle)
    fg.author({"name": "ailex"})
    fg.link(href=self_url, rel="self", type=ATOM)
    fg.link(href=alternate, rel="alternate", type="text/html")
    fg.updated(updated)
    fg.generator("ailex")
    return fg


def _tag(day: datetime, path: str) -> str:
    """A permanent entry/feed id (RFC 4151 tag URI): stays the same whatever host serves the feed."""
    return f"tag:ailex,{day.date().isoformat()}:{path}"


def _match_entry(fg: FeedGenerator, w: Watch, v: MatchView) -> None:
    m = v.match
    fe = fg.add_entry(order="append")
    fe.id(_tag(w.created_at, f"watch/{w.id}/match/{m.id}"))
    fe.title(v.title)
    fe.link(href=v.passage_url)  # the one link: see the note on feedgen above
    fe.updated(m.matched_at)
    fe.published(m.matched_at)
    if v.jurisdiction:
        fe.category(term=v.jurisdiction, label=jurisdiction_label(v.jurisdiction))
    fe.summary(v.snippet or v.title)
    parts = [f"<p><strong>{escape(jurisdiction_label(v.jurisdiction))}</strong>"
             + (f" · {escape(v.locator)}" if v.locator else "") + "</p>"]
    if v.snippet:
        parts.append(f"<blockquote>{escape(v.snippet)}</blockquote>")
    if v.citation:
        parts.append(f"<p><cite>{escape(v.citation)}</cite></p>")
    if v.diff_url:
        parts.append(f'<p><a href="{escape(v.diff_url)}">What changed</a></p>')
    fe.content("".join(parts), type="html")


@router.get("/watches/{name}.atom", response_class=Response, responses={**FEED_RESPONSES, 404: {"model": Problem}})
def watch_feed(name: str, request: Request, ws: WatchStoreDep, store: StoreDep, settings: SettingsDep) -> Response:
    """A watch's matches, newest first: one entry per matching passage or changed document."""
    try:
        w = ws.get(name)
    except KeyError:
        raise HTTPException(404, f"no watch named {name!r}") from None
    count, newest = ws.feed_state(w.id)
    etag = f'W/"watch-{w.id}-{count}-{newest}"'
    if _not_modified(request, etag):
        return Response(status_code=304, headers={"ETag": etag})
    base = link_base(request, settings.public_url)
    views = describe(store, ws.matches(w.id, ENTRIES), base)
    what = f'"{w.query}"' if w.kind == "search" else f"document {w.document_id}"
    fg = _feed(_tag(w.created_at, f"watch/{w.id}"), f"ailex watch: {w.name}", f"New and changed provisions for {what}",
               f"{base}/feeds/watches/{w.name}.atom", f"{base}/new",
               views[0].match.matched_at if views else w.created_at)
    for v in views:
        _match_entry(fg, w, v)
    return _atom(fg, etag)


@router.get("/new.atom", response_class=Response, responses=FEED_RESPONSES)
def new_feed(request: Request, ws: WatchStoreDep, store: StoreDep, settings: SettingsDep) -> Response:
    """New documents and new versions in the corpus, newest first."""
    count, newest = ws.versions_state()
    etag = f'W/"versions-{count}-{newest}"'
    if _not_modified(request, etag):
        return Response(status_code=304, headers={"ETag": etag})
    base = link_base(request, settings.public_url)
    rows = ws.recent_versions(ENTRIES)
    started = datetime(2024, 1, 1, tzinfo=timezone.utc)
    fg = _feed(_tag(started, "new"), "ailex: new documents and versions",
               "Documents and versions of AI legislation added to the corpus", f"{base}/feeds/new.atom", f"{base}/new",
               datetime.fromisoformat(rows[0]["fetched_at"]) if rows else started)
    for r in rows:
        try:
            d = store.get_document(r["document_id"])
        except KeyError:
            continue
        fetched = datetime.fromisoformat(r["fetched_at"])
        fe = fg.add_entry(order="append")
        fe.id(_tag(started, f"version/{r['version_id']}"))
        label = "New version" if r["previous_version_id"] else "New document"
        fe.title(f"{label}: {d.title}")
        fe.link(href=f"{base}/documents/{d.id}")
        fe.updated(fetched)
        fe.published(fetched)
        fe.category(term=d.jurisdiction, label=jurisdiction_label(d.jurisdiction))
        facts = " · ".join(f for f in (jurisdiction_label(d.jurisdiction), humanize(d.doc_type), humanize(d.status),
                                          d.date) if f and f != "—")
        fe.summary(facts)
        if r["previous_version_id"]:
            fe.content(f'<p>{escape(facts)}</p><p><a href="{escape(base)}/documents/{escape(d.id)}?tab=changes">'
                       "What changed</a></p>", type="html")
    return _atom(fg, etag)
