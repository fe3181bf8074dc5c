"""The one citation formatter: what every export, page and API response cites a passage with.

A citation names the document (title, jurisdiction, type, status, date), where the passage
sits in it (locator, pages), where the official text is (URL), and which stored version of it
was read: that version's content hash and the day ailex retrieved it, so a reader can tell
whether the text they look at today is the one that was cited."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from corpus.models import Document, Passage, Version


@dataclass(frozen=True)
class Citation:
    title: str
    jurisdiction: str
    doc_type: str
    status: str
    date: str
    locator: str
    page_start: int | None
    page_end: int | None
    source_url: str
    sha256: str  # the cited version's content hash ("" when the version is unknown)
    retrieved: str  # the day that version was fetched (YYYY-MM-DD)
    document_id: str
    language: str = ""
    passage_ids: tuple[int, ...] = field(default_factory=tuple)

    @property
    def pages(self) -> str:
        if not self.page_start:
            return ""
        if self.page_end and self.page_end != self.page_start:
            return f"{self.page_start}–{self.page_end}"
        return str(self.page_start)

    def text(self) -> str:
        """"Title, Locator, pp. 3–4 (2024-06-13). EU, act, in force. URL (retrieved …; SHA-256 …)"."""
        parts = [self.title]
        if self.locator:
            parts.append(self.locator)
        if self.page_start:
            parts.append(("pp. " if "–" in self.pages else "p. ") + self.pages)
        out = ", ".join(parts) + (f" ({self.date})" if self.date else "") + "."
        kind = ", ".join(v.replace("_", " ") for v in (self.jurisdiction, self.doc_type, self.status) if v)
        if kind:
            out += f" {kind}."
        if self.source_url:
            out += f" {self.source_url}"
        stamp = [f"retrieved {self.retrieved}"] if self.retrieved else []
        if self.sha256:
            stamp.append(f"SHA-256 {self.sha256[:16]}…")
        return out + (f" ({'; '.join(stamp)})" if stamp else "")

    def fields(self) -> dict:
        out = asdict(self)
        out["passage_ids"] = " ".join(str(i) for i in self.passage_ids)
        out["citation"] = self.text()
        return out


def cite(document: Document, version: Version | None, locator: str = "", page_start: int | None = None,
         page_end: int | None = None, passage_ids=(), language: str = "", retrieved: date | None = None) -> Citation:
    """A citation of a place in `document` as `version` holds it (`retrieved` when the version is unknown)."""
    fetched = version.fetched_at.date().isoformat() if version else (retrieved.isoformat() if retrieved else "")
    return Citation(
        title=document.title, jurisdiction=document.jurisdiction, doc_type=document.doc_type, status=document.status,
        date=document.date, locator=locator, page_start=page_start, page_end=page_end,
        source_url=document.source_url, sha256=version.sha256 if version else "", retrieved=fetched,
        document_id=document.id, language=language, passage_ids=tuple(int(i) for i in passage_ids),
    )


def cite_passage(document: Document, passage: Passage, version: Version | None) -> Citation:
    return cite(document, version, passage.locator, passage.page_start, passage.page_end, (passage.id,), passage.language)


class Versions:
    """Version rows by id, read once per export (many passages share a few versions)."""

    def __init__(self, store):
        self.store = store
        self._cache: dict[int, Version | None] = {}

    def get(self, version_id: int | None) -> Version | None:
        if version_id is None:
            return None
        if version_id not in self._cache:
            try:
                self._cache[version_id] = self.store.get_version(version_id)
            except KeyError:
                self._cache[version_id] = None
        return self._cache[version_id]
