"""Helpers shared by the command modules: settings, errors, JSON, progress lines, logging."""
from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from corpus.settings import Settings, get_settings


# the filters every command that searches takes, with one help text each (repeatable or comma-separated)
Languages = Annotated[list[str] | None, typer.Option(
    "--lang", help="Only passages in these languages, e.g. fr or fr,de (repeatable).")]
Jurisdictions = Annotated[list[str] | None, typer.Option(
    "--jurisdiction", help="Only these jurisdictions, e.g. EU,BR,US-CO (repeatable).")]
DocTypes = Annotated[list[str] | None, typer.Option(
    "--doc-type", help="Only these document types: act, bill, resolution, … (repeatable).")]
Statuses = Annotated[list[str] | None, typer.Option(
    "--status", help="Only these legislative statuses: in_force, pending, … (repeatable).")]
Concepts = Annotated[list[str] | None, typer.Option(
    "--concept", help="Only passages tagged with one of these concept ids (repeatable or comma-separated; "
    "`ailex concepts list`).")]

LOG_FILE = "logs/ailex.log"  # under AILEX_DATA_DIR: library chatter goes there, not to the terminal


def settings() -> Settings:
    return get_settings()


def fail(message: str, code: int = 1) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def print_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def configure_logging(data_dir: Path, verbose: bool = False) -> Path | None:
    """Warnings (and with -v everything) on the terminal; every INFO line, libraries' included
    (the ONNX quantiser alone writes hundreds), in AILEX_DATA_DIR/logs/ailex.log."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    console = logging.StreamHandler()
    console.setLevel(logging.DEBUG if verbose else logging.WARNING)
    console.setFormatter(fmt)
    root.handlers = [console]
    path = Path(data_dir) / LOG_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:  # a read-only data folder (a replica's snapshot): the terminal only
        return None
    handler.setFormatter(fmt)
    root.addHandler(handler)
    return path


class StageProgress:
    """One line per stage on stderr ("embedding: 1200/55623 (61/s, ETA 14 min)"), rewritten in place on a
    terminal, printed once at the start and once at the end elsewhere (CI logs, pipes)."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.name: str | None = None
        self.total: int | None = None
        self.done = 0
        self.started = self._last = 0.0

    def stage(self, name: str, total: int | None = None) -> None:
        if self.name is not None:
            self.finish()
        self.name, self.total, self.done = name, total, 0
        self.started = self._last = time.monotonic()
        if not self.live:
            self.stream.write(f"{name}…" + (f" ({total})" if total else "") + "\n")
            self.stream.flush()
        else:
            self._draw("")

    def advance(self, n: int = 1, note: str = "") -> None:
        if self.name is None:
            return
        self.done += n
        now = time.monotonic()
        if self.live and (now - self._last >= 0.5 or (self.total and self.done >= self.total)):
            self._last = now
            self._draw(note)

    def _line(self, note: str = "") -> str:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = self.done / elapsed
        of = f"/{self.total}" if self.total else ""
        eta = ""
        if self.total and rate > 0 and self.done < self.total:
            eta = f", ETA {_duration((self.total - self.done) / rate)}"
        return f"{self.name}: {self.done}{of} ({rate:.1f}/s{eta}) {note[:50]}".rstrip()

    def _draw(self, note: str) -> None:
        self.stream.write("\r\033[K" + self._line(note))
        self.stream.flush()

    def finish(self, summary: str = "") -> None:
        if self.name is None:
            return
        took = _duration(time.monotonic() - self.started)
        text = f"{self.name}: {summary or f'{self.done} done'} in {took}"
        self.stream.write(("\r\033[K" if self.live else "") + text + "\n")
        self.stream.flush()
        self.name = None


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def open_store():
    from corpus.store import Store

    return Store(settings().data_dir)


def open_searcher():
    from corpus.store import Store
    from index.search import IndexMissing, Searcher
    from pipeline.encoders import EncoderError, load_encoder

    s = settings()
    try:
        return Searcher(s, Store(s.data_dir), load_encoder(s))
    except (IndexMissing, EncoderError) as exc:
        fail(str(exc))


def ingest(store=None, encoder=None, progress: bool = True):
    """The one orchestration of extract → embed → publish (index/ingest.py) for a command."""
    from index.ingest import Ingest

    return Ingest(settings(), store or open_store(), encoder, progress=StageProgress() if progress else None)


def print_index(report, after_publish: dict | None = None) -> None:
    """One line for a published (or unchanged) index, and what the watches found in it."""
    if report.up_to_date:
        typer.echo(f"index up to date: {report.count} passages ({report.folder})")
        return
    rate = report.embedded / report.seconds if report.seconds else 0
    typer.echo(f"index: {report.count} passages; vectors +{report.added} / -{report.removed} ({report.embedded} "
               f"embedded, {rate:.1f}/s) in {report.seconds:.1f} s → {report.folder}")
    watches = (after_publish or {}).get("notify_watches")
    if isinstance(watches, dict) and watches.get("watches"):
        typer.echo(f"watches: {watches['matches']} new matches for {watches['watches']} watches "
                   "(`ailex watch list`, /new, the Atom feeds)")
    elif isinstance(watches, str):
        typer.secho(f"watches: {watches}", fg=typer.colors.YELLOW, err=True)
