"""Distributed crawling: the same spiders, with the frontier, the politeness and the items in Redis.

`ailex crawl --distributed` runs the spiders through scrapy-redis. Any number of crawler processes,
on any number of machines, that name the same job (`--job`, default today's UTC date) share:

  ailex:crawl:{job}:{spider}:requests            the request queue (scrapy-redis priority queue, a ZSET)
  ailex:crawl:{job}:{spider}:dupefilter          request fingerprints ever scheduled (scrapy-redis): no URL twice
  ailex:crawl:{job}:{spider}:requests:inflight:{crawler}   requests a crawler popped and has not finished
  ailex:crawl:{job}:{spider}:requests:crawlers   crawlers working on the spider
  ailex:crawl:{job}:alive:{crawler}              heartbeat, expires after AILEX_REDIS_LEASE_SECONDS
  ailex:crawl:{job}:items:seen                   fingerprints of items already queued (a re-fetch queues nothing)
  ailex:crawl:{job}:{spider}:stats               counters summed over every crawler process
  ailex:polite:{host}:next / :holders            per-site politeness, shared by every crawler and job
  ailex:items                                    the item queue, read by `ailex ingest-worker` (crawlers/item_queue.py)

A popped request is *leased*: it moves atomically from the queue to the crawler's in-flight hash and
leaves it only when its callback's (or errback's) output (child requests into the queue, items into
the item queue) has been handed over, when its download failed for good, or when Scrapy re-schedules
it (retry, redirect). A crawler that dies (kill -9,
machine lost) stops sending heartbeats; the others then move its in-flight requests back into the queue,
and a crawler stays alive while any other crawler still has requests in flight. A crawler stopped
with Ctrl-C gives its unfinished requests back at once.

Politeness across processes: before a request is downloaded, SharedPolitenessMiddleware asks Redis
(one Lua script, Redis's own clock) for a per-site grant: at most AILEX_CRAWL_CONCURRENCY_PER_DOMAIN
requests in flight to a site and AILEX_CRAWL_DOWNLOAD_DELAY seconds between two request starts to it,
counted over every crawler process together. robots.txt, retries with backoff, AutoThrottle (per
process; it may only slow down further) and the User-Agent are unchanged.

Crawlers import only corpus (settings) and touch no store: they can run on machines without the shared
storage. Conditional requests (ETag/Last-Modified from the store) are therefore off in this mode.
"""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import logging
import os
import re
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from corpus.actions import BillAction
from corpus.settings import Settings

from crawlers.items import DocumentItem, Link

log = logging.getLogger(__name__)

LEASE = "ailex_lease"  # request.meta key: the id of the lease the request was popped under
POLITE_TOKEN = "ailex_polite_token"
ITEM_QUEUE = "ailex:items"
JOB_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
FRONTIER_TTL = 7 * 24 * 3600  # a finished job's keys (duplicate filter, stats) are kept a week


def prefix(job: str) -> str:
    return f"ailex:crawl:{job}"


def default_job() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d")


def worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10, health_check_interval=30)


# -- items on the wire ---------------------------------------------------------------------
def encode_item(item: DocumentItem, spider: str, job: str, min_relevance: float) -> tuple[str, bytes]:
    """(fingerprint, payload). The fingerprint covers everything the item says, so a re-fetched page
    that yields the same document queues nothing, and a changed one queues a new item."""
    d = dataclasses.asdict(item)
    d["body"] = base64.b64encode(item.body).decode("ascii") if item.body is not None else None
    d["actions"] = [a.model_dump(mode="json") for a in item.actions]  # typed records travel as JSON
    core = json.dumps(d, sort_keys=True, ensure_ascii=False)
    fp = hashlib.sha256(core.encode("utf-8")).hexdigest()
    payload = json.dumps({"spider": spider, "job": job, "min_relevance": min_relevance, "item": d},
                         ensure_ascii=False).encode("utf-8")
    return fp, payload


def decode_item(payload: bytes) -> tuple[DocumentItem, str, float]:
    """(item, spider, min_relevance) from a payload of encode_item."""
    data = json.loads(payload)
    d = dict(data["item"])
    d["body"] = base64.b64decode(d["body"]) if d.get("body") is not None else None
    d["links"] = [Link(**l) for l in d.get("links") or []]
    d["actions"] = [BillAction.model_validate(a) for a in d.get("actions") or []]
    return DocumentItem(**d), data["spider"], float(data.get("min_relevance", 0.0))


# -- the leased request queue -----------------------------------------------------------------
_POP = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
local id = redis.sha1hex(r[1])
redis.call('HSET', KEYS[2], id, r[2] .. '\\n' .. r[1])
return {id, r[1]}
"""
_REQUEUE = """
local vals = redis.call('HVALS', KEYS[2])
for _, v in ipairs(vals) do
  local i = string.find(v, '\\n', 1, true)
  redis.call('ZADD', KEYS[1], tonumber(string.sub(v, 1, i - 1)), string.sub(v, i + 1))
end
redis.call('DEL', KEYS[2])
return #vals
"""


class LeasedQueue(PriorityQueue):
    """scrapy-redis's priority queue, but a pop is a lease: the request is kept in this crawler's
    in-flight hash until `ack`, and handed back to the queue if the crawler dies."""

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer)
        settings = spider.crawler.settings
        self.worker = settings.get("AILEX_WORKER_ID")
        self.alive_prefix = settings.get("AILEX_FRONTIER_PREFIX") + ":alive:"
        self.crawlers_key = f"{self.key}:crawlers"
        self.inflight_key = self._inflight(self.worker)
        self._pop = server.register_script(_POP)
        self._requeue = server.register_script(_REQUEUE)
        server.sadd(self.crawlers_key, self.worker)

    def _inflight(self, worker: str) -> str:
        return f"{self.key}:inflight:{worker}"

    def pop(self, timeout=0):
        got = self._pop(keys=[self.key, self.inflight_key])
        if not got:
            return None
        lease, data = got
        request = self._decode_request(data)
        request.meta[LEASE] = lease.decode() if isinstance(lease, bytes) else lease
        return request

    def ack(self, lease: str) -> None:
        self.server.hdel(self.inflight_key, lease)

    def requeue(self, worker: str) -> int:
        return int(self._requeue(keys=[self.key, self._inflight(worker)]))

    def reclaim_dead(self) -> int:
        """Give the in-flight requests of crawlers without a heartbeat back to the queue."""
        moved = 0
        for raw in self.server.smembers(self.crawlers_key):
            other = raw.decode()
            if other != self.worker and not self.server.exists(self.alive_prefix + other):
                n = self.requeue(other)
                self.server.srem(self.crawlers_key, other)
                if n:
                    log.warning("crawler %s is gone: %d of its requests are back in the queue", other, n)
                moved += n
        return moved

    def others_in_flight(self) -> int:
        return sum(int(self.server.hlen(self._inflight(w.decode()))) for w in self.server.smembers(self.crawlers_key)
                   if w.decode() != self.worker)

    def own_in_flight(self) -> int:
        return int(self.server.hlen(self.inflight_key))


class FrontierScheduler(Scheduler):
    """scrapy-redis's scheduler; a re-scheduled leased request (retry, redirect) ends its old lease
    once the new request is in the queue (or filtered as already seen)."""

    def enqueue_request(self, request: Request) -> bool:
        lease = request.meta.pop(LEASE, None)
        try:
            return super().enqueue_request(request)
        finally:
            if lease:
                self.queue.ack(lease)


# -- items out, leases acknowledged -----------------------------------------------------------
_PUSH_ITEM = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  redis.call('RPUSH', KEYS[2], ARGV[2])
  return 1
end
return 0
"""


class FrontierSpiderMiddleware:
    """Outermost spider middleware: items go to the Redis item queue (once: fingerprints), child
    requests go on to the scheduler, and when the callback's (or errback's) output is exhausted the
    response's lease is acknowledged: nothing it produced can be lost after that."""

    def __init__(self, crawler):
        s = crawler.settings
        if not s.get("AILEX_FRONTIER_PREFIX"):
            raise NotConfigured
        self.crawler = crawler
        self.job = s.get("AILEX_FRONTIER_JOB")
        self.seen_key = s.get("AILEX_FRONTIER_PREFIX") + ":items:seen"
        self.min_relevance = s.getfloat("AILEX_MIN_RELEVANCE", 0.0)
        self.server = redis_client(s.get("REDIS_URL"))
        self._push = self.server.register_script(_PUSH_ITEM)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _handle(self, response, obj):
        if isinstance(obj, DocumentItem):
            fp, payload = encode_item(obj, self.crawler.spider.name, self.job, self.min_relevance)
            queued = self._push(keys=[self.seen_key, ITEM_QUEUE], args=[fp, payload])
            self.crawler.stats.inc_value("ailex/items_queued" if queued else "ailex/items_already_queued")
        elif isinstance(obj, Request) and obj.meta.get(LEASE) and obj.meta.get(LEASE) == response.meta.get(LEASE):
            obj.meta.pop(LEASE)  # a child that copied its parent's meta must not end the parent's lease
        return obj

    def _ack(self, response) -> None:
        lease = response.meta.get(LEASE) if response is not None else None
        scheduler = getattr(getattr(self.crawler, "engine", None), "_slot", None)
        queue = getattr(getattr(scheduler, "scheduler", None), "queue", None)
        if lease and queue is not None:
            queue.ack(lease)

    def process_spider_output(self, response, result):
        try:
            for obj in result:
                yield self._handle(response, obj)
        finally:
            self._ack(response)

    async def process_spider_output_async(self, response, result):
        try:
            async for obj in result:
                yield self._handle(response, obj)
        finally:
            self._ack(response)


class FrontierDownloaderMiddleware:
    """Closest to the engine (priority 1): a download error that reaches it was not retried (the retry
    middleware re-schedules, which ends the lease in FrontierScheduler), so the request is finished: its
    errback runs next, outside the spider middlewares, and AilexSpider.on_error yields nothing."""

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.get("AILEX_FRONTIER_PREFIX"):
            raise NotConfigured
        mw = cls()
        mw.crawler = crawler
        return mw

    def process_exception(self, request: Request, exception):
        lease = request.meta.get(LEASE)
        queue = getattr(getattr(getattr(self.crawler.engine, "_slot", None), "scheduler", None), "queue", None)
        if lease and queue is not None:
            queue.ack(lease)
        return None


# -- politeness shared by every crawler process --------------------------------------------------
_GRANT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local delay, limit, lease = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[2]) >= limit then return -1 end
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
if now < nxt then return nxt - now end
redis.call('SET', KEYS[1], now + delay, 'PX', delay + 60000)
redis.call('ZADD', KEYS[2], now + lease, ARGV[4])
redis.call('PEXPIRE', KEYS[2], lease + 1000)
redis.call('LPUSH', KEYS[3], ARGV[5] .. ' ' .. ARGV[6] .. ' ' .. now)
redis.call('LTRIM', KEYS[3], 0, 9999)
return 0
"""
GRANTS_KEY = "ailex:polite:grants"  # the last 10,000 grants: "host crawler epoch_ms" (newest first)


class SharedPolitenessMiddleware:
    """Per-site limits over all crawler processes: at most N requests in flight to a host and a
    minimum gap between two request starts, both decided by Redis (one clock, one atomic script).

    Installed last before the download handler (priority 950): a response from the HTTP cache needs
    no grant, and its process_response runs first, so a redirect or a retry never keeps a grant."""

    def __init__(self, crawler):
        s = crawler.settings
        if not s.getbool("AILEX_SHARED_POLITENESS"):
            raise NotConfigured
        self.crawler = crawler
        self.delay_ms = int(round(s.getfloat("AILEX_SHARED_DELAY") * 1000))
        self.limit = s.getint("AILEX_SHARED_CONCURRENCY", 1)
        self.lease_ms = int((s.getfloat("DOWNLOAD_TIMEOUT", 60) + 30) * 1000)
        self.worker = s.get("AILEX_WORKER_ID", "")
        self.server = redis_client(s.get("REDIS_URL"))
        self._grant = self.server.register_script(_GRANT)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request: Request):
        host = (urlsplit(request.url).hostname or "").lower()
        token = uuid.uuid4().hex
        waited = 0.0
        while True:
            wait = int(self._grant(keys=[f"ailex:polite:{host}:next", f"ailex:polite:{host}:holders", GRANTS_KEY],
                                   args=[self.delay_ms, self.limit, self.lease_ms, token, host, self.worker]))
            if wait == 0:
                break
            pause = 0.02 if wait < 0 else min(wait / 1000.0, 5.0)
            waited += pause
            from twisted.internet import reactor
            from twisted.internet.task import deferLater

            await maybe_deferred_to_future(deferLater(reactor, pause, lambda: None))
        request.meta[POLITE_TOKEN] = (host, token)
        if waited:
            self.crawler.stats.inc_value("ailex/politeness_wait_ms", int(waited * 1000))
        return None

    def _release(self, request: Request) -> None:
        held = request.meta.pop(POLITE_TOKEN, None)
        if held:
            self.server.zrem(f"ailex:polite:{held[0]}:holders", held[1])

    def process_response(self, request: Request, response):
        self._release(request)
        return response

    def process_exception(self, request: Request, exception):
        self._release(request)
        return None


def grants(server) -> list[tuple[str, str, int]]:
    """The recorded per-site grants, oldest first: (host, crawler, epoch ms on Redis's clock)."""
    out = []
    for raw in server.lrange(GRANTS_KEY, 0, -1):
        host, worker, ms = raw.decode().split(" ")
        out.append((host, worker, int(ms)))
    return sorted(out, key=lambda g: g[2])


def min_gaps(server, workers: set[str] | None = None) -> dict[str, float]:
    """Smallest gap in seconds between two consecutive request starts to each host, over all crawlers
    (or the given ones)."""
    by_host: dict[str, list[int]] = {}
    for host, worker, ms in grants(server):
        if workers is None or worker in workers:
            by_host.setdefault(host, []).append(ms)
    return {h: min(b - a for a, b in zip(t, t[1:])) / 1000.0 for h, t in by_host.items() if len(t) > 1}


# -- liveness, idling, shared statistics --------------------------------------------------------
class FrontierExtension:
    """Heartbeat, hand-back of dead crawlers' requests, and 'stay while others still work'."""

    TICK = 0.5

    def __init__(self, crawler):
        s = crawler.settings
        self.crawler = crawler
        self.server = redis_client(s.get("REDIS_URL"))
        self.worker = s.get("AILEX_WORKER_ID")
        self.prefix = s.get("AILEX_FRONTIER_PREFIX")
        self.lease = s.getint("AILEX_LEASE_SECONDS", 30)
        self.loop = None
        self._last_beat = 0.0

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.get("AILEX_FRONTIER_PREFIX"):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    @property
    def queue(self) -> LeasedQueue | None:
        slot = getattr(self.crawler.engine, "_slot", None)
        return getattr(getattr(slot, "scheduler", None), "queue", None)

    def beat(self) -> None:
        self.server.set(f"{self.prefix}:alive:{self.worker}", "1", ex=self.lease)
        self._last_beat = time.monotonic()

    def spider_opened(self, spider):
        from twisted.internet.task import LoopingCall

        self.beat()
        self.loop = LoopingCall(self.tick)
        self.loop.start(self.TICK, now=False)

    def tick(self) -> None:
        try:
            if time.monotonic() - self._last_beat >= max(1.0, self.lease / 4):
                self.beat()
                if self.queue is not None:
                    self.queue.reclaim_dead()
            # work may have appeared in the shared queue (another crawler's children): ask the engine
            # for it now instead of at its 5-second heartbeat
            slot = getattr(self.crawler.engine, "_slot", None)
            if slot is not None and self.queue is not None and len(self.queue):
                slot.nextcall.schedule()
        except Exception:  # a Redis hiccup must not stop the crawl; the next tick retries
            log.exception("frontier heartbeat failed")

    def spider_idle(self, spider):
        queue = self.queue
        if queue is None:
            return
        self.beat()
        queue.reclaim_dead()
        leaked = queue.own_in_flight()
        if leaked:  # idle, so every request it popped has been handled by a path that did not acknowledge
            log.warning("%s: %d leases not acknowledged although idle; dropping them", spider.name, leaked)
            self.crawler.stats.inc_value("ailex/leases_dropped", leaked)
            self.server.delete(queue.inflight_key)
        if len(queue) or queue.others_in_flight():
            raise DontCloseSpider

    def spider_closed(self, spider, reason):
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        queue = self.queue
        if queue is not None:
            returned = queue.requeue(self.worker)
            if returned:
                log.info("%s: %d unfinished requests returned to the queue", spider.name, returned)
            self.server.srem(queue.crawlers_key, self.worker)
            for key in (queue.key, queue.crawlers_key, f"{self.prefix}:{spider.name}:dupefilter",
                        f"{self.prefix}:items:seen", f"{self.prefix}:{spider.name}:stats"):
                self.server.expire(key, FRONTIER_TTL)
        stats = self.crawler.stats.get_stats()
        counters = {k: int(stats.get(v, 0) or 0) for k, v in STAT_KEYS.items()}
        pipe = self.server.pipeline()
        for k, v in counters.items():
            if v:
                pipe.hincrby(f"{self.prefix}:{spider.name}:stats", k, v)
        pipe.hincrby(f"{self.prefix}:{spider.name}:stats", "processes", 1)
        pipe.execute()


STAT_KEYS = {
    "requests": "downloader/request_count",
    "responses": "downloader/response_count",
    "items": "item_scraped_count",
    "queued": "ailex/items_queued",
    "already_queued": "ailex/items_already_queued",
    "not_found": "ailex/not_found",
    "failed": "ailex/failed",
    "structure_errors": "ailex/structure_errors",
    "retries": "retry/count",
    "politeness_wait_ms": "ailex/politeness_wait_ms",
}


# -- running ---------------------------------------------------------------------------------------
def distributed_settings(base: dict[str, Any], settings: Settings, *, job: str, worker: str,
                         politeness: bool = True) -> dict[str, Any]:
    """The Scrapy settings of `ailex crawl` turned distributed: scrapy-redis scheduler and duplicate
    filter, items to Redis, shared politeness instead of the per-process delay, no store access."""
    p = prefix(job)
    per_domain = int(base["CONCURRENT_REQUESTS_PER_DOMAIN"])
    s = dict(base)
    s.update({
        "SCHEDULER": "crawlers.distributed.FrontierScheduler",
        "SCHEDULER_QUEUE_CLASS": "crawlers.distributed.LeasedQueue",
        "SCHEDULER_QUEUE_KEY": f"{p}:%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{p}:%(spider)s:dupefilter",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,  # other crawlers still use the frontier when this one ends
        "REDIS_URL": settings.redis_url,
        "AILEX_FRONTIER_JOB": job,
        "AILEX_FRONTIER_PREFIX": p,
        "AILEX_WORKER_ID": worker,
        "AILEX_LEASE_SECONDS": settings.redis_lease_seconds,
        "AILEX_CONDITIONAL_REQUESTS": False,  # validators live in the store; crawlers have none
        "ITEM_PIPELINES": {},
        "EXTENSIONS": {"crawlers.distributed.FrontierExtension": 500},
        "SPIDER_MIDDLEWARES": {"crawlers.distributed.FrontierSpiderMiddleware": 10},
        "DOWNLOADER_MIDDLEWARES": {**base["DOWNLOADER_MIDDLEWARES"],
                                   "crawlers.distributed.FrontierDownloaderMiddleware": 1,
                                   "crawlers.distributed.SharedPolitenessMiddleware": 950},
        "AILEX_SHARED_POLITENESS": True,
        "AILEX_SHARED_DELAY": float(settings.crawl_download_delay),
        "AILEX_SHARED_CONCURRENCY": per_domain,
        "DOWNLOAD_DELAY": 0.0,  # the shared delay replaces the per-process one
        "HTTPCACHE_ENABLED": False,
    })
    if not politeness:  # benchmarks against the replay server only (the CLI refuses it otherwise): grants
        # are still recorded (same Redis round trip per request) but never wait
        s.update({"CONCURRENT_REQUESTS_PER_DOMAIN": s["CONCURRENT_REQUESTS"], "AUTOTHROTTLE_ENABLED": False,
                  "AILEX_SHARED_DELAY": 0.0, "AILEX_SHARED_CONCURRENCY": 1_000_000})
    return s


@dataclass
class DistributedResult:
    job: str
    worker: str
    seconds: float
    mine: dict[str, dict[str, int]] = field(default_factory=dict)  # this process, per spider
    total: dict[str, dict[str, int]] = field(default_factory=dict)  # every process so far, per spider
    replay_hits: int = 0

    @property
    def ok(self) -> bool:
        return all(not v.get("structure_errors") and not v.get("failed") for v in self.mine.values())


def run_distributed(settings: Settings, spiders: list[str], *, job: str, replay: Path | list[Path] | None = None,
                    politeness: bool = True, min_relevance: float | None = None,
                    spider_args: dict[str, str] | None = None, log_level: str = "INFO") -> DistributedResult:
    """One crawler process of a distributed crawl; returns when the shared frontier is exhausted."""
    from crawlers.runner import CrawlError, run_spiders
    from crawlers.settings import scrapy_settings

    if not JOB_NAME.match(job):
        raise CrawlError(f"--job {job!r}: use letters, digits, '.', '_' or '-' (at most 64)")
    server = redis_client(settings.redis_url)
    try:
        server.ping()
    except Exception as exc:
        raise CrawlError(f"Redis at AILEX_REDIS_URL={settings.redis_url} does not answer: {exc}") from exc
    started = time.monotonic()
    worker = worker_id()

    def configure(replay_url: str | None) -> dict:
        base = scrapy_settings(settings, replay_url=replay_url, min_relevance=min_relevance, log_level=log_level)
        return distributed_settings(base, settings, job=job, worker=worker, politeness=politeness)

    crawlers, replay_hits = run_spiders(configure, spiders, replay=replay, spider_args=spider_args, log_level=log_level)
    mine = {}
    for crawler in crawlers:
        stats = crawler.stats.get_stats() if crawler.stats else {}
        mine[crawler.spidercls.name] = {k: int(stats.get(v, 0) or 0) for k, v in STAT_KEYS.items()}
    total = {name: {k.decode(): int(v) for k, v in server.hgetall(f"{prefix(job)}:{name}:stats").items()}
             for name in spiders}
    return DistributedResult(job, worker, round(time.monotonic() - started, 2), mine, total,
                             replay_hits)
