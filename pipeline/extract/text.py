"""Plain text and Markdown: paragraphs are runs of lines separated by blank lines."""
from __future__ import annotations

import re

from pipeline.extract import Block, Extraction

_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_NOISE = re.compile(r"(\*\*|__|`)")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")  # "**SECTION 1\.**" → "SECTION 1."
_MD_LINE = re.compile(r"^(?:#{1,6}\s|\*\*\S)", re.M)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f]+")


def decode(data: bytes, charset: str | None = None) -> str:
    """Declared charset, then UTF-8 (with or without BOM), then cp1252 which never fails on text."""
    for encoding in filter(None, (charset, "utf-8-sig")):
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("cp1252", errors="replace")


_FENCE = re.compile(r"^\s*(```|~~~)")
# pdftotext -layout output pasted into Markdown keeps the print's margin line numbers: " 12   TEXT".
_LAYOUT_LINE_NUMBER = re.compile(r"^\s{0,3}\d{1,3}(?=\s{2,}\S)")


def _unfence(text: str) -> str:
    """Markdown code fences hold pasted print layout: drop the fences and the margin line numbers."""
    out, fenced = [], False
    for line in text.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
            out.append("")
            continue
        out.append(_SPACES.sub(" ", _LAYOUT_LINE_NUMBER.sub("", line)).strip() if fenced else line)
    return "\n".join(out)


def extract_text(data: bytes, charset: str | None = None, markdown: bool = False) -> Extraction:
    text = decode(data, charset).replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    # a .txt that is Markdown (headings, bold section numbers): read as Markdown, or "**SECTION 1\.**" hides the section
    markdown = markdown or len(_MD_LINE.findall(text[:200_000])) >= 3
    if markdown:
        text = _unfence(text)
    blocks: list[Block] = []
    for para in re.split(r"\n\s*\n", text):
        lines = [ln.strip() for ln in para.split("\n") if ln.strip()]
        if not lines:
            continue
        if markdown:
            blocks.extend(_markdown_blocks(lines))
        else:
            blocks.extend(Block(text=_SPACES.sub(" ", " ".join(run))) for run in _runs(lines))
    return Extraction(blocks=blocks, method="text")


# A line opening a numbered unit: "ANNEX II", "Article 5", "2.   The provider …", "(a) …", "Art. 3º …"
_UNIT_START = re.compile(r"^(?:\d{4,5}(?:\.\d{1,3})*\.\s+[A-Z(]|\d{1,2}-\d{1,2}-\d{3,4}\.\s|\d{1,2}[–-]\d{3}\.(?:\s|$)|\(?[0-9]{1,3}[a-z]?[.)]\s|\([a-z]{1,4}\)\s|[IVXLC]+\s[–-]\s|§\s*\d|—\s)")


def _ends_sentence(previous: str, line: str) -> bool:
    """One paragraph per line (no blank lines between): a full stop at the end and a capital next."""
    return previous.rstrip().endswith((".", ":", ";", "。", "”.", ".”")) and len(previous) > 200 and line[:1].isupper()


def _runs(lines: list[str]) -> list[list[str]]:
    """Split a paragraph where a line plainly starts something new (files without blank lines)."""
    from pipeline.structure import parse_heading

    runs: list[list[str]] = []
    for line in lines:
        starts = bool(runs) and bool(_UNIT_START.match(line) or parse_heading(line) or _ends_sentence(runs[-1][-1], line))
        if not runs or starts:
            runs.append([line])
        else:
            runs[-1].append(line)
    return runs


def _md_clean(text: str) -> str:
    return _MD_ESCAPE.sub(r"\1", _MD_NOISE.sub("", text))


def _markdown_blocks(lines: list[str]) -> list[Block]:
    out: list[Block] = []
    buf: list[str] = []
    for line in lines:
        m = _MD_HEADING.match(line)
        if m:
            out.extend(Block(text=" ".join(run)) for run in _runs(buf))
            buf = []
            out.append(Block(text=_md_clean(m.group(2)), heading=True))
        else:
            buf.append(_md_clean(line.lstrip("> ")))
    out.extend(Block(text=" ".join(run)) for run in _runs(buf))
    return out
