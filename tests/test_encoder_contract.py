"""The encoder contract, on the fake encoder always and on the real model (slow)."""
from __future__ import annotations

import numpy as np
import pytest

from pipeline.encoders import Encoder, FakeEncoder

TEXTS = [
    "Prohibited AI practices: real-time remote biometric identification in publicly accessible spaces.",
    "Pratiques d'IA interdites : identification biométrique à distance en temps réel dans les espaces publics.",
    "The Commission shall publish guidelines on the practical implementation of this Regulation.",
]


def check_contract(encoder: Encoder) -> np.ndarray:
    assert isinstance(encoder, Encoder)
    p = encoder.encode_passages(TEXTS)
    q = encoder.encode_queries(TEXTS[:1])
    assert p.shape == (3, encoder.dim) and q.shape == (1, encoder.dim)
    assert p.dtype == np.float32 and q.dtype == np.float32
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-4)
    assert encoder.encode_passages([]).shape == (0, encoder.dim)
    assert np.allclose(encoder.encode_passages(TEXTS[:1]), p[:1], atol=1e-5)  # deterministic, batch-independent
    return p


def test_fake_encoder_contract():
    p = check_contract(FakeEncoder())
    assert p[0] @ p[2] < p[0] @ p[0]


@pytest.mark.slow
def test_real_model_contract_and_cross_lingual_similarity(real_encoder):
    p = check_contract(real_encoder)
    assert real_encoder.dim == 384
    q = real_encoder.encode_queries(["ban on biometric identification in public spaces"])[0]
    # the French translation is closer to the query than an unrelated English sentence
    assert q @ p[1] > q @ p[2] + 0.03


@pytest.mark.slow
def test_onnx_int8_contract_and_cross_lingual_similarity(onnx_encoder, real_encoder):
    p = check_contract(onnx_encoder)
    assert onnx_encoder.dim == real_encoder.dim == 384
    assert onnx_encoder.name != real_encoder.name  # the embedding cache is keyed by name
    q = onnx_encoder.encode_queries(["ban on biometric identification in public spaces"])[0]
    assert q @ p[1] > q @ p[2] + 0.03


def test_onnx_encoder_missing_folder_says_how_to_build(tmp_path):
    from corpus.settings import Settings
    from pipeline.encoders import EncoderError, load_encoder

    settings = Settings(encoder="onnx", model=str(tmp_path / "multilingual-e5-small"))
    with pytest.raises(EncoderError, match="ailex model build"):
        load_encoder(settings)
