"""Crawling against a fault-injecting server on 127.0.0.1 (tests/fault_crawl.py): the crawl completes
the rest, retries what is retryable, and reports what failed in its run statistics.

The spider runs in a child process (one Twisted reactor per process) through the real crawl
settings: retries with backoff and Retry-After, robots.txt, redirects, DOWNLOAD_MAXSIZE from
AILEX_MAX_FILE_MB, the run recorder. Timeouts are shortened (2 s) so the test takes ~15 s."""
from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT
from tests.fault_crawl import FaultServer

pytestmark = pytest.mark.slow


def test_crawl_survives_faults_and_reports_them(tmp_path):
    with FaultServer() as server:
        started = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "tests.fault_crawl", server.base_url, str(tmp_path / "data")],
                              cwd=ROOT, capture_output=True, text=True, timeout=240)
        elapsed = time.monotonic() - started
        hits, times = dict(server.hits), {k: list(v) for k, v in server.times.items()}
    assert proc.returncode == 0, proc.stderr[-4000:]
    run = json.loads(proc.stdout)
    stats, scrapy = run["stats"], run["scrapy"]

    # the good pages arrive, including the one that answered 503 first and the slow drip
    assert run["titles"] == ["Document /doc/ok1", "Document /doc/ok2", "Dripped document", "Flaky document"]
    assert stats["items"] == stats["new"] == 4
    # 503 + Retry-After: retried once, after the second the server asked for
    assert hits["/flaky503"] == 2 and times["/flaky503"][1] - times["/flaky503"][0] >= 0.9
    # retryable failures are retried RETRY_TIMES (3) more times, then counted as failed
    for path in ("/always500", "/stall", "/drip-forever", "/reset"):
        assert hits[path] == 4, (path, hits)
    assert stats["retries"] == 1 + 4 * 3
    assert scrapy["retry/reason_count/HTTP 500"] == 3 and scrapy["retry/reason_count/HTTP 503"] == 1
    assert scrapy.get("retry/reason_count/scrapy.exceptions.DownloadTimeoutError", 0) >= 6  # stall + drip-forever
    # not retried: the redirect loop (cut at REDIRECT_MAX_TIMES) and the oversized body (DOWNLOAD_MAXSIZE)
    assert hits["/loop/10"] == 1 and "/loop/11" not in hits
    assert hits["/huge"] == 1 and scrapy["downloader/exception_type_count/scrapy.exceptions.DownloadCancelledError"] == 1
    # failed: 500, stall, drip-forever, reset, redirect loop, huge; robots.txt refusals are counted apart
    assert stats["failed"] == 6
    assert stats["robots_forbidden"] == 1 and "/private/doc" not in hits
    # the listing whose structure changed: a structure error, and the run says so
    assert stats["structure_errors"] == 1 and run["status"] == "structure_error"
    assert "/changed: no document list" in run["message"]
    assert elapsed < 120
