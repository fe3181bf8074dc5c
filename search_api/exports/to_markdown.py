"""An export table as Markdown (GitHub / Pandoc): a heading, the introduction, a pipe table whose
last column points to numbered footnotes, and the footnotes with the full citations."""
from __future__ import annotations

import html

from search_api.exports.table import ExportTable, Redline, shorten


def _cell(value, long: bool) -> str:
    if isinstance(value, Redline):
        # <del>/<ins> render in GitHub and Pandoc and are read out as deletion / insertion
        text = "".join(html.escape(t) if op == "equal" else f"<{'del' if op == 'delete' else 'ins'}>{html.escape(t)}"
                       f"</{'del' if op == 'delete' else 'ins'}>" for op, t in value.ops)
        return text.replace("|", "\\|").replace("\n", " ")
    text = "" if value is None else str(value)
    text = shorten(text) if long else " ".join(text.split())
    return text.replace("|", "\\|")


def render(table: ExportTable) -> bytes:
    citations, refs = table.numbered_citations()
    lines = [f"# {table.title}", ""]
    for paragraph in table.intro:
        lines += [paragraph, ""]
    headers = [h for _, h in table.columns] + ["Sources"]
    lines.append("| " + " | ".join(headers) + " |")
    lines.append("|" + "---|" * len(headers))
    for row, numbers in zip(table.rows, refs):
        cells = [_cell(row.cells.get(k), k in table.long_text) for k, _ in table.columns]
        sources = " ".join(f"{role + ': ' if role else ''}" + "".join(f"[^{n}]" for n in ns) for role, ns in numbers.items())
        lines.append("| " + " | ".join(cells + [sources]) + " |")
    if citations:
        lines += ["", "## Sources", ""]
        lines += [f"[^{n}]: {c.text()}" for n, c in enumerate(citations, start=1)]
    return ("\n".join(lines) + "\n").encode("utf-8")
