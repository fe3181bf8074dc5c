"""The int8 ONNX encoder agrees with the fp32 torch model on real AI Act passages (slow)."""
from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow

EVAL_PAIRS = (("en", "fr"), ("fr", "en"))


@pytest.fixture(scope="module")
def real_passages(shared):
    """~20 real passages (EN and FR AI Act as the chunker cuts them) and eval queries whose
    target passage is among them."""
    from index.evaluate import holds
    from tests.extraction_cache import passages

    by_lang = {
        "en": [p.text for p in passages("eu/ai_act/AI_Act-EN.txt")],
        "fr": [p.text for p in passages("eu/ai_act/AI_Act-FR.txt")],
    }
    items = [json.loads(line) for line in open(shared / "eval" / "crosslingual_dev.jsonl", encoding="utf-8")
             if line.strip()]
    rng = random.Random(2024)
    texts, langs, queries = [], [], []
    for q_lang, t_lang in EVAL_PAIRS:
        for item in [i for i in items if (i["query_lang"], i["target_lang"]) == (q_lang, t_lang)][:3]:
            target = next((t for t in by_lang[t_lang] if holds(t, item["target_text"])), None)
            assert target is not None, f"{item['id']}: target passage not found in the chunked AI Act"
            if target not in texts:
                texts.append(target)
                langs.append(t_lang)
            queries.append((item["query"], t_lang, texts.index(target)))
    for lang in ("en", "fr"):
        for t in rng.sample(by_lang[lang], 7):
            if t not in texts:
                texts.append(t)
                langs.append(lang)
    assert len(texts) >= 18
    return texts, np.array(langs), queries


def test_onnx_int8_embeddings_agree_with_torch(real_encoder, onnx_encoder, real_passages):
    texts, langs, queries = real_passages
    ref = real_encoder.encode_passages(texts)
    got = onnx_encoder.encode_passages(texts)
    cos = (ref * got).sum(axis=1)
    assert cos.min() >= 0.97, f"passage cosine torch vs onnx: min {cos.min():.4f} (all {np.round(cos, 3)})"

    q_ref = real_encoder.encode_queries([q for q, _, _ in queries])
    q_got = onnx_encoder.encode_queries([q for q, _, _ in queries])
    assert ((q_ref * q_got).sum(axis=1) >= 0.97).all()
    compared = 0
    for (query, t_lang, _), qr, qg in zip(queries, q_ref, q_got):
        cand = np.flatnonzero(langs == t_lang)  # as the eval: filtered to the target language
        s_ref = ref[cand] @ qr
        first, second = np.sort(s_ref)[::-1][:2]
        if first - second < 0.005:  # a near-tie in fp32 itself: either order is as good
            continue
        compared += 1
        top_ref, top_got = cand[np.argmax(s_ref)], cand[np.argmax(got[cand] @ qg)]
        assert top_ref == top_got, f"top-1 differs for {query[:60]!r} (fp32 margin {first - second:.4f})"
    assert compared >= 4
    # and int8 finds the eval's target passage first at least as often as fp32 (less one)
    hits = {"ref": 0, "got": 0}
    for (_, t_lang, target), qr, qg in zip(queries, q_ref, q_got):
        cand = np.flatnonzero(langs == t_lang)
        hits["ref"] += cand[np.argmax(ref[cand] @ qr)] == target
        hits["got"] += cand[np.argmax(got[cand] @ qg)] == target
    assert hits["got"] >= hits["ref"] - 1, hits


def test_token_budget_batching_matches_singletons(onnx_encoder, real_passages):
    from pipeline.onnx_encoder import OnnxEncoder

    texts, _, _ = real_passages
    batched = OnnxEncoder(onnx_encoder.folder, batch_size=8, threads=2, batch_tokens=2048)
    try:
        lengths = batched.token_lengths(texts)
        groups = batched.batches(lengths)
        assert sorted(i for g in groups for i in g) == list(range(len(texts)))
        assert all(len(g) * max(lengths[i] for i in g) <= 2048 or len(g) == 1 for g in groups)
        assert all(len(g) <= 8 for g in groups)
        cos = (batched.encode_passages(texts) * onnx_encoder.encode_passages(texts)).sum(axis=1)
        assert cos.min() > 0.995
    finally:
        batched.close()


def test_build_onnx_is_idempotent(onnx_encoder):
    from corpus.settings import Settings
    from pipeline.onnx_export import MANIFEST, build_onnx

    manifest = onnx_encoder.folder / MANIFEST
    before = manifest.stat().st_mtime_ns
    assert build_onnx(Path(Settings().model_path)) == onnx_encoder.folder
    assert manifest.stat().st_mtime_ns == before
    info = json.loads(manifest.read_text())
    assert info["quantisation"]["weight_type"] == "QInt8" and info["dim"] == 384
    assert {"model.onnx", "tokenizer.json"} <= {p.name for p in onnx_encoder.folder.iterdir()}
