"""An export table as a Word document (python-docx): a title, the introduction, one table with a
header row repeated on every page, superscript source numbers in each row, and a numbered
"Sources" list with the full citations (footnote style; python-docx writes no real footnotes).
Redlines are struck through (deleted) and underlined (inserted), in colour as well, never by
colour alone."""
from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from search_api.exports.table import ExportTable, Redline, shorten

DELETED = RGBColor(0xB0, 0x1E, 0x1E)
INSERTED = RGBColor(0x0B, 0x5C, 0xAD)
MAX_REDLINE = 6000  # characters of one redline cell; a longer one ends with a note


def _landscape(doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width


def _repeat_header(row) -> None:
    props = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    props.append(flag)


def _write_redline(paragraph, value: Redline) -> None:
    shown = 0
    for op, text in value.ops:
        if shown > MAX_REDLINE:
            paragraph.add_run(" […redline shortened: see the CSV or the page for all of it]").italic = True
            break
        text = text if shown + len(text) <= MAX_REDLINE + 200 else text[: MAX_REDLINE + 200 - shown] + "…"
        shown += len(text)
        run = paragraph.add_run(text)
        if op == "delete":
            run.font.strike = True
            run.font.color.rgb = DELETED
        elif op == "insert":
            run.font.underline = True
            run.font.color.rgb = INSERTED


def render(table: ExportTable) -> bytes:
    citations, refs = table.numbered_citations()
    doc = Document()
    doc.core_properties.title = table.title[:250]  # the property holds at most 255 characters
    doc.core_properties.author = "ailex"
    style = doc.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(10)
    if len(table.columns) > 3:
        _landscape(doc)
    doc.add_heading(table.title, level=1)
    for paragraph in table.intro:
        doc.add_paragraph(paragraph)
    if any(isinstance(v, Redline) for row in table.rows for v in row.cells.values()):
        doc.add_paragraph("In redlines, deleted text is struck through and inserted text is underlined.")
    grid = doc.add_table(rows=1, cols=len(table.columns) + 1)
    grid.style = "Table Grid"
    header = grid.rows[0]
    _repeat_header(header)
    for cell, (_, title) in zip(header.cells, table.columns + [("", "Sources")]):
        cell.text = ""
        cell.paragraphs[0].add_run(title).bold = True
    for row, numbers in zip(table.rows, refs):
        cells = grid.add_row().cells
        for cell, (key, _) in zip(cells, table.columns):
            value = row.cells.get(key)
            if isinstance(value, Redline):
                _write_redline(cell.paragraphs[0], value)
            else:
                text = "" if value is None else str(value)
                cell.text = shorten(text) if key in table.long_text else text
        source = cells[-1].paragraphs[0]
        for role, ns in numbers.items():
            if role:
                source.add_run(f"{role} ")
            marks = source.add_run(",".join(str(n) for n in ns))
            marks.font.superscript = True
            source.add_run(" ")
    if citations:
        doc.add_heading("Sources", level=2)
        for n, c in enumerate(citations, start=1):
            p = doc.add_paragraph()
            p.add_run(f"{n}. ").bold = True
            p.add_run(c.text())
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
