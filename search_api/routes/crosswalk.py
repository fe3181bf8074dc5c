"""GET /api/crosswalk: one document against another, provision by provision (index/crosswalk.py)."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query

from corpus.citation import Versions
from index.crosswalk import NoText, UnknownDocument, crosswalk
from search_api.analysis_schemas import CrosswalkResponse
from search_api.deps import SearcherDep
from search_api.exports import error_responses, export_response, openapi_content
from search_api.exports.tables import crosswalk_table
from search_api.routes.documents import DOC_ID

router = APIRouter(prefix="/api", tags=["crosswalk"])

UnitsQuery = Annotated[Literal["article", "recital", "annex", "all"], Query(
    description="Which provision units make the rows: article (articles and sections), recital, annex, or all.")]
AlignQuery = Annotated[Literal["order", "best"] | None, Query(
    description="order: the two documents are one text (versions, translations), aligned in order; best: two "
                "different laws, best match per unit. Default: read from the documents' numbers and titles.")]
FormatQuery = Annotated[Literal["json", "csv", "md", "docx"], Query(
    description="json (default), or a file with full citations: csv, md (Markdown), docx (Word).")]


def run_crosswalk(searcher, from_id: str, to_id: str, units: str, align: str | None):
    """The crosswalk a request asks for, or the HTTP error that says what is wrong (shared with the page)."""
    for name, value in (("from", from_id), ("to", to_id)):
        if not DOC_ID.match(value):
            raise HTTPException(404, f"{name}: no document {value!r}")
    if from_id == to_id:
        raise HTTPException(422, "to: give a document other than `from`")
    searcher.refresh()
    try:
        return crosswalk(searcher.snapshot, searcher.store, from_id, to_id, units, align)
    except UnknownDocument as exc:
        raise HTTPException(404, f"no document {exc.args[0]!r} in the index") from None
    except NoText as exc:
        raise HTTPException(422, str(exc)) from None


@router.get("/crosswalk", response_model=CrosswalkResponse, response_model_by_alias=True,
            responses={**openapi_content("The crosswalk."), **error_responses(
                not_found="Unknown document.", unprocessable="The same document twice, a document without text, or bad parameters.")})
def crosswalk_route(
    searcher: SearcherDep,
    from_id: Annotated[str, Query(alias="from", description="The document whose provisions make the rows.")],
    to_id: Annotated[str, Query(alias="to", description="The document to find their counterparts in.")],
    units: UnitsQuery = "article",
    align: AlignQuery = None,
    format: FormatQuery = "json",
):
    """One row per provision unit of `from` with its best counterparts in `to`, a match class
    (equivalent / partial / none), the units of `to` nothing maps to, and a summary."""
    cw = run_crosswalk(searcher, from_id, to_id, units, align)
    versions = Versions(searcher.store)
    if format != "json":
        return export_response(crosswalk_table(cw, versions), format)
    return CrosswalkResponse.of(cw, versions)
