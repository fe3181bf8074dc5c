"""Run extraction and chunking over stored versions (the pending ones, or those given).

Each document fails alone: its version gets a status and reason, the batch goes on.
Extraction runs per document in a child process with a time and memory limit (pipeline.sandbox),
AILEX_EXTRACT_WORKERS documents at a time, whoever calls (`index/ingest.py` for every path).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from corpus.models import ProcessingStatus, Version
from corpus.settings import Settings
from corpus.store import Store, StoreError
from pipeline.sandbox import Job, Outcome, run_jobs

log = logging.getLogger(__name__)


@dataclass
class ProcessReport:
    processed: int = 0
    passages: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (document id, status, reason)


def _job(store: Store, version: Version, settings: Settings) -> Job | Outcome:
    """What to extract for `version`, or its outcome at once when it is refused before reading."""
    if version.size > settings.max_file_mb * 1024 * 1024:
        return Outcome(ProcessingStatus.failed,
                       f"file of {version.size} bytes exceeds AILEX_MAX_FILE_MB ({settings.max_file_mb} MB)")
    doc = store.get_document(version.document_id)
    try:
        path = store.blob_path(version.sha256)
    except StoreError as exc:
        return Outcome(ProcessingStatus.failed, str(exc))
    if not path.is_file():
        return Outcome(ProcessingStatus.failed, f"stored original {version.sha256[:12]} is missing")
    return Job(str(path), version.content_type, version.filename, doc.language, settings.chunk_words,
               doc_type=doc.doc_type, date=doc.date)  # (issue 17) for pipeline/speeches.py


def _outcomes(store: Store, versions: list[Version], settings: Settings) -> Iterator[Outcome]:
    """Each version's extraction outcome, in order; each in a child process with time/memory limits."""
    return run_jobs((_job(store, v, settings) for v in versions), timeout_s=settings.extract_timeout_s,
                    memory_mb=settings.extract_memory_mb, workers=settings.extract_workers)


def _apply(store: Store, version: Version, outcome: Outcome) -> tuple[ProcessingStatus, int, str]:
    """Store one outcome: passages (none on failure: the old ones are retired) and the version's status."""
    n = store.replace_passages(version, outcome.drafts)
    store.set_version_status(version.id, outcome.status, outcome.reason, pages=outcome.pages)
    return outcome.status, n, outcome.reason


def process_versions(
    store: Store,
    settings: Settings,
    versions: list[Version],
    on_document: Callable[[str, ProcessingStatus, int], None] | None = None,
) -> ProcessReport:
    """Extract and chunk `versions`; store their passages and statuses. Never raises for bad input.

    Up to AILEX_EXTRACT_WORKERS documents are extracted at once; the store is written in version order."""
    report = ProcessReport()
    for version, outcome in zip(versions, _outcomes(store, versions, settings)):
        status, n, reason = _apply(store, version, outcome)
        report.processed += 1
        report.passages += n
        report.by_status[status.value] = report.by_status.get(status.value, 0) + 1
        if status not in (ProcessingStatus.extracted,):
            report.failures.append((version.document_id, status.value, reason))
            log.warning("document %s: %s (%s)", version.document_id, status.value, reason)
        if on_document:
            on_document(version.document_id, status, n)
    return report


def process_pending(
    store: Store,
    settings: Settings,
    redo: bool = False,
    on_document: Callable[[str, ProcessingStatus, int], None] | None = None,
) -> ProcessReport:
    """Process every current version still pending (all of them with `redo`)."""
    versions = store.current_versions(None if redo else [ProcessingStatus.pending])
    return process_versions(store, settings, versions, on_document)
