"""Query latency and throughput over HTTP: `ailex serve` on 127.0.0.1 driven by asyncio clients.

    .venv/bin/python tests/benchmarks/bench_load.py --data DIR [--encoder onnx] [--workers 2] [--seconds 30]
    .venv/bin/python tests/benchmarks/bench_load.py --build-small /tmp/load --quick   # CI smoke size

DIR is a data folder with an index (`ailex import` + `ailex index`); `--build-small DIR` first
imports, extracts and indexes the test suite's four small real documents into DIR/data with
the fake encoder. Queries are short, as users type them: the 20 hand-written QUERIES plus the
first eight words of every dev-eval query (~250 distinct, eight languages). Runs, in order:

  1 client, cold   every distinct query once, hybrid k=10: nothing cached (query vector, result)
  1 client, warm   the same queries again: served by the per-process result cache
  in-process       the same cold queries through `Searcher.search` directly (no HTTP), for the
                   HTTP overhead ratio
  N clients        random queries from the pool for --seconds, hybrid k=10, result cache on
                   (steady state) and, on a restarted server, off (AILEX_RESULT_CACHE=0)
  mixed            N clients mixing /api/search (60 %: hybrid/semantic/keyword, k 10/20),
                   /api/compare (20 %) and /api/documents/{id} (20 %), cache on

The N-client runs use wrk when it is installed (`apt-get install wrk`; `--client` chooses), else
Python asyncio clients, which take a share of the CPU the server needs; the mixed run always uses
the Python clients. Client and server share the machine, so the figures are for the whole box. An error is any
non-200 answer or failed request (30 s timeout). Not collected by pytest. Writes
OUT/load.md and OUT/load.json (tests/benchmarks/common.py).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.common import DEFAULT_OUT, percentile, table, write_section  # noqa: E402

QUERIES = [
    "facial recognition technology", "high-risk AI systems", "transparency obligations for providers",
    "deepfake disclosure", "generative AI services", "algorithmic discrimination", "human oversight",
    "risk management system", "personal data protection", "penalties for violations",
    "intelligence artificielle", "systèmes d'IA à haut risque", "künstliche Intelligenz",
    "inteligencia artificial", "人工智能 生成式", "safety incident reporting", "frontier model developers",
    "voice and likeness", "law enforcement use of biometric identification", "whistleblower protections",
]
CLIENT_NOTE = {"wrk": "wrk 4 (2 threads, C, keep-alive connections, a Lua script picking a random query per request)",
               "httpx": "asyncio tasks with httpx (Python: the client takes a share of the server's CPU)"}
MIX = (("search", 0.6), ("compare", 0.2), ("document", 0.2))


def build_small(folder: Path) -> Path:
    import csv

    from corpus.importer import import_csv
    from corpus.settings import Settings
    from corpus.store import Store
    from index.ingest import Ingest
    from pipeline.encoders import FakeEncoder
    from tests.conftest import SHARED, SMALL_DOCS, write_csv

    with open(SHARED / "corpus" / "documents.csv", newline="", encoding="utf-8") as f:
        rows = {r["path"]: r for r in csv.DictReader(f)}
    folder.mkdir(parents=True, exist_ok=True)
    settings = Settings(data_dir=folder / "data", encoder="fake")
    store = Store(settings.data_dir)
    import_csv(store, write_csv(folder / "small.csv", [dict(rows[p], path=str(SHARED / "corpus" / p)) for p in SMALL_DOCS]))
    Ingest(settings, store, FakeEncoder()).run()
    store.close()
    return settings.data_dir


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def query_pool() -> list[str]:
    """Short queries as users type them: QUERIES plus each dev-eval query's first eight words."""
    from tests.conftest import SHARED

    pool = list(QUERIES)
    with open(SHARED / "eval" / "crosslingual_dev.jsonl", encoding="utf-8") as f:
        for line in f:
            words = json.loads(line)["query"].split()[:8]
            pool.append(" ".join(words).strip(",;:."))
    return list(dict.fromkeys(q for q in pool if q))


def start_server(data: Path, encoder: str, port: int, workers: int = 1, env_extra: dict | None = None) -> subprocess.Popen:
    env = {**os.environ, "AILEX_DATA_DIR": str(data), "AILEX_ENCODER": encoder, "PYTHONPATH": str(ROOT),
           **(env_extra or {})}
    env.pop("OMP_NUM_THREADS", None)  # `ailex serve` sets it: measure what users get
    return subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", str(workers)],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def stop_server(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # the server's own process group (start_new_session)
        proc.wait(timeout=30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


async def wait_ready(client, proc, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            r = await client.get("/api/search", params={"q": "artificial intelligence", "k": 10})
            if r.status_code == 200:
                return
        except Exception:  # noqa: BLE001 - not up yet
            pass
        await asyncio.sleep(0.5)
    raise SystemExit("server did not answer in time")


async def sequential(client, queries: list[str]) -> list[float]:
    """One client, one request at a time: latency per query in ms (errors raise)."""
    out = []
    for q in queries:
        t0 = time.perf_counter()
        r = await client.get("/api/search", params={"q": q, "k": 10})
        out.append((time.perf_counter() - t0) * 1000)
        if r.status_code != 200:
            raise SystemExit(f"{r.status_code} for {q!r}: {r.text[:300]}")
    return out


async def run_load(base: str, clients: int, seconds: float, seed: int, pool: list[str], mixed: bool) -> dict:
    import httpx

    rng = random.Random(seed)
    kinds = [k for k, _ in MIX] if mixed else ["search"]
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=30.0, limits=limits) as client:
        seed_hits = []
        if mixed:
            for q in QUERIES[:8]:
                seed_hits += (await client.get("/api/search", params={"q": q, "k": 20})).json()["results"]
        doc_ids = sorted({h["document"]["id"] for h in seed_hits})
        passage_ids = sorted({h["passage_id"] for h in seed_hits})
        samples: dict[str, list[float]] = {kind: [] for kind in kinds}
        errors: dict[str, int] = {kind: 0 for kind in kinds}
        error_examples: list[str] = []
        stop = time.monotonic() + seconds

        def pick() -> tuple[str, str, dict]:
            if not mixed:
                return "search", "/api/search", {"q": rng.choice(pool), "k": 10}
            kind = rng.choices([k for k, _ in MIX], weights=[w for _, w in MIX])[0]
            if kind == "search":
                params = {"q": rng.choice(pool), "k": rng.choice((10, 20)),
                          "mode": rng.choice(("hybrid", "hybrid", "semantic", "keyword"))}
                return kind, "/api/search", params
            if kind == "compare":
                if rng.random() < 0.5:
                    return kind, "/api/compare", {"passage_id": rng.choice(passage_ids)}
                return kind, "/api/compare", {"q": rng.choice(pool)}
            return kind, f"/api/documents/{rng.choice(doc_ids)}", {}

        async def worker() -> None:
            while time.monotonic() < stop:
                kind, path, params = pick()
                t0 = time.perf_counter()
                try:
                    r = await client.get(path, params=params)
                    ok = r.status_code == 200
                    note = f"{r.status_code} {path} {params}"
                except Exception as exc:  # noqa: BLE001 - counted as an error
                    ok, note = False, f"{type(exc).__name__} {path} {params}"
                samples[kind].append((time.perf_counter() - t0) * 1000)
                if not ok:
                    errors[kind] += 1
                    if len(error_examples) < 5:
                        error_examples.append(note)

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.monotonic() - started
    return {"elapsed": elapsed, "samples": samples, "errors": errors, "error_examples": error_examples}


WRK_SCRIPT = """
paths = {%s}
local n, sequential = 0, %s
setup = function(thread)
  n = n + 1
  thread:set("id", n)
end
init = function(args)
  math.randomseed(%d + id)  -- each thread its own sequence of queries
  i, answered = 0, 0
end
request = function()
  i = i + 1
  if sequential then return wrk.format("GET", paths[(i - 1) %% #paths + 1]) end
  return wrk.format("GET", paths[math.random(#paths)])
end
response = function(status, headers, body)
  answered = answered + 1
  -- each query once: wrk then idles until its -d time is up (a stopped thread does not end it)
  if sequential and answered >= #paths then wrk.thread:stop() end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests": %%d, "seconds": %%f, "errors": %%d, "p50": %%f, "p95": %%f, "p99": %%f, "mean": %%f}\\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.mean / 1000))
end
"""


def run_wrk(base: str, clients: int, seconds: float, seed: int, pool: list[str], sequential: bool = False) -> dict:
    """An N-client run driven by wrk (C, epoll) instead of Python clients: it takes far less of
    the CPU the server shares. Random hybrid k=10 searches from the pool; with `sequential`, one
    connection asking the pool's queries once each, in order, for `seconds` (the cold 1-client run
    without a Python client's overhead; the figures say how many it asked). A non-2xx answer, a failed connection or a 30 s timeout is an error."""
    import tempfile
    from urllib.parse import urlencode

    paths = ",".join(json.dumps("/api/search?" + urlencode({"q": q, "k": 10})) for q in pool)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_SCRIPT % (paths, "true" if sequential else "false", seed))
    threads = 1 if sequential else 2
    try:
        out = subprocess.run(["wrk", "-t", str(threads), "-c", str(1 if sequential else clients), "-d", f"{seconds:g}s",
                              "--timeout", "30s", "-s", f.name, base], capture_output=True, text=True, timeout=seconds + 120)
    finally:
        os.unlink(f.name)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRK_JSON ")), None)
    if out.returncode or line is None:
        raise SystemExit(f"wrk failed ({out.returncode}): {out.stderr[-500:]}{out.stdout[-500:]}")
    w = json.loads(line[len("WRK_JSON "):])
    return {"elapsed": w["seconds"], "wrk": {**w, "rps": w["requests"] / w["seconds"]},
            "samples": {}, "errors": {"search": w["errors"]}, "error_examples": []}


def figures_of(values: list[float], errors: int, elapsed: float | None) -> dict:
    return {"requests": len(values), "errors": errors, "rps": len(values) / elapsed if elapsed else None,
            "p50": percentile(values, 50), "p95": percentile(values, 95), "p99": percentile(values, 99),
            "mean": statistics.fmean(values) if values else float("nan")}


def in_process(data: Path, encoder: str, queries: list[str]) -> list[float]:
    """The same cold queries through Searcher.search in this process (no HTTP, no cache)."""
    from corpus.settings import Settings
    from corpus.store import Store
    from index.search import Searcher
    from pipeline.encoders import load_encoder

    os.environ["OMP_NUM_THREADS"] = "1"
    import faiss

    faiss.omp_set_num_threads(1)
    settings = Settings(data_dir=data, encoder=encoder, result_cache=0)
    store = Store(data)
    searcher = Searcher(settings, store, load_encoder(settings))
    searcher.search("warm up the model", k=10)
    out = []
    for q in queries:
        t0 = time.perf_counter()
        searcher.search(q, k=10)
        out.append((time.perf_counter() - t0) * 1000)
    store.close()
    return out


def serve_and(data: Path, encoder: str, workers: int, env_extra: dict | None, job) -> object:
    port = free_port()
    proc = start_server(data, encoder, port, workers, env_extra)
    try:
        async def go():
            import httpx

            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30.0) as c:
                await wait_ready(c, proc)
            return await job(f"http://127.0.0.1:{port}")

        return asyncio.run(go())
    finally:
        stop_server(proc)


ROWS = (("cold", "1 client, cold, httpx (every query new)"), ("cold_wrk", "1 client, cold, wrk (no Python client)"),
        ("warm", "1 client, warm, httpx (result cache)"), ("inprocess", "in-process Searcher.search, cold"),
        ("cache_on", "{n} clients, result cache on"), ("cache_off", "{n} clients, result cache off"),
        ("mixed", "{n} clients, mixed search/compare/document"))


def run_figures(res: dict) -> tuple[dict, dict]:
    """Figures and ratios of one repetition (every ratio from figures of that same repetition)."""
    figures = {name: figures_of(res[name], 0, None) for name in ("cold", "warm", "inprocess")}
    if "cold_wrk" in res:
        figures["cold_wrk"] = {k: res["cold_wrk"][k] for k in ("requests", "errors", "p50", "p95", "p99", "mean")}
    for name in ("cache_on", "cache_off", "mixed"):
        run = res.get(name)
        if not run:
            continue
        if "wrk" in run:
            f = {k: run["wrk"][k] for k in ("requests", "errors", "rps", "p50", "p95", "p99", "mean")}
            figures[name] = {**f, "client": "wrk", "error_examples": []}
        else:
            values = [v for vals in run["samples"].values() for v in vals]
            f = figures_of(values, sum(run["errors"].values()), run["elapsed"])
            figures[name] = {**f, "client": "httpx",
                             "by_kind": {k: figures_of(v, run["errors"][k], run["elapsed"]) for k, v in run["samples"].items()},
                             "error_examples": run["error_examples"]}
    ratios = {"http_over_inprocess_p50": figures["cold"]["p50"] / figures["inprocess"]["p50"],
              "cold_over_warm_p50": figures["cold"]["p50"] / figures["warm"]["p50"]}
    if "cache_off" in figures:
        ratios["rps_cache_on_over_off"] = figures["cache_on"]["rps"] / figures["cache_off"]["rps"]
    return figures, ratios


def report(args, data: Path, pool: list[str], runs: list[dict], meta: dict) -> tuple[str, dict]:
    per_run = [run_figures(res) for res in runs]

    def med(values):
        return statistics.median(values)

    figures: dict = {}
    rows = []
    for name, label in ROWS:
        runs_of = [f[name] for f, _ in per_run if name in f]
        if not runs_of:
            continue
        agg = {**runs_of[len(runs_of) // 2]}  # the median run's extras (client, by_kind, examples)
        for key in ("p50", "p95", "p99", "mean", "rps"):
            if runs_of[0].get(key) is not None:
                agg[key] = med([f[key] for f in runs_of])
                agg[f"{key}_min"], agg[f"{key}_max"] = min(f[key] for f in runs_of), max(f[key] for f in runs_of)
        agg["requests"] = sum(f["requests"] for f in runs_of)
        agg["errors"] = sum(f["errors"] for f in runs_of)
        agg["error_examples"] = [e for f in runs_of for e in f.get("error_examples", [])][:5]
        figures[name] = agg

        def cell(key: str, fmt: str) -> str:
            if agg.get(key) is None:
                return "–"
            if len(runs_of) == 1:
                return format(agg[key], fmt)
            return f"{format(agg[key], fmt)} ({format(agg[key + '_min'], fmt)}–{format(agg[key + '_max'], fmt)})"

        rows.append([label.format(n=args.clients), agg["requests"], agg["errors"], cell("rps", ".0f"),
                     cell("p50", ".1f"), cell("p95", ".1f"), cell("p99", ".1f")])
    ratio_runs = [r for _, r in per_run]
    ratios = {k: med([r[k] for r in ratio_runs if k in r]) for k in ratio_runs[0]}
    command = ".venv/bin/python tests/benchmarks/bench_load.py " + " ".join(args.argv)
    reps = len(runs)
    md = [f"## Queries over HTTP: latency and throughput\n",
          f"    {command}\n",
          f"`ailex serve --workers {args.workers}` on 127.0.0.1 (uvicorn with httptools/uvloop; `OMP_NUM_THREADS=1`, "
          f"which `ailex serve` sets), encoder `{args.encoder}`, data `{data}` "
          f"({meta['index']['count']} passages, {meta['index']['units']} vectors, index `{meta['index']['kind']}`). "
          f"{len(pool)} distinct short queries in eight languages (the 20 in `QUERIES` and the first eight words of "
          f"every dev-eval query), hybrid, k=10. The 1-client runs use one httpx connection; the "
          f"{args.clients}-client runs use {CLIENT_NOTE[args.client]}, on the same "
          f"{os.cpu_count()}-core machine as the server. Every server run starts a fresh server. "
          + (f"The whole sequence ran {reps} times: each figure is the median of the {reps} runs' figures, with their "
             f"min–max in brackets; requests and errors are totals. " if reps > 1 else "")
          + f"Load average before each repetition: {', '.join(f'{x:.2f}' for x in meta['load_before'])}.\n",
          table(["run", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms"], rows), "",
          ("Ratios, each measured within one repetition (median over them): " if reps > 1 else "Ratios measured in this run: ")
          + "HTTP cold p50 / in-process cold p50 = "
          f"{ratios['http_over_inprocess_p50']:.2f}; cold / warm p50 = {ratios['cold_over_warm_p50']:.1f}"
          + (f"; {args.clients}-client req/s with / without the result cache = {ratios['rps_cache_on_over_off']:.1f}"
             if "rps_cache_on_over_off" in ratios else "") + "."]
    errors = [e for n in ("cache_on", "cache_off", "mixed") if n in figures for e in figures[n]["error_examples"]]
    if errors:
        md.append("\nErrors, e.g.: " + "; ".join(errors[:5]))
    return "\n".join(md), {"figures": figures, "ratios": ratios, "ratio_runs": ratio_runs, "repeats": reps,
                           "queries": len(pool), "command": command, "index": meta["index"]}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, help="data folder with an index")
    ap.add_argument("--build-small", type=Path, help="build the 4-document test corpus (fake encoder) in this folder")
    ap.add_argument("--encoder", default="fake", help="encoder the index was built with (fake, onnx, sentence-transformers)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="server processes (default: cores)")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=30.0, help="length of each concurrent run")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="CI smoke: 40 queries, 5 s runs, no mixed run, once")
    ap.add_argument("--repeat", type=int, default=3, help="run the whole sequence this many times (median, min-max)")
    ap.add_argument("--client", choices=("auto", "wrk", "httpx"), default="auto",
                    help="load generator of the N-client runs (auto: wrk when installed, except with --quick)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    argv = sys.argv[1:] if argv is None else argv
    args = ap.parse_args(argv)
    args.argv = argv
    if args.client == "auto":
        # the smoke run keeps the Python client its baseline ratios were measured with
        args.client = "wrk" if shutil.which("wrk") and not args.quick else "httpx"
    elif args.client == "wrk" and not shutil.which("wrk"):
        ap.error("--client wrk: wrk is not installed (Debian: apt-get install wrk)")
    if args.quick:
        args.repeat = 1
    if not 1 <= args.repeat <= 20:
        ap.error("--repeat must be in [1, 20]")
    if args.seconds <= 0 or args.seconds > 600 or not 1 <= args.clients <= 256:
        ap.error("--seconds must be in (0, 600] and --clients in [1, 256]")
    data = build_small(args.build_small) if args.build_small else args.data
    if data is None:
        ap.error("give --data DIR or --build-small DIR")
    from index import snapshots
    from index.manifest import Manifest

    manifest = Manifest.read(snapshots.current(data / "index"))
    pool = query_pool()
    cold_queries = pool[:40] if args.quick else pool
    seconds = min(args.seconds, 5.0) if args.quick else args.seconds
    meta: dict = {"load_before": [], "index": {"count": manifest.count, "units": manifest.units,
                                               "kind": manifest.index_kind}}

    async def latency(base: str) -> tuple:
        import httpx

        # one keep-alive connection for both passes: the same server worker, so the warm pass
        # meets the results the cold pass cached (each worker process has its own cache)
        async with httpx.AsyncClient(base_url=base, timeout=30.0) as client:
            return await sequential(client, cold_queries), await sequential(client, cold_queries)

    async def load(base: str) -> dict:
        if args.client == "wrk":
            return await asyncio.to_thread(run_wrk, base, args.clients, seconds, args.seed, pool)
        return await run_load(base, args.clients, seconds, args.seed, pool, False)

    runs = []
    for _ in range(args.repeat):
        meta["load_before"].append(os.getloadavg()[0])
        res: dict = {}
        res["cold"], res["warm"] = serve_and(data, args.encoder, args.workers, None, latency)
        if args.client == "wrk":  # on a fresh server: every query new to it
            # wrk runs for a fixed time: 60 ms a query leaves room to ask each once (it stops asking then)
            res["cold_wrk"] = serve_and(data, args.encoder, args.workers, None, lambda base: asyncio.to_thread(
                run_wrk, base, 1, round(0.06 * len(cold_queries) + 1), args.seed, cold_queries, True))["wrk"]
        res["inprocess"] = in_process(data, args.encoder, cold_queries)
        res["cache_on"] = serve_and(data, args.encoder, args.workers, None, load)
        res["cache_off"] = serve_and(data, args.encoder, args.workers, {"AILEX_RESULT_CACHE": "0"}, load)
        if not args.quick:
            res["mixed"] = serve_and(data, args.encoder, args.workers, None,
                                     lambda base: run_load(base, args.clients, seconds, args.seed, pool, True))
        runs.append(res)
    md, data_out = report(args, data, pool, runs, meta)
    print(md)
    write_section(args.out, "load", md, data_out)


if __name__ == "__main__":
    main()
