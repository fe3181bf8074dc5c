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


@lru_cache(maxsize=None)
def pdf_pages(path: str, first: int, last: int) -> bytes:
    """Pages first..last (1-based, inclusive) of a corpus PDF, as a new PDF: keeps fast tests fast."""
    import io

    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(require_shared() / "corpus" / path)
    writer = PdfWriter()
    for index in range(first - 1, last):
        writer.add_page(reader.pages[index])
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


@lru_cache(maxsize=None)
def page_range_passages(path: str, first: int, last: int, declared_language: str):
    from pipeline.chunk import chunk
    from pipeline.extract import extract

    extraction = extract(pdf_pages(path, first, last), "application/pdf", Path(path).name, declared_language)
    return tuple(chunk(extraction, declared_language))
