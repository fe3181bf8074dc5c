"""The one orchestration of the stages: extract → chunk → embed → (link duplicates → build → publish).

Every path that brings documents into the served index goes through `Ingest`: `ailex import`,
`ailex index`, `ailex crawl` (and the scheduled crawls, which run it), the distributed ingest
worker and the admin re-index. Before this they each strung the stages together themselves and
drifted apart (one embedded units without their locator and missed the embedding cache; one
extracted documents one at a time whatever AILEX_EXTRACT_WORKERS said).

The steps can be called one by one where a caller needs something between them: an ingest
worker embeds into the cache outside the Redis writer lock (several workers in parallel) and
publishes under it. Capabilities that act on a new snapshot hook in here, once for every path:
`before_publish` callbacks add files to the snapshot folder before it becomes current,
`after_publish` callbacks run once it is served (a failing one is logged, never fails ingest)."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from corpus.models import ProcessingStatus, Version
from corpus.settings import Settings
from corpus.store import Store
from index.build import IndexReport, embed_texts, unindexed_units, update_index
from pipeline.dedupe import link_duplicates
from pipeline.encoders import Encoder, load_encoder
from pipeline.process import ProcessReport, process_versions
from pipeline.units import backfill_unit_types

log = logging.getLogger(__name__)

BeforePublish = Callable[[Settings, Store, Path, IndexReport], None]
AfterPublish = Callable[[Settings, Store, IndexReport], object]


class StageProgress(Protocol):
    """Where the orchestration reports progress (the CLI draws one line per stage)."""

    def stage(self, name: str, total: int | None = None) -> None: ...

    def advance(self, n: int = 1, note: str = "") -> None: ...

    def finish(self, summary: str = "") -> None: ...


class _Silent:
    def stage(self, name: str, total: int | None = None) -> None:
        pass

    def advance(self, n: int = 1, note: str = "") -> None:
        pass

    def finish(self, summary: str = "") -> None:
        pass


@dataclass
class IngestReport:
    processed: ProcessReport = field(default_factory=ProcessReport)
    linked: int = 0  # passages linked to an earlier copy in this run
    embedded_ahead: int = 0  # vectors put in the embedding cache before publishing
    index: IndexReport | None = None
    after_publish: dict[str, object] = field(default_factory=dict)  # what each hook reported


def default_hooks() -> tuple[list[BeforePublish], list[AfterPublish]]:
    """The capabilities every publish runs (one list, so no path forgets one)."""
    from index.concept_tags import write_concept_tags  # issue 14: concept tags in every snapshot
    from index.watch_match import notify_watches  # watches (issue 16): match new passages, deliver

    return [write_concept_tags], [notify_watches]


class Ingest:
    def __init__(self, settings: Settings, store: Store, encoder: Encoder | None = None,
                 progress: StageProgress | None = None,
                 before_publish: list[BeforePublish] | None = None,
                 after_publish: list[AfterPublish] | None = None):
        self.settings = settings
        self.store = store
        self._encoder = encoder
        self.progress = progress or _Silent()
        before, after = default_hooks()
        self.before_publish = before if before_publish is None else before_publish
        self.after_publish = after if after_publish is None else after_publish

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self.progress.stage("loading the model")
            self._encoder = load_encoder(self.settings)
            self.progress.finish(self._encoder.name)
        return self._encoder

    # -- the steps ---------------------------------------------------------------------------
    def extract(self, versions: list[Version] | None = None, redo: bool = False) -> ProcessReport:
        """Extract and chunk `versions` (default: every current version still pending, or all of
        them with `redo`), AILEX_EXTRACT_WORKERS at a time, each in its own limited process."""
        if versions is None:
            versions = self.store.current_versions(None if redo else [ProcessingStatus.pending])
        if not versions:
            return ProcessReport()
        self.progress.stage("extraction", len(versions))
        report = process_versions(self.store, self.settings, versions,
                                  on_document=lambda doc, status, n: self.progress.advance(note=doc))
        self.progress.finish(f"{report.processed} documents, {report.passages} passages"
                             + (f", {len(report.failures)} without text" if report.failures else ""))
        return report

    def embed(self) -> int:
        """Put the vectors of the passages the published index lacks into the embedding cache (no
        lock needed: the cache is keyed by text hash); returns how many were computed."""
        texts = unindexed_units(self.settings, self.store)
        if not texts:
            return 0
        self.progress.stage("embedding", len(texts))
        _, embedded = embed_texts(self.store, self.encoder, texts, self.settings.batch_size, self.progress.advance)
        self.progress.finish(f"{embedded} vectors embedded, {len(texts) - embedded} from the cache")
        return embedded

    def publish(self, rebuild: bool = False, report: IngestReport | None = None) -> IndexReport:
        """Link duplicates, build the snapshot and publish it, then run the after-publish hooks.
        Callers that run several writers hold the writer lock around this step only."""
        report = report or IngestReport()
        backfill_unit_types(self.store)  # passages stored before unit types existed (once; then a no-op)
        report.linked = link_duplicates(self.store)
        state = {"total": None}

        def tick(done: int, total: int) -> None:
            if state["total"] is None:
                state["total"] = total
                self.progress.stage("embedding", total)
            self.progress.advance(done - state.setdefault("done", 0))
            state["done"] = done

        def before(folder: Path, index_report: IndexReport) -> None:
            for hook in self.before_publish:
                hook(self.settings, self.store, folder, index_report)

        def hooks_current(folder: Path) -> bool:
            """Whether what the hooks added to `folder` is still what they would add now (a hook may
            say so with `is_current(settings, folder, encoder_name)`; e.g. concept tags after a new
            taxonomy version are not, and the index is republished though no passage changed)."""
            return all(hook.is_current(self.settings, folder, self.encoder.name)
                       for hook in self.before_publish if hasattr(hook, "is_current"))

        before.is_current = hooks_current  # type: ignore[attr-defined]

        index = update_index(self.settings, self.store, self.encoder, rebuild=rebuild, progress=tick, before_publish=before)
        if state["total"] is not None:
            self.progress.finish()
        report.index = index
        if not index.up_to_date:
            for hook in self.after_publish:
                name = getattr(hook, "__name__", repr(hook))
                try:
                    report.after_publish[name] = hook(self.settings, self.store, index)
                except Exception as exc:  # a failing capability never fails or blocks indexing
                    log.exception("after-publish step %s failed", name)
                    report.after_publish[name] = f"failed: {type(exc).__name__}: {exc}"
        return index

    def run(self, versions: list[Version] | None = None, redo: bool = False, rebuild: bool = False,
            index: bool = True) -> IngestReport:
        """Every step: extract what is pending (or `versions`), then, with `index`, publish (which
        embeds what the cache lacks: a lone writer needs no separate `embed()` step)."""
        report = IngestReport(processed=self.extract(versions, redo))
        if index:
            self.publish(rebuild, report)
        return report
