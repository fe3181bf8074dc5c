"""Provision units: the articles, sections, recitals and annexes an officer cites, built from passages.

Passages are cut for retrieval (~160 words), so one article spans several of them. Crosswalks
and diffs work on whole provisions instead: every passage is given its unit key by
`unit_key` (one function: it reads the locator today, and will read the passage's unit type
once the chunker stores one), and `provisions` groups a document's passages by that key, in
reading order. Both are the one place where "which article is this passage in" is decided.

    "Chapter II › Article 5 — Prohibited AI practices › (1)–(3)"   → article 5
    "Capítulo III › Seção II › Art. 14"                          → article 14
    "Section 1 › Part 17 — … › 6-1-1702 — Developer duty … › (2)" → article 6-1-1702 (codified section)
    "Recital (12)"                                                 → recital 12
    "Annex III — High-risk AI systems … › (7)"                     → annex III
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from corpus.models import Passage
from pipeline.structure import SEP, chinese_number

UnitKind = Literal["article", "recital", "annex", "heading", "other"]
UnitsParam = Literal["article", "recital", "annex", "all"]
# which unit kinds each value of the `units=` parameter selects ("article" means the operative
# provisions: articles, sections, codified statute sections; reports' headed sections too)
SELECT: dict[str, frozenset[str]] = {
    "article": frozenset({"article"}),
    "recital": frozenset({"recital"}),
    "annex": frozenset({"annex"}),
    "all": frozenset({"article", "recital", "annex", "heading", "other"}),
}

_RECITAL = re.compile(r"^Recital \((?P<num>\d{1,3})\)$")
_ANNEX = re.compile(r"^(?:Annex|Annexe|Anhang|Anexo|Allegato|Bijlage|Appendix|Schedule)(?:\s+(?P<num>[IVXLC]+|\d+|[A-Z]))?$",
                    re.I)
_ARTICLE = re.compile(r"^(?:Article|Artikel|Artículo|Articolo|Artigo|Artykuł|Άρθρο|Paragraf|Art\.)\s*"
                      r"(?P<num>\d+[a-z]?|premier|primo)\s*(?:\.o|\.º|º|°|o|er)?$", re.I)
_SECTION = re.compile(r"^(?:Section|Sec\.|SECTION)\s+(?P<num>\d+(?:\.\d+)?[A-Za-z]?)$")
_KO_ARTICLE = re.compile(r"^제\s*(?P<num>\d+)\s*조(?:의\s*(?P<sub>\d+))?$")
_ZH_ARTICLE = re.compile(r"^第\s*(?P<num>[一二三四五六七八九十百千零〇两\d]+)\s*[条條]$")
# codified statute sections printed inside a bill section (Colorado 6-1-1701, California 22757.11, Maryland 2–501)
_STATUTE = re.compile(r"^(?P<num>\d{1,2}[-–]\d{1,2}[-–]\d{3,4}(?:\.\d+)?|\d{1,2}[-–]\d{3}(?:\.\d+)?|\d{4,5}(?:\.\d+)?)$")
# containers: they hold provisions but are not one
_CONTAINER = re.compile(r"^(?:Chapter|Chapitre|Kapitel|Capítulo|Capo|Hoofdstuk|Part|Partie|Teil|Parte|Deel|Title|Titre|"
                        r"Titel|Título|Titolo|Abschnitt|Afdeling|Sectie|Sección|Sezione|Secção|Seção|Section)\s+"
                        r"(?:[IVXLC]+|\d+)$|^제\s*\d+\s*[장절편]$|^第\s*[一二三四五六七八九十百千零〇两\d]+\s*[章节節编編]$", re.I)
# paragraph components end the walk: "(1)", "(1)–(3)", "(a)–(f)", "§ 1–§ 3", "Parágrafo único", "4.3"
_PARAGRAPH = re.compile(r"^(?:\(\s*[0-9A-Za-z]{1,6}\s*\)|§\s*\d+|Parágrafo único|\d+\.\d+)(?:\s*[–-]\s*(?:\(\s*[0-9A-Za-z]{1,6}\s*\)|§\s*\d+))?$")
_RANGE = re.compile(r"^\((?P<a>\d{1,3})\)(?:\s*[–-]\s*\((?P<b>\d{1,3})\))?$")
_NOISE_HEADINGS = {"signatures"}


@dataclass(frozen=True)
class UnitKey:
    """What identifies a provision within its document, comparable across languages and formats:
    kind, number ("5", "12", "III", "6-1-1702"; the heading for unnumbered sections) and series
    (0; 1 for a second run of the same number, e.g. the articles of a bill's addenda)."""

    kind: UnitKind
    number: str
    series: int = 0

    def same_number(self, other: "UnitKey") -> bool:
        return (self.kind, self.number, self.series) == (other.kind, other.number, other.series)


@dataclass(frozen=True)
class _Parsed:
    key: UnitKey
    locator: str  # the locator down to the unit's own heading: "Chapter II › Article 5 — Prohibited AI practices"
    label: str  # "Article 5"
    titled: bool  # the unit heading carries a title ("Article 5 — …")
    paragraph: str  # the first paragraph component after the unit ("(4)–(5)"), if any


@dataclass
class Provision:
    key: UnitKey
    locator: str
    label: str
    passages: list[Passage] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # per passage, the part of its text in this unit

    @property
    def kind(self) -> UnitKind:
        return self.key.kind

    @property
    def passage_ids(self) -> list[int]:
        return [p.id for p in self.passages]

    @property
    def text(self) -> str:
        return "\n".join(t for t in self.texts if t)

    @property
    def pages(self) -> tuple[int | None, int | None]:
        starts = [p.page_start for p in self.passages if p.page_start]
        ends = [p.page_end or p.page_start for p in self.passages if p.page_start]
        return (min(starts), max(ends)) if starts else (None, None)

    @property
    def language(self) -> str:
        return self.passages[0].language if self.passages else ""


def _number(kind: str, raw: str) -> str:
    raw = raw.replace("–", "-").strip()
    if raw.lower() in ("premier", "primo"):
        return "1"
    if kind == "zh":
        n = chinese_number(raw)
        return str(n) if n is not None else raw
    return raw.lstrip("0") or raw if raw.isdigit() else raw


def _article_like(label: str) -> str | None:
    """The number when `label` (a locator component without its title) names an article or section."""
    if m := _ARTICLE.match(label):
        return _number("", m["num"])
    if m := _KO_ARTICLE.match(label):
        return m["num"] + (f"-{m['sub']}" if m["sub"] else "")
    if m := _ZH_ARTICLE.match(label):
        return _number("zh", m["num"])
    if m := _STATUTE.match(label):
        return _number("", m["num"])
    if m := _SECTION.match(label):
        return m["num"]
    return None


def unit_key(passage: Passage) -> _Parsed:
    """The provision a passage belongs to, from its locator (the one definition; see the module doc)."""
    return _parse(passage.locator)


def _parse(locator: str) -> _Parsed:
    parts = [p.strip() for p in locator.split(SEP)] if locator.strip() else []
    unit_at, number, kind = None, None, None
    for i, part in enumerate(parts):
        label = part.split(" — ")[0].strip()
        if m := _RECITAL.match(label):
            return _Parsed(UnitKey("recital", m["num"]), SEP.join(parts[: i + 1]), label, False, "")
        if m := _ANNEX.match(label):
            num = (m["num"] or "").upper()
            paragraph = parts[i + 1] if i + 1 < len(parts) else ""
            return _Parsed(UnitKey("annex", num or label), SEP.join(parts[: i + 1]), label, " — " in part, paragraph)
        if _CONTAINER.match(label) and not _SECTION.match(label):
            continue
        if (n := _article_like(label)) is not None:
            # the deepest article-like component wins: "Chapter III › Section 1 › Article 6",
            # "Section 1 › Part 17 › 6-1-1701" (a bill section inserting codified sections)
            unit_at, number, kind = i, n, "article"
            continue
        if _PARAGRAPH.match(label):
            break
    if unit_at is not None:
        rest = parts[unit_at + 1 :]
        paragraph = rest[0] if rest and _PARAGRAPH.match(rest[0].split(" — ")[0]) else ""
        label = parts[unit_at].split(" — ")[0].strip()
        return _Parsed(UnitKey(kind, number), SEP.join(parts[: unit_at + 1]), label, " — " in parts[unit_at], paragraph)
    if not parts:
        return _Parsed(UnitKey("other", ""), "", "", False, "")
    # no article: a heading of a report or policy paper, or a container on its own (a chapter title)
    top = parts[0]
    if top.lower() in _NOISE_HEADINGS:
        return _Parsed(UnitKey("other", top), top, top, False, "")
    heading = SEP.join(p for p in parts if not _PARAGRAPH.match(p.split(" — ")[0]))
    return _Parsed(UnitKey("heading", heading), heading, heading, False, "")


def provisions(passages: Iterable[Passage]) -> list[Provision]:
    """A document's provision units in reading order, each with its passages (the one grouping).

    Consecutive passages with the same key form one unit; a key seen before, after other units,
    starts a new series (a bill's addenda number their articles from 1 again). Documents with no
    article, recital or annex at all (reports, policy papers) count their headed sections as
    articles, so `units=article` still has rows for them."""
    ordered = sorted(passages, key=lambda p: p.seq)
    out: list[Provision] = []
    seen: dict[tuple[str, str], int] = {}
    preamble = True  # before the enacting terms: where a PDF's "Article 16 TFEU" can look like a heading
    last_recital = 0
    for p in ordered:
        parsed = unit_key(p)
        pieces = [(parsed, p.text)]
        if parsed.key.kind == "article" and parsed.titled:
            preamble = False
        if preamble and last_recital and parsed.key.kind == "article" and not parsed.titled:
            # a recital whose locator names a cross-reference (EP position PDF: "Article 16 › (9)")
            pieces = _recital_pieces(p.text, parsed.paragraph, last_recital)
        elif parsed.key.kind == "recital":
            pieces = [(parsed, p.text)]
        for piece, text in pieces:
            if piece.key.kind == "recital":
                last_recital = max(last_recital, int(piece.key.number))
            _add(out, seen, piece, p, text)
    if out and not any(u.kind in ("article", "recital", "annex") for u in out):
        for u in out:
            if u.kind == "heading":
                u.key = UnitKey("article", u.key.number, u.key.series)
    return out


def _add(out: list[Provision], seen: dict[tuple[str, str], int], parsed: _Parsed, p: Passage, text: str) -> None:
    base = (parsed.key.kind, parsed.key.number)
    if out and (out[-1].key.kind, out[-1].key.number) == base:
        unit = out[-1]
    else:
        series = seen.get(base, -1) + 1
        seen[base] = series
        unit = Provision(UnitKey(parsed.key.kind, parsed.key.number, series), parsed.locator, parsed.label)
        out.append(unit)
    if unit.passages and unit.passages[-1].id == p.id:
        unit.texts[-1] += "\n" + text
    else:
        unit.passages.append(p)
        unit.texts.append(text)


def _recital_pieces(text: str, paragraph: str, last: int) -> list[tuple[_Parsed, str]]:
    """A preamble passage the locator files under a cross-reference, given to the recitals its
    paragraph numbers name ("(4)–(5)": split where "(5)" opens; text before "(4)" ends the recital
    before). Numbers must continue the
    recitals seen so far (at most 3 ahead); a passage that names none continues the last one."""
    m = _RANGE.match(paragraph.strip()) if paragraph else None
    numbers = []
    if m:
        a, b = int(m["a"]), int(m["b"] or m["a"])
        # "(42)–(119)", "(118)–(42)": a footnote number opened or closed the range; only numbers
        # that continue the recitals count
        numbers = sorted(n for n in set(range(a, b + 1)) | {a, b} if last <= n <= last + 3)
    numbers = numbers or [last]
    if numbers[0] != last and not re.match(rf"\s*\({numbers[0]}\)\s", text):
        numbers = [last] + numbers  # the passage opens with the end of the recital before

    def recital(n: int) -> _Parsed:
        return _Parsed(UnitKey("recital", str(n)), f"Recital ({n})", f"Recital ({n})", False, "")

    pieces, rest, current = [], text, numbers[0]
    for n in numbers[1:]:
        cut = re.search(rf"(?:^|\s)\({n}\)\s", rest)
        if cut is None:
            continue
        pieces.append((recital(current), rest[: cut.start()].strip()))
        rest, current = rest[cut.start():].strip(), n
    pieces.append((recital(current), rest))
    return [(r, t) for r, t in pieces if t]


def select(units: Sequence[Provision], which: UnitsParam) -> list[Provision]:
    kinds = SELECT[which]
    return [u for u in units if u.kind in kinds]
