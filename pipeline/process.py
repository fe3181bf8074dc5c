"""Run extraction and chunking over stored versions that are still pending.

Each document fails alone: its version gets a status and reason, the batch goes on.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from corpus.models import ProcessingStatus, Version
from corpus.settings import Settings
from corpus.store import Store
from pipeline.chunk import chunk
from pipeline.extract import ExtractionError, extract

log = logging.getLogger(__name__)


@dataclass
class ProcessReport:
    processed: int = 0
    passages: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (document id, status, reason)


def process_version(store: Store, version: Version, settings: Settings) -> tuple[ProcessingStatus, int, str]:
    """Extract and chunk one version; store its passages and status. Never raises for bad input."""
    doc = store.get_document(version.document_id)
    if version.size > settings.max_file_mb * 1024 * 1024:
        status, reason = ProcessingStatus.failed, f"file of {version.size} bytes exceeds AILEX_MAX_FILE_MB"
        store.set_version_status(version.id, status, reason)
        return status, 0, reason
    try:
        data = store.read_blob(version.sha256)
        extraction = extract(data, version.content_type, version.filename, doc.language)
        drafts = chunk(extraction, doc.language, settings.chunk_words)
    except ExtractionError as exc:
        store.set_version_status(version.id, exc.status, exc.reason)
        store.replace_passages(version, [])
        return exc.status, 0, exc.reason
    except Exception as exc:  # a parser bug must not stop the batch; the reason is kept
        log.exception("document %s: unexpected error", doc.id)
        reason = f"{type(exc).__name__}: {exc}"
        store.set_version_status(version.id, ProcessingStatus.failed, reason)
        return ProcessingStatus.failed, 0, reason
    if not drafts:
        status, reason = ProcessingStatus.empty, "no text found"
    else:
        status, reason = ProcessingStatus.extracted, ""
    n = store.replace_passages(version, drafts)
    store.set_version_status(version.id, status, reason, pages=extraction.pages)
    return status, n, reason


def process_pending(
    store: Store,
    settings: Settings,
    redo: bool = False,
    on_document: Callable[[str, ProcessingStatus, int], None] | None = None,
) -> ProcessReport:
    """Process every current version still pending (all of them with `redo`)."""
    versions = store.current_versions(None if redo else [ProcessingStatus.pending])
    report = ProcessReport()
    for version in versions:
        status, n, reason = process_version(store, version, settings)
        report.processed += 1
        report.passages += n
        report.by_status[status.value] = report.by_status.get(status.value, 0) + 1
        if status not in (ProcessingStatus.extracted,):
            report.failures.append((version.document_id, status.value, reason))
            log.warning("document %s: %s (%s)", version.document_id, status.value, reason)
        if on_document:
            on_document(version.document_id, status, n)
    if report.processed:
        try:
            from pipeline.dedupe import link_duplicates
        except ImportError:  # dedupe arrives with the extraction work; search works without it
            pass
        else:
            link_duplicates(store)
    return report
