"""Running at scale, end to end on loopback: a private redis-server, two distributed crawler processes
(one killed half-way) and one ingest worker against the replay server; then index snapshots exported
for replicas.

redis-server must be installed (`.ci/run` installs Debian's package); the fixture starts its own on a
free loopback port with a temporary folder, so no system service is needed."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.crawl_helpers import SNAPSHOT
from tests.test_crawl_e2e import EXPECTED_ITEMS, REPLAY

pytestmark = pytest.mark.slow

DELAY = 0.1  # seconds between two requests to one site, over both crawlers
LEASE = 3


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, timeout: float, what: str, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    binary = shutil.which("redis-server") or next((p for p in ("/usr/bin/redis-server", "/usr/sbin/redis-server")
                                                   if Path(p).exists()), None)
    if binary is None:
        pytest.fail("redis-server is not installed: `.ci/run` installs it (apt-get install redis-server); "
                    "these tests start their own on a free loopback port", pytrace=False)
    folder = tmp_path_factory.mktemp("redis")
    port = free_port()
    proc = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder),
                             "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)

    def up():
        try:
            return client.ping()
        except redis.ConnectionError:
            return False

    try:
        wait_until(up, 15, "redis-server to answer")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def redis_client(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushall()
    yield client
    client.close()


def env_for(tmp_path, redis_url, **extra) -> dict:
    return {**os.environ, "AILEX_DATA_DIR": str(tmp_path / "data"), "AILEX_ENCODER": "fake",
            "AILEX_REDIS_URL": redis_url, "AILEX_REDIS_LEASE_SECONDS": str(LEASE),
            "AILEX_CRAWL_DOWNLOAD_DELAY": str(DELAY), "AILEX_CRAWL_SCHEDULE": str(tmp_path / "none.toml"),
            "AILEX_SENTENCE_VECTORS": "false", **extra}


def start(env, *args, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cli.main", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=open(log, "w"), text=True, start_new_session=True)


def test_two_crawlers_one_killed_every_document_arrives_once(tmp_path, redis_url, redis_client):
    from corpus.store import Store
    from crawlers.distributed import ITEM_QUEUE, min_gaps, grants, prefix

    env = env_for(tmp_path, redis_url)
    crawl = ("crawl", "--all", *REPLAY, "--distributed", "--job", "t", "--min-relevance", "0",
             "--json")
    a = start(env, *crawl, log=tmp_path / "a.log")
    b = start(env, *crawl, log=tmp_path / "b.log")
    worker = start(env, "ingest-worker", "--batch", "16", "--json", log=tmp_path / "worker.log")
    procs = [a, b, worker]
    try:
        seen = f"{prefix('t')}:items:seen"
        # half-way: a third of the documents are out, and b holds requests in flight
        wait_until(lambda: redis_client.scard(seen) >= 30 and any(
            redis_client.hlen(k) for k in redis_client.scan_iter(f"{prefix('t')}:*:inflight:*-{b.pid}-*")), 240,
            "the crawl to get half-way with requests in flight at crawler b", every=0.05)
        b_workers = {g[1] for g in grants(redis_client) if g[1].split("-")[-2] == str(b.pid)}
        os.killpg(b.pid, signal.SIGKILL)
        b.wait(timeout=30)
        assert b.returncode == -signal.SIGKILL
        out, _ = a.communicate(timeout=300)
        assert a.returncode == 0, (tmp_path / "a.log").read_text()[-4000:]
        result = json.loads(out)
        # what the dead crawler had leased was fetched again by the survivor
        assert "back in the queue" in (tmp_path / "a.log").read_text()
        # the frontier is drained: nothing queued, nothing in flight
        assert all(redis_client.zcard(f"{prefix('t')}:{s}:requests") == 0 for s in EXPECTED_ITEMS)
        assert not [k for k in redis_client.scan_iter(f"{prefix('t')}:*:inflight:*") if redis_client.hlen(k)]
        wait_until(lambda: redis_client.llen(ITEM_QUEUE) == 0 and not any(
            redis_client.llen(k) for k in redis_client.scan_iter(f"{ITEM_QUEUE}:processing:*")), 240,
            "the ingest worker to drain the item queue")
        worker.send_signal(signal.SIGTERM)
        out, _ = worker.communicate(timeout=120)
        assert worker.returncode == 0, (tmp_path / "worker.log").read_text()[-4000:]
        report = json.loads(out)
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=30)

    expected = sum(EXPECTED_ITEMS.values())
    # every recorded document queued exactly once, stored exactly once
    assert redis_client.scard(f"{prefix('t')}:items:seen") == expected
    assert report["items"] == expected and report["outcomes"] == {"new": expected}, report
    store = Store(tmp_path / "data")
    try:
        docs = store.documents()
        assert len(docs) == expected == len({d.source_key for d in docs})
        assert all(len(store.versions(d.id)) <= 1 for d in docs)
        with_text = [d for d in docs if d.current_version]  # metadata-only records (uk_bills) have no body
        assert len(with_text) > 30
        assert all(d.processing_status.value != "pending" for d in with_text)
        passages = store.active_passage_ids()
    finally:
        store.close()
    assert set(result["mine"]) == set(EXPECTED_ITEMS)
    # the index was written (by the one writer) and covers every passage
    from index import snapshots
    from index.manifest import Manifest

    folder = snapshots.current(tmp_path / "data" / "index")
    assert folder is not None and Manifest.read(folder).count == len(passages) > 0

    # politeness held across both crawlers: per site, never two request starts closer than the delay
    gaps = min_gaps(redis_client)
    assert gaps and min(gaps.values()) >= DELAY - 0.002, gaps
    a_workers = {w for _, w, _ in grants(redis_client)} - b_workers
    shared_hosts = {h for h, w, _ in grants(redis_client) if w in b_workers} & \
                   {h for h, w, _ in grants(redis_client) if w in a_workers}
    assert shared_hosts, "both crawlers should have fetched from the same sites"


def test_redis_missing_fails_loudly(tmp_path):
    env = env_for(tmp_path, f"redis://127.0.0.1:{free_port()}/0")
    proc = subprocess.run([sys.executable, "-m", "cli.main", "crawl", "eurlex", "--replay", str(SNAPSHOT),
                           "--distributed"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "does not answer" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "cli.main", "crawl", "eurlex", "--distributed", "--no-politeness"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "only allowed with --replay" in proc.stderr


# -- serving from several machines: snapshots, replicas, nginx ---------------------------------------
def test_snapshot_export_is_complete_checksummed_and_idempotent(settings, small_corpus, tmp_path):
    from index import publish

    from corpus.watches import WatchSpec, WatchStore

    WatchStore(small_corpus).add(WatchSpec(name="alerts", query="facial recognition", email="officer@example.org",
                                           webhook_url="https://hooks.example.org/x"), 0, None, "", 0.0)
    root = tmp_path / "snapshots"
    folder = publish.export_snapshot(small_corpus, settings.index_dir, root)
    info = publish.verify(folder)
    assert publish.newest(root) == folder and not list(root.glob(".*"))  # no partial left behind
    assert {"ailex.sqlite", "index/CURRENT", f"index/builds/{info['build_id']}/manifest.json"} <= set(info["files"])
    assert info["passages"] == len(small_corpus.passages()) > 0
    assert publish.export_snapshot(small_corpus, settings.index_dir, root) == folder  # same build: same snapshot
    # a replica reads it like a data folder, without the writer's embedding cache
    from corpus.store import Store

    replica = Store(folder)
    assert replica.db.execute("SELECT count(*) FROM embeddings").fetchone()[0] == 0
    # the replica serves the watch's feed, but where its alerts go stays on the writer
    exported = WatchStore(replica).get("alerts")
    assert exported.query == "facial recognition" and exported.email == "" and exported.webhook_url == ""
    assert len(replica.passages()) == info["passages"]
    replica.close()
    publish.verify(folder)  # opening it changed no byte
    (folder / "ailex.sqlite").write_bytes(b"corrupt")
    with pytest.raises(publish.SnapshotError):
        publish.verify(folder)


def _nginx_conf(folder: Path, port: int, upstreams: list[int]) -> Path:
    servers = "\n".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;" for p in upstreams)
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = folder / "nginx.conf"
    conf.write_text(f"""{user}worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log {folder}/access.log;
  client_body_temp_path {folder}/body; proxy_temp_path {folder}/proxy; fastcgi_temp_path {folder}/fcgi;
  uwsgi_temp_path {folder}/uwsgi; scgi_temp_path {folder}/scgi;
  upstream ailex {{
{servers}
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://ailex;
      proxy_next_upstream error timeout http_502 http_503;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      add_header X-Upstream $upstream_addr always;
    }}
  }}
}}
""")
    return conf


def test_two_replicas_behind_nginx_switch_snapshots_without_dropping_requests(settings, small_corpus, tmp_path):
    import threading

    import httpx

    from index import publish
    from index.build import update_index
    from pipeline.encoders import FakeEncoder

    nginx = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if nginx is None:
        pytest.fail("nginx is not installed: `.ci/run` installs it (apt-get install nginx)", pytrace=False)
    root = tmp_path / "snapshots"
    first = publish.export_snapshot(small_corpus, settings.index_dir, root)
    ports = [free_port(), free_port()]
    lb = free_port()
    env = {**os.environ, "AILEX_ENCODER": "fake", "AILEX_DATA_DIR": str(tmp_path / "unused")}
    replicas = [start(env, "serve", "--snapshots", str(root), "--port", str(p), log=tmp_path / f"replica{n}.log")
                for n, p in enumerate(ports)]
    (tmp_path / "nginx").mkdir()
    proxy = subprocess.Popen([nginx, "-c", str(_nginx_conf(tmp_path / "nginx", lb, ports)), "-p", str(tmp_path / "nginx")],
                             stdout=subprocess.DEVNULL, stderr=open(tmp_path / "nginx.log", "w"), start_new_session=True)
    base = f"http://127.0.0.1:{lb}"
    client = httpx.Client(timeout=10)
    try:
        def ready():
            try:
                return all(httpx.get(f"http://127.0.0.1:{p}/healthz", timeout=2).status_code == 200 for p in ports) \
                    and client.get(f"{base}/healthz").status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(ready, 120, "two replicas and nginx to answer", every=0.5)
        upstreams = set()
        for _ in range(6):
            r = client.get(f"{base}/api/search", params={"q": "facial recognition", "k": 3})
            assert r.status_code == 200 and r.json()["results"]
            upstreams.add(r.headers["X-Upstream"])
        assert len(upstreams) == 2  # round robin over both replicas
        assert client.get(f"{base}/healthz").json()["index"]["build_id"] == first.name

        statuses: list[int] = []
        stop = threading.Event()

        def load():
            with httpx.Client(timeout=10) as c:
                while not stop.is_set():
                    statuses.append(c.get(f"{base}/api/search", params={"q": "generative AI", "k": 5}).status_code)

        threads = [threading.Thread(target=load) for _ in range(2)]
        for t in threads:
            t.start()
        # the writer publishes a newer snapshot while the replicas serve
        update_index(settings, small_corpus, FakeEncoder(), rebuild=True)
        second = publish.export_snapshot(small_corpus, settings.index_dir, root)
        assert second.name > first.name

        def switched():
            return all(httpx.get(f"http://127.0.0.1:{p}/healthz", timeout=5).json()["index"]["build_id"] == second.name
                       for p in ports)

        wait_until(switched, 60, "both replicas to serve the new snapshot", every=0.5)
        time.sleep(1)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        assert statuses and set(statuses) == {200}, {s: statuses.count(s) for s in set(statuses)}
    finally:
        client.close()
        for p in [*replicas, proxy]:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
