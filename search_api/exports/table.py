"""What every export is made of: a titled table of rows, each citing the passages it shows.

Search results, comparisons, crosswalks and diffs (and any later view, e.g. a landscape) build
an `ExportTable`; the CSV, Markdown and Word writers render any table the same way, and every
citation comes from the one formatter (corpus/citation.py)."""
from __future__ import annotations

from dataclasses import dataclass, field

from corpus.citation import Citation


@dataclass
class Redline:
    """A word-level redline cell: [(op, text)] with op equal / insert / delete."""

    ops: list[tuple[str, str]]

    def plain(self) -> str:
        """wdiff notation, for formats without styling: [-deleted-]{+inserted+}."""
        return "".join(t if op == "equal" else f"[-{t}-]" if op == "delete" else f"{{+{t}+}}" for op, t in self.ops)


Cell = str | int | float | None | Redline


@dataclass
class ExportRow:
    cells: dict[str, Cell]
    # the passages (or provision units) the row shows, by role ("" when a row cites one thing;
    # "from" / "to" for a crosswalk or a diff)
    citations: dict[str, list[Citation]] = field(default_factory=dict)


@dataclass
class ExportTable:
    title: str
    columns: list[tuple[str, str]]  # (cell key, header shown), in order
    rows: list[ExportRow]
    intro: list[str] = field(default_factory=list)  # paragraphs under the title: what, when, summary
    roles: list[str] = field(default_factory=lambda: [""])  # citation roles, in column order
    filename: str = "ailex-export"
    long_text: set[str] = field(default_factory=set)  # cells shortened in Word and Markdown tables

    def numbered_citations(self) -> tuple[list[Citation], list[dict[str, list[int]]]]:
        """Each distinct citation once, numbered in order of first use, and per row the numbers it cites."""
        order: dict[str, int] = {}
        unique: list[Citation] = []
        per_row = []
        for row in self.rows:
            refs: dict[str, list[int]] = {}
            for role in self.roles:
                for c in row.citations.get(role, []):
                    key = c.text()
                    if key not in order:
                        order[key] = len(unique) + 1
                        unique.append(c)
                    refs.setdefault(role, []).append(order[key])
            per_row.append(refs)
        return unique, per_row


def shorten(text: str, limit: int = 1200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"
