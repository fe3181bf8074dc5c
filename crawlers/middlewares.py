"""Downloader pieces: replay routing, conditional requests, retries with backoff.

Order (DOWNLOADER_MIDDLEWARES priorities, set in crawlers.settings):
  RobotsTxt 100 … BackoffRetry 550 … DownloaderStats 850, HttpCache 900, Conditional 920,
  then the download handler (ReplayDownloadHandler in replay mode, the normal HTTP/1.1 one live).
"""
from __future__ import annotations

import logging
import random
import time
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.defer import maybe_deferred_to_future

from corpus.crawl_state import CrawlState, HttpValidators
from corpus.store import Store

from crawlers.replay import ORIGINAL_URL_HEADER

log = logging.getLogger(__name__)


class ReplayDownloadHandler(HTTP11DownloadHandler):
    """Sends every http(s) request to the local replay server, with the original URL in a header.

    Only the transport changes: the request keeps its URL (so dedup, robots.txt per host,
    download slots per domain, AutoThrottle, retries and the HTTP cache all see the real URL),
    and the response comes back under the original URL."""

    def __init__(self, crawler):
        base = crawler.settings.get("AILEX_REPLAY_URL")
        if not base:
            raise NotConfigured("AILEX_REPLAY_URL is not set")
        super().__init__(crawler)
        self._base = base.rstrip("/")

    async def download_request(self, request: Request) -> Response:
        parts = urlsplit(request.url)
        target = self._base + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = request.headers.copy()
        headers[ORIGINAL_URL_HEADER] = request.url
        response = await super().download_request(request.replace(url=target, headers=headers))
        return response.replace(url=request.url)


class ConditionalRequestMiddleware:
    """Re-crawls ask "changed since?": If-None-Match / If-Modified-Since from the last fetch.

    A 200 that carries an ETag or Last-Modified has its body kept as a store blob and its
    validators saved per URL. A later 304 is turned back into that 200 (flag 'not_modified'), so
    spiders parse as usual and the corpus pipeline sees identical bytes (nothing stored twice)."""

    def __init__(self, crawler, data_dir: str):
        self.crawler = crawler
        self.store = Store(data_dir)
        self.state = CrawlState(self.store)

    @classmethod
    def from_crawler(cls, crawler):
        data_dir = crawler.settings.get("AILEX_DATA_DIR")
        if not data_dir or not crawler.settings.getbool("AILEX_CONDITIONAL_REQUESTS", True):
            raise NotConfigured
        return cls(crawler, data_dir)

    def process_request(self, request: Request):
        if request.method != "GET" or request.meta.get("ailex_unconditional"):
            return None
        v = self.state.validators(request.url)
        if v is None:
            return None
        try:
            self.store.blob_path(v.sha256).stat()
        except (OSError, ValueError):
            return None  # body lost: ask unconditionally
        if v.etag:
            request.headers.setdefault("If-None-Match", v.etag)
        if v.last_modified:
            request.headers.setdefault("If-Modified-Since", v.last_modified)
        request.meta["ailex_validators"] = v
        return None

    def process_response(self, request: Request, response: Response):
        stats = self.crawler.stats
        v: HttpValidators | None = request.meta.get("ailex_validators")
        if response.status == 304 and v is not None:
            stats.inc_value("ailex/not_modified")
            body = self.store.read_blob(v.sha256)
            headers = response.headers.copy()
            if v.content_type:
                headers["Content-Type"] = v.content_type
            cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
            return cls(url=response.url, status=200, headers=headers, body=body, request=request,
                       flags=[*response.flags, "not_modified"], protocol=response.protocol)
        if response.status == 200 and request.method == "GET" and "cached" not in response.flags:
            etag = (response.headers.get("ETag") or b"").decode("latin-1")
            lm = (response.headers.get("Last-Modified") or b"").decode("latin-1")
            if etag or lm:
                sha = self.store.put_blob(response.body)
                if v is None or (v.etag, v.last_modified, v.sha256) != (etag, lm, sha):
                    ctype = (response.headers.get("Content-Type") or b"").decode("latin-1")
                    self.state.save_validators(HttpValidators(
                        url=request.url, etag=etag, last_modified=lm, sha256=sha, content_type=ctype))
        return response

    def close_spider(self):
        self.store.close()


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), None if absent/bad."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


def backoff_delay(retry_times: int, base: float, cap: float, retry_after: float | None = None) -> float:
    """Exponential backoff with jitter; a server's Retry-After wins (capped at `cap`)."""
    if retry_after is not None:
        return min(retry_after, cap)
    return min(cap, base * (2 ** retry_times)) * (0.5 + random.random() / 2)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, but waiting before each retry: Retry-After when the server sends
    one (429/503), otherwise exponential backoff (AILEX_RETRY_BACKOFF_BASE, capped by
    AILEX_RETRY_BACKOFF_MAX). The wait is non-blocking (the reactor keeps running)."""

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("AILEX_RETRY_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("AILEX_RETRY_BACKOFF_MAX", 120.0)

    async def process_response(self, request: Request, response: Response):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry_times = request.meta.get("retry_times", 0)
        if retry_times >= request.meta.get("max_retry_times", self.max_retry_times):
            return self._retry(request, f"HTTP {response.status}") or response
        delay = backoff_delay(retry_times, self.base, self.cap, retry_after_seconds(response.headers.get("Retry-After")))
        if delay > 0:
            log.info("HTTP %s for %s: retrying in %.1fs", response.status, request.url, delay)
            from twisted.internet import reactor
            from twisted.internet.task import deferLater

            await maybe_deferred_to_future(deferLater(reactor, delay, lambda: None))
        return self._retry(request, f"HTTP {response.status}") or response
