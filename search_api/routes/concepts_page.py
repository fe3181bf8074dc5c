"""GET /landscape, /concepts and /concepts/{id}: the concept pages (issue 14)."""
from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from corpus.citation import Versions, cite_passage
from index.concept_tags import UnknownConcept
from index.landscape import build_landscape, concept_overview
from search_api.deps import get_searcher
from search_api.params import FiltersDep
from search_api.views import SearchState, jurisdiction_name, query_string, templates

router = APIRouter(include_in_schema=False)
SORTS = {"taxonomy": "taxonomy order", "coverage": "most jurisdictions", "label": "name"}
COLUMN_SORTS = {"code": "code", "coverage": "most concepts"}


def _searcher(request: Request):
    try:
        searcher = get_searcher(request)
    except Exception as exc:  # no index yet: the page says so
        return None, getattr(exc, "detail", str(exc))
    searcher.refresh()
    if searcher.snapshot.concepts is None:
        return None, "The index being served has no concept tags: run `ailex index`."
    return searcher, None


def shade(passages: int, top: int) -> int:
    """Strength class 1–5 of a cell: its passages on a log scale against the largest cell."""
    if passages <= 0:
        return 0
    return 1 + min(4, int(4 * math.log1p(passages) / math.log1p(max(top, 1))))


@router.get("/landscape", response_class=HTMLResponse)
def landscape_page(
    request: Request,
    filters: FiltersDep,
    sort: Annotated[str, Query(pattern="^(taxonomy|coverage|label)$")] = "taxonomy",
    cols: Annotated[str, Query(pattern="^(code|coverage)$")] = "code",
) -> HTMLResponse:
    searcher, error = _searcher(request)
    body, status = None, 200 if error is None else 503
    if searcher is not None:
        try:
            result = build_landscape(searcher, filters.replace(concept=[]), filters.concept, jurisdiction_name)
        except UnknownConcept as exc:
            result, error, status = None, str(exc), 422
        if result is not None:
            cells = {(c["jurisdiction"], c["concept"]): c for c in result["cells"]}
            top = max((c["passages"] for c in result["cells"]), default=1)
            jurs = result["jurisdictions"]
            per_jur = {j["code"]: sum(1 for c in result["cells"] if c["jurisdiction"] == j["code"]) for j in jurs}
            if cols == "coverage":
                jurs = sorted(jurs, key=lambda j: (-per_jur[j["code"]], j["code"]))
            rows = []
            for c in result["concepts"]:
                row = []
                for j in jurs:
                    cell = cells.get((j["code"], c["id"]))
                    state = SearchState(filters=filters.replace(concept=[c["id"]], jurisdiction=[j["code"]]))
                    row.append({"code": j["code"], "cell": cell, "shade": shade(cell["passages"] if cell else 0, top),
                                "url": state.url() if cell else None})
                rows.append({"concept": c, "cells": row, "covered": sum(1 for x in row if x["cell"])})
            if sort == "coverage":
                rows.sort(key=lambda r: -r["covered"])
            elif sort == "label":
                rows.sort(key=lambda r: r["concept"]["label"].lower())
            options = {c: searcher.snapshot.columns.values(c) for c in ("language", "doc_type", "status")}
            body = {"taxonomy_version": result["taxonomy_version"], "rows": rows, "jurisdictions": jurs,
                    "per_jurisdiction": per_jur, "options": options, "cells": len(result["cells"])}
    state = SearchState(filters=filters)
    pairs = state.filter_pairs()
    return templates.TemplateResponse(request, "landscape.html", {
        "nav": "landscape", "result": body, "error": error, "state": state, "sort": sort, "cols": cols,
        "sorts": [(k, v, "/landscape?" + query_string(pairs + [("sort", k), ("cols", cols)])) for k, v in SORTS.items()],
        "col_sorts": [(k, v, "/landscape?" + query_string(pairs + [("sort", sort), ("cols", k)])) for k, v in COLUMN_SORTS.items()],
        "csv_url": "/api/landscape?" + query_string(pairs + [("format", "csv")]),
        "md_url": "/api/landscape?" + query_string(pairs + [("format", "md")]),
        "json_url": "/api/landscape?" + query_string(pairs),
        "chips": state.chips(), "clear_url": "/landscape",
    }, status_code=status)


@router.get("/concepts", response_class=HTMLResponse)
def concepts_page(request: Request) -> HTMLResponse:
    searcher, error = _searcher(request)
    concepts = []
    if searcher is not None:
        tags = searcher.snapshot.concepts
        counts = tags.passage_counts()
        cells = build_landscape(searcher, names=jurisdiction_name)["cells"]
        jur = {c: sorted({x["jurisdiction"] for x in cells if x["concept"] == c}) for c in tags.ids}
        concepts = [{"id": c, "label": tags.label(c), "definition": tags.definition(c), "passages": counts[c],
                     "jurisdictions": jur[c]} for c in tags.ids]
    return templates.TemplateResponse(request, "concepts.html", {
        "nav": "landscape", "concepts": concepts, "error": error,
        "taxonomy_version": searcher.snapshot.concepts.taxonomy_version if searcher else None,
    }, status_code=200 if error is None else 503)


@router.get("/concepts/{concept_id}", response_class=HTMLResponse)
def concept_page(request: Request, concept_id: str) -> HTMLResponse:
    searcher, error = _searcher(request)
    status, body = (200 if error is None else 503), None
    if searcher is not None:
        tags = searcher.snapshot.concepts
        try:
            overview = concept_overview(searcher, concept_id, per_jurisdiction=3)
        except UnknownConcept as exc:
            error, status = str(exc), 404
        else:
            versions = Versions(searcher.store)
            groups = [{"code": j, "name": jurisdiction_name(j), "passages": [
                {"passage": p, "document": d, "score": score, "evidence": evidence,
                 "citation": cite_passage(d, p, versions.get(p.version_id)).text(),
                 "search_url": SearchState(filters=SearchState().filters.replace(
                     concept=[concept_id], jurisdiction=[j])).url()}
                for p, d, score, evidence in items]} for j, items in overview]
            body = {"id": concept_id, "label": tags.label(concept_id), "definition": tags.definition(concept_id),
                    "passages": tags.passage_counts()[concept_id], "groups": groups}
    return templates.TemplateResponse(request, "concept.html", {
        "nav": "landscape", "concept": body, "error": error,
    }, status_code=status)
