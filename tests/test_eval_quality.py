"""Cross-lingual retrieval quality with the real model on the real AI Act (slow).

The corpus is the `real_searcher` fixture (the AI Act in English, French and German, the
eval's languages, plus the documents of the topic tests). The figures recorded in
tests/eval_baseline.json come from this same setup; the test fails when Recall@10 or MRR
drops more than 0.02 below them."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

BASELINE = Path(__file__).with_name("eval_baseline.json")
TOLERANCE = 0.02

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def items(shared):
    from index.evaluate import load_items

    return load_items(shared / "eval" / "crosslingual_dev.jsonl")


@pytest.mark.parametrize("setup", json.loads(BASELINE.read_text())["setups"], ids=lambda s: s["name"])
def test_quality_holds_the_recorded_figures(real_searcher, items, setup):
    from index.evaluate import evaluate

    report = evaluate(real_searcher, items, mode=setup["mode"], language_filter=setup["language_filter"],
                      diversify=setup["diversify"])
    overall = report["overall"]
    print(setup["name"], json.dumps(overall))
    assert overall["items"] == 240
    assert overall["recall@10"] >= setup["recall@10"] - TOLERANCE, (overall, setup)
    assert overall["mrr"] >= setup["mrr"] - TOLERANCE, (overall, setup)
