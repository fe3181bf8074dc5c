"""What changed: GET /api/documents/{id}/diff (between versions) and GET /api/diff (between two
documents that hold readings of one text). See index/diff.py."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query

from corpus.citation import Versions
from corpus.store import Store
from index.diff import NothingToCompare, UnknownVersion, current_reading, diff, previous_and_current
from search_api.analysis_schemas import DiffResponse
from search_api.contract import error_response
from search_api.deps import StoreDep
from search_api.exports import error_responses, export_response, openapi_content
from search_api.exports.tables import diff_table
from search_api.routes.documents import document_or_404

router = APIRouter(prefix="/api", tags=["diff"])

FormatQuery = Annotated[Literal["json", "csv", "md", "docx"], Query(
    description="json (default), or a file with the changed units' redlines and full citations: csv, md, docx.")]
UnchangedQuery = Annotated[bool, Query(description="Also list unchanged units (JSON only; files list changes).")]
# what the documents hold, not the request's form, can leave nothing to compare: a 409 (a schema can
# describe parameters, not how many versions a document has)
ERRORS = {**error_responses(not_found="Unknown document or version.", unprocessable="Bad parameters."),
          409: error_response("Nothing to compare: one version only, the same version or document twice, "
                              "no text, or no common language.")}


def versions_diff(store: Store, doc_id: str, from_version: int | None, to_version: int | None):
    doc = document_or_404(store, doc_id, "document")
    try:
        return diff(*previous_and_current(store, doc, from_version, to_version))
    except UnknownVersion as exc:
        raise HTTPException(404, f"document {doc_id!r} has no version {exc.args[0]}") from None
    except NothingToCompare as exc:
        raise HTTPException(409, str(exc)) from None


def documents_diff(store: Store, from_id: str, to_id: str):
    old, new = document_or_404(store, from_id, "from"), document_or_404(store, to_id, "to")
    if old.id == new.id:
        raise HTTPException(409, "to: give a document other than `from` (versions of one document: "
                                 f"/api/documents/{old.id}/diff)")
    try:
        return diff(current_reading(store, old), current_reading(store, new))
    except NothingToCompare as exc:
        raise HTTPException(409, str(exc)) from None


def _answer(store: Store, d, format: str, unchanged: bool):
    if format != "json":
        return export_response(diff_table(d, Versions(store)), format)
    return DiffResponse.of(d, include_unchanged=unchanged)


@router.get("/documents/{doc_id}/diff", response_model=DiffResponse, response_model_by_alias=True,
            responses={**openapi_content("The changes between two versions."), **ERRORS})
def document_diff(
    doc_id: str,
    store: StoreDep,
    from_version: Annotated[int | None, Query(ge=1, description="Version id to compare from (default: the one before `to_version`).")] = None,
    to_version: Annotated[int | None, Query(ge=1, description="Version id to compare to (default: the current one).")] = None,
    format: FormatQuery = "json",
    unchanged: UnchangedQuery = True,
):
    """The previous version of a document against the current one (or any two of its versions),
    unit by unit, with a word-level redline for each changed unit."""
    return _answer(store, versions_diff(store, doc_id, from_version, to_version), format, unchanged)


@router.get("/diff", response_model=DiffResponse, response_model_by_alias=True,
            responses={**openapi_content("The changes between two readings."), **ERRORS})
def readings_diff(
    store: StoreDep,
    from_id: Annotated[str, Query(alias="from", description="The earlier reading (a document id).")],
    to_id: Annotated[str, Query(alias="to", description="The later reading (a document id).")],
    format: FormatQuery = "json",
    unchanged: UnchangedQuery = True,
):
    """Two readings held as separate documents (a Parliament's position and the adopted act; a
    bill's XML and its printed PDF), unit by unit, in the language they share."""
    return _answer(store, documents_diff(store, from_id, to_id), format, unchanged)
