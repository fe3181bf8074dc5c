"""The manifest stored beside every index snapshot: what built it and from what."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from corpus.models import SCHEMA_VERSION

FILENAME = "manifest.json"


class Manifest(BaseModel):
    schema_version: int = SCHEMA_VERSION
    build_id: str
    index_kind: str
    model: str
    dim: int
    count: int  # passages
    units: int  # vectors: passages plus sentence windows
    sentence_vectors: bool
    built_at: str
    build_seconds: float
    added: int
    removed: int
    versions: dict[str, str]
    # the index kind's parameters (nlist, nprobe, trained_on …) and how this build came about;
    # absent in manifests written before they existed
    index_params: dict[str, Any] = {}
    index_event: str = ""
    # passages this snapshot added and retired against the one it replaced, and seconds per build step
    units_version: int = 1  # index/units.py UNITS_VERSION the vectors were cut with
    new_passages: int = 0
    retired_passages: int = 0
    timings: dict[str, float] = {}

    def write(self, folder: Path) -> None:
        (Path(folder) / FILENAME).write_text(self.model_dump_json(indent=2))

    @classmethod
    def read(cls, folder: Path) -> "Manifest":
        data = json.loads((Path(folder) / FILENAME).read_text())
        if data.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(
                f"index in {folder} has schema version {data.get('schema_version')}, this ailex reads "
                f"{SCHEMA_VERSION}: run `ailex index --rebuild`"
            )
        return cls.model_validate(data)


def library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("ailex", "faiss-cpu", "sentence-transformers", "torch", "numpy"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    return out
