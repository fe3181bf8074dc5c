"""An export table as CSV: the table's columns, then each citation role's full citation,
content hash, retrieval date and official URL (several citations in one cell are joined by " | ")."""
from __future__ import annotations

import csv
import io

from search_api.exports.table import ExportTable, Redline

CITATION_FIELDS = ("citation", "sha256", "retrieved", "source_url")


def render(table: ExportTable) -> bytes:
    keys = [k for k, _ in table.columns]
    extra = []
    for role in table.roles:
        prefix = f"{role}_" if role else ""
        extra += [(role, f, f"{prefix}{f}") for f in CITATION_FIELDS if f"{prefix}{f}" not in keys]
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(keys + [name for _, _, name in extra])
    for row in table.rows:
        values = []
        for k in keys:
            v = row.cells.get(k)
            values.append(v.plain() if isinstance(v, Redline) else "" if v is None else v)
        for role, f, _ in extra:
            cited = row.citations.get(role, [])
            values.append(" | ".join(c.text() if f == "citation" else str(getattr(c, f)) for c in cited))
        writer.writerow(values)
    return buf.getvalue().encode("utf-8")
