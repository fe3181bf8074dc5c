"""Scale benchmark (issue #8): the vector index at 10k, 100k and 1M units.

    .venv/bin/python tests/benchmarks/bench_scale.py            # 10k, 100k, 1M (~15 min on 2 cores)
    .venv/bin/python tests/benchmarks/bench_scale.py --quick    # 20k only: the CI smoke run

Synthetic corpora are drawn from the real model's distribution: real multilingual-e5 (int8
ONNX) embeddings of real passages and sentence windows of the sample corpus are the base,
and every synthetic vector is a base vector plus noise in a random low-rank subspace
around it (see `synthetic`). Queries are real e5 query embeddings of the cross-lingual dev
set's queries. Every approximate figure (IVF-SQ8, and the fp16 codes of the exact kind new indexes
get) is checked against exact float32 search on the same vectors."""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.common import DEFAULT_OUT, ROOT, mmm, percentile, rss_mb, summary, table, write_section  # noqa: E402

SHARED = Path(os.environ.get("AILEX_SHARED", ROOT.parent / "shared"))
CACHE = Path(os.environ.get("AILEX_BENCH_CACHE", Path(tempfile.gettempdir()) / "ailex-bench-scale"))
BASE_TEXTS = 4000
DIM = 384
K = 10


# -- vectors from the real model's distribution --------------------------------------------
def _base_texts(limit: int, seed: int = 0) -> list[str]:
    """Passages (~160 words) and their sentence windows from the sample corpus's plain-text
    files (the AI Act in six languages and others), in the index's own mix: about one passage
    vector per four sentence vectors."""
    from pipeline.windows import sentence_windows

    passages, windows = [], []
    for path in sorted((SHARED / "corpus").rglob("*")):
        if path.suffix not in (".txt", ".md"):
            continue
        words = path.read_text(encoding="utf-8", errors="replace").split()
        for start in range(0, len(words), 160):
            text = " ".join(words[start : start + 160])
            passages.append(text)
            windows.extend(sentence_windows(text))
    rng = random.Random(seed)
    rng.shuffle(passages)
    rng.shuffle(windows)
    n_pass = limit // 5
    return passages[:n_pass] + windows[: limit - n_pass]


def _encoder():
    from corpus.settings import Settings
    from pipeline.encoders import load_encoder

    return load_encoder(Settings())


def base_vectors(limit: int = BASE_TEXTS) -> np.ndarray:
    path = CACHE / f"base-{limit}.npy"
    if path.exists():
        return np.load(path)
    texts = _base_texts(limit)
    enc = _encoder()
    vecs = np.concatenate([enc.encode_passages(texts[i : i + 64]) for i in range(0, len(texts), 64)])
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vecs.astype(np.float32))
    return vecs.astype(np.float32)


def query_vectors() -> np.ndarray:
    path = CACHE / "queries.npy"
    if path.exists():
        return np.load(path)
    rows = [json.loads(line) for line in (SHARED / "eval" / "crosslingual_dev.jsonl").read_text().splitlines() if line]
    vecs = _encoder().encode_queries([r["query"] for r in rows]).astype(np.float32)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vecs)
    return vecs


def synthetic(base: np.ndarray, n: int, seed: int = 1, noise: float = 0.75, mix: float = 0.35) -> tuple[np.ndarray, np.ndarray]:
    """`n` unit vectors shaped like `base`, and the base row each one came from.

    Each is a convex mixture of a real vector and one of its 16 nearest real neighbours (weight of the
    neighbour uniform in [0, mix]: points fill the space between related passages instead of forming
    blobs) plus Gaussian noise along the base's top 64 principal directions, scaled by their real
    standard deviations times `noise` (the cloud has the corpus's own shape, not an isotropic one),
    renormalised. Generated in chunks so 1M rows need no temporary copies."""
    rng = np.random.default_rng(seed)
    sims = base @ base.T
    np.fill_diagonal(sims, -1)
    neighbours = np.argsort(-sims, axis=1)[:, :16]
    centred = base - base.mean(0)
    _, sv, vt = np.linalg.svd(centred, full_matrices=False)
    axes = (vt[:64] * (sv[:64] / np.sqrt(len(base)))[:, None]).astype(np.float32)  # 64 x dim, scaled
    out = np.empty((n, base.shape[1]), np.float32)
    origin = rng.integers(0, len(base), n)
    for start in range(0, n, 100_000):
        idx = origin[start : start + 100_000]
        m = len(idx)
        other = neighbours[idx, rng.integers(0, 16, m)]
        w = rng.uniform(0, mix, m).astype(np.float32)[:, None]
        v = (1 - w) * base[idx] + w * base[other]
        v += noise * (rng.standard_normal((m, 64), dtype=np.float32) @ axes)
        out[start : start + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out, origin


def nn_cosines(vecs: np.ndarray) -> np.ndarray:
    sims = vecs @ vecs.T
    np.fill_diagonal(sims, -1)
    return sims.max(1)


def exact_topk(vecs: np.ndarray, queries: np.ndarray, k: int, allowed_rows: np.ndarray | None = None) -> np.ndarray:
    """Row numbers of the exact top-k (ground truth), in chunks of 100k rows."""
    best_s = np.full((len(queries), 0), -np.inf, np.float32)
    best_i = np.zeros((len(queries), 0), np.int64)
    rows = np.arange(len(vecs)) if allowed_rows is None else np.sort(allowed_rows)
    for start in range(0, len(rows), 100_000):
        chunk = rows[start : start + 100_000]
        s = queries @ vecs[chunk].T
        best_s = np.concatenate([best_s, s], 1)
        best_i = np.concatenate([best_i, np.broadcast_to(chunk, s.shape)], 1)
        top = np.argpartition(-best_s, min(k, best_s.shape[1]) - 1, axis=1)[:, :k]
        best_s, best_i = np.take_along_axis(best_s, top, 1), np.take_along_axis(best_i, top, 1)
    order = np.argsort(-best_s, axis=1, kind="stable")
    best_i = np.take_along_axis(best_i, order, 1)
    return best_i


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found.tolist(), truth.tolist())]))


def file_bytes(index) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        index.save(Path(tmp))
        return (Path(tmp) / "vectors.faiss").stat().st_size


def latencies(index, queries: np.ndarray, k: int = K, allowed: np.ndarray | None = None) -> tuple[list[float], np.ndarray]:
    """Per-query wall time in ms (single queries: FaissIndex runs them on one thread) and the ids."""
    times, found = [], []
    for q in queries:
        t = time.perf_counter()
        _, ids = index.search(q[None, :], k, allowed)
        times.append((time.perf_counter() - t) * 1000)
        found.append(ids[0])
    return times, np.stack(found)


def unit_ids(rows: np.ndarray) -> np.ndarray:
    """Ids shaped like the index's own (passage << 10 | window, ~5 units per passage)."""
    rows = np.asarray(rows, np.int64)
    return ((rows // 5) << 10) | (rows % 5)


def label(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k"


def measured_kinds() -> tuple[str, ...]:
    """The kinds measured: exact fp16 (what new exact indexes get), exact float32 Flat (older
    snapshots, and the ratio CI tracks) and IVF-SQ8."""
    from index import ann

    return (ann.EXACT_FP16, ann.EXACT, ann.IVF_SQ8)


def kind_name(kind: str, params: dict | None = None) -> str:
    from index import ann

    if kind == ann.EXACT_FP16:
        return "exact fp16 (SQfp16)"
    if kind == ann.EXACT:
        return "exact float32 (Flat)"
    return f"IVF{params['nlist']}-SQ8, nprobe {params['nprobe']}" if params else "IVF-SQ8"


def measure(n: int, base: np.ndarray, queries: np.ndarray, repeats: int) -> dict:
    from index import ann
    from index.faiss_index import FaissIndex

    print(f"\n== {label(n)} units", flush=True)
    vecs, origin = synthetic(base, n)
    ids = unit_ids(np.arange(n))
    t, truth_rows = time_it(lambda: exact_topk(vecs, queries, K))
    truth = ids[truth_rows]
    print(f"  ground truth {t:.1f} s", flush=True)
    out: dict = {"units": n, "auto_kind": ann.choose_kind(n), "kinds": {}}
    indexes = {}
    for kind in measured_kinds():
        rss0 = rss_mb()
        build_s, idx = time_it(lambda: _build(FaissIndex, kind, n, ids, vecs))
        rss_growth = rss_mb() - rss0
        size = file_bytes(idx)
        indexes[kind] = idx
        out["kinds"][kind] = {"build_s": build_s, "file_bytes": size, "bytes_per_unit": size / n,
                              "gb_per_million": size / n * 1e6 / 1e9, "rss_growth_mb": rss_growth,
                              "params": idx.describe()}
        print(f"  {kind}: build {build_s:.1f} s, {size / n:.0f} B/unit, RSS +{rss_growth:.0f} MB", flush=True)

    # unfiltered latency, kinds interleaved so machine load hits them alike
    p50s: dict[str, list[float]] = {k: [] for k in indexes}
    p99s: dict[str, list[float]] = {k: [] for k in indexes}
    for r in range(repeats):
        for kind in (list(indexes) if r % 2 == 0 else list(reversed(indexes))):
            times, found = latencies(indexes[kind], queries)
            p50s[kind].append(percentile(times, 50))
            p99s[kind].append(percentile(times, 99))
            out["kinds"][kind]["recall_at_10"] = recall(found, truth)
    for kind in indexes:
        out["kinds"][kind].update(p50_ms=summary(p50s[kind]), p99_ms=summary(p99s[kind]))
        print(f"  {kind}: p50 {mmm(summary(p50s[kind]), 2)} ms, "
              f"recall@10 {out['kinds'][kind]['recall_at_10']:.3f}", flush=True)

    # incremental add: 1% more units to the built (trained) index
    extra_n = max(1, n // 100)
    extra, _ = synthetic(base, extra_n, seed=2)
    extra_ids = unit_ids(np.arange(n, n + extra_n))
    for kind, idx in indexes.items():
        add_s, _ = time_it(lambda: idx.add(extra_ids, extra))
        probe = min(200, extra_n)
        _, found = idx.search(extra[:probe], 1)
        out["kinds"][kind]["add_1pct"] = {"units": extra_n, "seconds": add_s,
                                          "self_found": float(np.mean(found[:, 0] == extra_ids[:probe])),
                                          "retrained": False, "params_after": idx.describe()}
        idx.remove(extra_ids)

    # filters correlated with the vectors, like a jurisdiction filter: all units of some base passages
    rng = np.random.default_rng(5)
    bases = rng.permutation(len(base))
    for name, share in (("narrow", 0.005), ("wide", 0.3)):
        chosen = np.isin(origin, bases[: max(1, int(share * len(base)))])
        rows = np.flatnonzero(chosen)
        allowed = ids[rows]
        truth_f = ids[exact_topk(vecs, queries, K, rows)]
        for kind, idx in indexes.items():
            times, found = latencies(idx, queries, K, allowed)
            out["kinds"][kind].setdefault("filters", {})[name] = {
                "allowed": len(allowed), "p50_ms": percentile(times, 50), "p99_ms": percentile(times, 99),
                "recall_at_10": recall(found, truth_f)}
        print(f"  filter {name} ({len(allowed)} allowed): " + ", ".join(
            f"{k}: {out['kinds'][k]['filters'][name]['p50_ms']:.2f} ms r={out['kinds'][k]['filters'][name]['recall_at_10']:.3f}"
            for k in indexes), flush=True)
    return out


def _build(cls, kind: str, n: int, ids: np.ndarray, vecs: np.ndarray):
    idx = cls.create(vecs.shape[1], n, kind=kind)
    idx.add(ids, vecs)
    return idx


def time_it(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def distribution_check(base: np.ndarray, queries: np.ndarray) -> dict:
    """Real vs synthetic at the same size: nearest-neighbour cosines and the queries' top scores."""
    synth, _ = synthetic(base, len(base), seed=9)

    def stats(vecs):
        nn = nn_cosines(vecs)
        top = np.sort(queries @ vecs.T, axis=1)[:, ::-1]
        return {"nn_p10": float(np.percentile(nn, 10)), "nn_p50": float(np.median(nn)),
                "nn_p90": float(np.percentile(nn, 90)), "nn_max": float(nn.max()),
                "q_top1": float(np.median(top[:, 0])), "q_top10": float(np.median(top[:, 9])),
                "q_gap_1_10": float(np.median(top[:, 0] - top[:, 9]))}

    return {"real": stats(base), "synthetic": stats(synth)}


def plot(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["units"] for r in results]
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    for kind, style in zip(measured_kinds(), ("o-", "^--", "s-")):
        if any(kind not in r["kinds"] for r in results):  # a scale.json from before the fp16 kind
            continue
        name = kind_name(kind)
        a.plot(sizes, [r["kinds"][kind]["p50_ms"]["median"] for r in results], style, label=name)
        b.plot(sizes, [r["kinds"][kind]["file_bytes"] / 1e6 for r in results], style, label=name)
    a.axhline(5, color="grey", ls=":", label="5 ms target")
    b.plot(sizes, [0.6e3 * s / 1e6 for s in sizes], ":", color="grey", label="0.6 GB per million")
    for ax, title, unit in ((a, "query latency p50, 1 thread", "ms"), (b, "index size", "MB")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("units (vectors) in the index")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def render(results: list[dict], dist: dict, quick: bool, png: str) -> str:
    from index import ann

    def f(x, d=2):
        return f"{x:.{d}f}"

    rows = []
    for r in results:
        for kind in [k for k in measured_kinds() if k in r["kinds"]]:
            m = r["kinds"][kind]
            name = kind_name(kind, m["params"])
            auto = " ◀ auto" if r["auto_kind"] == kind else ""
            rows.append([label(r["units"]), name + auto, f(m["build_s"], 1), f(m["gb_per_million"], 3),
                         f(m["rss_growth_mb"], 0), mmm(m["p50_ms"], 2), mmm(m["p99_ms"], 2), f(m["recall_at_10"], 3),
                         f"{m['add_1pct']['seconds']:.2f} s ({m['add_1pct']['self_found']:.2f})"])
    main = table(["units", "index", "build s", "GB per M units (file)", "RSS growth MB", "p50 ms (min/med/max)",
                  "p99 ms (min/med/max)", "Recall@10", "add 1% more (new found at top 1)"], rows)
    frows = []
    for r in results:
        for kind in [k for k in measured_kinds() if k in r["kinds"]]:
            for name, m in r["kinds"][kind]["filters"].items():
                frows.append([label(r["units"]), kind_name(kind), name, m["allowed"],
                              f(m["p50_ms"]), f(m["p99_ms"]), f(m["recall_at_10"], 3)])
    ftable = table(["units", "index", "filter", "allowed units", "p50 ms", "p99 ms", "Recall@10"], frows)
    d = dist
    dtable = table(["vectors (same count)", "NN cosine p10 / p50 / p90", "max NN cosine", "query top-1 / top-10 score (median)"],
                   [[name, f"{d[name]['nn_p10']:.3f} / {d[name]['nn_p50']:.3f} / {d[name]['nn_p90']:.3f}",
                     f(d[name]["nn_max"], 4), f"{d[name]['q_top1']:.3f} / {d[name]['q_top10']:.3f}"]
                    for name in ("real", "synthetic")])
    cmd = ".venv/bin/python tests/benchmarks/bench_scale.py" + (" --quick" if quick else "")
    big = max(results, key=lambda r: r["units"])
    ivf = big["kinds"][ann.IVF_SQ8]
    ex = big["kinds"].get(ann.EXACT_FP16) or big["kinds"][ann.EXACT]
    f32 = big["kinds"][ann.EXACT]
    fp16_note = (
        f"New exact indexes store fp16 vectors: they read half the bytes of float32 `Flat` "
        f"({f32['p50_ms']['median']:.1f} ms, {f32['gb_per_million']:.2f} GB per million units) at Recall@10 "
        f"{ex['recall_at_10']:.3f} against exact float32. " if ann.EXACT_FP16 in big["kinds"] else "")
    reading = (
        f"At {label(big['units'])} units the IVF-SQ8 index answers in {ivf['p50_ms']['median']:.2f} ms (p50, one thread) "
        f"against {ex['p50_ms']['median']:.1f} ms for exact search, with Recall@10 {ivf['recall_at_10']:.3f} against "
        f"exact, in {ivf['gb_per_million']:.2f} GB per million units instead of {ex['gb_per_million']:.2f}. {fp16_note}"
        f"Exact search grows linearly with the corpus (it reads every vector), which is why the index switches to IVF "
        f"above `AILEX_INDEX_EXACT_MAX` ({ann.EXACT_MAX:,} units by default), where exact still answers in a few ms "
        f"and is perfect. Adding 1% more units to the trained IVF takes {ivf['add_1pct']['seconds']:.2f} s with no "
        f"retraining (the index retrains only after growing {ann.RETRAIN_GROWTH:g}× since training). Filtered IVF search "
        f"probes the nearest lists that hold allowed units until they hold as many allowed units as an unfiltered "
        f"search scans, so a narrow filter is searched in full and a wide one with ~nprobe/fraction lists: filtered "
        f"Recall@10 is {min(v['recall_at_10'] for v in ivf['filters'].values()):.3f} or better here. The wide filter "
        f"({ivf['filters']['wide']['allowed']:,} allowed ids) is still the slow case at {ivf['filters']['wide']['p50_ms']:.0f} ms: "
        f"per query the allowed ids become a selector and ~nprobe/fraction lists are scanned.")
    return f"""## Scale: vector index at {', '.join(label(r['units']) for r in results)} units

Reproduce: `{cmd}` (add `--quick` for the 20k CI smoke run). Figures from one run on the machine
in the JSON; latency is index-only (`FaissIndex.search`, one query at a time on one thread, over
{QUERIES_USED} real queries), repeats interleaved across index kinds.

**Vectors.** Synthetic corpora drawn from the real model's distribution: {BASE_TEXTS} real
multilingual-e5-small (int8 ONNX) vectors of passages and sentence windows of the sample corpus's
text files (the AI Act in six languages and others, one passage per four sentences, as in the index)
are the base; each synthetic vector mixes a base vector with one of its 16 nearest real neighbours
(neighbour weight uniform in [0, 0.35]) and adds Gaussian noise along the base's 64 principal
directions scaled by their real spread, then is renormalised. Queries are the real e5 query vectors
of the cross-lingual dev set's {QUERIES_USED} queries. At equal size, synthetic and real vectors have
similar neighbour structure (no duplicates, no trivially separated clusters):

{dtable}

**Index kinds** (◀ auto marks what `FaissIndex.create` picks at that size; build includes IVF
training on ≤ {ann.TRAIN_POINTS_PER_LIST}·nlist vectors, on 2 threads):

{main}

**Filtered search** (filters select all units of some base passages, so they are correlated with the
vectors like a jurisdiction or language filter; Recall@10 against exact search inside the filter):

{ftable}

![query latency and index size against corpus size]({png})

{reading}
"""


QUERIES_USED = 240


def main(argv: list[str] | None = None) -> int:
    global QUERIES_USED
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--quick", action="store_true", help="20k units only (the CI smoke run)")
    ap.add_argument("--sizes", default="", help="comma-separated unit counts (default 10000,100000,1000000)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--render", type=Path, help="only re-render the markdown and plot from a scale.json")
    args = ap.parse_args(argv)
    if args.render:
        data = json.loads(args.render.read_text())
        QUERIES_USED = data["queries"]
        png = ROOT / "docs" / "benchmarks" / "scale.png"
        plot(data["results"], png)
        markdown = render(data["results"], data["distribution"], False, png.relative_to(ROOT).as_posix())
        (args.render.parent / "scale.md").write_text(markdown.rstrip() + "\n")
        print(markdown)
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s] or ([20_000] if args.quick else [10_000, 100_000, 1_000_000])
    repeats = 2 if args.quick else args.repeats

    base = base_vectors(600 if args.quick else BASE_TEXTS)  # quick: ~1 min to embed on a fresh CI machine
    queries = query_vectors()
    QUERIES_USED = len(queries)
    dist = distribution_check(base, queries)
    print(json.dumps(dist, indent=1))
    results = [measure(n, base, queries, repeats) for n in sizes]

    from index import ann

    ratios = {f"exact_over_ivf_latency_{label(r['units'])}":
              r["kinds"][ann.EXACT]["p50_ms"]["median"] / r["kinds"][ann.IVF_SQ8]["p50_ms"]["median"] for r in results}
    ratios.update({f"exact_fp16_over_flat_latency_{label(r['units'])}":  # not in the smoke baseline (yet)
                   r["kinds"][ann.EXACT_FP16]["p50_ms"]["median"] / r["kinds"][ann.EXACT]["p50_ms"]["median"]
                   for r in results})
    png = (args.out / "scale.png") if args.quick or args.sizes else ROOT / "docs" / "benchmarks" / "scale.png"
    plot(results, png)
    try:
        png_ref = png.relative_to(ROOT).as_posix()
    except ValueError:
        png_ref = str(png)
    markdown = render(results, dist, args.quick, png_ref)
    print("\n" + markdown)
    write_section(args.out, "scale", markdown, {"sizes": sizes, "repeats": repeats, "queries": len(queries),
                                                "base_vectors": len(base), "distribution": dist,
                                                "results": results, "ratios": ratios})
    return 0


if __name__ == "__main__":
    sys.exit(main())
