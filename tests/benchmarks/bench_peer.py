"""Peer comparison (issue #8): ailex vs txtai on the same machine, the same model folder and the
same passages, measured in one run.

    .venv/bin/python -m tests.benchmarks.bench_peer [--out bench-results] [--quick] [--reuse DIR]

Passages: the EN, FR and DE EU AI Act texts of ../shared, imported, extracted and chunked once by
ailex (`import_csv` + `process_pending`, not timed); both systems then get exactly those passages
(text and language). `--quick` (CI smoke) cuts each text to its first ~15 % (a few hundred
passages) and keeps the eval items whose target is in the cut.

* txtai: `Embeddings(path=<the e5 folder of `ailex model build`>, method="sentence-transformers",
  backend="faiss", content=True)`; no `instructions`, because txtai's sentence-transformers
  vectors call `encode_query` / `encode_document`, which already apply the folder's "query: " /
  "passage: " prompts (checked below: its vectors equal ailex's torch encoder's, cosine 1.0).
  Ingest = `index()` + `save()`; a query = `search("select … where similar(:q) and lang = :lang", 10)`
  (txtai's default: 100 candidates, then the filter) and, on the same index, with `similar(:q, n)`
  (every passage scored before the filter, like ailex's FAISS IDSelector).
* ailex: the product path on a fresh data folder: `update_index` with the default encoder (int8
  ONNX) and the default `AILEX_SENTENCE_VECTORS` (passages and their sentence windows), and again
  with passage vectors only; a query = `Searcher.search(q, k=10, filters=language, mode=…)` with
  the query-vector cache cleared before every call, in semantic and hybrid mode.

Eval: ../shared/eval/crosslingual_dev.jsonl with `ailex eval`'s protocol for both systems: the
search is filtered to the item's target language and a hit is a passage in that language that
`index.evaluate.holds` the target text; Recall@10 and MRR over all items. Query latency is wall
time of one call, one query at a time, systems interleaved per query (order alternating).
Ingest is one pass per system (each costs minutes), run back to back; the load average is
recorded beside each. Models are loaded and warmed up before any timing, for both.

`--reuse DIR` (development only) keeps the built indexes and ingest figures in DIR and reuses them
on the next run: the output then says so in bold. The `make bench` run (tests/benchmarks/run.py)
must call this script without it, so every figure is measured from scratch.

Threads: ailex runs as configured by default. txtai's torch gets, per phase (ingest, queries), the
faster of 1 and 2 threads in a short untimed trial: on a loaded 2-core box two OpenMP threads can
be several times slower than one, and txtai should not lose on a setting a user would change.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.common import (  # noqa: E402
    DEFAULT_OUT, machine_info, percentile, summary, table, write_section,
)

DOCS = ("eu/ai_act/AI_Act-EN.txt", "eu/ai_act/AI_Act-FR.txt", "eu/ai_act/AI_Act-DE.txt")
QUICK_FRACTION = 0.15
QUICK_ITEMS = 40
K = 10
TXTAI_SQL = "select id, text, lang, score from txtai where similar(:q) and lang = :lang"
# similar() with an explicit candidate count: every passage is scored before the language filter,
# as ailex's FAISS IDSelector does (txtai's default draws limit × 10 candidates, then filters)
TXTAI_SQL_ALL = "select id, text, lang, score from txtai where similar(:q, {n}) and lang = :lang"
TXTAI_ALL = "txtai (dense), similar() over all passages"
COMMAND = ".venv/bin/python -m tests.benchmarks.bench_peer"


def log(msg: str) -> None:
    print(f"[peer {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def load1() -> float:
    return round(os.getloadavg()[0], 2)


# -- the passage set --------------------------------------------------------------------------
def prepare_corpus(work: Path, quick: bool) -> tuple[Path, list[tuple[int, str, str]], float]:
    """Import, extract and chunk the three AI Act texts into a fresh data folder (no index yet).
    Returns (data folder, [(passage id, language, text)], seconds)."""
    from corpus.importer import import_csv
    from corpus.settings import Settings
    from corpus.store import Store
    from pipeline.process import process_pending
    from tests.conftest import SHARED, write_csv

    if not (SHARED / "corpus" / "documents.csv").exists():
        sys.exit(f"shared corpus missing at {SHARED} (set AILEX_SHARED)")
    with open(SHARED / "corpus" / "documents.csv", newline="", encoding="utf-8") as f:
        meta = {r["path"]: r for r in csv.DictReader(f)}
    rows = []
    for p in DOCS:
        src = SHARED / "corpus" / p
        row = dict(meta[p], path=str(src))
        if quick:  # the first ~15 % of the text, cut at a line end; the sha256 column no longer applies
            text = src.read_text(encoding="utf-8")
            cut = text.find("\n", int(len(text) * QUICK_FRACTION))
            dst = work / "quick" / src.name
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_text(text[: cut if cut > 0 else len(text)], encoding="utf-8")
            row.update(path=str(dst), sha256="", bytes=str(dst.stat().st_size))
        rows.append(row)
    started = time.perf_counter()
    settings = Settings(data_dir=work / "prepared")
    store = Store(settings.data_dir)
    report = import_csv(store, write_csv(work / "peer.csv", rows))
    if report.errors:
        sys.exit(f"import failed: {report.errors}")
    process_pending(store, settings)
    passages = [(p.id, p.language, p.text) for p in store.passages()]
    store.close()
    return settings.data_dir, passages, time.perf_counter() - started


def load_eval(passages: list[tuple[int, str, str]], quick: bool) -> tuple[list[dict], int]:
    """The dev eval items (quick: those whose target some passage holds, at most QUICK_ITEMS), and how
    many of the returned items are answerable at all (some passage in the target language holds the target)."""
    from index.evaluate import holds, load_items
    from tests.conftest import SHARED

    items = load_items(SHARED / "eval" / "crosslingual_dev.jsonl")
    answerable = [it for it in items
                  if any(lang.startswith(it["target_lang"]) and holds(t, it["target_text"]) for _, lang, t in passages)]
    if quick:
        return answerable[:QUICK_ITEMS], min(len(answerable), QUICK_ITEMS)
    return items, len(answerable)


# -- txtai ------------------------------------------------------------------------------------
class Txtai:
    def __init__(self, model_path: str):
        import torch
        from txtai import Embeddings

        self.embeddings = Embeddings(path=model_path, method="sentence-transformers", backend="faiss", content=True)
        self.torch = torch
        self.threads = {"default": torch.get_num_threads()}

    def calibrate(self, phase: str, work, candidates=(1, 2)) -> int:
        """Torch's thread count for `phase`, the faster of `candidates` on this box right now
        (untimed trial, interleaved a b b a). On a shared 2-core box two OpenMP threads can be many
        times slower than one (a descheduled thread stalls every barrier); txtai should not pay
        for that where one thread is the better setting."""
        secs = {n: 0.0 for n in candidates}
        for n in [*candidates, *reversed(candidates)]:
            self.torch.set_num_threads(n)
            t0 = time.perf_counter()
            work()
            secs[n] += time.perf_counter() - t0
        best = min(secs, key=secs.get)
        self.torch.set_num_threads(best)
        self.threads[phase] = best
        self.threads[f"{phase}_trial_s"] = {str(n): round(v, 2) for n, v in secs.items()}
        return best

    def check_vectors(self, model_path: str) -> dict:
        """txtai's vectors of a passage and a query against ailex's torch encoder of the same folder:
        shows the e5 prompts are applied once (cosine 1.0), neither missing nor doubled."""
        from pipeline.encoders import SentenceTransformerEncoder

        ref = SentenceTransformerEncoder(model_path)
        p = ["The provider shall ensure human oversight of high-risk AI systems."]
        q = ["human oversight obligations"]
        cos_p = float((self.embeddings.batchtransform(p, category="data") * ref.encode_passages(p)).sum())
        cos_q = float((self.embeddings.batchtransform(q, category="query") * ref.encode_queries(q)).sum())
        del ref
        return {"passage_cosine_to_ailex_torch": round(cos_p, 5), "query_cosine_to_ailex_torch": round(cos_q, 5)}

    def ingest(self, passages: list[tuple[int, str, str]], folder: Path) -> dict:
        docs = [(pid, {"text": text, "lang": lang}, None) for pid, lang, text in passages]
        load = load1()
        t0 = time.perf_counter()
        self.embeddings.index(docs)
        t1 = time.perf_counter()
        self.embeddings.save(str(folder))
        t2 = time.perf_counter()
        return {"seconds": t2 - t0, "index_seconds": t1 - t0, "save_seconds": t2 - t1,
                "vectors": int(self.embeddings.count()), "load1_before": load, "load1_after": load1()}

    def load(self, folder: Path) -> None:
        self.embeddings.load(str(folder))

    def search(self, query: str, lang: str, all_candidates: bool = False) -> list[tuple[str, str]]:
        import faiss

        self.torch.set_num_threads(self.threads.get("query", 1))
        faiss.omp_set_num_threads(1)  # one query at a time, as ailex's API process runs FAISS
        sql = TXTAI_SQL_ALL.format(n=int(self.embeddings.count())) if all_candidates else TXTAI_SQL
        rows = self.embeddings.search(sql, K, parameters={"q": query, "lang": lang})
        return [(r["lang"], r["text"]) for r in rows]


# -- ailex ------------------------------------------------------------------------------------
class Ailex:
    def __init__(self, data_dir: Path, sentence_vectors: bool):
        from corpus.settings import Settings
        from corpus.store import Store
        from pipeline.encoders import load_encoder

        self.settings = Settings(data_dir=data_dir, sentence_vectors=sentence_vectors)
        self.store = Store(self.settings.data_dir)
        self.encoder = load_encoder(self.settings)
        self.encoder.encode_passages(["warm-up passage"] * 4)  # sessions, thread pools: not timed
        self.encoder.encode_queries(["warm-up query"])
        self.searcher = None

    def ingest(self) -> dict:
        from index.ingest import Ingest

        load = load1()
        t0 = time.perf_counter()
        report = Ingest(self.settings, self.store, self.encoder).publish(rebuild=True)
        secs = time.perf_counter() - t0
        return {"seconds": secs, "vectors": report.added, "embedded": report.embedded, "passages": report.count,
                "load1_before": load, "load1_after": load1()}

    def open(self) -> None:
        from index.search import Searcher

        self.searcher = Searcher(self.settings, self.store, self.encoder)

    def search(self, query: str, lang: str, mode: str, min_score: float | None = None) -> list[tuple[str, str]]:
        from index.metadata import Filters

        self.searcher.clear_caches()  # every call embeds its query: no cache hits
        result = self.searcher.search(query, k=K, filters=Filters(language=[lang]), mode=mode, min_score=min_score)
        return [(h.passage.language, h.passage.text) for h in result.hits]

    def close(self) -> None:
        self.store.close()
        if hasattr(self.encoder, "close"):
            self.encoder.close()


# -- measuring ----------------------------------------------------------------------------------
def rank_of(hits: list[tuple[str, str]], item: dict) -> int | None:
    from index.evaluate import holds

    return next((r for r, (lang, text) in enumerate(hits, 1)
                 if lang.startswith(item["target_lang"]) and holds(text, item["target_text"])), None)


def run_queries(runners: dict, items: list[dict]) -> dict[str, dict]:
    """Every item through every runner, one query at a time, runners interleaved (order alternating)."""
    ms: dict[str, list[float]] = {n: [] for n in runners}
    ranks: dict[str, list[int | None]] = {n: [] for n in runners}
    for name, fn in runners.items():  # warm-up: first-call costs (SQL compile, allocators), not counted
        fn("warm-up query about human oversight", "en")
    names = list(runners)
    for i, item in enumerate(items):
        for name in (names if i % 2 == 0 else names[::-1]):
            t0 = time.perf_counter()
            hits = runners[name](item["query"], item["target_lang"])
            ms[name].append((time.perf_counter() - t0) * 1000)
            ranks[name].append(rank_of(hits, item))
        if (i + 1) % 40 == 0:
            log(f"queries {i + 1}/{len(items)}")
    out = {}
    for name in runners:
        r = ranks[name]
        n = max(len(r), 1)
        out[name] = {
            "items": len(r), "recall@10": sum(x is not None for x in r) / n, "recall@1": sum(x == 1 for x in r) / n,
            "mrr": sum(1 / x for x in r if x) / n, "p50_ms": percentile(ms[name], 50), "p99_ms": percentile(ms[name], 99),
            "latency_ms": {k: v for k, v in summary(ms[name]).items() if k != "values"},
        }
    return out


# -- reuse (development only) ---------------------------------------------------------------------
def reused_ingest(reuse: Path | None, key: str) -> dict | None:
    f = reuse / "ingest.json" if reuse else None
    if f and f.exists():
        return json.loads(f.read_text()).get(key)
    return None


def remember_ingest(reuse: Path | None, key: str, figures: dict) -> None:
    if not reuse:
        return
    f = reuse / "ingest.json"
    data = json.loads(f.read_text()) if f.exists() else {}
    data[key] = figures
    f.write_text(json.dumps(data, indent=1))


# -- report -----------------------------------------------------------------------------------------
def render(res: dict) -> str:
    sysinfo, rows = res["systems"], []
    for name, s in sysinfo.items():
        ing = res["ingest"][s["ingest"]]
        rows.append([f"{name}", f"{ing['seconds']:.1f}", f"{res['passages'] / ing['seconds']:.1f}", ing["vectors"],
                     f"{s['p50_ms']:.1f} / {s['p99_ms']:.1f}", f"{s['recall@10']:.3f}", f"{s['mrr']:.3f}"])
    r, v = res["ratios"], res["versions"]
    cmd = COMMAND + (" --quick" if res["quick"] else "")
    lines = [
        "## Peer comparison: ailex vs txtai",
        "",
        f"Reproduce: `{cmd}` (writes peer.md / peer.json under `--out`, default bench-results/).",
        "",
    ]
    if res.get("reused"):
        lines += [f"**Development run: ingest figures of {', '.join(res['reused'])} were reused from `--reuse`, "
                  "not measured in this run. Do not quote them.**", ""]
    lines += [
        f"Versions: ailex {v.get('ailex')}, txtai {v.get('txtai')}; same model folder "
        f"(`{res['model_folder']}`, multilingual-e5-small), faiss-cpu {v.get('faiss-cpu')}, "
        f"torch {v.get('torch')}, onnxruntime {v.get('onnxruntime')}, sentence-transformers "
        f"{v.get('sentence-transformers')}. Machine: {res['machine']['cpu']}, {res['machine']['cores']} cores, "
        f"load average {res['load_start']:.1f} at the start and {res['load_end']:.1f} at the end "
        "(the box is shared).",
        "",
        f"Passages: {res['passages']} (the EN/FR/DE AI Act as ailex's chunker cuts them"
        f"{', first ~15 % of each text' if res['quick'] else ''}), the same texts and languages for both. "
        f"Eval: {res['items']} items of crosslingual_dev.jsonl ({res['answerable']} answerable in these passages), "
        "filtered to the target language, hit = passage that holds the target text (`ailex eval`'s protocol). "
        f"Latency: wall time of one search call, {res['items']} distinct queries, systems interleaved, "
        "ailex's query-vector cache cleared before each call. Ingest = embedding + building + saving the index "
        "(extraction and chunking, done once for both, not counted); one pass each. Threads: ailex runs its "
        f"default int8 ONNX encoder ({res['machine']['cores']} single-threaded sessions); txtai's torch got "
        f"{res['txtai_config']['torch_threads'].get('ingest')} thread(s) for ingest and "
        f"{res['txtai_config']['torch_threads'].get('query')} for queries, the faster of 1 and 2 in a short "
        "untimed trial (on a loaded 2-core box two OpenMP threads can be several times slower than one), "
        "and FAISS 1 thread per query for both.",
        "",
        table(["system", "ingest s", "passages/s", "vectors", "query p50 / p99 ms", "Recall@10", "MRR"], rows),
        "",
        "Ratios (ailex / txtai, measured in this run; > 1 means ailex is faster):",
        "",
        table(["ratio", "value"], [[k, f"{x:.2f}" if isinstance(x, float) else x] for k, x in r.items()]),
        "",
        res["reading"],
    ]
    return "\n".join(lines)


def reading(res: dict) -> str:
    s, ing, r = res["systems"], res["ingest"], res["ratios"]
    t = s["txtai (dense)"]
    a_sem, a_hyb = s["ailex default, semantic"], s["ailex default, hybrid"]
    parts = []
    speed = r["ingest_speedup_vs_txtai"]
    parts.append(
        f"Ingest: ailex with its default sentence vectors embeds {ing['ailex-default']['vectors']} vectors for "
        f"{res['passages']} passages against txtai's {ing['txtai']['vectors']}, and took "
        f"{ing['ailex-default']['seconds']:.0f} s vs txtai's {ing['txtai']['seconds']:.0f} s "
        f"({'faster' if speed > 1 else 'SLOWER'}, ×{speed:.2f})"
        + (f"; with passage vectors only ailex took {ing['ailex-passages']['seconds']:.0f} s (×"
           f"{r['ingest_speedup_passages_only_vs_txtai']:.2f})." if "ailex-passages" in ing else ".")
        + " The encoders differ (int8 ONNX in ailex, fp32 torch in txtai's sentence-transformers path); the"
        " vectors themselves are the same model's.")
    q = r["query_speedup_vs_txtai"]
    parts.append(
        f"Queries: ailex semantic p50 {a_sem['p50_ms']:.1f} ms vs txtai {t['p50_ms']:.1f} ms "
        f"({'faster' if q > 1 else 'SLOWER'}, ×{q:.2f}); ailex hybrid p50 {a_hyb['p50_ms']:.1f} ms. "
        "ailex's call also returns documents, best sentence and highlights; txtai's returns id, text and score.")
    dr = a_sem["recall@10"] - t["recall@10"]
    dh = a_hyb["recall@10"] - t["recall@10"]
    parts.append(
        f"Recall@10: ailex semantic {a_sem['recall@10']:.3f}, hybrid {a_hyb['recall@10']:.3f}, txtai "
        f"{t['recall@10']:.3f} ({'no worse' if min(dr, dh) >= 0 else 'ailex is WORSE in ' + ('both modes' if max(dr, dh) < 0 else 'one mode')}"
        f"; semantic {dr:+.3f}, hybrid {dh:+.3f}).")
    ta = s.get(TXTAI_ALL)
    if ta:
        parts.append(
            f"Part of txtai's recall gap is its filtered-query default: `similar(:q)` draws limit × 10 = 100 "
            f"candidates over all languages before `lang = …` filters them, and same-language passages crowd "
            f"cross-lingual targets out; scoring every passage (`similar(:q, n)`) gives txtai Recall@10 "
            f"{ta['recall@10']:.3f} at p50 {ta['p50_ms']:.1f} ms.")
    off = {k: v["recall@10"] for k, v in s.items() if k.endswith("min_score off")}
    po = s.get("ailex passage vectors only, semantic")
    if off:
        parts.append(
            "With ailex's relevance cutoff (AILEX_MIN_SCORE, which hides weak hits; txtai has none) turned off, "
            "semantic Recall@10 is " + ", ".join(f"{v:.3f} ({k.split(',')[0]})" for k, v in off.items())
            + (f"; passage vectors only with the cutoff on: {po['recall@10']:.3f}." if po else "."))
    verdict = speed > 1 and q > 1 and dr >= 0 and (not ta or a_sem["recall@10"] >= ta["recall@10"])
    parts.append("The issue's bar (faster at ingest and at queries, recall no worse) is "
                 + ("met in this run." if verdict else "NOT met in this run: see the figures above."))
    if res["quick"]:
        parts.append("This is the --quick smoke size: too few passages and items for the recall figures to mean much.")
    return " ".join(parts)


# -- main -----------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--quick", action="store_true", help="CI smoke: a few hundred passages, <= 40 eval items")
    ap.add_argument("--reuse", type=Path, default=None,
                    help="development only: keep built indexes + ingest figures here and reuse them next run")
    ap.add_argument("--no-passages-only", action="store_true", help="skip the ailex passage-vectors-only variant")
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a fresh temp folder, removed)")
    args = ap.parse_args(argv)

    import transformers

    transformers.logging.set_verbosity_error()
    from importlib.metadata import version

    from corpus.settings import Settings

    model_path = Settings().model_path
    load_start = load1()
    scratch = Path(tempfile.mkdtemp(prefix="ailex-peer-", dir=args.work))
    reuse = args.reuse.resolve() if args.reuse else None
    if reuse:
        reuse = reuse / ("quick" if args.quick else "full")
        reuse.mkdir(parents=True, exist_ok=True)
        log(f"--reuse {reuse}: DEVELOPMENT RUN, ingest may be reused")
    try:
        prepared, passages, prep_s = prepare_corpus(scratch, args.quick)
        items, answerable = load_eval(passages, args.quick)
        langs = sorted({lang for _, lang, _ in passages})
        log(f"{len(passages)} passages ({', '.join(langs)}), prepared in {prep_s:.0f} s; {len(items)} eval items, "
            f"{answerable} answerable")

        ingest: dict[str, dict] = {}
        reused: list[str] = []

        # txtai --------------------------------------------------------------------------------
        tx = Txtai(model_path)
        vec_check = tx.check_vectors(model_path)
        tx.embeddings.batchtransform(["warm-up passage"] * 4, category="data")
        log(f"txtai vectors vs ailex torch: {vec_check}")
        trial = [t for _, _, t in passages[:: max(1, len(passages) // 16)]][:16]
        tx.calibrate("ingest", lambda: tx.embeddings.batchtransform(trial, category="data"))
        log(f"txtai torch threads: {tx.threads}")
        tfolder = (reuse or scratch) / "txtai-index"
        old = reused_ingest(reuse, "txtai")
        if old and tfolder.exists():
            tx.load(tfolder)
            ingest["txtai"] = old
            reused.append("txtai")
        else:
            log(f"txtai: indexing {len(passages)} passages (torch fp32, {tx.threads['ingest']} threads) …")
            ingest["txtai"] = tx.ingest(passages, tfolder)
            remember_ingest(reuse, "txtai", ingest["txtai"])
        log(f"txtai ingest {ingest['txtai']['seconds']:.1f} s")

        # ailex ----------------------------------------------------------------------------------
        variants = {"ailex-default": True} | ({} if args.no_passages_only else {"ailex-passages": False})
        ailex: dict[str, Ailex] = {}
        for key, sentence_vectors in variants.items():
            data = (reuse or scratch) / key
            old = reused_ingest(reuse, key)
            if not (old and data.exists()):
                if data.exists():
                    shutil.rmtree(data)
                shutil.copytree(prepared, data)  # fresh folder: empty embedding cache, no index
                old = None
            a = Ailex(data, sentence_vectors)
            if old:
                ingest[key] = old
                reused.append(key)
            else:
                log(f"{key}: indexing (encoder {a.encoder.name}, sentence vectors {sentence_vectors}) …")
                ingest[key] = a.ingest()
                remember_ingest(reuse, key, ingest[key])
            log(f"{key} ingest {ingest[key]['seconds']:.1f} s, {ingest[key]['vectors']} vectors")
            a.open()
            ailex[key] = a

        # queries ----------------------------------------------------------------------------------
        trial_q = [it["query"] for it in items[:6]]
        tx.calibrate("query", lambda: [tx.embeddings.batchtransform([q], category="query") for q in trial_q])
        log(f"txtai torch threads: {tx.threads}")
        runners = {"txtai (dense)": tx.search, TXTAI_ALL: lambda q, lang: tx.search(q, lang, True)}
        ingest_of = {"txtai (dense)": "txtai", TXTAI_ALL: "txtai"}
        for key, a in ailex.items():
            label = "ailex default" if key == "ailex-default" else "ailex passage vectors only"
            for mode in ("semantic", "hybrid"):
                name = f"{label}, {mode}"
                runners[name] = (lambda q, lang, a=a, mode=mode: a.search(q, lang, mode))
                ingest_of[name] = key
            # diagnostic: the same index with the relevance cutoff (AILEX_MIN_SCORE, 0.83 for e5-small) off,
            # which txtai does not have: shows how much of a recall gap the cutoff makes
            name = f"{label}, semantic, min_score off"
            runners[name] = (lambda q, lang, a=a: a.search(q, lang, "semantic", 0.0))
            ingest_of[name] = key
        log(f"{len(items)} queries × {len(runners)} systems …")
        systems = run_queries(runners, items)
        for name in systems:
            systems[name]["ingest"] = ingest_of[name]
        for a in ailex.values():
            a.close()
        tx.embeddings.close()

        t, a_sem, a_hyb = systems["txtai (dense)"], systems["ailex default, semantic"], systems["ailex default, hybrid"]
        ratios = {
            "ingest_speedup_vs_txtai": ingest["txtai"]["seconds"] / ingest["ailex-default"]["seconds"],
            "query_speedup_vs_txtai": t["p50_ms"] / a_sem["p50_ms"],
            "query_p99_speedup_vs_txtai": t["p99_ms"] / a_sem["p99_ms"],
            "hybrid_query_speedup_vs_txtai": t["p50_ms"] / a_hyb["p50_ms"],
            "recall10_ailex_semantic_minus_txtai": a_sem["recall@10"] - t["recall@10"],
            "recall10_ailex_hybrid_minus_txtai": a_hyb["recall@10"] - t["recall@10"],
            "recall10_ailex_semantic_minus_txtai_all_candidates": a_sem["recall@10"] - systems[TXTAI_ALL]["recall@10"],
        }
        if "ailex-passages" in ingest:
            ratios["ingest_speedup_passages_only_vs_txtai"] = ingest["txtai"]["seconds"] / ingest["ailex-passages"]["seconds"]
        mi = machine_info()
        versions = dict(mi["versions"])
        versions["ailex"] = version("ailex")
        res = {
            "quick": args.quick, "reused": reused, "passages": len(passages),
            "languages": {lang: sum(1 for _, x, _ in passages if x == lang) for lang in langs},
            "items": len(items), "answerable": answerable, "prepare_seconds": prep_s, "model_folder": model_path,
            "txtai_config": {"method": "sentence-transformers", "backend": "faiss", "content": True,
                             "sql": TXTAI_SQL, "limit": K, "torch_threads": tx.threads, "faiss_query_threads": 1,
                             **vec_check},
            "ingest": ingest, "systems": systems, "ratios": ratios, "versions": versions, "machine": mi,
            "load_start": load_start, "load_end": load1(),
        }
        res["reading"] = reading(res)
        md = render(res)
        data = {k: v for k, v in res.items() if k not in ("machine",)}
        write_section(args.out, "peer", md, data)
        print(md)
        return 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
