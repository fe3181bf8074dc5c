"""Helpers for spider tests: recorded responses as Scrapy responses, spiders on a test crawler."""
from __future__ import annotations

import json
from functools import lru_cache

from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler

from crawlers.items import DocumentItem
from crawlers.replay import normalise_url
from tests.conftest import SHARED

SNAPSHOT = SHARED / "snapshot"
SNAPSHOT_2 = SHARED / "snapshot-2"  # more parliaments (Brazil, Chile, Australia, South Africa)
RECORDINGS = (SNAPSHOT, SNAPSHOT_2)


@lru_cache
def recording() -> dict[str, dict]:
    """Every recorded response of both recordings by normalised URL (`folder` says where its body is)."""
    out = {}
    for folder in RECORDINGS:
        with open(folder / "responses.jsonl", encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                out[normalise_url(r["url"])] = {**r, "folder": folder}
    return out


def recorded(url: str, request: Request | None = None, **cb_kwargs):
    """The recorded response for `url` as the right Scrapy Response class."""
    r = recording()[normalise_url(url)]
    body = (r["folder"] / r["body"]).read_bytes()
    ctype = r["content_type"]
    cls = HtmlResponse if "html" in ctype else XmlResponse if "xml" in ctype else TextResponse
    req = request or Request(url, cb_kwargs=cb_kwargs)
    return cls(url=url, status=r["status"], body=body, headers={"Content-Type": ctype}, request=req)


def make_spider(cls, settings: dict | None = None, **kwargs):
    crawler = get_crawler(cls, settings_dict={"AILEX_MIN_RELEVANCE": 0.3, **(settings or {})})
    spider = cls.from_crawler(crawler, **kwargs)
    crawler.spider = spider
    return spider


def run(spider, callback, url: str, **cb_kwargs):
    """Call `callback` on the recorded response; returns (items, requests)."""
    out = list(callback(recorded(url), **cb_kwargs) or [])
    items = [o for o in out if isinstance(o, DocumentItem)]
    requests = [o for o in out if isinstance(o, Request)]
    assert len(items) + len(requests) == len(out), out
    return items, requests


def structure_errors(spider) -> int:
    return spider.crawler.stats.get_value("ailex/structure_errors", 0)
