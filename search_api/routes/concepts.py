"""GET /api/concepts, /api/concepts/{id} and /api/landscape (issue 14)."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query

from index.concept_tags import UnknownConcept
from index.landscape import build_landscape, concept_overview
from search_api.deps import SearcherDep
from search_api.exports import error_responses, export_response, openapi_content
from search_api.exports.landscape import landscape_table
from search_api.params import FiltersDep
from search_api.views import jurisdiction_name

router = APIRouter(prefix="/api", tags=["concepts"])


def _tags(searcher):
    tags = searcher.snapshot.concepts
    if tags is None:
        raise HTTPException(503, "the index being served has no concept tags: run `ailex index`")
    return tags


@router.get("/concepts")
def concepts(searcher: SearcherDep) -> dict:
    """The concept taxonomy the served index was tagged with, with passages tagged per concept
    (copies of another passage not counted)."""
    searcher.refresh()
    tags = _tags(searcher)
    counts = tags.passage_counts()
    return {"taxonomy_version": tags.taxonomy_version,
            "concepts": [{"id": c, "label": tags.label(c), "definition": tags.definition(c), "passages": counts[c]}
                         for c in tags.ids]}


@router.get("/concepts/{concept_id}", responses=error_responses(not_found="No such concept; `detail` lists the known ids."))
def concept(searcher: SearcherDep, concept_id: str,
            per_jurisdiction: Annotated[int, Query(ge=1, le=20, description="Passages per jurisdiction.")] = 3) -> dict:
    """One concept: its definition and, per jurisdiction, its strongest passages with their evidence."""
    searcher.refresh()
    tags = _tags(searcher)
    try:
        overview = concept_overview(searcher, concept_id, per_jurisdiction)
    except UnknownConcept as exc:
        raise HTTPException(404, str(exc)) from exc
    counts = tags.passage_counts()
    return {"id": concept_id, "label": tags.label(concept_id), "definition": tags.definition(concept_id),
            "taxonomy_version": tags.taxonomy_version, "passages": counts[concept_id],
            "jurisdictions": [{"code": j, "name": jurisdiction_name(j), "passages": [
                {"passage_id": p.id, "document_id": p.document_id, "title": d.title, "locator": p.locator,
                 "language": p.language, "score": round(score, 4), "evidence": evidence, "text": p.text}
                for p, d, score, evidence in items]} for j, items in overview]}


@router.get("/landscape", responses={**openapi_content("Jurisdiction × concept cells."),
                                     **error_responses(unprocessable="A bad filter or an unknown concept id.")})
def landscape(searcher: SearcherDep, filters: FiltersDep,
              format: Annotated[Literal["json", "csv", "md", "docx"], Query(
                  description="json (default), or the cells as a file with a citation of each best passage.")] = "json"):
    """Which jurisdictions cover which concepts: one cell per (jurisdiction, concept) with at least
    one tagged passage passing the filters, with passages, documents and the best passage."""
    searcher.refresh()
    _tags(searcher)
    result = build_landscape(searcher, filters.replace(concept=[]), filters.concept, jurisdiction_name)
    if format != "json":
        return export_response(landscape_table(result, searcher), format)
    return result
