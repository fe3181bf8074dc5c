"""One contract, run on every VectorIndex implementation (as txtai tests its ANN backends)."""
from __future__ import annotations

import numpy as np
import pytest

from index.base import VectorIndex
from index.faiss_index import FaissIndex
from index.numpy_index import NumpyIndex

IMPLEMENTATIONS = [FaissIndex, NumpyIndex]


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture
def vectors():
    rng = np.random.default_rng(7)
    return unit(rng.normal(size=(200, 16))), np.arange(1000, 1200, dtype=np.int64)


@pytest.fixture(params=IMPLEMENTATIONS, ids=lambda c: c.__name__)
def index(request, vectors) -> VectorIndex:
    idx = request.param(16)
    vecs, ids = vectors
    idx.add(ids, vecs)
    return idx


def exact(vecs, ids, q, k, allowed=None):
    scores = vecs @ q
    if allowed is not None:
        scores = np.where(np.isin(ids, allowed), scores, -np.inf)
    order = np.argsort(-scores)[:k]
    return ids[order]


def test_implements_the_protocol(index):
    assert isinstance(index, VectorIndex)
    assert len(index) == 200 and sorted(index.ids().tolist()) == list(range(1000, 1200))


def test_top_k_is_exact_inner_product(index, vectors):
    vecs, ids = vectors
    q = vecs[3]
    scores, found = index.search(q[None, :], 5)
    assert found[0][0] == 1003 and scores[0][0] == pytest.approx(1.0, abs=1e-5)
    assert found[0].tolist() == exact(vecs, ids, q, 5).tolist()
    assert np.all(np.diff(scores[0]) <= 1e-6)


def test_filter_before_ranking_returns_k_inside_the_filter(index, vectors):
    vecs, ids = vectors
    allowed = ids[::17]  # 12 ids, none of them the query's own
    q = vecs[5]
    scores, found = index.search(q[None, :], 10, allowed)
    assert len([i for i in found[0] if i >= 0]) == 10
    assert set(found[0].tolist()) <= set(allowed.tolist())
    assert found[0].tolist() == exact(vecs, ids, q, 10, allowed).tolist()


def test_empty_filter_returns_nothing(index, vectors):
    _, found = index.search(vectors[0][0][None, :], 5, np.array([], np.int64))
    assert (found == -1).all()


def test_remove_and_add(index, vectors):
    vecs, ids = vectors
    assert index.remove(np.array([1003, 99999], np.int64)) == 1
    _, found = index.search(vecs[3][None, :], 3)
    assert 1003 not in found[0]
    index.add(np.array([5000], np.int64), vecs[3][None, :])
    _, found = index.search(vecs[3][None, :], 1)
    assert found[0][0] == 5000


def test_save_and_load_round_trip(index, vectors, tmp_path):
    vecs, _ = vectors
    index.save(tmp_path)
    again = type(index).load(tmp_path)
    assert len(again) == len(index)
    a = index.search(vecs[:4], 7)
    b = again.search(vecs[:4], 7)
    assert (a[1] == b[1]).all()


def test_wrong_dimension_is_refused(index):
    with pytest.raises(ValueError, match="dimension"):
        index.add(np.array([1], np.int64), np.ones((1, 8), np.float32))
