"""Locator audit: does a document's sequence of units match what its text holds?

Every passage carries a locator ("Chapter III › Section 2 › Article 14 — Human oversight › (1)").
Read in order, the locators of one document must tell its structure back: recitals 1, 2, 3 …,
articles 1 … n, annexes I … XIII, chapters in order, none missing, none twice. A wrong locator is
worse than none (an officer cites it), so `audit` reports every place where the sequence breaks,
and a document can be held to the numbering its text is known to have (`Expect`). A numbering may
restart at 1 once a new run begins (the supplementary provisions of a Korean bill, the second act
a bill enacts): each run is checked on its own.

Used by `tests/test_locator_audit.py` over every document of the sample corpus and by
`ailex audit` over a store."""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pipeline.structure import SEP, chinese_number

_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def _roman(text: str) -> int | None:
    if not text or any(c not in _ROMAN for c in text):
        return None
    total = 0
    for a, b in zip(text, text[1:] + " "):
        v = _ROMAN[a]
        total += -v if b in _ROMAN and _ROMAN[b] > v else v
    return total


def _num(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if text in ("premier", "primo"):
        return 1
    return _roman(text) or chinese_number(text)


# The labels the chunker writes (pipeline/structure.py), by unit kind. The first entry of a
# locator that matches a kind is that kind's number (a bill's "Section 1" before the statute
# sections it inserts).
_KINDS: tuple[tuple[str, re.Pattern], ...] = (
    ("recital", re.compile(r"^Recital \((\d+)\)$")),
    ("annex", re.compile(r"^(?:Annex|Annexe|Anhang|Anexo|Allegato|Bijlage)\s+([IVXLC]+|\d+)\b")),
    ("chapter", re.compile(r"^(?:Chapter|Chapitre|Kapitel|Capítulo|Capo|Hoofdstuk)\s+([IVXLC]+|\d+)$")),
    ("chapter", re.compile(r"^제(\d+)장$")),
    ("chapter", re.compile(r"^第(.+)章$")),
    ("chapter", re.compile(r"^([一二三四五六七八九十]+)、")),  # Chinese reports: "一、概述"
    ("article", re.compile(r"^(?:Article|Artikel|Artículo|Articolo|Artigo|Art\.|Section|Paragraf)\s+(\d+|premier|primo)")),
    ("article", re.compile(r"^제(\d+)조")),
    ("article", re.compile(r"^第(.+)[条條]$")),
)
_RESTART = re.compile(r"^(?:부칙|附则|附則)$")  # supplementary provisions: articles count from 1 again


def unit_numbers(locator: str) -> dict[str, int]:
    """{kind: number} of the units a locator names ("Chapter III › Article 14 — …" → chapter 3, article 14)."""
    out: dict[str, int] = {}
    for entry in locator.split(SEP):
        label = entry.split(" — ")[0].strip()
        for kind, pattern in _KINDS:
            if kind in out and kind != "article":
                continue  # the outermost chapter ("Chapter 291" of the statutes, not the code's "Chapter 25")
            if (m := pattern.match(label)) and (n := _num(m.group(1))) is not None:
                out[kind] = n  # the innermost article ("Section 1 › Article 6": an EU section groups articles)
                break
    return out


@dataclass
class Expect:
    """The numbering a document's text is known to hold: {kind: [(first, last), …]}, one range per
    run (a restart at 1 begins the next), e.g. {"article": [(1, 43), (1, 3)]}."""

    runs: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    gaps_allowed: bool = False  # an OCR'd print may lose a heading; order and uniqueness still hold


@dataclass
class AuditReport:
    runs: dict[str, list[list[int]]]  # per kind, the numbers in reading order, split where they restart at 1
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


# Front matter that may only label front matter: a locator saying "copyright notice" over the
# report's chapters is the wrong locator the audit exists to catch.
_FRONT = re.compile(r"^(?:版权声明|Copyright|©|Contents|Table of Contents|目录|目錄|前言|Foreword|Preface|Sommaire|"
                    r"Inhaltsverzeichnis|Índice)$", re.I)
FRONT_MAX = 8  # passages a front-matter unit may hold


def audit(locators: Sequence[str], expect: Expect | None = None) -> AuditReport:
    """Check the locators of one document's passages, in reading order."""
    problems: list[str] = []
    runs: dict[str, list[list[int]]] = {}
    previous: dict[str, int] = {}
    part = ""
    for n, locator in enumerate(locators):
        first = locator.split(SEP)[0].strip()
        if first != part and _RESTART.match(first) and "article" in previous:
            previous["article"] = 0  # the next article opens a new run
            runs.setdefault("article", []).append([])
        part = first
        for kind, number in unit_numbers(locator).items():
            seen = runs.setdefault(kind, [])
            last = previous.get(kind)
            if last == number:
                continue  # the same unit goes on
            if not seen or (number == 1 and last not in (None, 0)):
                seen.append([])
            elif last == 0:
                pass
            elif number < last:
                problems.append(f"passage {n}: {kind} {number} after {kind} {last} (out of order)")
            elif number in seen[-1]:
                problems.append(f"passage {n}: {kind} {number} again")
            seen[-1].append(number)
            previous[kind] = number
    for kind, kind_runs in runs.items():
        kind_runs[:] = [r for r in kind_runs if r]
        for r in kind_runs:
            if len(set(r)) != len(r):
                dup = sorted({x for x in r if r.count(x) > 1})
                problems.append(f"{kind} {dup[:5]} twice or more")
            if not (expect and expect.gaps_allowed):
                missing = sorted(set(range(min(r), max(r) + 1)) - set(r))
                if missing:
                    problems.append(f"{kind} missing between {min(r)} and {max(r)}: {missing[:10]}")
    counts: dict[str, int] = {}
    for locator in locators:
        first = locator.split(SEP)[0].split(" — ")[0].strip()
        if _FRONT.match(re.sub(r"\s+", "", first) if re.search(r"[\u4e00-\u9fff]", first) else first):
            counts[first] = counts.get(first, 0) + 1
    problems += [f"{label!r} locates {k} passages: front matter over the body" for label, k in counts.items() if k > FRONT_MAX]
    if expect:
        for kind, ranges in expect.runs.items():
            got = runs.get(kind, [])
            if len(got) != len(ranges):
                problems.append(f"{kind}: {len(got)} runs, expected {len(ranges)} ({_show(got)})")
                continue
            for r, (a, b) in zip(got, ranges):
                if (min(r), max(r)) != (a, b):
                    problems.append(f"{kind}: runs {min(r)}–{max(r)}, expected {a}–{b}")
    return AuditReport(runs, problems)


def _show(runs: Iterable[list[int]]) -> str:
    return ", ".join(f"{r[0]}–{r[-1]}" for r in runs if r)
