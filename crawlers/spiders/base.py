"""Shared base for ailex spiders: routing by URL, strict parsing, errors counted, items built.

A spider declares:
- `name`, `jurisdiction`, `allowed_domains`;
- `seeds`: its entry points (listing pages, API listings, watched procedures), overridable with
  `-a urls=URL,URL` (CLI: `ailex crawl SPIDER --arg urls=…`);
- `routes`: (regex, callback name) pairs; `self.request(url)` picks the callback from the URL,
  so seeds and followed links go through the same parser whatever page they are;
- callbacks that yield `DocumentItem`s (via `self.item(...)`, with `actions=` when the source
  publishes the bill's steps) and requests; `self.request(url, on_missing="method")` names what
  to yield when that page cannot be had, so a chain missing one link still yields its record.

Strictness (after Open States' ScrapeError): a callback that finds nothing where the page must
have something calls `self.structure_error(response, what)` — counted in the run statistics and
turning the run status to `structure_error`. Helpers `one()` / `first_text()` raise
`StructureError` for required fields; the `@strict` decorator on callbacks makes so such an error is counted,
not swallowed.
"""
from __future__ import annotations

import functools
import json
import logging
import re
from datetime import datetime
from typing import Any

import scrapy
from parsel import Selector
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from crawlers.items import DocumentItem, Link
from crawlers.relevance import Relevance, score

log = logging.getLogger(__name__)


class StructureError(Exception):
    """The page does not have the structure the parser relies on."""


class AilexSpider(scrapy.Spider):
    jurisdiction: str = ""
    seeds: tuple[str, ...] = ()
    routes: tuple[tuple[str, str], ...] = ()
    expect_items: bool = True  # zero items in a run is a structure error

    def __init__(self, *args: Any, urls: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if urls:
            self.seeds = tuple(u.strip() for u in urls.split(",") if u.strip())
        self.structure_messages: list[str] = []
        self._routes = [(re.compile(p), cb) for p, cb in self.routes]

    # -- requests ------------------------------------------------------------------
    async def start(self):
        for url in self.seeds:
            yield self.request(url)

    def route(self, url: str):
        for pattern, cb in self._routes:
            if pattern.search(url):
                return getattr(self, cb)
        raise ValueError(f"{self.name}: no route for {url}")

    def request(self, url: str, callback=None, *, meta: dict | None = None, headers: dict | None = None,
                priority: int = 0, on_missing: str | None = None, **cb_kwargs: Any) -> scrapy.Request:
        """`on_missing` names a method called with the same keyword arguments when the page cannot be
        had (404, failure): it yields what can be said without it (the record without its steps,
        a document's metadata without its text), so a missing link of a chain loses nothing else."""
        meta = dict(meta or {})
        if on_missing:
            meta["ailex_on_missing"] = on_missing
        return scrapy.Request(
            url, callback=callback or self.route(url), errback=self.on_error, meta=meta,
            headers=headers, priority=priority, cb_kwargs=cb_kwargs,
        )

    @property
    def min_relevance(self) -> float:
        return self.crawler.settings.getfloat("AILEX_MIN_RELEVANCE", 0.0) if getattr(self, "crawler", None) else 0.0

    def wants_documents(self, relevance: float) -> bool:
        """Fetch a relevant record's documents (texts, reports); skip them for off-topic records.

        Listings are always walked; `-a fetch_all=1` fetches documents of every record."""
        return str(getattr(self, "fetch_all", "")).lower() in ("1", "true", "yes") or relevance >= self.min_relevance

    def on_error(self, failure) -> list:
        self._count_error(failure)
        fallback = failure.request.meta.get("ailex_on_missing") if getattr(failure, "request", None) else None
        if not fallback:
            return []
        try:
            return list(getattr(self, fallback)(**failure.request.cb_kwargs) or [])
        except StructureError as exc:
            self.structure_error(failure.request.url, str(exc))
            return []

    def _count_error(self, failure) -> None:
        stats = self.crawler.stats
        if failure.check(HttpError):
            response = failure.value.response
            if response.status in (404, 410):
                stats.inc_value("ailex/not_found")
                self.logger.info("not found (%s): %s", response.status, response.url)
                return
            stats.inc_value("ailex/failed")
            self.logger.warning("HTTP %s: %s", response.status, response.url)
            return
        if failure.check(IgnoreRequest) and "robots.txt" in str(failure.value):
            # (issue 7) a robots.txt refusal is counted apart (robots_forbidden), not as a failure
            self.logger.info("forbidden by robots.txt: %s", failure.request.url)
            return
        stats.inc_value("ailex/failed")
        self.logger.warning("request failed: %s: %r", failure.request.url, failure.value)

    # -- strictness ----------------------------------------------------------------
    fatal: str = ""  # set by fail_run(): the run ends with status 'failed' and this message

    def fail_run(self, message: str) -> None:
        """The spider cannot run at all (missing key, bad arguments): say so in the run statistics."""
        self.fatal = message
        self.logger.error("%s: %s", self.name, message)

    def structure_error(self, response: Response | str, what: str) -> None:
        url = response if isinstance(response, str) else response.url
        msg = f"{url}: {what}"
        self.crawler.stats.inc_value("ailex/structure_errors")
        self.structure_messages.append(msg)
        self.logger.error("structure error: %s", msg)


    # -- items ---------------------------------------------------------------------
    def item(
        self, *, source_url: str, title: str, doc_type: str, response: Response | None = None,
        text: str | None = None, parent_relevance: float = 0.0, links: list[Link] | None = None,
        **fields: Any,
    ) -> DocumentItem:
        """Build an item; with `response`, its body becomes the document's version."""
        title = clean(title)
        if text is None and response is not None:
            text = text_of(response)
        rel: Relevance = score(title, text or "").at_least(parent_relevance)
        body = content_type = filename = None
        if response is not None:
            body = response.body
            content_type = content_type_of(response)
            filename = filename_of(response.url, content_type)
            if isinstance(response, TextResponse) and ("html" in content_type or content_type.startswith("text/")):
                # the encoding the page was read with (header, BOM, meta or detection; utf8_first may
                # have corrected a wrong declaration), so the pipeline decodes the stored bytes the same way
                content_type = f"{content_type}; charset={response.encoding}"
        return DocumentItem(
            source_url=source_url, title=title, jurisdiction=fields.pop("jurisdiction", self.jurisdiction),
            doc_type=doc_type, body=body, content_type=content_type or "", filename=filename or "",
            links=links or [], relevance=rel.score, ai_terms=rel.terms, **fields,
        )


# -- helpers ---------------------------------------------------------------------
def strict(callback):
    """Decorate a generator callback: a StructureError it raises becomes a counted structure error
    (items yielded before the error are kept)."""

    @functools.wraps(callback)
    def wrapper(self: AilexSpider, response: Response, **kwargs: Any):
        try:
            yield from callback(self, response, **kwargs)
        except StructureError as exc:
            self.structure_error(response, str(exc))

    return wrapper


def clean(text: str | None) -> str:
    return " ".join((text or "").split())


def content_type_of(response: Response) -> str:
    raw = (response.headers.get("Content-Type") or b"").decode("latin-1")
    return raw.split(";")[0].strip().lower() or "application/octet-stream"


def filename_of(url: str, content_type: str) -> str:
    name = url.split("?")[0].rstrip("/").rsplit("/", 1)[-1] or "index"
    if "." not in name[-6:]:
        ext = {"text/html": ".html", "application/json": ".json", "application/pdf": ".pdf",
               "application/ld+json": ".json"}.get(content_type, ".xml" if "xml" in content_type else "")
        name += ext
    return name


def text_of(response: Response) -> str:
    """The readable text of an HTML/XML response (for relevance), '' for other types."""
    ctype = content_type_of(response)
    if "html" in ctype:
        return " ".join(response.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]").getall())
    if "xml" in ctype:
        try:
            return " ".join(Selector(text=response.text, type="xml").xpath("//text()").getall())
        except Exception:  # noqa: BLE001 - a broken XML body is still a body
            return ""
    if "json" in ctype or ctype.startswith("text/"):
        return response.text
    return ""


def utf8_first(response: Response) -> Response:
    """Some pages declare Latin-1/cp1252 but are UTF-8 (re-saved copies, proxies): trust the bytes."""
    if getattr(response, "encoding", "utf-8").lower().replace("-", "") in ("utf8",):
        return response
    try:
        response.body.decode("utf-8")
    except UnicodeDecodeError:
        return response
    return response.replace(encoding="utf-8")


def french_dates(text: str) -> list[str]:
    """Every '14 juin 2017' / '1er août 2017' date in `text`, as ISO, in order of appearance."""
    out = []
    for m in re.finditer(r"\b(\d{1,2})(?:er)?\s+([a-zéèûôA-ZÉ]+)\s+(\d{4})\b", text or ""):
        month = FRENCH_MONTHS.get(m.group(2).lower())
        if month:
            out.append(f"{int(m.group(3)):04d}-{month:02d}-{int(m.group(1)):02d}")
    return out


def load_json(response: Response) -> Any:
    try:
        return json.loads(response.text)
    except ValueError as exc:
        raise StructureError(f"not JSON: {exc}") from exc


def require(value: Any, what: str) -> Any:
    if value in (None, "", [], {}):
        raise StructureError(f"missing {what}")
    return value


def iso_date(text: str | None, *formats: str) -> str:
    """First date in `text` as ISO (YYYY-MM-DD); tries ISO first, then `formats`. '' if none."""
    text = clean(text)
    if not text:
        return ""
    m = re.search(r"\d{4}-\d{2}-\d{2}", text)
    if m:
        return m.group(0)
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return ""


FRENCH_MONTHS = {
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
}


def french_date(text: str | None) -> str:
    """'6 avril 2016' / '1er août 2017' → ISO date; '' if there is none."""
    m = re.search(r"(\d{1,2})(?:er)?\s+([a-zéèûôA-ZÉ]+)\s+(\d{4})", text or "")
    if not m or m.group(2).lower() not in FRENCH_MONTHS:
        return ""
    return f"{int(m.group(3)):04d}-{FRENCH_MONTHS[m.group(2).lower()]:02d}-{int(m.group(1)):02d}"


SPANISH_MONTHS = {
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
    "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
}


def spanish_date(text: str | None) -> str:
    """'Miércoles 22 de Abril, 2026' / '16 de junio de 2026' / '03/06/2026' (day first) → ISO; '' if none."""
    text = clean(text)
    m = re.search(r"(\d{1,2})\s+de\s+([a-zé]+),?\s+(?:de\s+)?(\d{4})", text, re.I)
    if m and m.group(2).lower() in SPANISH_MONTHS:
        return f"{int(m.group(3)):04d}-{SPANISH_MONTHS[m.group(2).lower()]:02d}-{int(m.group(1)):02d}"
    m = re.search(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b", text)
    if m:
        return f"{int(m.group(3)):04d}-{int(m.group(2)):02d}-{int(m.group(1)):02d}"
    return iso_date(text)
