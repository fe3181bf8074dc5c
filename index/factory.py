"""Which VectorIndex backend serves a kind: build and search code ask here, never name a backend.

As txtai's `ann/dense/factory.py` does: one small interface (`index/base.py`), one backend per
file (`faiss_index.py`, `numpy_index.py`), and this table between them. The kind is written in
the snapshot's `vectors.json` (FAISS) or implied by the file the backend saves."""
from __future__ import annotations

import json
from pathlib import Path

from index import ann
from index.base import VectorIndex


def _faiss():
    from index.faiss_index import FaissIndex

    return FaissIndex


def _numpy():
    from index.numpy_index import NumpyIndex

    return NumpyIndex


NUMPY = "numpy-flat-ip"
# kind -> the backend class (imported on first use: FAISS is only loaded where it is needed)
BACKENDS = {**{kind: _faiss for kind in ann.KINDS}, NUMPY: _numpy}


def create(kind: str, dim: int, n_expected: int = 0, threads: int = 0) -> VectorIndex:
    """An empty index of `kind` for about `n_expected` vectors."""
    if kind not in BACKENDS:
        raise ValueError(f"unknown index kind {kind!r} (known: {', '.join(BACKENDS)})")
    backend = BACKENDS[kind]()
    if kind == NUMPY:
        return backend(dim)
    return backend.create(dim, n_expected, kind, threads=threads)


def kind_in(folder: Path) -> str:
    """The kind of the index saved in `folder` (FAISS snapshots name it in vectors.json; snapshots
    older than that file hold float32 exact FAISS)."""
    from index.faiss_index import FILENAME as FAISS_FILE, PARAMS
    from index.numpy_index import FILENAME as NUMPY_FILE

    folder = Path(folder)
    if (folder / PARAMS).exists():
        return json.loads((folder / PARAMS).read_text()).get("kind") or ann.EXACT
    if (folder / FAISS_FILE).exists():
        return ann.EXACT
    if (folder / NUMPY_FILE).exists():
        return NUMPY
    raise FileNotFoundError(f"no vector index in {folder}")


def load(folder: Path, threads: int = 0) -> VectorIndex:
    kind = kind_in(folder)
    backend = BACKENDS[kind]()
    return backend.load(folder) if kind == NUMPY else backend.load(folder, threads)
