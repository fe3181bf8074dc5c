"""Typed records that stages hand to each other through the store.

Each record carries `schema_version`; a stage that reads a record of another version
refuses it instead of guessing (bump the version when a field changes meaning).
"""
from __future__ import annotations

from datetime import datetime, timezone
from enum import StrEnum

from pydantic import BaseModel, Field, field_validator

from corpus import jurisdictions

SCHEMA_VERSION = 1


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


class ProcessingStatus(StrEnum):
    """Where a stored version stands in the pipeline. Every version has exactly one."""

    pending = "pending"  # stored, not yet extracted
    extracted = "extracted"  # passages written
    empty = "empty"  # parsed, but no text in it
    needs_ocr = "needs_ocr"  # image-only PDF and no OCR engine installed
    encrypted = "encrypted"  # encrypted and no usable password
    failed = "failed"  # parser error, too large, unsupported type: see `reason`


class Record(BaseModel):
    schema_version: int = SCHEMA_VERSION


class DocumentMeta(Record):
    """What a source (CSV row, crawler item) says about a document."""

    source_key: str = Field(description="Stable identity of the document at its source (path or URL).")
    title: str
    jurisdiction: str
    doc_type: str
    status: str = Field("", description="Legislative status: in_force, pending, lapsed, …")
    language: str = Field("", description="Declared language, e.g. 'en', 'zh-cn', 'en+fr'.")
    date: str = Field("", description="ISO date or its prefix (YYYY, YYYY-MM, YYYY-MM-DD).")
    source_url: str = ""
    identifiers: dict[str, str] = Field(default_factory=dict)

    @field_validator("jurisdiction")
    @classmethod
    def _one_code(cls, value: str) -> str:
        """ISO 3166 codes whatever the source wrote ("UK" → "GB"): corpus/jurisdictions.py."""
        return jurisdictions.normalize(value)


class Document(DocumentMeta):
    id: str
    created_at: datetime
    updated_at: datetime
    current_version: int | None = None
    processing_status: ProcessingStatus = ProcessingStatus.pending
    reason: str = ""
    # the document's family (its formats, translations, readings and versions: corpus/families.py);
    # derived, not stored: filled in a snapshot's document table and by the API
    family: str = ""


class Version(Record):
    id: int
    document_id: str
    sha256: str
    content_type: str
    filename: str
    size: int
    fetched_at: datetime
    processing_status: ProcessingStatus = ProcessingStatus.pending
    reason: str = ""
    pages: int | None = None


class PassageDraft(Record):
    """A passage as the chunker cuts it, before the store gives it an id."""

    seq: int
    text: str
    language: str
    locator: str = ""
    page_start: int | None = None
    page_end: int | None = None
    # article, recital, annex, definition, heading, footnote or other (pipeline/units.py decides)
    unit_type: str = "other"

    @property
    def words(self) -> int:
        return len(self.text.split())


class Passage(PassageDraft):
    id: int
    document_id: str
    version_id: int
    text_sha: str
    duplicate_of: int | None = None
