"""Exports of the analysis views for knowledge products: CSV, Markdown and Word (DOCX).

    table = crosswalk_table(result, versions)        # search_api/exports/tables.py, one builder per view
    response = export_response(table, "docx")        # the right media type and file name

A new view (e.g. the landscape) only builds an `ExportTable`; the writers are shared."""
from __future__ import annotations

from typing import Literal

from fastapi.responses import Response

from search_api.exports import to_csv, to_docx, to_markdown
from search_api.exports.table import ExportRow, ExportTable, Redline  # noqa: F401 (the interface)

ExportFormat = Literal["csv", "md", "docx"]
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
WRITERS = {"csv": to_csv.render, "md": to_markdown.render, "docx": to_docx.render}
EXTENSIONS = {"csv": "csv", "md": "md", "docx": "docx"}


def render(table: ExportTable, fmt: ExportFormat) -> bytes:
    return WRITERS[fmt](table)


def export_response(table: ExportTable, fmt: ExportFormat) -> Response:
    name = "".join(c if c.isalnum() or c in "-_." else "-" for c in table.filename)[:100] or "ailex-export"
    return Response(render(table, fmt), media_type=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}.{EXTENSIONS[fmt]}"'})


def openapi_content(json_description: str) -> dict:
    """The `responses` entry of a route that answers JSON or, with format=csv|md|docx, a file."""
    return {200: {"description": f"{json_description} With format=csv, md or docx: the same as a file with a full "
                                 "citation per passage.",
                  "content": {MEDIA_TYPES[f].split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
                              for f in MEDIA_TYPES}}}


DETAIL = {"application/json": {"schema": {"type": "object", "required": ["detail"],
                                          "properties": {"detail": {"type": "string"}}}}}


def error_responses(**descriptions: str) -> dict:
    """Documented error answers (`not_found=…`, `unprocessable=…`): a JSON body with a readable `detail`."""
    codes = {"not_found": 404, "unprocessable": 422}
    out = {}
    for name, text in descriptions.items():
        out[codes[name]] = {"description": text, "content": DETAIL if name == "not_found" else {
            "application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}}
    return out
