"""PDF text layer with pypdf: lines rebuilt from positioned fragments, then cleaned.

Layout work done here: running headers/footers and page numbers (lines repeated at the
top or bottom of many pages), margin line numbers (bill prints), words hyphenated at line
ends, columns (a jump back up the page starts a new column, kept as its own block run), and
side-by-side bilingual columns (each column's language is detected and put on its blocks).
"""
from __future__ import annotations

import io
import logging
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from corpus.models import ProcessingStatus
from corpus.text import CJK_CHAR
from pipeline.extract import Block, Extraction, ExtractionError
from pipeline.structure import looks_like_title, parse_heading


# pypdf reports recoverable font and xref oddities on its logger; they are not our failures.
logging.getLogger("pypdf").setLevel(logging.ERROR)

_LINE_NUMBER = re.compile(r"^\s*(?:line\b\s*\d{0,3}|\d{1,3})\s*$")  # "25", or "line 25" in California prints
_PAGE_NUMBER = re.compile(r"^\s*(?:[-–—]\s*)?(?:page\s+|p\.\s*)?\d{1,6}(?:\s*(?:/|of|de|von)\s*\d{1,4})?(?:\s*[-–—])?\s*$", re.I)
# Lines that start a new block even without a vertical gap: headings and enumerations.
_BLOCK_START = re.compile(
    r"^(?:(?:Article|Artikel|Artículo|Articolo|Artigo|Art\.|SECTION|Section|SEC\.|Sec\.|CHAPTER|CHAPITRE|KAPITEL|CAPÍTULO|ANNEX|ANNEXE|ANHANG)\s+\S+"
    r"|\d{1,3}(?:\.\d{1,2})?\s\(1\)\s|\d{4,5}(?:\.\d{1,3})*\.\s+[A-Z(]|\d{1,2}-\d{1,2}-\d{3,4}\.\s|\(\s*[0-9a-zA-Z]{1,5}\s*\)\s|[a-z]{1,3}\)\s|[0-9]{1,3}\.\s|[IVXLC]+\s[–-]\s|§\s*\d|제\s*\d+\s*[조장절]|第[一二三四五六七八九十百零〇\d]+[条條章节節])"
)


@dataclass
class Line:
    x: float
    y: float
    size: float
    text: str = ""
    segment: int = 0


@dataclass
class Page:
    number: int
    lines: list[Line] = field(default_factory=list)
    edge_ys: set[int] | None = None
    top: float | None = None
    height: float = 792.0


def extract_pdf(data: bytes, declared_language: str = "") -> Extraction:
    import pypdf
    from pypdf.errors import PdfReadError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
    except (PdfReadError, ValueError, OSError) as exc:
        raise ExtractionError(ProcessingStatus.failed, f"unreadable PDF: {exc}") from exc
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except Exception as exc:  # missing crypto backend or broken security handler
            raise ExtractionError(ProcessingStatus.encrypted, f"encrypted PDF could not be opened: {exc}") from exc
        if not opened:
            raise ExtractionError(ProcessingStatus.encrypted, "encrypted PDF needs a password")
    try:
        count = len(reader.pages)
    except Exception as exc:
        raise ExtractionError(ProcessingStatus.failed, f"unreadable PDF page tree: {exc}") from exc
    pages = []
    errors = []
    for index in range(count):
        try:
            pages.append(_read_page(reader.pages[index], index + 1))
        except Exception as exc:  # one broken page should not lose the others
            errors.append(f"page {index + 1}: {type(exc).__name__}: {exc}")
            pages.append(Page(index + 1))
    if errors and all(not p.lines for p in pages):
        raise ExtractionError(ProcessingStatus.failed, "; ".join(errors[:3]))
    # Under ~20 characters a page (page numbers, a stamp) is an image-only print.
    if count and sum(len(ln.text) for p in pages for ln in p.lines) < 20 * count:
        from pipeline.extract.ocr import ocr_pdf

        return ocr_pdf(data, count, declared_language)
    _drop_running_lines(pages)
    body = _body_size(pages)
    blocks = []
    for page in pages:
        blocks.extend(_page_blocks(page, body))
    _tag_bilingual_columns(blocks)
    return Extraction(blocks=blocks, pages=count, method="pdf", warnings=errors)


def _read_page(page, number: int) -> Page:
    fragments: list[tuple[float, float, float, str]] = []

    def visit(text, cm, tm, font_dict, font_size):
        if not text:
            return
        a = tm[0] * cm[0] + tm[1] * cm[2]
        b = tm[0] * cm[1] + tm[1] * cm[3]
        if abs(b) > 0.1 * abs(a) + 0.01:
            return  # rotated text: margin stamps and watermarks, never the body
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = abs(tm[3] * cm[3]) or abs(tm[0] * cm[0]) or 1.0
        fragments.append((x, y, (font_size or 1.0) * scale, text))

    page.extract_text(visitor_text=visit)
    box = page.cropbox
    left, bottom, right, top = float(box.left), float(box.bottom), float(box.right), float(box.top)
    # Text drawn outside the visible page (some prints keep a shifted copy of each column there).
    fragments = [f for f in fragments if left - 2 <= f[0] <= right and bottom - 2 <= f[1] <= top + 2]
    return Page(number, _dedupe_layers(_lines(_drop_margin_numbers(fragments))), top=top, height=top - bottom)


def _drop_margin_numbers(fragments: list[tuple[float, float, float, str]]) -> list[tuple[float, float, float, str]]:
    """Bill prints number every fifth line in a margin or gutter: bare numbers stacked at one x."""
    by_x: Counter[int] = Counter(round(x / 3) for x, _, _, t in fragments if _LINE_NUMBER.match(t))
    margins = {key for key, n in by_x.items() if n >= 3}
    if not margins:
        return fragments
    kept = []
    after_marker = False
    for f in fragments:
        if _LINE_NUMBER.match(f[3]) and round(f[0] / 3) in margins:
            after_marker = f[3].strip().startswith("line")
            continue
        if after_marker:
            # California prints set "line" in the margin and the number at the head of the line's text
            f = (f[0], f[1], f[2], re.sub(r"^\s*\d{1,3}(?:\s+|$)", "", f[3]))
        after_marker = False
        kept.append(f)
    return kept


def _dedupe_layers(lines: list[Line]) -> list[Line]:
    """Some prints draw the same text twice (a visible layer and a tagged copy): keep the first run.

    A run is a maximal sequence of lines going down the page; a later run whose text repeats an
    earlier one (digits ignored, since only one copy carries the line numbers) is dropped.
    """
    runs: list[list[Line]] = []
    for line in lines:
        if runs and line.y <= runs[-1][-1].y + 0.5 * line.size:
            runs[-1].append(line)
        else:
            runs.append([line])
    seen: set[str] = set()
    kept: list[Line] = []
    for run in runs:
        key = re.sub(r"[\d\s]+", "", "".join(ln.text for ln in run))
        if len(key) > 40 and key in seen:
            continue
        seen.add(key)
        kept.extend(run)
    return kept


def _lines(fragments: list[tuple[float, float, float, str]]) -> list[Line]:
    """Fragments come in content-stream order; a new line starts on a newline or a change of baseline."""
    lines: list[Line] = []
    current: Line | None = None
    newline = True
    for x, y, size, text in fragments:
        size = size if 2 <= size <= 72 else 10.0
        pieces = text.split("\n")
        for k, piece in enumerate(pieces):
            if not piece.strip():
                if current is not None and piece and not current.text.endswith(" "):
                    current.text += " "
                continue
            same_line = current is not None and abs(y - current.y) < 0.5 * max(size, current.size)
            if same_line and _apart(current, x, size):
                same_line = False  # another text object on the same baseline: a margin note, a footer slug
            if current is None or not same_line or k > 0:
                # pypdf breaks a fragment where it saw the baseline change; we only know where the fragment began
                current = Line(x=x, y=y - 0.01 * k, size=size, text=piece)
                lines.append(current)
            else:
                current.text += piece  # pypdf already puts the spaces it inferred into the text
        if text.endswith("\n"):
            newline = True
    for line in lines:
        line.text = re.sub(r"\s+", " ", line.text).strip()
    return [ln for ln in lines if ln.text]


def _apart(line: Line, x: float, size: float) -> bool:
    """Far left of the line start, or far right of where its text can end (glyphs are at most ~1em)."""
    width = sum(size if CJK_CHAR.match(ch) else 0.6 * size for ch in line.text)
    return x < line.x - 2 or x > line.x + width + 4 * size


def _normal(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", text.strip().lower()))


def _drop_running_lines(pages: list[Page]) -> None:
    """Headers, footers and page numbers: lines near the page edge that recur on many pages."""
    if len(pages) < 3:
        for page in pages:
            page.lines = [ln for i, ln in enumerate(page.lines) if not (_edge(page, i) and _PAGE_NUMBER.match(ln.text))]
        return
    seen: Counter[str] = Counter()
    for page in pages:
        seen.update({_normal(ln.text) for i, ln in enumerate(page.lines) if _edge(page, i)})
    threshold = max(3, 0.25 * len(pages))
    running = {key for key, n in seen.items() if n >= threshold}
    # First-page mastheads repeat pieces of the running header ("Federal Register", "Vol. 88, No. 210").
    running_text = " | ".join(running)
    # Long slugs (printer's job lines) can pick up a page-specific tail: their opening is enough.
    running_heads = {key[:40] for key in running if len(key) >= 40}
    for page in pages:
        kept = []
        for i, ln in enumerate(page.lines):
            key = _normal(ln.text)
            if _edge(page, i) and (key in running or key[:40] in running_heads or _PAGE_NUMBER.match(ln.text)):
                continue
            if len(key) >= 12 and key in running_text and page.top is not None and ln.y > page.top - 0.15 * page.height:
                continue
            kept.append(ln)
        page.lines = kept


def _edge(page: Page, index: int) -> bool:
    """Within the three top-most or bottom-most lines of the page (by position, not stream order)."""
    if page.edge_ys is None:
        ys = sorted({round(ln.y) for ln in page.lines})
        page.edge_ys = set(ys[:3]) | set(ys[-3:])
    return round(page.lines[index].y) in page.edge_ys


def _body_size(pages: list[Page]) -> float:
    """The type size most of the text is set in (weighted by characters)."""
    sizes: Counter[float] = Counter()
    for page in pages:
        for ln in page.lines:
            sizes[round(ln.size, 1)] += len(ln.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _page_blocks(page: Page, body: float = 10.0) -> list[Block]:
    lines = page.lines
    if not lines:
        return []
    gaps = [a.y - b.y for a, b in zip(lines, lines[1:]) if 0 < a.y - b.y < 3 * max(a.size, 1)]
    step = statistics.median(gaps) if gaps else 12.0
    blocks: list[Block] = []
    buf: list[Line] = []
    segment = 0

    def flush():
        if buf:
            text = _join_lines([ln.text for ln in buf])
            # Set larger than the body text, short, not a sentence: a heading of the document's own outline.
            heading = min(ln.size for ln in buf) >= 1.2 * body and len(text.split()) <= 15 and not text.endswith((".", ";", ","))
            blocks.append(Block(text=text, page=page.number, heading=heading, locator=None))
            blocks[-1].column = buf[0].segment
            buf.clear()

    prev: Line | None = None
    after_heading = False
    for ln in lines:
        if prev is not None:
            gap = prev.y - ln.y
            if gap < -step or abs(ln.x - prev.x) > 150 and gap <= 0:
                segment += 1  # jumped back up the page: a new column or region
                flush()
            elif gap > step * 1.45 or _BLOCK_START.match(ln.text) or abs(ln.size - prev.size) > 1.5:
                flush()
        ln.segment = segment
        buf.append(ln)
        prev = ln
        if len(buf) == 1 and _bare_heading(ln.text):
            flush()  # "ANNEX II", "Article 5": the title on the next line is a block of its own
            after_heading = True
        elif after_heading and len(buf) == 1 and looks_like_title(ln.text):
            flush()
            after_heading = False
        else:
            after_heading = False
    flush()
    return blocks


def _bare_heading(text: str) -> bool:
    heading = parse_heading(text)
    return heading is not None and not heading.rest and heading.title is None


def _join_lines(lines: list[str]) -> str:
    out = ""
    for line in lines:
        if not out:
            out = line
        elif re.search(r"[^\W\d_]-$", out) and re.match(r"^[a-zà-ÿß]", line):
            out = out[:-1] + line  # re-join a word hyphenated at the line end
        elif CJK_CHAR.match(out[-1:]) and CJK_CHAR.match(line[:1]):
            out += line
        else:
            out += " " + line
    return out


def _tag_bilingual_columns(blocks: list[Block]) -> None:
    """Side-by-side translations: when a page's columns read as different languages, say so on each block."""
    from pipeline.language import detect

    by_column: dict[tuple[int | None, int], list[Block]] = {}
    for block in blocks:
        by_column.setdefault((block.page, block.column), []).append(block)
    columns_by_page: dict[int | None, list[list[Block]]] = {}
    for (page, _), column_blocks in by_column.items():
        if len(" ".join(b.text for b in column_blocks).split()) >= 40:
            columns_by_page.setdefault(page, []).append(column_blocks)
    pages: dict[int | None, list[tuple[str, list[Block]]]] = {}
    for page, columns in columns_by_page.items():
        if len(columns) < 2:
            continue  # one column of text: nothing to tell apart
        # A few hundred characters settle the language; the rest only costs time.
        pages[page] = [(detect(" ".join(b.text for b in col)[:600]), col) for col in columns]
    bilingual = [p for p, cols in pages.items() if len({lang for lang, _ in cols}) >= 2]
    if len(bilingual) < max(2, 0.2 * len(columns_by_page)):
        return
    for page in bilingual:
        for lang, column_blocks in pages[page]:
            for block in column_blocks:
                block.language = lang
