"""Extract and chunk real corpus files once per test session (the big PDFs take seconds each)."""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from tests.conftest import require_shared


@lru_cache(maxsize=None)
def declared(path: str) -> str:
    with open(require_shared() / "corpus" / "documents.csv", newline="", encoding="utf-8") as f:
        return {row["path"]: row["language"] for row in csv.DictReader(f)}[path]


@lru_cache(maxsize=None)
def extracted(path: str, content_type: str = ""):
    from pipeline.extract import extract

    file = require_shared() / "corpus" / path
    return extract(file.read_bytes(), content_type, Path(path).name, declared(path))


@lru_cache(maxsize=None)
def passages(path: str, content_type: str = ""):
    from pipeline.chunk import chunk

    return tuple(chunk(extracted(path, content_type), declared(path)))
