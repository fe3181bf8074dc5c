"""Turn a stored original into text blocks, dispatched on content type and file name.

Every extractor returns an `Extraction` or raises `ExtractionError` with the status the
version should get (needs_ocr, encrypted, failed, empty) and a readable reason.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from corpus.models import ProcessingStatus
from corpus.text import CONTENT_TYPES, extension


class ExtractionError(Exception):
    def __init__(self, status: ProcessingStatus, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass
class Block:
    """A run of text in reading order. `heading` marks structural headings (Article 5, Section 2…)."""

    text: str
    page: int | None = None
    heading: bool = False
    language: str | None = None  # set when the extractor knows it (e.g. a bilingual column)
    locator: str | None = None  # set when the markup names the unit (XML/HTML ids)
    # Heading title when the markup gives it apart from the number (e.g. "Prohibited AI practices").
    title: str | None = None
    column: int | None = None  # PDF: index of the column/region on its page, for bilingual prints


@dataclass
class Extraction:
    blocks: list[Block] = field(default_factory=list)
    pages: int | None = None
    # How the text was obtained: "text", "pdf", "pdf+ocr", "html:eurlex", "xml:uslm", …
    method: str = ""
    # Parts that could not be read while the rest could (e.g. "page 7: KeyError …"): kept for the record.
    warnings: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks)


def _kind(content_type: str, filename: str, data: bytes) -> str:
    """Pick the extractor: declared type first, then the extension, then the bytes themselves."""
    mime = content_type.split(";")[0].strip().lower()
    if mime == "application/pdf" or data[:1024].lstrip().startswith(b"%PDF-"):  # servers mislabel PDFs
        return "pdf"
    if mime in ("text/html", "application/xhtml+xml"):
        return "html"
    if mime in ("application/xml", "text/xml") or mime.endswith("+xml"):
        return "xml"
    if mime in ("text/plain", "text/markdown"):
        return "text"
    by_name = CONTENT_TYPES.get(extension(filename))
    if by_name:
        return _kind(by_name, "", data)
    head = data[:1024].lstrip().lower()
    if head.startswith(b"%pdf-"):
        return "pdf"
    if head.startswith(b"<!doctype html") or b"<html" in head:
        return "html"
    if head.startswith(b"<?xml") or head.startswith(b"<"):
        return "xml"
    if mime.startswith("text/"):
        return "text"
    raise ExtractionError(ProcessingStatus.failed, f"unsupported content type {content_type!r} for {filename!r}")


def charset_of(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None


def extract(data: bytes, content_type: str, filename: str, declared_language: str = "") -> Extraction:
    """Extract blocks from one original. Raises only `ExtractionError`."""
    from pipeline.extract import html, pdf, text, xml

    try:
        kind = _kind(content_type, filename, data)
        if not data.strip():
            raise ExtractionError(ProcessingStatus.empty, "file is empty")
        # (issue 7, hostile input) bytes that are not text, served as HTML/XML/text, must not be
        # "extracted" as mojibake passages
        if kind != "pdf" and _looks_binary(data):
            raise ExtractionError(ProcessingStatus.failed, f"binary content declared as {content_type or kind!r}")
        if kind == "pdf":
            extraction = pdf.extract_pdf(data, declared_language)
        elif kind == "html":
            extraction = html.extract_html(data, charset_of(content_type))
        elif kind == "xml":
            extraction = xml.extract_xml(data)
        else:
            extraction = text.extract_text(data, charset_of(content_type), markdown=_is_markdown(content_type, filename))
    except ExtractionError:
        raise
    except Exception as exc:  # one bad file must never stop a batch: record why it failed
        raise ExtractionError(ProcessingStatus.failed, f"{type(exc).__name__}: {exc}") from exc
    extraction.blocks = [b for b in extraction.blocks if b.text.strip()]
    if not extraction.blocks:
        raise ExtractionError(ProcessingStatus.empty, "no text found")
    return extraction


def _looks_binary(data: bytes) -> bool:
    """(issue 7) A NUL byte or many control characters in the first 8 KB: not text (UTF-16/32 with a BOM is)."""
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls > 0.05 * len(head)


def _is_markdown(content_type: str, filename: str) -> bool:
    return "markdown" in content_type.lower() or filename.lower().endswith(".md")
