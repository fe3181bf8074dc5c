"""Concept classifier quality with the real model on the hand-labelled sets (slow).

Recomputes the figures of README "Concepts and the landscape" from the labelled passages' own
text: the units the index would embed (the passage with its locator, its sentence windows) are
encoded by the int8 ONNX model, so no corpus needs building; the same texts give the same vectors
as in the index (up to its fp16 storage). Two measurements, both recorded in
tests/concepts_baseline.json:
- grouped 5-fold cross-validation on tests/data/concepts_labelled.jsonl (the set the shipped model
  is fitted on; translations and copies of one provision never straddle folds);
- the shipped, frozen model (pipeline/concepts/model.json) on tests/data/concepts_fresh.jsonl, a
  random sample labelled after the classifier was frozen and never fitted on.
Fails when a recorded figure drops by more than 0.01, when non-English passages fall more than
0.05 below English in cross-validation (issue 14), or when the shipped model was fitted on another
version of the labelled set than the one in the repository."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

BASELINE = Path(__file__).with_name("concepts_baseline.json")
DATA = Path(__file__).parent / "data"
LABELLED = DATA / "concepts_labelled.jsonl"
FRESH = DATA / "concepts_fresh.jsonl"
TOLERANCE = 0.01

pytestmark = pytest.mark.slow


def _vectors(encoder, store, items):
    from index.build import embed_texts
    from pipeline.concepts.evaluate import text_units

    units = [text_units(it) for it in items]
    texts = [t for passage, windows in units for t in [passage, *windows]]
    vectors, _ = embed_texts(store, encoder, texts, 32)
    out, pos = [], 0
    for _, windows in units:
        out.append((vectors[pos], vectors[pos + 1:pos + 1 + len(windows)]))
        pos += 1 + len(windows)
    return out


def measure(encoder, store) -> dict:
    """Both variants' figures (the encoder's and the lexical one): cross-validated on the labelled
    set and held out on the fresh sample."""
    from pipeline.concepts.classify import LEXICAL_VARIANT, ConceptModel, description_vectors
    from pipeline.concepts.evaluate import cross_validate, held_out, load_labelled
    from pipeline.concepts.taxonomy import load

    tax = load()
    model = ConceptModel.load()
    desc = description_vectors(tax, encoder)
    labelled, _ = load_labelled(LABELLED)
    fresh, _ = load_labelled(FRESH)
    lv, fv = _vectors(encoder, store, labelled), _vectors(encoder, store, fresh)
    return {"cv": {v: cross_validate(tax, labelled, lv, desc, v).as_dict() for v in (encoder.name, LEXICAL_VARIANT)},
            "fresh": {v: held_out(tax, model, fresh, fv, desc, v).as_dict() for v in (encoder.name, LEXICAL_VARIANT)}}


def _figures(ev: dict) -> dict[str, float]:
    out = {f"micro_{k}": ev["micro"][k] for k in ("precision", "recall", "f1")}
    out.update({f"{lang}_f1": ev["by_language"][lang]["f1"] for lang in ("en", "non-en")})
    return out


def test_shipped_model_is_fitted_on_the_labelled_set_in_the_repository():
    from pipeline.concepts.classify import ConceptModel

    assert ConceptModel.load().labelled_sha == hashlib.sha256(LABELLED.read_bytes()).hexdigest(), \
        "the labelled set changed: run `ailex concepts train` and record the figures"


def test_fresh_sample_is_disjoint_from_the_labelled_set():
    labelled = {json.loads(line)["text_sha"] for line in LABELLED.read_text(encoding="utf-8").splitlines()}
    fresh = [json.loads(line) for line in FRESH.read_text(encoding="utf-8").splitlines()]
    assert len(fresh) >= 100 and not {r["text_sha"] for r in fresh} & labelled
    assert len({r["jurisdiction"] for r in fresh}) >= 12 and len({r["language"] for r in fresh}) >= 6
    assert all(r["labels"] or r["note"] for r in fresh)
    assert all(label["reason"].strip() for r in fresh for label in r["labels"])


def test_concept_quality_holds_the_recorded_figures(onnx_encoder, tmp_path):
    from corpus.store import Store

    measured = measure(onnx_encoder, Store(tmp_path / "data"))
    recorded = json.loads(BASELINE.read_text())
    for split in ("cv", "fresh"):
        for variant, ev in measured[split].items():
            got, want = _figures(ev), recorded[split][variant]
            print(split, variant, json.dumps(got))
            assert ev["items"] == want["items"] and ev["missing"] == 0
            for name, value in want["figures"].items():
                assert got[name] >= value - TOLERANCE, (split, variant, name, got[name], value)
            if split == "cv":
                assert got["non-en_f1"] >= got["en_f1"] - 0.05, (variant, got)
    # every concept is measured on at least its 8 positives
    best = measured["cv"][onnx_encoder.name]["per_concept"]
    assert min(c["support"] for c in best.values()) >= 8
    assert np.isfinite([c["precision"] for c in best.values()]).all()
