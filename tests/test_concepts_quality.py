"""Concept classifier quality with the real model on the hand-labelled set (slow).

Recomputes the grouped cross-validation figures of README "Concepts" from the labelled passages'
own text: the units the index would embed (the passage with its locator, its sentence windows)
are encoded by the int8 ONNX model, so no corpus needs building; the same texts give the same
vectors as in the index (up to its fp16 storage). Fails when a recorded figure in
tests/concepts_baseline.json drops by more than 0.01, or when non-English passages fall more
than 0.05 below English (issue 14)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

BASELINE = Path(__file__).with_name("concepts_baseline.json")
LABELLED = Path(__file__).parent / "data" / "concepts_labelled.jsonl"
TOLERANCE = 0.01

pytestmark = pytest.mark.slow


def measure(encoder, store) -> dict:
    """Both variants' figures (the encoder's and the lexical one) on every labelled passage."""
    from index.build import embed_texts
    from pipeline.concepts.classify import LEXICAL_VARIANT, description_vectors
    from pipeline.concepts.evaluate import cross_validate, load_labelled, text_units
    from pipeline.concepts.taxonomy import load

    tax = load()
    items, _ = load_labelled(LABELLED)
    units = [text_units(it) for it in items]
    texts = [t for passage, windows in units for t in [passage, *windows]]
    vectors, _ = embed_texts(store, encoder, texts, 32)
    out, pos = [], 0
    for passage, windows in units:
        out.append((vectors[pos], vectors[pos + 1:pos + 1 + len(windows)]))
        pos += 1 + len(windows)
    desc = description_vectors(tax, encoder)
    return {v: cross_validate(tax, items, out, desc, v).as_dict() for v in (encoder.name, LEXICAL_VARIANT)}


def _figures(ev: dict) -> dict[str, float]:
    out = {f"micro_{k}": ev["micro"][k] for k in ("precision", "recall", "f1")}
    out.update({f"{lang}_f1": ev["by_language"][lang]["f1"] for lang in ("en", "non-en")})
    return out


def test_concept_quality_holds_the_recorded_figures(onnx_encoder, tmp_path):
    from corpus.store import Store

    measured = measure(onnx_encoder, Store(tmp_path / "data"))
    recorded = json.loads(BASELINE.read_text())["variants"]
    for variant, ev in measured.items():
        got, want = _figures(ev), recorded[variant]
        print(variant, json.dumps(got))
        assert ev["items"] == want["items"] and ev["missing"] == 0
        for name, value in want["figures"].items():
            assert got[name] >= value - TOLERANCE, (variant, name, got[name], value)
        assert got["non-en_f1"] >= got["en_f1"] - 0.05, (variant, got)
    # every concept is measured on at least its 8 positives
    best = measured[onnx_encoder.name]["per_concept"]
    assert min(c["support"] for c in best.values()) >= 8
    assert np.isfinite([c["precision"] for c in best.values()]).all()
