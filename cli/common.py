"""Helpers shared by the command modules."""
from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer

from corpus.settings import Settings, get_settings


def settings() -> Settings:
    return get_settings()


def fail(message: str, code: int = 1) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def print_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


class Progress:
    """One line of progress on stderr, rewritten in place: items, rate."""

    def __init__(self, label: str, total: int | None = None):
        import time

        self.label, self.total, self.done = label, total, 0
        self._time = time.monotonic
        self.start = self._time()
        self._last = 0.0

    def advance(self, n: int = 1, note: str = "") -> None:
        self.done += n
        now = self._time()
        if now - self._last >= 0.5 or (self.total and self.done >= self.total):
            self._last = now
            rate = self.done / max(now - self.start, 1e-9)
            of = f"/{self.total}" if self.total else ""
            sys.stderr.write(f"\r{self.label}: {self.done}{of} ({rate:.1f}/s) {note[:60]:<60}")
            sys.stderr.flush()

    def close(self) -> float:
        elapsed = self._time() - self.start
        if self.done:
            sys.stderr.write("\n")
        return elapsed
