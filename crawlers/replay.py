"""Offline replay: a local HTTP server that answers from a recording of real responses.

The recording is a folder with `responses.jsonl` (method, url, status, content_type, body) and
the body files; several folders can be served together (`--replay A --replay B`): their responses
are merged, and a URL recorded in more than one answers from the first folder that has it. The server listens on 127.0.0.1 on a free port; crawlers.middlewares.
ReplayMiddleware sends every request there with the original URL in the `X-Ailex-Original-Url`
header, so the downloader, robots.txt handling, retries and throttling all run for real.

Lookup is exact on the normalised URL (scheme and host lower-cased, default port dropped,
percent-encoding decoded, query parameters sorted, fragment and `api_key` dropped: a credential
is not part of a resource's identity). Anything not recorded, robots.txt included, gets a 404
like from a real server (a 404 robots.txt means "allow all").

The server also behaves like a well-mannered origin: it sends a strong ETag (hash of the body)
and answers `If-None-Match` with 304, which is what the crawl's conditional requests exercise.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

log = logging.getLogger(__name__)

ORIGINAL_URL_HEADER = "X-Ailex-Original-Url"
DROPPED_PARAMS = {"api_key"}


def normalise_url(url: str) -> str:
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    path = unquote(parts.path) or "/"
    query = sorted(
        (unquote(k), unquote(v))
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k not in DROPPED_PARAMS
    )
    q = "&".join(f"{k}={v}" for k, v in query)
    return f"{scheme}://{host}{path}" + (f"?{q}" if q else "")


@dataclass(frozen=True)
class Recorded:
    url: str
    status: int
    content_type: str
    body_path: Path

    def body(self) -> bytes:
        return self.body_path.read_bytes()


Recordings = Path | str | Sequence[Path | str]


def folders_of(recordings: Recordings) -> list[Path]:
    """One recording folder or several, as a list of paths."""
    if isinstance(recordings, (str, Path)):
        return [Path(recordings)]
    return [Path(f) for f in recordings]


def load_recording(recordings: Recordings) -> dict[str, Recorded]:
    """Every recorded GET response of one folder or several, by normalised URL (first folder wins)."""
    out: dict[str, Recorded] = {}
    for folder in folders_of(recordings):
        index = folder / "responses.jsonl"
        if not index.exists():
            raise FileNotFoundError(f"no responses.jsonl in {folder}")
        with open(index, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                r = json.loads(line)
                if r.get("method", "GET").upper() != "GET":
                    continue
                key = normalise_url(r["url"])
                if key not in out:
                    out[key] = Recorded(r["url"], int(r["status"]), r["content_type"], folder / r["body"])
    return out


class ReplayServer:
    """`with ReplayServer(folder) as server:` (or a list of folders) … `server.port`, `server.hits`
    (original URLs, status)."""

    def __init__(self, folder: Recordings, host: str = "127.0.0.1", port: int = 0):
        self.folders = folders_of(folder)
        self.folder = self.folders[0]
        self.recording = load_recording(self.folders)
        self.hits: list[tuple[str, int]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "ailex-replay/1"

            def log_message(self, fmt, *args):  # route to logging, not stderr
                log.debug("replay: " + fmt, *args)

            def _answer(self, with_body: bool) -> None:
                original = self.headers.get(ORIGINAL_URL_HEADER) or ""
                rec = server.recording.get(normalise_url(original)) if original else None
                if rec is None:
                    body, status, ctype, etag = b"Not Found (not in the recording)\n", 404, "text/plain", None
                else:
                    body, status, ctype = rec.body(), rec.status, rec.content_type
                    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
                    inm = self.headers.get("If-None-Match")
                    if inm and etag in [t.strip() for t in inm.split(",")] and status == 200:
                        status, body = 304, b""
                with server._lock:
                    server.hits.append((original, status))
                self.send_response(status)
                if status != 304:
                    self.send_header("Content-Type", ctype)
                if etag:
                    self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if with_body and body:
                    self.wfile.write(body)

            def do_GET(self):  # noqa: N802
                self._answer(True)

            def do_HEAD(self):  # noqa: N802
                self._answer(False)

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.host, self.port = self.httpd.server_address[:2]
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "ReplayServer":
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="ailex-replay", daemon=True)
        self._thread.start()
        log.info("replay server on %s answering %d recorded responses", self.base_url, len(self.recording))
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> "ReplayServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
