"""Hubs on the dev eval: which passages sit in the top 10 of many unrelated queries.

    AILEX_DATA_DIR=… python -m tests.benchmarks.hub_report ../shared/eval/crosslingual_dev.jsonl [--json out.json]

Runs every dev query twice (hybrid with the target-language filter; no filter with
`diversify=language`, the eval's two setups) and counts, per passage, the queries whose top 10
holds it without holding their target; prints the most frequent ones with their locator, unit
type and first words, and the issue's example query (Portuguese → English, semantic). The
target is 2 %: no passage in the top 10 of more than 2 % of the dev queries unless it holds
their target (issue 18)."""
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from corpus.settings import Settings
from corpus.store import Store
from index.evaluate import holds, load_items
from index.metadata import Filters
from index.search import Searcher
from pipeline.encoders import load_encoder

EXAMPLE = ("A Comissão pode prestar apoio técnico, aconselhamento e ferramentas para a criação e o funcionamento "
           "de ambientes de testagem da regulamentação da IA.")
TOP = 15


def hubs(searcher: Searcher, items: list[dict], language_filter: bool, diversify: str | None) -> dict:
    off_target: Counter[int] = Counter()
    for item in items:
        filters = Filters(language=[item["target_lang"]]) if language_filter else Filters()
        res = searcher.search(item["query"], k=10, filters=filters, mode="hybrid", diversify=diversify)
        for h in res.hits:
            if not holds(h.passage.text, item["target_text"]):
                off_target[h.passage.id] += 1
    rows = searcher.store.passages_by_ids([pid for pid, _ in off_target.most_common(TOP)])
    limit = 0.02 * len(items)
    return {
        "setup": "hybrid, language filter" if language_filter else f"hybrid, no filter, diversify={diversify}",
        "queries": len(items),
        "over_2_percent": sum(1 for n in off_target.values() if n > limit),
        "top": [{"passage_id": pid, "queries": n, "document": rows[pid].document_id, "locator": rows[pid].locator,
                 "unit_type": getattr(rows[pid], "unit_type", ""), "text": " ".join(rows[pid].text.split())[:90]}
                for pid, n in off_target.most_common(TOP)],
    }


def example(searcher: Searcher) -> list[dict]:
    res = searcher.search(EXAMPLE, k=5, filters=Filters(language=["en"]), mode="semantic")
    return [{"rank": h.rank, "similarity": round(h.similarity or 0, 3), "document": h.document.id,
             "locator": h.passage.locator, "best_sentence": (h.best_sentence or "")[:90]} for h in res.hits]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("eval", type=Path)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    settings = Settings()
    store = Store(settings.data_dir)
    searcher = Searcher(settings, store, load_encoder(settings))
    items = load_items(args.eval)
    out = {"example": example(searcher),
           "setups": [hubs(searcher, items, True, None), hubs(searcher, items, False, "language")]}
    for setup in out["setups"]:
        print(f"\n## {setup['setup']}: {setup['over_2_percent']} passages off-target in > 2 % of {setup['queries']} queries")
        for r in setup["top"]:
            print(f"{r['queries']:4d}  {r['passage_id']:6d} {r['document']:16s} {r['unit_type']:10s} "
                  f"{r['locator'][:45]:45s} {r['text'][:60]}")
    print("\n## example query (pt → en, semantic)")
    for r in out["example"]:
        print(f"{r['rank']:2d} {r['similarity']:.3f} {r['document']:16s} {r['locator'][:45]:45s} {r['best_sentence'][:70]}")
    if args.json:
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
