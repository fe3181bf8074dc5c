"""API load test: `ailex serve` on 127.0.0.1, N concurrent clients for a fixed time, mixing
/api/search (60 %), /api/compare (20 %) and /api/documents/{id} (20 %).

    .venv/bin/python tests/benchmarks/bench_load.py --data DIR [--encoder fake] [--clients 32] [--seconds 60]
    .venv/bin/python tests/benchmarks/bench_load.py --build-small /tmp/load   # build the 4-document corpus first

DIR is a data folder with an index (`ailex import` + `ailex index`). `--build-small DIR` imports,
extracts and indexes the test suite's four small real documents into DIR/data with the fake
encoder, then runs against it. The server gets OMP_NUM_THREADS=1 (as `ailex serve` sets) and
the encoder named by --encoder (use the one the index was built with). Clients are asyncio
tasks sharing one httpx connection pool, on the same 2-core machine as the server: the figures
are for the whole box. Every request is bounded (30 s timeout), the run stops by itself, and
the server is stopped at the end. Traffic goes to 127.0.0.1 only.

Not collected by pytest (no test_ prefix). Prints a markdown table; --json writes the figures.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

QUERIES = [
    "facial recognition technology", "high-risk AI systems", "transparency obligations for providers",
    "deepfake disclosure", "generative AI services", "algorithmic discrimination", "human oversight",
    "risk management system", "personal data protection", "penalties for violations",
    "intelligence artificielle", "systèmes d'IA à haut risque", "künstliche Intelligenz",
    "inteligencia artificial", "人工智能 生成式", "safety incident reporting", "frontier model developers",
    "voice and likeness", "law enforcement use of biometric identification", "whistleblower protections",
]
MIX = (("search", 0.6), ("compare", 0.2), ("document", 0.2))


def build_small(folder: Path) -> Path:
    import csv

    from corpus.importer import import_csv
    from corpus.settings import Settings
    from corpus.store import Store
    from index.build import update_index
    from pipeline.encoders import FakeEncoder
    from pipeline.process import process_pending
    from tests.conftest import SHARED, SMALL_DOCS, write_csv

    with open(SHARED / "corpus" / "documents.csv", newline="", encoding="utf-8") as f:
        rows = {r["path"]: r for r in csv.DictReader(f)}
    folder.mkdir(parents=True, exist_ok=True)
    settings = Settings(data_dir=folder / "data", encoder="fake")
    store = Store(settings.data_dir)
    import_csv(store, write_csv(folder / "small.csv", [dict(rows[p], path=str(SHARED / "corpus" / p)) for p in SMALL_DOCS]))
    process_pending(store, settings)
    update_index(settings, store, FakeEncoder())
    store.close()
    return settings.data_dir


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data: Path, encoder: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "AILEX_DATA_DIR": str(data), "AILEX_ENCODER": encoder, "OMP_NUM_THREADS": "1",
           "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


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


async def run_load(base: str, clients: int, seconds: float, seed: int) -> dict:
    import httpx

    rng = random.Random(seed)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=30.0, limits=limits) as client:
        seed_hits = []
        for q in QUERIES[:8]:
            seed_hits += (await client.get("/api/search", params={"q": q, "k": 20})).json()["results"]
        doc_ids = sorted({h["document"]["id"] for h in seed_hits})
        passage_ids = sorted({h["passage_id"] for h in seed_hits})
        samples: dict[str, list[float]] = {kind: [] for kind, _ in MIX}
        errors: dict[str, int] = {kind: 0 for kind, _ in MIX}
        error_examples: list[str] = []
        stop = time.monotonic() + seconds

        def pick() -> tuple[str, str, dict]:
            kind = rng.choices([k for k, _ in MIX], weights=[w for _, w in MIX])[0]
            if kind == "search":
                params = {"q": rng.choice(QUERIES), "k": rng.choice((10, 20)),
                          "mode": rng.choice(("hybrid", "hybrid", "semantic", "keyword"))}
                return kind, "/api/search", params
            if kind == "compare":
                if rng.random() < 0.5:
                    return kind, "/api/compare", {"passage_id": rng.choice(passage_ids)}
                return kind, "/api/compare", {"q": rng.choice(QUERIES)}
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
    return {"elapsed": elapsed, "samples": samples, "errors": errors, "error_examples": error_examples,
            "documents": len(doc_ids)}


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def table(result: dict) -> tuple[str, dict]:
    rows, figures = [], {}
    kinds = [k for k, _ in MIX]
    every = [v for k in kinds for v in result["samples"][k]]
    for name, values, errs in [*[(k, result["samples"][k], result["errors"][k]) for k in kinds],
                               ("all", every, sum(result["errors"].values()))]:
        fig = {"requests": len(values), "errors": errs, "rps": len(values) / result["elapsed"],
               "p50": pct(values, 50), "p95": pct(values, 95), "p99": pct(values, 99),
               "mean": statistics.fmean(values) if values else float("nan")}
        figures[name] = fig
        rows.append(f"| {name} | {fig['requests']} | {fig['errors']} | {fig['rps']:.1f} | {fig['p50']:.0f} | "
                    f"{fig['p95']:.0f} | {fig['p99']:.0f} |")
    head = "| requests | count | errors | req/s | p50 ms | p95 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|---:|"
    return head + "\n" + "\n".join(rows), figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, help="data folder with an index")
    ap.add_argument("--build-small", type=Path, help="build the 4-document test corpus (fake encoder) in this folder")
    ap.add_argument("--encoder", default="fake", help="encoder the index was built with (fake, onnx, sentence-transformers)")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args()
    if args.seconds <= 0 or args.seconds > 600 or not 1 <= args.clients <= 256:
        ap.error("--seconds must be in (0, 600] and --clients in [1, 256]")
    data = build_small(args.build_small) if args.build_small else args.data
    if data is None:
        ap.error("give --data DIR or --build-small DIR")
    port = free_port()
    proc = start_server(data, args.encoder, port)
    try:
        async def go():
            import httpx

            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30.0) as c:
                await wait_ready(c, proc)
            return await run_load(f"http://127.0.0.1:{port}", args.clients, args.seconds, args.seed)

        result = asyncio.run(go())
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the server's own process group (start_new_session)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    md, figures = table(result)
    print(f"{args.clients} clients, {result['elapsed']:.1f} s, encoder {args.encoder}, "
          f"{result['documents']} documents sampled, data {data}, "
          f"load average after the run {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(md)
    if result["error_examples"]:
        print("errors, e.g.:", *result["error_examples"], sep="\n  ")
    if args.json:
        args.json.write_text(json.dumps({"clients": args.clients, "seconds": result["elapsed"], "encoder": args.encoder,
                                         "figures": figures}, indent=2))


if __name__ == "__main__":
    main()
