"""Plain text and Markdown: paragraphs are runs of lines separated by blank lines."""
from __future__ import annotations

import re

from pipeline.extract import Block, Extraction

_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_NOISE = re.compile(r"(\*\*|__|`)")


def decode(data: bytes, charset: str | None = None) -> str:
    """Declared charset, then UTF-8 (with or without BOM), then cp1252 which never fails on text."""
    for encoding in filter(None, (charset, "utf-8-sig")):
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("cp1252", errors="replace")


def extract_text(data: bytes, charset: str | None = None, markdown: bool = False) -> Extraction:
    text = decode(data, charset).replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    blocks: list[Block] = []
    for para in re.split(r"\n\s*\n", text):
        lines = [ln.strip() for ln in para.split("\n") if ln.strip()]
        if not lines:
            continue
        if markdown:
            blocks.extend(_markdown_blocks(lines))
        else:
            blocks.append(Block(text=" ".join(lines)))
    return Extraction(blocks=blocks, method="text")


def _markdown_blocks(lines: list[str]) -> list[Block]:
    out: list[Block] = []
    buf: list[str] = []
    for line in lines:
        m = _MD_HEADING.match(line)
        if m:
            if buf:
                out.append(Block(text=" ".join(buf)))
                buf = []
            out.append(Block(text=_MD_NOISE.sub("", m.group(2)), heading=True))
        else:
            buf.append(_MD_NOISE.sub("", line.lstrip("> ")))
    if buf:
        out.append(Block(text=" ".join(buf)))
    return out
