"""The small interface every vector index implements (checked by tests/test_index_contract.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class VectorIndex(Protocol):
    kind: str
    dim: int

    def __len__(self) -> int: ...

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add unit-norm float32 `vectors` under int64 `ids` (ids must be new)."""

    def remove(self, ids: np.ndarray) -> int:
        """Remove `ids` where present; returns how many were removed."""

    def ids(self) -> np.ndarray:
        """All ids held, as int64."""

    def vector(self, id_: int) -> np.ndarray:
        """The stored vector of `id_` (decoded: approximate for quantised kinds); KeyError when absent."""

    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Inner-product top-k per query row, restricted to `allowed` ids when given (filter before
        ranking, so k results come back whenever k allowed ids exist). Returns (scores, ids) of
        shape (n, k); missing slots have id -1."""

    def save(self, folder: Path) -> None: ...

    def describe(self) -> dict:
        """The kind's parameters, for the snapshot manifest."""

    def needs_retrain(self, units: int) -> bool:
        """Whether holding `units` vectors calls for rebuilding (approximate kinds trained on fewer)."""
