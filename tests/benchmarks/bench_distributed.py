"""Distributed crawl and ingest throughput against the replay server, on loopback.

    .venv/bin/python tests/benchmarks/bench_distributed.py [--crawlers 1,2,4] [--workers 1,2]
        [--polite-delay 0.25] [--encoder fake|onnx] [--out DIR]

Starts a private redis-server (free loopback port, temporary folder). Crawl: N `ailex crawl --all
--replay ../shared/snapshot --distributed` processes on one job, once with `--no-politeness`
(AILEX_CRAWL_DOWNLOAD_DELAY=0, no per-site limit) and once with the shared politeness on (one request
at a time per site, --polite-delay seconds between two starts, over all processes); wall time from
start to the last process's exit, including each process's start-up (~5 s of imports). The smallest
gap between two request starts to one site is read from Redis's grant log. Ingest: the items of one
crawl are copied, then pushed again onto an empty queue for each run; M `ailex ingest-worker`
processes (fresh data folder) drain it; wall time until the queue is empty and every worker has
finished its batch (store, extract, embed, publish the index under the writer lock).

Not collected by pytest (no test_ prefix). Writes OUT/distributed.md and .json
(tests/benchmarks/common.py).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.benchmarks.common import DEFAULT_OUT, write_section  # noqa: E402

SNAPSHOT = Path(os.environ.get("AILEX_SHARED", ROOT.parent / "shared")) / "snapshot"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(folder: Path):
    import redis

    port = free_port()
    proc = subprocess.Popen([shutil.which("redis-server") or "/usr/bin/redis-server", "--bind", "127.0.0.1", "--port",
                             str(port), "--dir", str(folder), "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    client = redis.Redis(host="127.0.0.1", port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.1)
    return proc, client, f"redis://127.0.0.1:{port}/0"


def ailex(env, *args, log) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cli.main", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=open(log, "w"), text=True)


def crawl_run(base_env, client, work: Path, n: int, polite: bool, delay: float) -> dict:
    from crawlers.distributed import GRANTS_KEY, grants, min_gaps, prefix

    client.flushall()
    job = f"bench-{n}-{int(polite)}"
    env = {**base_env, "AILEX_CRAWL_DOWNLOAD_DELAY": str(delay if polite else 0)}
    args = ["crawl", "--all", "--replay", str(SNAPSHOT), "--distributed", "--job", job, "--min-relevance", "0", "--json"]
    if not polite:
        args.append("--no-politeness")
    started = time.monotonic()
    procs = [ailex(env, *args, log=work / f"crawl-{job}-{i}.log") for i in range(n)]
    outs = [json.loads(p.communicate(timeout=900)[0]) for p in procs]
    seconds = time.monotonic() - started
    requests = sum(v["requests"] for o in outs for v in o["mine"].values())
    docs = client.scard(f"{prefix(job)}:items:seen")
    gaps = min_gaps(client) if polite else {}
    times = [ms for _, _, ms in grants(client)]
    span = (max(times) - min(times)) / 1000 if len(times) > 1 else seconds  # first to last request: no start-up
    client.delete(GRANTS_KEY)
    return {"processes": n, "politeness": polite, "seconds": round(seconds, 1), "requests": requests, "documents": docs,
            "requests_per_s": round(requests / seconds, 1), "documents_per_s": round(docs / seconds, 2),
            "fetch_seconds": round(span, 1), "fetch_requests_per_s": round(requests / span, 1),
            "min_gap_s": round(min(gaps.values()), 3) if gaps else None, "hosts": len(gaps)}


def ingest_run(base_env, client, work: Path, items: list[bytes], m: int, batch: int) -> dict:
    from crawlers.distributed import ITEM_QUEUE

    client.flushall()
    data = work / f"ingest-{m}"
    shutil.rmtree(data, ignore_errors=True)
    env = {**base_env, "AILEX_DATA_DIR": str(data)}
    client.rpush(ITEM_QUEUE, *items)
    started = time.monotonic()
    procs = [ailex(env, "ingest-worker", "--batch", str(batch), "--idle-exit", "2", "--json", log=work / f"ingest-{m}-{i}.log")
             for i in range(m)]
    reports = [json.loads(p.communicate(timeout=1800)[0]) for p in procs]
    seconds = time.monotonic() - started - 2  # minus the idle wait before exiting
    n = sum(r["items"] for r in reports)
    return {"workers": m, "items": n, "seconds": round(seconds, 1), "items_per_s": round(n / seconds, 2),
            "publishes": sum(r["publishes"] for r in reports), "passages": max(r["index_count"] for r in reports),
            "passages_per_s": round(max(r["index_count"] for r in reports) / seconds, 1),
            "vectors_embedded": sum(r["embedded"] for r in reports)}


def markdown(results: dict, args, argv: list[str]) -> str:
    crawl = results["crawl"]
    lines = ["## Distributed crawling and ingest\n",
             "    .venv/bin/python tests/benchmarks/bench_distributed.py " + " ".join(argv) + "\n",
             f"A private `redis-server` on loopback, every crawler against its own replay server of `../shared/snapshot` "
             f"(all nine spiders, {crawl[0]['documents']} documents along listing → record → document chains). "
             "*Politeness off*: `--no-politeness`, no per-site limit and no delay (benchmark only, refused without "
             f"`--replay`). *Politeness on*: one request at a time per site and {args.polite_delay} s between two request "
             "starts to a site, **over all processes together** (Redis grants). \"Wall\" counts from starting the "
             "processes to the last one's exit, including each process's imports and its idle check before it leaves; "
             "\"fetching\" counts from the first to the last request start (Redis's grant log). Each process fetches "
             "robots.txt for itself, so requests grow with processes.\n",
             "| crawler processes | politeness | wall s | requests | requests/s (wall) | documents/s (wall) | "
             "first→last request s | requests/s (fetching) | min gap per site (s) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in crawl:
        lines.append(f"| {r['processes']} | {'on' if r['politeness'] else 'off'} | {r['seconds']} | {r['requests']} | "
                     f"{r['requests_per_s']} | {r['documents_per_s']} | {r['fetch_seconds']} | {r['fetch_requests_per_s']} | "
                     f"{r['min_gap_s'] if r['min_gap_s'] is not None else '—'} |")
    lines += [f"\nIngest: the items of the last crawl pushed again onto an empty queue for each run; `ailex ingest-worker "
              f"--batch {args.batch}` processes on a fresh data folder, encoder `{args.encoder}`; wall time until every "
              "worker is done (store, extract, chunk, embed, publish the index under the writer lock).\n",
              "| ingest workers | items | wall s | items/s | passages | passages/s | index publishes | vectors embedded |",
              "|---|---|---|---|---|---|---|---|"]
    for r in results["ingest"]:
        lines.append(f"| {r['workers']} | {r['items']} | {r['seconds']} | {r['items_per_s']} | {r['passages']} | "
                     f"{r['passages_per_s']} | {r['publishes']} | {r['vectors_embedded']} |")
    gaps = [r["min_gap_s"] for r in crawl if r["politeness"] and r["min_gap_s"] is not None]
    if gaps:
        lines.append(f"\nWith politeness on, the smallest gap between two request starts to any one site, over all "
                     f"processes, was {min(gaps)} s (configured {args.polite_delay} s): the limits hold globally. "
                     "More crawler processes pay off with many sites and real network latency; on two cores a second "
                     "ingest worker only competes with the first for the CPU (one ONNX session already uses both).")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--crawlers", default="1,2,4")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--polite-delay", type=float, default=0.25)
    ap.add_argument("--encoder", default="fake")
    ap.add_argument("--batch", type=int, default=4, help="items per ingest batch (one index publish each)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="ailex-bench-"))
    redis_proc, client, url = start_redis(work)
    base_env = {**os.environ, "AILEX_REDIS_URL": url, "AILEX_DATA_DIR": str(work / "data"), "AILEX_ENCODER": args.encoder,
                "AILEX_CRAWL_SCHEDULE": str(work / "none.toml"), "AILEX_REDIS_LEASE_SECONDS": "10"}
    results: dict = {"crawl": [], "ingest": []}
    try:
        for polite in (False, True):
            for n in [int(x) for x in args.crawlers.split(",")]:
                r = crawl_run(base_env, client, work, n, polite, args.polite_delay)
                results["crawl"].append(r)
                print(json.dumps(r), file=sys.stderr)
        from crawlers.distributed import ITEM_QUEUE

        items = client.lrange(ITEM_QUEUE, 0, -1)  # the last crawl's items
        for m in [int(x) for x in args.workers.split(",")]:
            r = ingest_run(base_env, client, work, items, m, args.batch)
            results["ingest"].append(r)
            print(json.dumps(r), file=sys.stderr)
    finally:
        redis_proc.terminate()
        redis_proc.wait(timeout=10)
    md = markdown(results, args, argv)
    print(md)
    write_section(args.out, "distributed", md, {"results": results})
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
