"""One contract, run on every VectorIndex implementation and FAISS index kind (as txtai tests
its ANN backends). Approximate kinds must rank like exact search up to their 8-bit codes:
the same sets (recall) and scores within SQ8 error, instead of the identical order. The exact
kinds (float32, which older snapshots hold, and fp16, which new ones get) rank identically."""
from __future__ import annotations

import numpy as np
import pytest

from index import ann
from index.base import VectorIndex
from index.faiss_index import FaissIndex
from index.manifest import Manifest
from index.numpy_index import NumpyIndex

IMPLEMENTATIONS = {
    "numpy": lambda dim: NumpyIndex(dim),
    "faiss-exact-fp16": lambda dim: FaissIndex.create(dim, kind=ann.EXACT_FP16),
    "faiss-exact-f32": lambda dim: FaissIndex.create(dim, kind=ann.EXACT),  # older snapshots' kind
    "faiss-ivf-sq8": lambda dim: FaissIndex.create(dim, kind=ann.IVF_SQ8),
}
SQ8_SCORE_ERROR = 0.02  # 8-bit codes of unit vectors: inner products off by about 1e-2 at most
# fp16 keeps 11 significant bits (relative error <= 2^-11 ~ 4.9e-4 per component), so an inner product
# of unit vectors, and a stored vector's cosine with the original, is off by ~1e-4 (bounded by 1e-3):
# the fp16 index scores every vector, so only its scores are loosened, never its order.
FP16_SCORE_ERROR = 2e-3


def is_exact(index) -> bool:
    return getattr(index, "exact", True)


def score_error(index, float32_error: float) -> float:
    """How far `index`'s scores may be from float32 inner products: `float32_error` where vectors
    are stored as float32 (numpy, float32 exact), fp16 or SQ8 rounding otherwise."""
    if not is_exact(index):
        return SQ8_SCORE_ERROR
    return FP16_SCORE_ERROR if getattr(index, "kind", None) == ann.EXACT_FP16 else float32_error


def assert_ranks_like(index, found: list[int], expected: list[int], min_recall: float = 0.8) -> None:
    if is_exact(index):
        assert found == expected
    else:
        assert len(set(found) & set(expected)) >= min_recall * len(expected), (found, expected)


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture
def vectors():
    rng = np.random.default_rng(7)
    return unit(rng.normal(size=(200, 16))), np.arange(1000, 1200, dtype=np.int64)


@pytest.fixture(params=list(IMPLEMENTATIONS))
def index(request, vectors) -> VectorIndex:
    idx = IMPLEMENTATIONS[request.param](16)
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
    tol = score_error(index, 1e-5)
    assert found[0][0] == 1003 and scores[0][0] == pytest.approx(1.0, abs=tol)
    assert_ranks_like(index, found[0].tolist(), exact(vecs, ids, q, 5).tolist())
    assert np.allclose(scores[0], vecs[found[0] - 1000] @ q, atol=tol)
    assert np.all(np.diff(scores[0]) <= 1e-6)


def test_filter_before_ranking_returns_k_inside_the_filter(index, vectors):
    vecs, ids = vectors
    allowed = ids[::17]  # 12 ids, none of them the query's own
    q = vecs[5]
    scores, found = index.search(q[None, :], 10, allowed)
    assert len([i for i in found[0] if i >= 0]) == 10
    assert set(found[0].tolist()) <= set(allowed.tolist())
    assert_ranks_like(index, found[0].tolist(), exact(vecs, ids, q, 10, allowed).tolist(), min_recall=0.9)


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


def test_stored_vectors_come_back_by_id_until_removed(index, vectors):
    vecs, _ = vectors
    tol = score_error(index, 1e-6)
    assert float(index.vector(1042) @ vecs[42]) == pytest.approx(1.0, abs=tol)
    with pytest.raises(KeyError):
        index.vector(99999)
    index.remove(np.array([1042], np.int64))
    with pytest.raises(KeyError):
        index.vector(1042)
    index.add(np.array([7000], np.int64), vecs[42][None, :])  # ids added after a lookup are found too
    assert float(index.vector(7000) @ vecs[42]) == pytest.approx(1.0, abs=tol)


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


def test_every_kind_round_trips_its_kind_and_parameters(tmp_path, vectors):
    vecs, ids = vectors
    for kind in ann.KINDS:
        idx = FaissIndex.create(16, kind=kind)
        idx.add(ids, vecs)
        (tmp_path / kind).mkdir()
        idx.save(tmp_path / kind)
        again = FaissIndex.load(tmp_path / kind)
        assert again.kind == kind and again.describe() == idx.describe()


@pytest.mark.parametrize("bitmap_from", [1, 10**9], ids=["bitmap-selector", "hash-selector"])
@pytest.mark.parametrize("share", [0.01, 0.3])
def test_filters_on_ivf_keep_recall(share, bitmap_from, monkeypatch):
    """Narrow and wide filters, correlated with the vectors (whole clusters allowed, like a
    jurisdiction), keep the IVF's recall: it probes the lists where the allowed units are."""
    import index.faiss_index

    monkeypatch.setattr(index.faiss_index, "BITMAP_FROM", bitmap_from)
    rng = np.random.default_rng(3)
    centres = unit(rng.normal(size=(100, 32)))
    cluster = rng.integers(0, 100, 8000)
    vecs = unit(centres[cluster] + 0.6 * rng.normal(size=(8000, 32)) / np.sqrt(32))
    ids = np.arange(8000, dtype=np.int64) * 3
    idx = FaissIndex.create(32, kind=ann.IVF_SQ8)
    idx.add(ids, vecs)
    assert idx.params["nlist"] > 16 and idx.params["nprobe"] < idx.params["nlist"]
    allowed = ids[np.isin(cluster, rng.permutation(100)[: max(1, int(share * 100))])]
    queries = unit(rng.normal(size=(40, 32)))  # anywhere, mostly far from the allowed clusters
    _, found = idx.search(queries, 10, allowed)
    assert set(found.ravel().tolist()) <= set(allowed.tolist())
    hits = sum(len(set(f) & set(exact(vecs, ids, q, 10, allowed))) for f, q in zip(found.tolist(), queries))
    assert hits >= 0.9 * 10 * len(queries)


def _import(store, settings, tmp_path, rows, name):
    from corpus.importer import import_csv
    from pipeline.process import process_pending
    from tests.conftest import write_csv

    import_csv(store, write_csv(tmp_path / name, rows))
    process_pending(store, settings)


def test_index_past_the_threshold_is_approximate_and_grows_without_retraining(tmp_path, shared, corpus_rows):
    """A corpus above AILEX_INDEX_EXACT_MAX gets the IVF kind (recorded in the manifest); adding a
    document then adds its vectors to the trained index, and earlier vectors stay findable."""
    from corpus.settings import Settings
    from corpus.store import Store
    from index.build import update_index
    from index.units import unit_id
    from pipeline.encoders import FakeEncoder
    from tests.conftest import SMALL_DOCS

    rows = [dict(corpus_rows[p], path=str(shared / "corpus" / p)) for p in SMALL_DOCS]
    settings = Settings(data_dir=tmp_path / "data", encoder="fake", index_exact_max=150)
    store = Store(settings.data_dir)
    encoder = FakeEncoder()
    try:
        _import(store, settings, tmp_path, rows[1:2], "one.csv")  # a few dozen units: exact
        first = Manifest.read(update_index(settings, store, encoder).folder)
        first_docs = {p.document_id for p in store.passages()}
        assert first.index_kind == ann.EXACT_FP16 and first.units <= 150

        _import(store, settings, tmp_path, rows[2:3], "two.csv")  # past 150 units: one rebuild to IVF
        second = Manifest.read(update_index(settings, store, encoder).folder)
        second_docs = {p.document_id for p in store.passages()} - first_docs
        assert second.index_kind == ann.IVF_SQ8 and second.units > 150
        assert second.index_event.startswith("rebuilt") and ann.EXACT_FP16 in second.index_event
        params = second.index_params
        assert params["nlist"] >= 1 and params["nprobe"] >= 1 and params["trained_on"] == second.units

        _import(store, settings, tmp_path, rows[0:1], "three.csv")  # the growth stays under 4x: incremental
        third_report = update_index(settings, store, encoder)
        third = Manifest.read(third_report.folder)
        assert third.index_kind == ann.IVF_SQ8 and third.index_event.startswith("incremental")
        assert third.units > second.units and third.added == third.units - second.units
        assert third.index_params["trained_on"] == params["trained_on"] and third.index_params["nlist"] == params["nlist"]

        index = FaissIndex.load(third_report.folder)
        new_doc = {p.document_id for p in store.passages()} - first_docs - second_docs
        earlier = [p for p in store.passages() if p.document_id not in new_doc]
        texts = {unit_id(p.id, 0): f"{p.locator}\n{p.text}" if p.locator else p.text for p in earlier}
        vecs = encoder.encode_passages(list(texts.values()))
        _, found = index.search(vecs, 1)
        assert np.mean(found[:, 0] == np.array(list(texts))) >= 0.95  # (a few texts occur twice)
    finally:
        store.close()


@pytest.mark.parametrize("kind", ann.EXACT_KINDS)
def test_bitmap_selector_filters_like_the_hash_selector(vectors, monkeypatch, kind):
    """Large allowed sets use a bitmap over the id range (a hash set of 300k ids took ~200 ms)."""
    import index.faiss_index

    vecs, ids = vectors
    idx = FaissIndex.create(16, kind=kind)
    idx.add(ids, vecs)
    allowed = ids[::3]
    monkeypatch.setattr(index.faiss_index, "BITMAP_FROM", 1)
    _, with_bitmap = idx.search(vecs[:5], 10, allowed)
    monkeypatch.setattr(index.faiss_index, "BITMAP_FROM", 10**9)
    _, with_hash = idx.search(vecs[:5], 10, allowed)
    assert (with_bitmap == with_hash).all()
    assert with_bitmap[0].tolist() == exact(vecs, ids, vecs[0], 10, allowed).tolist()


def test_new_exact_indexes_store_fp16():
    """Exact search reads every vector: fp16 halves the bytes (and made queries ~1.3-1.6x faster on
    the sample corpus at the same top 10), so every new exact index is fp16."""
    import faiss

    assert ann.choose_kind(1000) == ann.EXACT_FP16 and ann.choose_kind(10**6) == ann.IVF_SQ8
    assert ann.choose_kind(1000, current=ann.EXACT) == ann.EXACT_FP16  # an old float32 one is replaced
    idx = FaissIndex.create(16, n_expected=1000)
    assert idx.kind == ann.EXACT_FP16 and idx.exact and not idx.needs_retrain(10**9)
    assert isinstance(faiss.downcast_index(idx.index.index), faiss.IndexScalarQuantizer)


@pytest.mark.parametrize("sidecar", [True, False], ids=["with-vectors-json", "without-vectors-json"])
def test_old_float32_exact_snapshot_loads_and_searches(vectors, tmp_path, sidecar):
    """Snapshots written before the fp16 kind hold a float32 IDMap2,Flat, with vectors.json naming
    its kind or (older still) without vectors.json: both load as exact and search exactly."""
    import json

    import faiss

    from index.faiss_index import FILENAME, PARAMS

    vecs, ids = vectors
    old = faiss.IndexIDMap2(faiss.IndexFlatIP(16))  # as the previous code wrote it
    old.add_with_ids(vecs, ids)
    faiss.write_index(old, str(tmp_path / FILENAME))
    if sidecar:
        (tmp_path / PARAMS).write_text(json.dumps({"kind": "faiss-idmap2-flat-ip"}))
    idx = FaissIndex.load(tmp_path)
    assert idx.kind == ann.EXACT == "faiss-idmap2-flat-ip" and idx.exact and len(idx) == 200
    assert sorted(idx.ids().tolist()) == ids.tolist()
    scores, found = idx.search(vecs[3][None, :], 5)
    assert found[0].tolist() == exact(vecs, ids, vecs[3], 5).tolist() and scores[0][0] == pytest.approx(1.0, abs=1e-5)
    allowed = ids[::17]
    _, found = idx.search(vecs[5][None, :], 10, allowed)
    assert found[0].tolist() == exact(vecs, ids, vecs[5], 10, allowed).tolist()
    assert float(idx.vector(1042) @ vecs[42]) == pytest.approx(1.0, abs=1e-6)
    assert idx.remove(np.array([1042], np.int64)) == 1  # it stays usable incrementally until rebuilt
    idx.add(np.array([7000], np.int64), vecs[42][None, :])
    assert idx.search(vecs[42][None, :], 1)[1][0][0] == 7000
    idx.save(tmp_path)
    assert FaissIndex.load(tmp_path).kind == ann.EXACT  # saved again as what it is


def test_fp16_index_without_vectors_json_is_recognised(vectors, tmp_path):
    from index.faiss_index import PARAMS

    vecs, ids = vectors
    idx = FaissIndex.create(16, kind=ann.EXACT_FP16)
    idx.add(ids, vecs)
    idx.save(tmp_path)
    (tmp_path / PARAMS).unlink()
    assert FaissIndex.load(tmp_path).kind == ann.EXACT_FP16


def test_fp16_ranks_like_float32_and_reads_half_the_bytes(tmp_path):
    """On clustered unit vectors (close neighbours, like passages of one act), fp16's top 10
    matches float32's and its file is about half the size."""
    rng = np.random.default_rng(11)
    centres = unit(rng.normal(size=(50, 64)))
    vecs = unit(centres[rng.integers(0, 50, 5000)] + 0.3 * rng.normal(size=(5000, 64)) / 8)
    ids = np.arange(5000, dtype=np.int64) * 7
    queries = unit(vecs[:100] + 0.05 * rng.normal(size=(100, 64)))
    sizes, found = {}, {}
    for kind in ann.EXACT_KINDS:
        idx = FaissIndex.create(64, kind=kind)
        idx.add(ids, vecs)
        found[kind] = idx.search(queries, 10)
        (tmp_path / kind).mkdir()
        idx.save(tmp_path / kind)
        sizes[kind] = (tmp_path / kind / "vectors.faiss").stat().st_size
    (s16, i16), (s32, i32) = found[ann.EXACT_FP16], found[ann.EXACT]
    assert np.abs(s16 - s32).max() < FP16_SCORE_ERROR
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(i16.tolist(), i32.tolist())])
    assert recall >= 0.99
    assert sizes[ann.EXACT_FP16] < 0.6 * sizes[ann.EXACT]


def test_float32_exact_snapshot_is_rebuilt_once_as_fp16(tmp_path, shared, corpus_rows, monkeypatch):
    """`ailex index` over a snapshot of the old float32 exact kind rebuilds it once as fp16, from the
    embedding cache (nothing re-embedded), even when no passage changed; the next run is up to date."""
    from corpus.settings import Settings
    from corpus.store import Store
    from index.build import update_index
    from pipeline.encoders import FakeEncoder
    from tests.conftest import SMALL_DOCS

    rows = [dict(corpus_rows[p], path=str(shared / "corpus" / p)) for p in SMALL_DOCS]
    settings = Settings(data_dir=tmp_path / "data", encoder="fake")
    store = Store(settings.data_dir)
    encoder = FakeEncoder()
    try:
        _import(store, settings, tmp_path, rows[1:2], "one.csv")
        with monkeypatch.context() as m:  # what the code before the fp16 kind built
            m.setattr(ann, "choose_kind", lambda units, exact_max=ann.EXACT_MAX, current=None: ann.EXACT)
            old = Manifest.read(update_index(settings, store, encoder).folder)
        assert old.index_kind == ann.EXACT

        report = update_index(settings, store, encoder)
        new = Manifest.read(report.folder)
        assert new.index_kind == ann.EXACT_FP16 and new.units == old.units
        assert new.index_event.startswith("rebuilt") and f"{ann.EXACT} -> {ann.EXACT_FP16}" in new.index_event
        assert report.embedded == 0 and report.added == new.units
        assert FaissIndex.load(report.folder).kind == ann.EXACT_FP16

        assert update_index(settings, store, encoder).up_to_date  # rebuilt once, not on every run
    finally:
        store.close()
