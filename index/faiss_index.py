"""FAISS implementation: exact search for small corpora, IVF-SQ8 above `AILEX_INDEX_EXACT_MAX` units
(the policy and its measurements are in index/ann.py).

Exact search stores the vectors as fp16 in new indexes (`IDMap2,SQfp16`, kind `ann.EXACT_FP16`):
every query reads every vector, so half the bytes made it ~1.3-1.6x faster on the sample corpus
(p50 ~4.5 against ~5.9 ms in the latest run), at the same top 10. Snapshots written before hold
float32 `IDMap2,Flat` (`ann.EXACT`, or no vectors.json): they load and search as exact too, until
`ailex index` rebuilds them.

Filters: every kind scores only allowed ids (IDSelector); the IVF kind also chooses which lists to
probe from where the allowed units are (see `_filtered`), so narrow filters keep their recall.
Single queries run FAISS on one thread (two made them 3-7x slower on this 2-core machine);
training, adding and batches of queries use `threads`."""
from __future__ import annotations

import json
import os
from pathlib import Path

import faiss
import numpy as np

from index import ann

FILENAME = "vectors.faiss"
PARAMS = "vectors.json"  # kind and parameters beside the FAISS file (absent in old snapshots: exact)


# FAISS's IDSelectorBatch (a hash set) took ~150-200 ms to build over 300k allowed ids; a bitmap over
# the id range takes ~12 ms. Above this many allowed ids, and while the id range fits the cap, use it.
BITMAP_FROM = 20_000
BITMAP_MAX_BYTES = 64 << 20


def _selector(allowed: np.ndarray) -> tuple[faiss.IDSelector, object]:
    """An IDSelector for `allowed` (int64), and the buffer it points into (keep it alive)."""
    top = int(allowed.max()) if len(allowed) else 0
    if len(allowed) >= BITMAP_FROM and allowed.min() >= 0 and (top >> 3) < BITMAP_MAX_BYTES:
        bitmap = np.zeros((top >> 3) + 1, np.uint8)
        np.bitwise_or.at(bitmap, allowed >> 3, (1 << (allowed & 7)).astype(np.uint8))
        return faiss.IDSelectorBitmap(len(bitmap), faiss.swig_ptr(bitmap)), bitmap
    return faiss.IDSelectorBatch(allowed), None


def _exact_index(dim: int, kind: str) -> faiss.Index:
    """An empty exact index of `kind`: ids mapped onto fp16 codes (`EXACT_FP16`, needs no training)
    or float32 vectors (`EXACT`). Both support remove_ids, reconstruct and IDSelector filters."""
    if kind == ann.EXACT_FP16:
        inner = faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
    else:
        inner = faiss.IndexFlatIP(dim)
    return faiss.IndexIDMap2(inner)


def _kind_of(index: faiss.Index) -> str:
    """The kind of a FAISS index read without its vectors.json (old snapshots: float32 exact)."""
    if isinstance(index, faiss.IndexIVF):
        return ann.IVF_SQ8
    inner = faiss.downcast_index(index.index) if isinstance(index, faiss.IndexIDMap2) else index
    return ann.EXACT_FP16 if isinstance(inner, faiss.IndexScalarQuantizer) else ann.EXACT


def _threads(n: int) -> None:
    # omp_set_num_threads acts on the calling thread's later parallel regions only, so concurrent
    # API requests in other threads are not affected.
    faiss.omp_set_num_threads(max(1, n))


class FaissIndex:
    def __init__(self, dim: int, index: faiss.Index | None = None, params: dict | None = None,
                 threads: int = 0):
        self.dim = dim
        self.params: dict = dict(params or {})
        kind = self.params.pop("kind", None)
        self.index = index if index is not None else _exact_index(dim, kind or ann.EXACT_FP16)
        self.kind: str = kind or _kind_of(self.index)
        self.threads = threads or os.cpu_count() or 1
        self._ids_cache: np.ndarray | None = None
        self._lists_cache: tuple[np.ndarray, np.ndarray] | None = None
        self._centroid_cache: np.ndarray | None = None

    @classmethod
    def create(cls, dim: int, n_expected: int = 0, kind: str | None = None,
               exact_max: int = ann.EXACT_MAX, threads: int = 0) -> "FaissIndex":
        """An empty index of `kind` (default: chosen from `n_expected` units). The IVF kind is
        trained on the first vectors added."""
        kind = kind or ann.choose_kind(n_expected, exact_max)
        if kind in ann.EXACT_KINDS:
            return cls(dim, _exact_index(dim, kind), {"kind": kind}, threads)
        if kind != ann.IVF_SQ8:
            raise ValueError(f"unknown index kind {kind!r} (known: {', '.join(ann.KINDS)})")
        out = cls(dim, None, {"kind": kind, "n_expected": int(n_expected)}, threads)
        out.index = None  # built at the first add, when training vectors exist
        return out

    @property
    def exact(self) -> bool:
        """Every vector scored: float32 (`EXACT`, old snapshots) or fp16 (`EXACT_FP16`)."""
        return self.kind in ann.EXACT_KINDS

    def __len__(self) -> int:
        return 0 if self.index is None else int(self.index.ntotal)

    # -- building ---------------------------------------------------------------------
    def _train(self, vectors: np.ndarray) -> None:
        n = len(vectors)
        nlist = ann.choose_nlist(max(n, self.params.get("n_expected", 0)))
        nlist = max(1, min(nlist, n // ann.MIN_POINTS_PER_LIST))
        quantizer = faiss.IndexFlatIP(self.dim)
        index = faiss.IndexIVFScalarQuantizer(quantizer, self.dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                              faiss.METRIC_INNER_PRODUCT)
        index.cp.max_points_per_centroid = ann.TRAIN_POINTS_PER_LIST
        index.cp.niter = 10  # k-means iterations (FAISS default 25): 2.5x faster training, same recall here
        sample = vectors
        if n > ann.TRAIN_POINTS_PER_LIST * nlist:
            pick = np.random.default_rng(0).choice(n, ann.TRAIN_POINTS_PER_LIST * nlist, replace=False)
            sample = vectors[np.sort(pick)]
        index.train(sample)
        index.nprobe = ann.choose_nprobe(nlist)
        self.index = index
        self.params = {"nlist": nlist, "nprobe": int(index.nprobe), "trained_on": n,
                       "train_sample": len(sample), "quantizer": "SQ8"}

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids) == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise ValueError(f"vectors have dimension {vectors.shape[-1]}, index {self.dim}")
        _threads(self.threads)
        if self.index is None:
            self._train(vectors)
        self.index.add_with_ids(vectors, np.ascontiguousarray(ids, dtype=np.int64))
        self._ids_cache = self._lists_cache = None

    def remove(self, ids: np.ndarray) -> int:
        if len(ids) == 0 or self.index is None:
            return 0
        self._ids_cache = self._lists_cache = None
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if not self.exact and self.index.direct_map.type == faiss.DirectMap.Hashtable:
            # with an id -> slot map (see `vector`) FAISS removes by lookup, and accepts only this selector
            return int(self.index.remove_ids(faiss.IDSelectorArray(len(ids), faiss.swig_ptr(ids))))
        return int(self.index.remove_ids(faiss.IDSelectorBatch(ids)))

    def ids(self) -> np.ndarray:
        if self._ids_cache is None:
            if self.index is None:
                self._ids_cache = np.zeros(0, np.int64)
            elif self.exact:
                self._ids_cache = faiss.vector_to_array(self.index.id_map).astype(np.int64)
            else:
                self._ids_cache = self._layout()[0]
        return self._ids_cache.copy()

    def vector(self, id_: int) -> np.ndarray:
        """The stored vector of one id (fp16: decoded, each component within ~5e-4 relative;
        IVF-SQ8: decoded from its 8-bit code, cosine ~0.999)."""
        if self.index is None:
            raise KeyError(id_)
        if not self.exact and self.index.direct_map.type != faiss.DirectMap.Hashtable:
            self.index.set_direct_map_type(faiss.DirectMap.Hashtable)  # id -> list slot, kept by add/remove
        try:
            return self.index.reconstruct(int(id_))
        except RuntimeError as exc:  # FAISS raises when the id is not held
            raise KeyError(id_) from exc

    def needs_retrain(self, units: int) -> bool:
        return not self.exact and ann.needs_retrain(units, int(self.params.get("trained_on", 0)))

    # -- searching --------------------------------------------------------------------
    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None):
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        k = max(1, min(k, len(self) or 1))
        empty = np.zeros((len(queries), k), np.float32), np.full((len(queries), k), -1, np.int64)
        if self.index is None or (allowed is not None and len(allowed) == 0):
            return empty
        _threads(1 if len(queries) == 1 else self.threads)
        if allowed is None:
            return self.index.search(queries, k)
        allowed = np.ascontiguousarray(allowed, dtype=np.int64)
        if self.exact:
            selector, _buffer = _selector(allowed)
            return self.index.search(queries, k, params=faiss.SearchParameters(sel=selector))
        return self._filtered(queries, k, allowed)

    def _layout(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids sorted, inverted list of each), cached until the next add/remove."""
        if self._lists_cache is None:
            invlists = self.index.invlists
            ids, lists = [], []
            for lst in range(invlists.nlist):
                size = invlists.list_size(lst)
                if size:
                    ids.append(faiss.rev_swig_ptr(invlists.get_ids(lst), size).copy())
                    lists.append(np.full(size, lst, np.int32))
            ids_all = np.concatenate(ids).astype(np.int64) if ids else np.zeros(0, np.int64)
            lists_all = np.concatenate(lists) if lists else np.zeros(0, np.int32)
            order = np.argsort(ids_all, kind="stable")
            self._lists_cache = (ids_all[order], lists_all[order])
        return self._lists_cache

    def _centroids(self) -> np.ndarray:
        if self._centroid_cache is None:
            self._centroid_cache = self.index.quantizer.reconstruct_n(0, self.index.nlist)
        return self._centroid_cache

    def _filtered(self, queries: np.ndarray, k: int, allowed: np.ndarray):
        """IVF search restricted to `allowed`: probe the nearest lists that hold allowed units, until
        they hold as many allowed units as an unfiltered search scans (nprobe x the mean list), and
        score only allowed units there (IDSelector). A narrow filter thus gets every list it touches
        probed (exact up to the 8-bit codes); a wide one gets ~nprobe/fraction lists. Probing only
        `nprobe` lists instead lost most of a narrow filter's hits (few allowed units in them), and
        decoding the allowed units one by one (`reconstruct`) cost ~65 us each."""
        sorted_ids, sorted_lists = self._layout()
        pos = np.searchsorted(sorted_ids, allowed).clip(0, max(len(sorted_ids) - 1, 0))
        hit = sorted_ids[pos] == allowed if len(sorted_ids) else np.zeros(len(allowed), bool)
        if not hit.any():
            return (np.zeros((len(queries), k), np.float32), np.full((len(queries), k), -1, np.int64))
        per_list = np.bincount(sorted_lists[pos[hit]], minlength=self.index.nlist)
        holding = np.flatnonzero(per_list)
        budget = max(k, self.index.nprobe * len(self) / self.index.nlist)  # k: fill k whenever k are allowed
        coarse = queries @ self._centroids()[holding].T  # (n, lists holding allowed units)
        order = np.argsort(-coarse, axis=1)
        covered = np.cumsum(per_list[holding][order], axis=1)
        nprobe = int(min(len(holding), max(1, (covered < budget).sum(1).max() + 1)))
        probe = order[:, :nprobe]
        assign = np.ascontiguousarray(holding[probe], dtype=np.int64)
        assign_scores = np.ascontiguousarray(np.take_along_axis(coarse, probe, 1), dtype=np.float32)
        selector, _buffer = _selector(np.ascontiguousarray(allowed[hit]))
        params = faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)
        scores = np.empty((len(queries), k), np.float32)
        ids = np.empty((len(queries), k), np.int64)
        # the Python wrapper of search_preassigned drops `params` (the selector): call the C++ one
        self.index.search_preassigned_c(len(queries), faiss.swig_ptr(queries), k, faiss.swig_ptr(assign),
                                        faiss.swig_ptr(assign_scores), faiss.swig_ptr(scores), faiss.swig_ptr(ids),
                                        False, params)
        return scores, ids

    # -- persistence ------------------------------------------------------------------
    def describe(self) -> dict:
        """The kind's parameters, for the manifest."""
        out = {**self.params, "units": len(self)}
        if not self.exact and self.index is not None and len(self):
            out["list_imbalance"] = round(float(self.index.invlists.imbalance_factor()), 3)
        return out

    def save(self, folder: Path) -> None:
        if self.index is None:  # an IVF that never saw a vector: store the empty exact kind
            self.index, self.kind = _exact_index(self.dim, ann.EXACT_FP16), ann.EXACT_FP16
        faiss.write_index(self.index, str(Path(folder) / FILENAME))
        (Path(folder) / PARAMS).write_text(json.dumps({"kind": self.kind, **self.params}, indent=2))

    @classmethod
    def load(cls, folder: Path, threads: int = 0) -> "FaissIndex":
        index = faiss.read_index(str(Path(folder) / FILENAME))
        sidecar = Path(folder) / PARAMS
        params = json.loads(sidecar.read_text()) if sidecar.exists() else {}
        return cls(index.d, index, params, threads)
