"""The OpenAPI document tells what the server does (checked by schemathesis with every check on,
`tests/test_api_contract.py`).

FastAPI derives the schema from the route signatures, which cannot say everything; this module
adds the rest once, for every route, so a router added later is described the same way without
repeating it:
- the error answers a route can give, from what it depends on: 401/403 behind the admin token
  (`security.require_admin`), 503 when it needs the index (`deps.get_searcher`), 404 for an
  unknown id in its path; all with the `{"detail": "…"}` body they have;
- limits that come from settings (`Query(json_schema_extra=setting_maximum("max_k"))`);
- parameters of which exactly one must be given (`openapi_extra=exactly_one_of("q", "passage_id")`),
  expressed as one form-exploded object parameter whose schema is a `oneOf`;
- query parameters are never `null` (absent is how a client leaves one out);
and it answers 405 with every method the path has in `Allow`, not only those of the first route
that matched it, and 404 to a path with a trailing slash instead of redirecting it elsewhere."""
from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI, Request, routing
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse
from starlette.routing import compile_path

from corpus.settings import Settings

MAX_SETTING = "x-ailex-maximum-setting"
EXACTLY_ONE = "x-ailex-exactly-one-of"
# `json_schema_extra` of a parameter holding concept ids: the schema lists the taxonomy's ids
CONCEPT_IDS = {"x-ailex-concept-ids": True}
VALUES = "x-ailex-values"


def one_of(values) -> dict:
    """`json_schema_extra` of a filter whose comma-separated values must each be one of `values`."""
    return {VALUES: list(values)}

READABLE_422 = {  # (issue 7) the documented shape of every 422 response
    "title": "HTTPValidationError", "type": "object", "required": ["detail"],
    "properties": {
        "detail": {"title": "Detail", "type": "string", "description": "What is wrong, readable (param: problem; …)."},
        "errors": {"title": "Errors", "type": "array", "items": {
            "type": "object", "properties": {
                "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                "msg": {"type": "string"}, "type": {"type": "string"}}}},
    },
}
ERROR = {"title": "Error", "type": "object", "required": ["detail"],
         "properties": {"detail": {"title": "Detail", "type": "string", "description": "What went wrong, readable."}}}


def error_response(description: str) -> dict:
    """A `responses=` entry for an HTTPException answer: {"detail": "…"}."""
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def setting_maximum(name: str) -> dict:
    """`json_schema_extra` of a parameter whose maximum is the setting `name` (the route enforces it)."""
    return {MAX_SETTING: name}


def exactly_one_of(*names: str) -> dict:
    """`openapi_extra` of a route that needs exactly one of the query parameters `names`."""
    return {EXACTLY_ONE: list(names)}


# -- what a route's dependencies imply ------------------------------------------------------------
def _calls(dependant) -> set:
    out = set()
    for sub in dependant.dependencies:
        out.add(sub.call)
        out |= _calls(sub)
    return out


def _api_routes(app: FastAPI) -> list:
    """Every API route with its full path (`path_format`), `methods` and `dependant`, routers included."""
    return [ctx for ctx in routing.iter_route_contexts(app.routes) if isinstance(ctx.original_route, routing.APIRoute)]


def _implied_responses(route) -> dict[str, dict]:
    from search_api.deps import get_searcher
    from search_api.security import require_admin

    calls = _calls(route.dependant)
    out = {}
    if route.body_field is not None:  # FastAPI's own answer to a body it cannot read (not JSON, not UTF-8)
        out["400"] = error_response("The body could not be parsed (not JSON).")
    if route.dependant.path_params:
        out["404"] = error_response("Unknown id: no such " + ", ".join(p.name for p in route.dependant.path_params) + ".")
    if require_admin in calls:
        out["401"] = error_response("Missing or wrong admin token (Authorization: Bearer …).")
        out["403"] = error_response("State-changing endpoints are off: AILEX_ADMIN_TOKEN is not set.")
    if get_searcher in calls:
        out["503"] = error_response("No index has been published yet: run `ailex index`.")
    return out


# -- rewriting the generated document --------------------------------------------------------------
def _not_null(schema: dict) -> dict:
    alternatives = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    if "anyOf" in schema and len(alternatives) == 1:
        rest = {k: v for k, v in schema.items() if k != "anyOf"}
        return {**alternatives[0], **rest}
    if "anyOf" in schema:
        return {**schema, "anyOf": alternatives}
    return schema


def _exactly_one(operation: dict, names: list[str]) -> None:
    params = operation.get("parameters", [])
    chosen = [p for p in params if p["in"] == "query" and p["name"] in names]
    if sorted(p["name"] for p in chosen) != sorted(names):
        raise ValueError(f"{operation.get('operationId')}: {EXACTLY_ONE} names unknown query parameters {names}")
    properties = {p["name"]: {**p["schema"], **({"description": p["description"]} if "description" in p else {})}
                  for p in chosen}
    branches = [{"required": [n], "not": {"anyOf": [{"required": [o]} for o in names if o != n]}} for n in names]
    operation["parameters"] = [p for p in params if p not in chosen] + [{
        "name": "_".join(names), "in": "query", "required": True, "style": "form", "explode": True,
        "description": "Exactly one of " + ", ".join(f"`{n}`" for n in names) + " (each sent as its own query parameter).",
        "schema": {"type": "object", "properties": properties, "additionalProperties": False, "oneOf": branches},
    }]


def _concept_ids(settings: Settings) -> list[str]:
    """The ids of the configured taxonomy (what `ailex index` tags with), for `concept=` parameters."""
    from pipeline.concepts.taxonomy import TaxonomyError, load

    try:
        return load(settings.concept_taxonomy).ids
    except TaxonomyError:  # `ailex index` says what is wrong with it; the schema just lists no ids
        return []


def _comma_separated(allowed: list[str]) -> dict:
    """A filter value as the server reads it (corpus.text.split_values): comma-separated, each part
    stripped, blank parts ignored, every other part one of `allowed`."""
    import re

    from corpus.text import PY_SPACE

    part = f"[{PY_SPACE}]*(?:{'|'.join(re.escape(a) for a in allowed)})?[{PY_SPACE}]*"
    return {"type": "string", "pattern": f"^{part}(?:,{part})*$",
            "description": "Comma-separated, each one of: " + ", ".join(allowed) + "."}


def describe(app: FastAPI, schema: dict, settings: Settings) -> dict:
    """`schema` (FastAPI's) made to tell what the routes of `app` do under `settings`."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["HTTPValidationError"] = READABLE_422
    components["Error"] = ERROR
    concept_ids = _concept_ids(settings)
    routes = {(r.path_format, m.lower()): r for r in _api_routes(app) if r.include_in_schema for m in r.methods}
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            route = routes.get((path, method))
            if route is None:
                continue
            responses = operation.setdefault("responses", {})
            for status, response in _implied_responses(route).items():
                responses.setdefault(status, response)
            for param in operation.get("parameters", []):
                if param["in"] != "query":
                    continue
                param["schema"] = _not_null(param["schema"])
                setting = param["schema"].pop(MAX_SETTING, None)
                if setting:
                    param["schema"]["maximum"] = getattr(settings, setting)
                if param["schema"].pop("x-ailex-concept-ids", None) and concept_ids:
                    param["schema"]["items"] = _comma_separated(concept_ids)
                if values := param["schema"].pop(VALUES, None):
                    param["schema"]["items"] = _comma_separated(values)
            names = operation.pop(EXACTLY_ONE, None)
            if names:
                _exactly_one(operation, names)
    return schema


def install(app: FastAPI, settings: Settings) -> None:
    """Serve the described schema at /openapi.json and answer 405s with a complete Allow header."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = describe(app, copy.deepcopy(generate()), settings)
        return app.openapi_schema

    app.openapi = openapi
    # `/api/documents/` (an id left empty) is a 404, not a redirect to the list the schema describes
    # elsewhere: a client following it would get an answer of another shape
    app.router.redirect_slashes = False

    @app.exception_handler(405)
    async def method_not_allowed(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Starlette's 405 lists the methods of the first route matching the path; one path is often
        # served by several routes (GET and POST /api/admin/index)
        methods = set()
        for route in _api_routes(app):
            if compile_path(route.path_format)[0].match(request.url.path):
                methods |= set(route.methods)
        headers = {"Allow": ", ".join(sorted(methods))} if methods else dict(exc.headers or {})
        return JSONResponse({"detail": exc.detail}, status_code=405, headers=headers)
