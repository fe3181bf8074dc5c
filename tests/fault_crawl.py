"""A fault-injecting HTTP server on 127.0.0.1 and a tiny spider to crawl it (tests/test_crawl_faults.py).

The server answers a listing that links to every scenario:
  /doc/ok1, /doc/ok2      plain pages
  /flaky503               503 with Retry-After: 1 the first time, then 200
  /always500              500, every time
  /stall                  headers only after longer than the download timeout
  /drip                   a page sent in small pieces over ~1.5 s (within the timeout: must arrive)
  /drip-forever           a body dripped slower than the download timeout allows
  /reset                  connection reset (RST) before any response
  /loop/N                 302 to /loop/N+1, forever (a redirect loop)
  /loop-a, /loop-b        302 to each other
  /huge                   announces 5 MB (over the crawl's DOWNLOAD_MAXSIZE in the test)
  /private/doc            disallowed by robots.txt
  /changed                a second listing whose structure changed (no `ul.docs`)

`python -m tests.fault_crawl BASE_URL DATA_DIR` runs the spider through the real crawl settings
and middlewares (retries with backoff and Retry-After, robots.txt, redirects, size limits, run
recorder) in this child process (one Twisted reactor per process) and prints the run as JSON.
"""
from __future__ import annotations

import json
import socket
import struct
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DOC_PATHS = ["/doc/ok1", "/doc/ok2", "/flaky503", "/always500", "/stall", "/drip", "/drip-forever", "/reset",
             "/loop/0", "/loop-a", "/huge", "/private/doc", "/changed"]
DOWNLOAD_TIMEOUT = 2


def page(title: str, body: str = "") -> bytes:
    return (f"<html><head><title>{title}</title></head><body><h1>{title}</h1>"
            f"<p>Artificial intelligence act: providers of AI systems shall keep records. {body}</p></body></html>").encode()


class FaultHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *args):  # quiet
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict | None = None, ctype: str = "text/html"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: C901 - one branch per scenario
        path = self.path.split("?")[0]
        self.server.hits[path] += 1
        self.server.times.setdefault(path, []).append(time.monotonic())
        n = self.server.hits[path]
        if path == "/robots.txt":
            return self._send(200, b"User-agent: *\nDisallow: /private/\n", ctype="text/plain")
        if path == "/listing":
            links = "".join(f'<li><a href="{p}">{p}</a></li>' for p in DOC_PATHS)
            return self._send(200, f"<html><body><ul class='docs'>{links}</ul></body></html>".encode())
        if path == "/changed":
            return self._send(200, b"<html><body><div class='new-layout'><a href='/doc/ok1'>x</a></div></body></html>")
        if path.startswith("/doc/") or path == "/private/doc":
            return self._send(200, page(f"Document {path}"))
        if path == "/flaky503":
            if n == 1:
                return self._send(503, b"busy", {"Retry-After": "1"}, ctype="text/plain")
            return self._send(200, page("Flaky document"))
        if path == "/always500":
            return self._send(500, b"boom", ctype="text/plain")
        if path == "/stall":
            time.sleep(DOWNLOAD_TIMEOUT + 1.5)
            try:
                return self._send(200, page("Too late"))
            except OSError:
                return None  # the client gave up, as it should
        if path in ("/drip", "/drip-forever"):
            body = page("Dripped document", "x" * 2000)
            pieces = 10 if path == "/drip" else 40
            pause = 0.15 if path == "/drip" else 0.25
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            step = len(body) // pieces + 1
            try:
                for i in range(0, len(body), step):
                    self.wfile.write(body[i:i + step])
                    self.wfile.flush()
                    time.sleep(pause)
            except OSError:
                pass  # the client gave up
            return None
        if path == "/reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            return None
        if path.startswith("/loop/"):
            return self._send(302, b"", {"Location": f"/loop/{int(path.rsplit('/', 1)[1]) + 1}"})
        if path in ("/loop-a", "/loop-b"):
            return self._send(302, b"", {"Location": "/loop-b" if path == "/loop-a" else "/loop-a"})
        if path == "/huge":
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(5 * 1024 * 1024))
            self.end_headers()
            try:
                self.wfile.write(b"%PDF-1.7\n" + bytes(64 * 1024))
            except OSError:
                pass
            return None
        return self._send(404, b"not found", ctype="text/plain")


class FaultServer:
    """`with FaultServer() as s:` … `s.base_url`, `s.hits` (Counter of paths). Listens on 127.0.0.1 only."""

    def __init__(self):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), FaultHandler)
        self.httpd.daemon_threads = True
        self.httpd.hits = Counter()
        self.httpd.times = {}
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def hits(self) -> Counter:
        return self.httpd.hits

    @property
    def times(self) -> dict[str, list[float]]:
        return self.httpd.times

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def run(base_url: str, data_dir: str) -> dict:
    from scrapy.crawler import CrawlerProcess

    from corpus.crawl_state import CrawlState
    from corpus.settings import Settings
    from corpus.store import Store
    from crawlers.settings import scrapy_settings
    from crawlers.spiders.base import AilexSpider, StructureError, strict

    class FaultSpider(AilexSpider):
        name = "faulty"
        jurisdiction = "EU"
        allowed_domains = ["127.0.0.1"]
        routes = ((r"/(listing|changed)$", "parse_listing"), (r".", "parse_doc"))

        @strict
        def parse_listing(self, response):
            links = response.css("ul.docs a::attr(href)").getall()
            if not links:
                raise StructureError("no document list (ul.docs) on the listing")
            for href in links:
                yield self.request(response.urljoin(href))

        def parse_doc(self, response):
            yield self.item(source_url=response.url, title=response.css("title::text").get() or "untitled",
                            doc_type="bill", response=response)

    settings = Settings(data_dir=data_dir, encoder="fake", max_file_mb=1, crawl_download_delay=0.0,
                        crawl_min_relevance=0.0, crawl_concurrency_per_domain=2)
    s = scrapy_settings(settings, log_level="WARNING")
    # the real middlewares and limits, on a test clock: short timeout and backoff, no throttling delay
    s.update({"DOWNLOAD_TIMEOUT": DOWNLOAD_TIMEOUT, "AILEX_RETRY_BACKOFF_BASE": 0.1, "AUTOTHROTTLE_START_DELAY": 0.01,
              "AUTOTHROTTLE_MAX_DELAY": 0.5, "CLOSESPIDER_TIMEOUT": 90})
    process = CrawlerProcess(s)
    crawler = process.create_crawler(FaultSpider)
    process.crawl(crawler, urls=f"{base_url}/listing,{base_url}/changed")
    process.start()
    store = Store(data_dir)
    try:
        run = CrawlState(store).get_run(crawler.stats.get_value("ailex/run_id"))
        titles = sorted(d.title for d in store.documents())
    finally:
        store.close()
    stats = crawler.stats.get_stats()
    return {"status": run.status, "stats": run.stats, "message": run.message, "titles": titles,
            "scrapy": {k: v for k, v in stats.items() if isinstance(v, int | float) and not isinstance(v, bool)}}


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1], sys.argv[2])))
