"""Cut an extraction into passages that stay inside one citable unit and carry its locator.

Passages aim at `target_words` (about 100–250 words): a short article is one passage, a
long one is split at paragraph, then sentence boundaries, never mid-sentence. Each recital
is its own passage. Bilingual prints are chunked one language at a time.
"""
from __future__ import annotations

import math
import re
from collections import Counter

from corpus.models import PassageDraft
from corpus.text import UNSPACED_CHAR
from pipeline import language
from pipeline.extract import Block, Extraction
from pipeline.structure import SEP, Unit, segment
from pipeline.units import unit_type

_ABBREVIATIONS = {
    "art", "arts", "no", "nos", "nr", "sec", "secs", "e.g", "i.e", "etc", "cf", "u.s", "u.s.c", "dr", "mr", "mrs", "ms",
    "inc", "ltd", "co", "vol", "p", "pp", "para", "paras", "ch", "st", "jr", "sr", "vs", "v", "fig", "al", "op",
    "n.º", "nº", "n.o", "abs", "bzw", "z.b", "d.h", "ggf", "vgl", "s", "j.o", "ue", "eu", "ce", "cee", "jo", "pt",
}
_SENTENCE_END = re.compile(r"(?<=[.!?;:])[\"”’)\]]*\s+(?=[\"“‘(\[«¿¡]*[A-ZÀ-ÖØ-Þ0-9§])|(?<=[。！？；])")


def words(text: str) -> int:
    """Word count that treats running Han/Kana text as about two characters a word."""
    cjk = len(UNSPACED_CHAR.findall(text))
    if not cjk:
        return len(text.split())
    return len(UNSPACED_CHAR.sub(" ", text).split()) + math.ceil(cjk / 2)


def sentences(text: str) -> list[str]:
    out: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        candidate = text[start:m.start()].rstrip()
        last = candidate.split()[-1].lower().rstrip(".") if candidate.split() else ""
        if candidate.endswith(".") and (last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha())):
            continue
        if candidate:
            out.append(candidate)
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out or [text]


def _split_long(text: str, limit: int) -> list[str]:
    """A sentence longer than the limit (lists without full stops) is cut at clause ends, then words."""
    if words(text) <= limit:
        return [text]
    parts = re.split(r"(?<=[;,])\s+", text)
    out, buf = [], ""
    for part in parts:
        if buf and words(buf) + words(part) > limit:
            out.append(buf)
            buf = part
        else:
            buf = f"{buf} {part}".strip()
    if buf:
        out.append(buf)
    final = []
    for piece in out:
        if words(piece) <= limit * 1.5:
            final.append(piece)
            continue
        tokens = piece.split()
        final.extend(" ".join(tokens[i : i + limit]) for i in range(0, len(tokens), limit))
    return final


def _pieces(unit: Unit, target: int) -> list[list[tuple[str, Block, str | None]]]:
    """Pack the unit's text into groups of roughly equal size near `target` words."""
    items: list[tuple[str, Block, str | None]] = []
    total = sum(words(b.text) for b in unit.blocks)
    n = max(1, round(total / target))
    ideal = total / n
    for block, para in zip(unit.blocks, unit.paragraphs):
        text = block.text.strip()
        if words(text) > ideal * 1.3:
            for sent in sentences(text):
                for piece in _split_long(sent, int(target * 1.5)):
                    items.append((piece, block, para))
        else:
            items.append((text, block, para))
    groups: list[list[tuple[str, Block, str | None]]] = [[]]
    size = 0
    for item in items:
        w = words(item[0])
        if groups[-1] and size + w / 2 > ideal and size >= target * 0.4:
            groups.append([])
            size = 0
        groups[-1].append(item)
        size += w
    groups = [g for g in groups if g]
    # A trailing scrap (a stray heading, a footnote mark) belongs with the text before it.
    if len(groups) > 1 and sum(words(t) for t, _, _ in groups[-1]) < target * 0.15:
        groups[-2].extend(groups.pop())
    return groups


def _para_range(paras: list[str | None]) -> str | None:
    labels = [p for p in paras if p]
    if not labels:
        return None
    first, last = labels[0], labels[-1]
    return first if first == last else f"{first}–{last}"


def language_streams(blocks: list[Block]) -> list[list[Block]]:
    """Blocks tagged with two or more languages by the extractor are chunked one language at a time."""
    counts = Counter(b.language for b in blocks if b.language)
    total = sum(counts.values())
    major = [lang for lang, n in counts.items() if n >= max(3, 0.1 * total)]
    if len(major) < 2:
        return [blocks]
    streams: dict[str, list[Block]] = {lang: [] for lang in major}
    last = major[0]
    for block in blocks:
        lang = block.language if block.language in streams else last
        streams[lang].append(block)
        last = lang
    return list(streams.values())


def chunk(extraction: Extraction, declared_language: str, target_words: int = 160) -> list[PassageDraft]:
    drafts: list[PassageDraft] = []
    declared = language.normalize(declared_language)
    declared_set = {language.normalize(part) for part in declared_language.split("+") if part.strip()}
    for stream in language_streams(extraction.blocks):
        stream_lang = Counter(b.language for b in stream if b.language).most_common(1)
        fallback = stream_lang[0][0] if stream_lang else declared
        for unit in segment(stream, fallback):
            opening = " ".join(b.text for b in unit.blocks[:3])
            for group in _pieces(unit, target_words):
                text = "\n".join(piece for piece, _, _ in group).strip()
                if not text:
                    continue
                pages = [b.page for _, b, _ in group if b.page is not None]
                para = _para_range([p for _, _, p in group])
                locator = unit.locator + (SEP + para if para and unit.path else (para or ""))
                drafts.append(
                    PassageDraft(
                        seq=len(drafts),
                        text=text,
                        language=language.detect(text, fallback, prefer=declared_set),
                        locator=locator,
                        page_start=min(pages) if pages else None,
                        page_end=max(pages) if pages else None,
                        unit_type=unit_type(unit.kind, unit.path, unit.title, text, opening),
                    )
                )
    return drafts
