"""Delivering what watches found: one e-mail digest per watch per run and one webhook POST per
watch per run, plus the readable view of a match that feeds, pages and the API share.

A delivery is a row per match and channel (corpus/watches.py), pending until sent. Each run
claims what is due, sends it and marks it sent; a failure keeps it pending with its error, to be
retried on the next run, so a match is never lost and never sent twice. Webhooks are retried
within the run too, with exponential backoff. Delivery after a publish runs in a background
thread with a time budget (`deliver_in_background`): a slow mail server or a dead endpoint never
holds up indexing."""
from __future__ import annotations

import html
import logging
import smtplib
import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage
from urllib.parse import unquote, urlparse

import httpx

from corpus.models import Document, Passage
from corpus.settings import Settings
from corpus.store import Store
from corpus.watches import Watch, WatchMatch, WatchStore
from index.compare import Match, citation

log = logging.getLogger(__name__)

SNIPPET = 300  # characters of passage text shown in feeds, e-mails and the API
SMTP_TIMEOUT_S = 20.0
WEBHOOK_TIMEOUT_S = 5.0
WEBHOOK_ATTEMPTS = 3  # per run; then the matches wait, pending, for the next run
WEBHOOK_BACKOFF_S = 0.5  # 0.5 s, 1 s between attempts
DELIVERY_BUDGET_S = 120.0  # one run's sending stops starting new messages after this long
LABELS = {"new": "New passage", "changed": "Changed passage", "version": "New version",
          "linked": "New linked document"}


class DeliveryError(Exception):
    pass


def base_url(settings: Settings) -> str:
    """Where links in e-mails and webhooks point: AILEX_PUBLIC_URL, else the address `ailex serve` uses."""
    return settings.public_url.rstrip("/") or f"http://{settings.host}:{settings.port}"


@dataclass
class MatchView:
    """A match with what a reader needs: document, passage, snippet, citation and links."""

    match: WatchMatch
    document: Document | None
    passage: Passage | None
    base: str = ""

    @property
    def label(self) -> str:
        return LABELS[self.match.kind]

    @property
    def title(self) -> str:
        doc = self.document.title if self.document else self.match.document_id
        where = self.locator
        return f"{self.label}: {doc}" + (f" — {where}" if where else "")

    @property
    def jurisdiction(self) -> str:
        return self.document.jurisdiction if self.document else ""

    @property
    def locator(self) -> str:
        if self.match.kind in ("version", "linked") or self.passage is None:
            return ""
        p = self.passage
        return p.locator or f"Passage {p.seq + 1}"

    @property
    def snippet(self) -> str:
        if self.passage is None:
            return ""
        text = " ".join(self.passage.text.split())
        return text if len(text) <= SNIPPET else text[:SNIPPET].rsplit(" ", 1)[0] + "…"

    @property
    def citation(self) -> str:
        if self.document is None or self.passage is None:
            return ""
        return citation(Match(self.document.jurisdiction, self.match.score or 0.0, self.passage, self.document),
                        self.match.matched_at.date() if self.match.matched_at else date.today())

    @property
    def document_url(self) -> str:
        return f"{self.base}/documents/{self.match.document_id}"

    @property
    def passage_url(self) -> str:
        if self.match.passage_id is None:
            return self.document_url
        return f"{self.document_url}#p-{self.match.passage_id}"

    @property
    def diff_url(self) -> str | None:
        """The document's "Changes" tab, for a changed passage or a new version."""
        if self.match.kind in ("changed", "version") and self.match.previous_version_id:
            return f"{self.document_url}?tab=changes"
        return None

    @property
    def api_diff_url(self) -> str | None:
        m = self.match
        if self.diff_url is None:
            return None
        return f"{self.base}/api/documents/{m.document_id}/diff?from_version={m.previous_version_id}&to_version={m.version_id}"

    def as_json(self) -> dict:
        m, d = self.match, self.document
        return {
            "id": m.id, "watch": m.watch, "kind": m.kind, "matched_at": m.matched_at.isoformat(),
            "score": m.score, "passage_id": m.passage_id, "version_id": m.version_id,
            "previous_passage_id": m.previous_passage_id, "previous_version_id": m.previous_version_id,
            "title": self.title, "locator": self.locator, "snippet": self.snippet, "citation": self.citation,
            "language": self.passage.language if self.passage else "",
            "document": None if d is None else {
                "id": d.id, "title": d.title, "jurisdiction": d.jurisdiction, "doc_type": d.doc_type,
                "status": d.status, "language": d.language, "date": d.date, "source_url": d.source_url},
            "url": self.passage_url, "document_url": self.document_url, "diff_url": self.diff_url,
            "api_diff_url": self.api_diff_url,
        }


def describe(store: Store, matches: list[WatchMatch], base: str = "") -> list[MatchView]:
    passages = store.passages_by_ids([m.passage_id for m in matches if m.passage_id is not None])
    docs: dict[str, Document | None] = {}
    for m in matches:
        if m.document_id not in docs:
            try:
                docs[m.document_id] = store.get_document(m.document_id)
            except KeyError:
                docs[m.document_id] = None
    return [MatchView(m, docs[m.document_id], passages.get(m.passage_id) if m.passage_id else None, base)
            for m in matches]


# -- e-mail ---------------------------------------------------------------------------------------
def digest(settings: Settings, watch: Watch, views: list[MatchView]) -> EmailMessage:
    """One message for a watch's matches of a run: plain text and HTML, a link to each passage."""
    n = len(views)
    msg = EmailMessage()
    msg["Subject"] = f"ailex watch {watch.name}: {n} new match{'es' if n != 1 else ''}"
    msg["From"] = settings.smtp_from
    msg["To"] = watch.email
    what = f'"{watch.query}"' if watch.kind == "search" else f"document {watch.document_id}"
    feed = f"{base_url(settings)}/feeds/watches/{watch.name}.atom"
    lines = [f"Your watch {watch.name} ({what}) found {n} new match{'es' if n != 1 else ''}.", ""]
    for v in views:
        lines += [f"* {v.title}", f"  {v.jurisdiction}", *([f"  {v.snippet}"] if v.snippet else []),
                  *([f"  {v.citation}"] if v.citation else []), f"  {v.passage_url}",
                  *([f"  What changed: {v.diff_url}"] if v.diff_url else []), ""]
    lines += [f"Feed of this watch: {feed}"]
    msg.set_content("\n".join(lines))
    e = html.escape
    items = "".join(
        f'<li><p><a href="{e(v.passage_url)}">{e(v.title)}</a> <small>({e(v.jurisdiction)})</small></p>'
        + (f"<blockquote>{e(v.snippet)}</blockquote>" if v.snippet else "")
        + (f"<p><small>{e(v.citation)}</small></p>" if v.citation else "")
        + (f'<p><a href="{e(v.diff_url)}">What changed</a></p>' if v.diff_url else "") + "</li>"
        for v in views)
    msg.add_alternative(
        f"<!doctype html><html><body><p>Your watch <strong>{e(watch.name)}</strong> ({e(what)}) found {n} new "
        f"match{'es' if n != 1 else ''}.</p><ul>{items}</ul>"
        f'<p><a href="{e(feed)}">Feed of this watch</a></p></body></html>', subtype="html")
    return msg


def send_email(settings: Settings, message: EmailMessage) -> None:
    """Send through AILEX_SMTP_URL: smtp://host:port (plain), smtp+starttls://… or smtps://… (TLS),
    with user:password@ when the server wants a login."""
    url = urlparse(settings.smtp_url.get_secret_value())
    if url.scheme not in ("smtp", "smtps", "smtp+starttls") or not url.hostname:
        raise DeliveryError(f"AILEX_SMTP_URL must look like smtp://host:port (got scheme {url.scheme!r})")
    port = url.port or {"smtp": 25, "smtps": 465, "smtp+starttls": 587}[url.scheme]
    client = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
    with client(url.hostname, port, timeout=SMTP_TIMEOUT_S) as smtp:
        if url.scheme == "smtp+starttls":
            smtp.starttls()
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.send_message(message)


# -- webhooks -------------------------------------------------------------------------------------
def post_webhook(url: str, payload: dict, attempts: int | None = None, backoff: float | None = None) -> None:
    """POST `payload` as JSON; retried with exponential backoff on errors and non-2xx answers."""
    attempts = WEBHOOK_ATTEMPTS if attempts is None else attempts
    backoff = WEBHOOK_BACKOFF_S if backoff is None else backoff
    error = ""
    for attempt in range(attempts):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        try:
            r = httpx.post(url, json=payload, timeout=WEBHOOK_TIMEOUT_S, headers={"User-Agent": "ailex-watch"})
            if 200 <= r.status_code < 300:
                return
            error = f"HTTP {r.status_code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
    raise DeliveryError(f"webhook {url}: {error} after {attempts} attempts")


def webhook_payload(settings: Settings, watch: Watch, views: list[MatchView]) -> dict:
    return {"event": "watch.matches", "watch": watch.name,
            "feed": f"{base_url(settings)}/feeds/watches/{watch.name}.atom",
            "matches": [v.as_json() for v in views]}


# -- one delivery run ---------------------------------------------------------------------------
def deliver_pending(settings: Settings, store: Store, budget_s: float = DELIVERY_BUDGET_S) -> dict:
    """Send every due pending delivery: per watch, one e-mail (when AILEX_SMTP_URL is set) and one
    webhook POST. Returns counts per channel: messages sent and failed, matches delivered."""
    ws = WatchStore(store)
    watches = {w.id: w for w in ws.list()}
    deadline = time.monotonic() + budget_s
    report = {}
    senders = {"webhook": lambda w, views: post_webhook(w.webhook_url, webhook_payload(settings, w, views))}
    if settings.smtp_url.get_secret_value():
        senders["email"] = lambda w, views: send_email(settings, digest(settings, w, views))
    for channel, send in senders.items():
        counts = report[channel] = {"messages": 0, "failed": 0, "matches": 0}
        for watch_id, matches in ws.claim(channel).items():
            ids = [m.id for m in matches]
            w = watches.get(watch_id)
            if w is None or time.monotonic() > deadline:
                ws.release(channel, ids)
                continue
            try:
                send(w, describe(store, matches, base_url(settings)))
            except Exception as exc:  # kept pending with the reason; the next run tries again
                log.warning("watch %s: %s delivery failed (%d matches kept for the next run): %s",
                            w.name, channel, len(ids), exc)
                ws.failed(channel, ids, f"{type(exc).__name__}: {exc}", timedelta(0))
                counts["failed"] += 1
                continue
            ws.delivered(channel, ids)
            counts["messages"] += 1
            counts["matches"] += len(ids)
    return report


_threads: list[threading.Thread] = []
_threads_lock = threading.Lock()


def deliver_in_background(settings: Settings, store: Store) -> threading.Thread:
    """Deliver in a thread of its own (not a daemon: a command that published waits for it before
    the process exits, after its own work is done)."""

    def run() -> None:
        try:
            deliver_pending(settings, store)
        except Exception:
            log.exception("watch delivery failed")
        finally:
            store.close()  # this thread's connection

    thread = threading.Thread(target=run, name="ailex-watch-delivery", daemon=False)
    with _threads_lock:
        _threads[:] = [t for t in _threads if t.is_alive()]
        _threads.append(thread)
    thread.start()
    return thread


def wait_for_deliveries(timeout: float | None = None) -> None:
    """Wait for background deliveries started in this process (tests, and callers that report)."""
    with _threads_lock:
        threads = list(_threads)
    for t in threads:
        t.join(timeout)
