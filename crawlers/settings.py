"""Scrapy settings for ailex crawls, built from the one ailex Settings object.

Politeness is the default: robots.txt obeyed, AutoThrottle on, 1 request at a time per domain
(AILEX_CRAWL_CONCURRENCY_PER_DOMAIN, at most 2), a delay between requests to the same site,
a descriptive User-Agent with a contact URL, retries with exponential backoff that honour
Retry-After, conditional requests (ETag/Last-Modified) on re-crawls. The HTTP cache is for
development (AILEX_CRAWL_HTTP_CACHE=1 or `ailex crawl --http-cache`).

Replay mode (`--replay DIR`) keeps all of that but routes the transport to the local replay
server and drops the inter-request delay (AutoThrottle still runs, from a near-zero start).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from corpus.settings import Settings

VERSION = "0.1"


def user_agent(settings: Settings) -> str:
    contact = getattr(settings, "crawl_contact_url", "") or "contact URL not configured"
    return f"ailex-crawler/{VERSION} (+{contact}; AI-legislation search for parliaments; polite, robots.txt-aware)"


def scrapy_settings(
    settings: Settings, *, replay_url: str | None = None, http_cache: bool | None = None,
    min_relevance: float | None = None, log_level: str = "INFO",
) -> dict[str, Any]:
    per_domain = max(1, min(2, int(getattr(settings, "crawl_concurrency_per_domain", 1))))
    delay = float(getattr(settings, "crawl_download_delay", 1.0))
    cache = getattr(settings, "crawl_http_cache", False) if http_cache is None else http_cache
    congress_key = getattr(settings, "congress_api_key", None)
    govinfo_key = getattr(settings, "govinfo_api_key", None)
    senado_cl_key = getattr(settings, "senado_cl_api_key", None)
    secret = lambda v: (v.get_secret_value() if hasattr(v, "get_secret_value") else (v or ""))  # noqa: E731
    s: dict[str, Any] = {
        "BOT_NAME": "ailex",
        "SPIDER_MODULES": ["crawlers.spiders"],
        "USER_AGENT": user_agent(settings),
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": 8,
        "CONCURRENT_REQUESTS_PER_DOMAIN": per_domain,
        "DOWNLOAD_DELAY": delay,
        "DOWNLOAD_DELAY_JITTER": 0.5,  # ±50% around DOWNLOAD_DELAY
        "DOWNLOAD_TIMEOUT": 60,
        # (issue 7) a response larger than AILEX_MAX_FILE_MB is cancelled while downloading, never
        # held in memory (it would be refused by the pipeline anyway); redirect chains are cut short
        "DOWNLOAD_MAXSIZE": int(getattr(settings, "max_file_mb", 200)) * 1024 * 1024,
        "DOWNLOAD_WARNSIZE": min(32, int(getattr(settings, "max_file_mb", 200))) * 1024 * 1024,
        "REDIRECT_MAX_TIMES": 10,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": max(delay, 1.0),
        "AUTOTHROTTLE_MAX_DELAY": 60.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 3,
        "RETRY_HTTP_CODES": [429, 500, 502, 503, 504, 522, 524, 408],
        "AILEX_RETRY_BACKOFF_BASE": 2.0,
        "AILEX_RETRY_BACKOFF_MAX": 120.0,
        "HTTPCACHE_ENABLED": bool(cache),
        "HTTPCACHE_DIR": str((Path(settings.data_dir) / "httpcache").resolve()),
        "HTTPCACHE_POLICY": "scrapy.extensions.httpcache.DummyPolicy",
        "HTTPCACHE_EXPIRATION_SECS": 24 * 3600,
        "HTTPCACHE_IGNORE_HTTP_CODES": [301, 302, 304, 403, 404, 429, 500, 502, 503, 504],
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": log_level,
        "LOG_INSTALL_ROOT_HANDLER": False,  # the ailex CLI owns the root handler
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawlers.middlewares.BackoffRetryMiddleware": 550,
            "crawlers.middlewares.ConditionalRequestMiddleware": 920,
        },
        "ITEM_PIPELINES": {"crawlers.pipelines.CorpusPipeline": 300},
        "EXTENSIONS": {"crawlers.pipelines.RunRecorder": 500},
        "AILEX_DATA_DIR": str(Path(settings.data_dir).resolve()),
        "AILEX_MIN_RELEVANCE": float(getattr(settings, "crawl_min_relevance", 0.3)
                                     if min_relevance is None else min_relevance),
        "AILEX_CONGRESS_API_KEY": secret(congress_key),
        "AILEX_GOVINFO_API_KEY": secret(govinfo_key) or "DEMO_KEY",
        "AILEX_SENADO_CL_API_KEY": secret(senado_cl_key),
    }
    if replay_url:
        s.update({
            "AILEX_REPLAY_URL": replay_url,
            "DOWNLOAD_HANDLERS": {"http": "crawlers.middlewares.ReplayDownloadHandler",
                                  "https": "crawlers.middlewares.ReplayDownloadHandler"},
            "DOWNLOAD_DELAY": 0.0,
            "AUTOTHROTTLE_START_DELAY": 0.01,
            "AUTOTHROTTLE_MAX_DELAY": 0.2,
            "HTTPCACHE_ENABLED": bool(http_cache),  # never serve replay from a live cache unless asked
            "AILEX_RETRY_BACKOFF_BASE": 0.05,
        })
    return s
