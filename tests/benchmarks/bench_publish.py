"""What publishing a snapshot costs: after a one-document change (the sample corpus, and a synthetic
corpus of N passages), and under query load (one snapshot load per publish).

    .venv/bin/python -m tests.benchmarks.bench_publish --data data            # a built data folder (copied first)
    .venv/bin/python -m tests.benchmarks.bench_publish --synthetic 1000000   # + a synthetic 1M-passage corpus
    .venv/bin/python -m tests.benchmarks.bench_publish --quick               # CI smoke size

One-document change: a document gets a new version (its passages change a little), then the
publish step every ingest path runs (`Ingest.publish`: link duplicates, build, publish) is timed
step by step; then the same publish with the previous snapshot's structures thrown away (filter
columns, lexical rows, duplicate state), which is what every publish cost before they were
incremental. Vectors come from the embedding cache in both (no encoder work is timed).

Under load: C client threads search the served snapshot while P publishes happen; the figure is
how many snapshot loads the Searcher made (one per publish, whatever the number of clients) and
the latency/throughput with and without publishes.
"""
from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.common import DEFAULT_OUT, percentile, table, write_section  # noqa: E402

QUERIES = ["transparency obligations for deepfakes", "facial recognition by law enforcement",
           "regulatory sandbox for AI", "human oversight of high-risk systems", "penalties for infringements",
           "training data transparency", "frontier model safety incidents", "children and minors",
           "risk management system", "right to an explanation"]


def _settings(data: Path, encoder: str):
    from corpus.settings import Settings

    return Settings(data_dir=data, encoder=encoder)


def change_one_document(store, seed: int = 0) -> str:
    """A new version of one small document whose passages differ slightly (no extraction: the drafts
    are written as extraction would), as a re-crawl of a changed page brings."""
    from corpus.models import PassageDraft

    docs = [d for d in store.documents() if d.current_version]
    rng = random.Random(seed)
    doc = min(docs, key=lambda d: (len(store.passages(d.id)) or 10**9, d.id))
    old = store.passages(doc.id)
    version, _ = store.add_version(doc.id, f"changed {time.time()} {rng.random()}".encode(), "text/plain", "changed.txt")
    drafts = [PassageDraft(seq=p.seq, text=p.text + (" Amended." if n % 2 == 0 else ""), language=p.language,
                           locator=p.locator, page_start=p.page_start, page_end=p.page_end) for n, p in enumerate(old)]
    store.replace_passages(version, drafts)
    return doc.id


def publish_once(settings, store, encoder, from_scratch: bool) -> dict:
    """`Ingest.publish`'s two steps, timed apart: link duplicates, then build and publish."""
    from corpus.duplicates import DuplicateIndex
    from index import snapshots
    from index.build import update_index
    from pipeline.dedupe import link_duplicates

    if from_scratch:  # what a publish cost before: every structure but the vectors rebuilt from all passages
        DuplicateIndex(store).reset()
        folder = snapshots.current(settings.index_dir)
        for name in ("passages.npz", "labels.json", "documents.json", "lexical_rows.npz", "hubness.npz"):
            (folder / name).unlink(missing_ok=True)
    started = time.perf_counter()
    linked = link_duplicates(store)
    dedupe_s = time.perf_counter() - started
    report = update_index(settings, store, encoder)
    total = time.perf_counter() - started
    return {"seconds": total, "dedupe": dedupe_s, "linked": linked, "timings": report.timings,
            "embedded": report.embedded, "passages": report.count}


def one_document_change(data: Path, encoder_name: str, repeats: int) -> dict:
    from corpus.store import Store
    from pipeline.encoders import load_encoder

    work = Path(tempfile.mkdtemp(prefix="ailex-publish-"))
    try:
        shutil.copytree(data, work / "data")
        settings = _settings(work / "data", encoder_name)
        store = Store(settings.data_dir)
        encoder = load_encoder(settings)
        from index.ingest import Ingest

        Ingest(settings, store, encoder).publish()  # bring the copy to this code's snapshot format
        incremental, scratch = [], []
        for r in range(repeats):
            change_one_document(store, r)
            incremental.append(publish_once(settings, store, encoder, from_scratch=False))
            change_one_document(store, 100 + r)
            scratch.append(publish_once(settings, store, encoder, from_scratch=True))
        store.close()
        return {"incremental": incremental, "from_scratch": scratch}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def synthetic_corpus(folder: Path, passages: int, per_document: int = 200, seed: int = 0) -> Path:
    """A store of `passages` synthetic passages (~60 words from a Zipf vocabulary) in documents of
    `per_document`, one vector each (sentence vectors off) put straight into the embedding cache as
    random unit vectors, and its first snapshot built."""
    import numpy as np

    from corpus.models import DocumentMeta, PassageDraft
    from corpus.store import Store, text_sha
    from corpus.text import searchable
    from index.ingest import Ingest
    from pipeline.encoders import FakeEncoder

    rng = np.random.default_rng(seed)
    vocab = [f"w{i}" for i in range(50_000)]
    weights = 1.0 / np.arange(1, len(vocab) + 1)
    weights /= weights.sum()
    settings = _settings(folder, "fake").model_copy(update={"sentence_vectors": False})
    store = Store(settings.data_dir)
    encoder = FakeEncoder()
    for d in range(0, passages, per_document):
        n = min(per_document, passages - d)
        doc = store.upsert_document(DocumentMeta(source_key=f"synthetic/{d}", title=f"Synthetic act {d}",
                                                 jurisdiction=["EU", "GB", "US", "BR", "KR"][d % 5], doc_type="act",
                                                 language="en", date=f"{2015 + d % 10}"))
        version, _ = store.add_version(doc.id, f"synthetic {d}".encode(), "text/plain", "s.txt")
        words = rng.choice(len(vocab), size=(n, 60), p=weights)
        drafts = [PassageDraft(seq=i, text=" ".join(vocab[w] for w in row), language="en", locator=f"Article {i + 1}")
                  for i, row in enumerate(words)]
        store.replace_passages(version, drafts)
        vecs = rng.standard_normal((n, encoder.dim)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        store.cache_embeddings(encoder.name, [(text_sha(searchable(p.locator, p.text)), v.tobytes())
                                              for p, v in zip(drafts, vecs)])
    Ingest(settings, store, encoder).publish()
    store.close()
    return settings.data_dir


def synthetic_change(folder: Path, passages: int) -> dict:
    from corpus.store import Store
    from pipeline.encoders import FakeEncoder

    work = folder / "synthetic"
    started = time.perf_counter()
    data = synthetic_corpus(work, passages)
    build_s = time.perf_counter() - started
    settings = _settings(data, "fake").model_copy(update={"sentence_vectors": False})
    store = Store(data)
    encoder = FakeEncoder()
    # the changed document's new passages need vectors: the fake encoder embeds them (a few ms)
    change_one_document(store)
    incremental = publish_once(settings, store, encoder, from_scratch=False)
    change_one_document(store, 1)
    scratch = publish_once(settings, store, encoder, from_scratch=True)
    store.close()
    return {"passages": passages, "first_build_seconds": build_s, "incremental": incremental, "from_scratch": scratch}


def under_load(data: Path, encoder_name: str, clients: int, publishes: int) -> dict:
    """Clients search while the index is re-published `publishes` times (metadata edits: every
    publish builds a new snapshot); counts the snapshot loads and the latency."""
    from corpus.models import DocumentMeta
    from corpus.store import Store
    from index.ingest import Ingest
    from index.search import Searcher
    from pipeline.encoders import load_encoder

    work = Path(tempfile.mkdtemp(prefix="ailex-publish-load-"))
    try:
        shutil.copytree(data, work / "data")
        settings = _settings(work / "data", encoder_name).model_copy(update={"result_cache": 0})
        store = Store(settings.data_dir)
        encoder = load_encoder(settings)
        Ingest(settings, store, encoder).publish()
        searcher = Searcher(settings, Store(settings.data_dir), encoder)
        for q in QUERIES:
            searcher.search(q, k=10)  # query vectors cached: the load is search, not encoding

        def run(seconds: float, publisher) -> dict:
            stop = threading.Event()
            lat: list[float] = []
            lock = threading.Lock()

            def client(seed: int) -> None:
                rng = random.Random(seed)
                while not stop.is_set():
                    t = time.perf_counter()
                    searcher.search(rng.choice(QUERIES), k=10, diversify="jurisdiction")
                    with lock:
                        lat.append((time.perf_counter() - t) * 1000)

            threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
            loads = searcher.retriever.loads
            started = time.perf_counter()
            for t in threads:
                t.start()
            done = publisher(stop) if publisher else stop.wait(seconds)
            stop.set()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - started
            return {"requests": len(lat), "seconds": elapsed, "rps": len(lat) / elapsed,
                    "p50_ms": statistics.median(lat), "p99_ms": percentile(lat, 99),
                    "loads": searcher.retriever.loads - loads, "publishes": done if publisher else 0}

        def publisher(stop: threading.Event) -> int:
            doc = store.documents()[0]
            meta = DocumentMeta(**{k: getattr(doc, k) for k in DocumentMeta.model_fields})
            for n in range(publishes):
                store.upsert_document(meta.model_copy(update={"status": f"bench-{n}"}))
                Ingest(settings, store, encoder).publish()
                time.sleep(0.3)
            return publishes

        quiet = run(publishes * 1.0, None)
        busy = run(0, publisher)
        store.close()
        return {"clients": clients, "quiet": quiet, "publishing": busy}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(args, change: dict | None, synthetic: dict | None, load: dict) -> str:
    lines = ["## Publishing", "",
             f"`python -m tests.benchmarks.bench_publish {' '.join(args.argv)}`".replace("  ", " "), ""]

    def row(name: str, runs: list[dict]) -> list:
        steps = ["read store", "find changes", "embed", "hubness", "columns", "lexical", "save"]
        med = lambda key: statistics.median(r[key] for r in runs)  # noqa: E731
        cells = [name, f"{med('seconds'):.2f}", f"{med('dedupe'):.2f}"]
        cells += [f"{statistics.median(r['timings'].get(s, 0.0) for r in runs):.2f}" for s in steps]
        return cells

    header = ["publish", "total s", "dedupe", "read store", "find changes", "embed", "hubness", "columns",
              "lexical", "save"]
    if change:
        n = change["incremental"][0]["passages"]
        lines += [f"**After a one-document change, {n} passages** (median of {len(change['incremental'])}; "
                  "vectors from the embedding cache):", "",
                  table(header, [row("incremental (now)", change["incremental"]),
                                 row("every structure rebuilt (before)", change["from_scratch"])]), ""]
        ratio = statistics.median(r["seconds"] for r in change["from_scratch"]) / \
            statistics.median(r["seconds"] for r in change["incremental"])
        lines += [f"Incremental publish: {ratio:.1f}× faster than rebuilding the structures.", ""]
    if synthetic:
        lines += [f"**Synthetic corpus, {synthetic['passages']:,} passages** (one vector each; first build "
                  f"{synthetic['first_build_seconds']:.0f} s):", "",
                  table(header, [row("incremental (now)", [synthetic["incremental"]]),
                                 row("every structure rebuilt (before)", [synthetic["from_scratch"]])]), ""]
    q, b = load["quiet"], load["publishing"]
    lines += [f"**Under load**: {load['clients']} client threads searching one in-process Searcher "
              f"(`diversify=jurisdiction`, result cache off) while {b['publishes']} snapshots are published:", "",
              table(["", "requests/s", "p50 ms", "p99 ms", "snapshot loads"],
                    [["no publish", f"{q['rps']:.0f}", f"{q['p50_ms']:.1f}", f"{q['p99_ms']:.1f}", q["loads"]],
                     [f"{b['publishes']} publishes", f"{b['rps']:.0f}", f"{b['p50_ms']:.1f}", f"{b['p99_ms']:.1f}",
                      b["loads"]]]), "",
              "One load per publish: the first request thread that sees the new CURRENT pointer loads the "
              "snapshot under a lock, the others wait for it and re-check the pointer instead of loading it again "
              "(before, every thread that saw the pointer move loaded the same snapshot: 65 loads for 8 publishes "
              "under 8 clients).", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="a built data folder (copied; never changed)")
    parser.add_argument("--encoder", default="onnx")
    parser.add_argument("--synthetic", type=int, default=0, help="also a synthetic corpus of this many passages")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--publishes", type=int, default=8)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    args.argv = argv if argv is not None else sys.argv[1:]
    work = Path(tempfile.mkdtemp(prefix="ailex-bench-publish-"))
    try:
        data = args.data
        encoder = args.encoder
        if data is None or args.quick:
            from tests.benchmarks.bench_load import build_small

            data, encoder = build_small(work / "small"), "fake"
        repeats = 1 if args.quick else args.repeats
        change = one_document_change(data, encoder, repeats)
        synthetic = synthetic_change(work, 20_000 if args.quick else args.synthetic) \
            if (args.synthetic or args.quick) else None
        load = under_load(data, encoder, 2 if args.quick else args.clients, 2 if args.quick else args.publishes)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    md = report(args, change, synthetic, load)
    ratios = {"publish.scratch_over_incremental": statistics.median(r["seconds"] for r in change["from_scratch"])
              / statistics.median(r["seconds"] for r in change["incremental"]),
              "publish.loads_per_publish": load["publishing"]["loads"] / max(load["publishing"]["publishes"], 1)}
    write_section(args.out, "publish", md, {"change": change, "synthetic": synthetic, "load": load, "ratios": ratios})
    print(md)


if __name__ == "__main__":
    main()
