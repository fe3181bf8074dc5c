"""Brute-force NumPy index: the tiny reference implementation the contract test runs beside FAISS."""
from __future__ import annotations

from pathlib import Path

import numpy as np

FILENAME = "vectors.npz"


class NumpyIndex:
    kind = "numpy-flat-ip"

    def __init__(self, dim: int):
        self.dim = dim
        self._ids = np.zeros(0, np.int64)
        self._vecs = np.zeros((0, dim), np.float32)

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids) == 0:
            return
        vectors = np.asarray(vectors, np.float32)
        if vectors.shape[1] != self.dim:
            raise ValueError(f"vectors have dimension {vectors.shape[1]}, index {self.dim}")
        self._ids = np.concatenate([self._ids, np.asarray(ids, np.int64)])
        self._vecs = np.concatenate([self._vecs, vectors])

    def remove(self, ids: np.ndarray) -> int:
        keep = ~np.isin(self._ids, np.asarray(ids, np.int64))
        removed = int((~keep).sum())
        self._ids, self._vecs = self._ids[keep], self._vecs[keep]
        return removed

    def ids(self) -> np.ndarray:
        return self._ids.copy()

    def vector(self, id_: int) -> np.ndarray:
        rows = np.flatnonzero(self._ids == int(id_))
        if not len(rows):
            raise KeyError(id_)
        return self._vecs[rows[0]].copy()

    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None):
        queries = np.atleast_2d(np.asarray(queries, np.float32))
        k = max(1, min(k, len(self) or 1))
        scores = queries @ self._vecs.T if len(self) else np.zeros((len(queries), 0), np.float32)
        if allowed is not None:
            scores = np.where(np.isin(self._ids, allowed)[None, :], scores, -np.inf)
        out_s = np.zeros((len(queries), k), np.float32)
        out_i = np.full((len(queries), k), -1, np.int64)
        for row, s in enumerate(scores):
            order = np.argsort(-s, kind="stable")[:k]
            order = order[np.isfinite(s[order])]
            out_s[row, : len(order)] = s[order]
            out_i[row, : len(order)] = self._ids[order]
        return out_s, out_i

    def describe(self) -> dict:
        return {"units": len(self)}

    def needs_retrain(self, units: int) -> bool:
        return False  # nothing trained: exact over every vector

    def save(self, folder: Path) -> None:
        np.savez(Path(folder) / FILENAME, ids=self._ids, vecs=self._vecs)

    @classmethod
    def load(cls, folder: Path) -> "NumpyIndex":
        data = np.load(Path(folder) / FILENAME)
        index = cls(data["vecs"].shape[1])
        index._ids, index._vecs = data["ids"], data["vecs"]
        return index
