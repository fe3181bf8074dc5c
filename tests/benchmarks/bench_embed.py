"""Embedding throughput: torch fp32 (sentence-transformers) vs ONNX int8, in one run.

    .venv/bin/python tests/benchmarks/bench_embed.py [--n 300] [--repeats 3] [--recall] [--quick] [--out DIR]

Passages: ~`n` real passages of 120–160 words cut by `pipeline.chunk` from the AI Act in six
languages (EN FR DE ES IT NL), the same texts for every encoder. Each repeat runs every encoder
once, interleaved (torch, onnx, onnx-batched, torch, …), so machine load hits them alike; the
table gives min/median/max passages/s and the ratio of medians. Query latency: the eval's
queries encoded one at a time. Agreement: cosine between torch and ONNX vectors of the same
passages. `--recall` adds Recall@10/@1/MRR on the cross-lingual dev eval over the EN/FR/DE
AI Act passages (a standalone exact-search harness; hits judged by `index.evaluate.holds`),
with the embeddings cached under `--cache` so a rerun skips the slow torch pass.

Not collected by pytest (no test_ prefix). Writes OUT/embed.md and OUT/embed.json
(tests/benchmarks/common.py).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import mimetypes
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from tests.benchmarks.common import DEFAULT_OUT, table, write_section  # noqa: E402

BENCH_DOCS = [
    ("eu/ai_act/AI_Act-EN.txt", "en"), ("eu/ai_act/AI_Act-FR.txt", "fr"), ("eu/ai_act/AI_Act-DE.txt", "de"),
    ("eu/ai_act/AI_Act-ES.txt", "es"), ("eu/ai_act/AI_Act-IT.txt", "it"), ("eu/ai_act/AI_Act-NL_eurlex.html", "nl"),
]
EVAL_DOCS = BENCH_DOCS[:3]


def shared_dir() -> Path:
    from tests.conftest import SHARED

    if not (SHARED / "corpus" / "documents.csv").exists():
        sys.exit(f"shared corpus missing at {SHARED} (set AILEX_SHARED)")
    return SHARED


def passages_of(path: str, lang: str, cache: Path | None) -> list[str]:
    """The chunker's passages of one corpus file (cached as JSON: chunking a big file takes ~10 s)."""
    from corpus.settings import Settings

    f = shared_dir() / "corpus" / path
    key = hashlib.sha256(f.read_bytes()).hexdigest()[:16]
    cached = cache / f"passages-{key}.json" if cache else None
    if cached and cached.exists():
        return json.loads(cached.read_text())
    from pipeline.chunk import chunk
    from pipeline.extract import extract

    ct = mimetypes.guess_type(f.name)[0] or "text/plain"
    texts = [p.text for p in chunk(extract(f.read_bytes(), ct, f.name, lang), lang, Settings().chunk_words)]
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_text(json.dumps(texts))
    return texts


def bench_passages(n: int, cache: Path | None) -> list[tuple[str, str]]:
    rng = random.Random(1689)
    per_lang = -(-n // len(BENCH_DOCS))
    out = []
    for path, lang in BENCH_DOCS:
        pool = [t for t in passages_of(path, lang, cache) if 120 <= len(t.split()) <= 160]
        out += [(lang, t) for t in rng.sample(pool, min(per_lang, len(pool)))]
    return out[:n]


def make_encoders(threads: int, which: list[str]) -> dict:
    from corpus.settings import Settings
    from pipeline.encoders import SentenceTransformerEncoder
    from pipeline.onnx_encoder import OnnxEncoder
    from pipeline.onnx_export import default_onnx_folder

    st = Settings().model_path
    onnx_dir = default_onnx_folder(Path(st))
    makers = {
        "torch-fp32": lambda: SentenceTransformerEncoder(st, batch_size=32, threads=threads),
        "onnx-int8": lambda: OnnxEncoder(onnx_dir, threads=threads),
        "onnx-int8-batched": lambda: OnnxEncoder(onnx_dir, threads=threads, batch_tokens=8192),
    }
    return {k: makers[k]() for k in which}


def timed(fn, *args) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def throughput(encoders: dict, texts: list[str], repeats: int) -> tuple[dict, dict]:
    rates: dict[str, list[float]] = {k: [] for k in encoders}
    vecs: dict[str, np.ndarray] = {}
    for enc in encoders.values():  # warm-up (allocators, thread pools, lazy init), not timed
        enc.encode_passages(texts[:8])
    for rep in range(repeats):
        names = list(encoders) if rep % 2 == 0 else list(reversed(encoders))
        for name in names:
            secs, v = timed(encoders[name].encode_passages, texts)
            rates[name].append(len(texts) / secs)
            vecs[name] = v
            print(f"  repeat {rep + 1}/{repeats} {name}: {len(texts) / secs:.1f} passages/s", file=sys.stderr, flush=True)
    return rates, vecs


def query_latency(encoders: dict, queries: list[str]) -> dict:
    ms: dict[str, list[float]] = {k: [] for k in encoders}
    for enc in encoders.values():
        enc.encode_queries(queries[:3])
    for q in queries:  # interleaved, one query at a time
        for name, enc in encoders.items():
            secs, _ = timed(enc.encode_queries, [q])
            ms[name].append(secs * 1000)
    return {k: {"p50_ms": round(statistics.median(v), 2), "p95_ms": round(sorted(v)[int(0.95 * (len(v) - 1))], 2)}
            for k, v in ms.items()}


def load_eval() -> list[dict]:
    from index.evaluate import load_items

    return load_items(shared_dir() / "eval" / "crosslingual_dev.jsonl")


def embed_cached(name: str, enc, texts: list[str], cache: Path | None, deadline: float) -> np.ndarray | None:
    """Embed in slices of 100, each slice cached on disk, so a slow pass can be spread over runs;
    None when the deadline passed before every slice was done (rerun to continue)."""
    out = []
    for start in range(0, len(texts), 100):
        part = texts[start : start + 100]
        key = hashlib.sha256("\n\0".join(part).encode()).hexdigest()[:16]
        f = cache / "eval-vectors" / f"{name}-{getattr(enc, 'name', name)}-{key}.npy" if cache else None
        if f and f.exists():
            out.append(np.load(f))
            continue
        if time.monotonic() > deadline:
            return None
        secs, v = timed(enc.encode_passages, part)
        print(f"  {name}: eval passages {start + len(part)}/{len(texts)} ({len(part) / secs:.1f}/s)",
              file=sys.stderr, flush=True)
        if f:
            f.parent.mkdir(parents=True, exist_ok=True)
            np.save(f, v)
        out.append(v)
    return np.concatenate(out)


def store_corpus(db_path: Path) -> tuple[list[tuple[str, str]], dict[str, dict[str, np.ndarray]]]:
    """Passages (language, text) of an ailex store, and the vectors its embedding cache holds per model."""
    import sqlite3

    from corpus.store import text_sha

    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    corpus = [(lang, text) for lang, text in db.execute("SELECT language, text FROM passages ORDER BY id")]
    shas = {text_sha(t) for _, t in corpus}
    vectors: dict[str, dict[str, np.ndarray]] = {}
    for sha, model, blob in db.execute("SELECT text_sha, model, vector FROM embeddings"):
        if sha in shas:
            vectors.setdefault(model, {})[sha] = np.frombuffer(blob, np.float32)
    db.close()
    return corpus, vectors


def recall(encoders: dict, cache: Path | None, budget_s: float, store: Path | None = None) -> dict:
    """Recall@10 on the dev eval over the EN/FR/DE AI Act passages (or the passages of an ailex
    store, reusing the vectors its embedding cache holds), per encoder (exact search)."""
    from corpus.store import text_sha
    from index.evaluate import holds

    items = load_eval()
    if store:
        corpus, stored = store_corpus(store)
    else:
        corpus, stored = [(lang, t) for path, lang in EVAL_DOCS for t in passages_of(path, lang, cache)], {}
    texts = [t for _, t in corpus]
    langs = np.array([lang for lang, _ in corpus])
    print(f"  eval corpus: {len(texts)} passages, {dict(zip(*np.unique(langs, return_counts=True)))}",
          file=sys.stderr)
    results = {}
    for name, enc in encoders.items():
        deadline = time.monotonic() + budget_s
        have = stored.get(enc.name, {})
        if have:  # reuse the store's cached vectors of this model; check a few against a fresh pass
            sample = [t for t in texts if text_sha(t) in have][:4]
            fresh = enc.encode_passages(sample)
            cos = [float(have[text_sha(t)] @ v) for t, v in zip(sample, fresh)]
            print(f"  {name}: {len(have)} vectors from the store (fresh-vs-stored cosine {min(cos):.5f})",
                  file=sys.stderr)
            if min(cos) < 0.9999:
                have = {}
        missing = [t for t in texts if text_sha(t) not in have]
        part = embed_cached(name, enc, missing, cache, deadline) if missing else np.zeros((0, enc.dim), np.float32)
        if part is None:
            P = None
        else:
            extra = dict(zip(missing, part))
            P = np.stack([have[text_sha(t)] if text_sha(t) in have else extra[t] for t in texts])
        if P is None:
            print(f"  {name}: eval embeddings incomplete (time budget): rerun with --recall to go on",
                  file=sys.stderr)
            continue
        Q = enc.encode_queries([it["query"] for it in items])
        r1 = r10 = rr = 0.0
        for it, q in zip(items, Q):
            cand = np.flatnonzero(langs == it["target_lang"])
            top = cand[np.argsort(-(P[cand] @ q), kind="stable")[:10]]
            rank = next((r for r, i in enumerate(top, 1) if holds(texts[i], it["target_text"])), None)
            if rank:
                r1 += rank == 1
                r10 += 1
                rr += 1 / rank
        n = len(items)
        results[name] = {"items": n, "passages": len(texts), "recall@10": round(r10 / n, 4),
                         "recall@1": round(r1 / n, 4), "mrr": round(rr / n, 4)}
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--quick", action="store_true", help="CI smoke: 40 passages, 2 repeats, torch vs int8 only")
    ap.add_argument("--n", type=int, default=300, help="passages (default 300)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--queries", type=int, default=60, help="queries for the latency test")
    ap.add_argument("--encoders", default="torch-fp32,onnx-int8,onnx-int8-batched")
    ap.add_argument("--recall", action="store_true", help="also run the dev eval (slow once: ~1900 passages)")
    ap.add_argument("--recall-budget", type=float, default=480.0,
                    help="seconds of eval embedding per encoder and run; the cache lets the next run go on")
    ap.add_argument("--eval-store", type=Path, default=None,
                    help="run the eval over the passages of this ailex.sqlite (read only), reusing its cached vectors")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/ailex-bench-cache"),
                    help="where chunked passages and eval embeddings are cached")
    argv = sys.argv[1:] if argv is None else argv
    args = ap.parse_args(argv)
    if args.quick:
        args.n, args.repeats, args.queries, args.encoders = 40, 2, 20, "torch-fp32,onnx-int8"

    import transformers

    transformers.logging.set_verbosity_error()
    which = args.encoders.split(",")
    picked = bench_passages(args.n, args.cache)
    texts = [t for _, t in picked]
    encoders = make_encoders(args.threads, which)
    onnx_names = [k for k in encoders if k.startswith("onnx")]
    tok_lens = encoders[onnx_names[0]].token_lengths(texts) if onnx_names else []
    words = [len(t.split()) for t in texts]
    print(f"{len(texts)} passages, words mean {np.mean(words):.0f}, tokens mean "
          f"{np.mean(tok_lens) if tok_lens else 0:.0f} max {max(tok_lens, default=0)}; languages "
          f"{sorted({lang for lang, _ in picked})}", file=sys.stderr)

    rates, vecs = throughput(encoders, texts, args.repeats) if args.repeats else ({}, {})
    queries = [it["query"] for it in load_eval()[: args.queries]]
    latency = query_latency(encoders, queries)
    agreement = {}
    if "torch-fp32" in vecs:
        for k in onnx_names:
            cos = (vecs["torch-fp32"] * vecs[k]).sum(1)
            agreement[k] = {"cos_min": round(float(cos.min()), 4), "cos_mean": round(float(cos.mean()), 4),
                            "cos_p01": round(float(np.percentile(cos, 1)), 4)}
    rec = recall(encoders, args.cache, args.recall_budget, args.eval_store) if args.recall else {}

    base = statistics.median(rates["torch-fp32"]) if "torch-fp32" in rates else None
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "passages": len(texts), "words_mean": round(float(np.mean(words)), 1),
        "tokens_mean": round(float(np.mean(tok_lens)), 1) if tok_lens else None,
        "threads": args.threads, "repeats": args.repeats,
        "load_avg": list(__import__("os").getloadavg()),
        "encoders": {
            k: {"passages_per_s": {"min": round(min(v), 2), "median": round(statistics.median(v), 2),
                                   "max": round(max(v), 2), "all": [round(x, 2) for x in v]} if v else None,
                "speedup_vs_torch": round(statistics.median(v) / base, 2) if base and v else None,
                "query_latency": latency[k], "agreement_with_torch": agreement.get(k), "recall": rec.get(k)}
            for k, v in ((name, rates.get(name, [])) for name in encoders)
        },
    }
    header = ["encoder", "passages/s min / median / max", "× torch", "query p50 / p95 ms", "cos to torch min / mean"]
    rows = []
    for k, e in result["encoders"].items():
        p, a = e["passages_per_s"], e["agreement_with_torch"]
        row = [k, f"{p['min']:.1f} / {p['median']:.1f} / {p['max']:.1f}" if p else "-", e["speedup_vs_torch"] or "-",
               f"{e['query_latency']['p50_ms']:.1f} / {e['query_latency']['p95_ms']:.1f}",
               f"{a['cos_min']:.4f} / {a['cos_mean']:.4f}" if a else "-"]
        if rec:
            r = e["recall"] or {}
            row += [r.get("recall@10", "-"), r.get("recall@1", "-"), r.get("mrr", "-")]
        rows.append(row)
    if rec:
        header += ["R@10", "R@1", "MRR"]
    onnx_rates = {k: e["speedup_vs_torch"] for k, e in result["encoders"].items() if e["speedup_vs_torch"] and k != "torch-fp32"}
    best = max(onnx_rates, key=onnx_rates.get, default=None)
    md = ["## Embedding: torch fp32 vs int8 ONNX" + (" — quick (CI smoke)" if args.quick else ""), "",
          "    .venv/bin/python tests/benchmarks/bench_embed.py " + " ".join(argv), "",
          f"The same {len(texts)} real passages (~{result['words_mean']:.0f} words, ~{result['tokens_mean']} tokens; EN, "
          "FR, DE, ES, IT, NL AI Act passages of 120–160 words as `pipeline.chunk` cuts them) through each encoder, "
          f"{args.repeats} interleaved repeats, {args.threads} threads; query latency: dev-eval queries one at a time. "
          f"Load average at the start {result['load_avg'][0]:.1f}.", "",
          table(header, rows), ""]
    if best:
        md.append(f"Best int8 path: `{best}`, {onnx_rates[best]:.2f}× the passages/s of sentence-transformers on "
                  "torch in this run (issue #8 asks ≥ 5× and ≥ 40 passages/s).")
    ratios = {f"{k}_over_torch": v for k, v in onnx_rates.items()}
    write_section(args.out, "embed", "\n".join(md), {**result, "ratios": ratios})
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
