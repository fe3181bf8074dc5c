"""What /openapi.json promises, checked quickly against what the server does (the schemathesis run
in test_api_fuzz.py checks it in depth, every check on)."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from corpus.settings import Settings
from pipeline.encoders import FakeEncoder
from search_api.app import create_app


@pytest.fixture
def client(settings, small_corpus):
    configured = Settings(data_dir=settings.data_dir, encoder="fake", max_k=37, admin_token="t0ken")
    with TestClient(create_app(configured, encoder=FakeEncoder())) as c:
        yield c


def _operation(client, path, method="get"):
    return client.get("/openapi.json").json()["paths"][path][method]


def _param(operation, name):
    return next(p for p in operation["parameters"] if p["name"] == name)


def test_k_is_documented_up_to_the_setting_and_enforced_there(client):
    k = _param(_operation(client, "/api/search"), "k")["schema"]
    assert (k["minimum"], k["maximum"]) == (1, 37)
    assert client.get("/api/search", params={"q": "facial recognition", "k": 37}).status_code == 200
    r = client.get("/api/search", params={"q": "facial recognition", "k": 38})
    assert r.status_code == 422 and r.json()["detail"] == "k: at most 37"


def test_error_answers_are_declared_where_they_happen(client):
    schema = client.get("/openapi.json").json()
    for method in ("get", "post"):
        admin = schema["paths"]["/api/admin/index"][method]
        assert {"401", "403"} <= set(admin["responses"]) and admin["security"] == [{"adminToken": []}]
    assert client.post("/api/admin/index").status_code == 401
    for path in ("/api/documents/{doc_id}", "/api/documents/{doc_id}/file", "/api/documents/{doc_id}/similar"):
        assert "404" in schema["paths"][path]["get"]["responses"], path
        assert client.get(path.replace("{doc_id}", "nope")).status_code == 404
    assert "503" in schema["paths"]["/api/search"]["get"]["responses"]
    assert "503" not in schema["paths"]["/api/corpus"]["get"]["responses"]  # reads the store, not the index
    error = schema["paths"]["/api/documents/{doc_id}"]["get"]["responses"]["404"]["content"]["application/json"]
    assert schema["components"]["schemas"][error["schema"]["$ref"].rsplit("/", 1)[1]]["required"] == ["detail"]


def test_query_parameters_are_never_null(client):
    schema = client.get("/openapi.json").json()
    for path, item in schema["paths"].items():
        for operation in item.values():
            for p in operation.get("parameters", []):
                assert "null" not in str(p["schema"]), (path, p["name"])


def test_compare_needs_exactly_one_of_q_and_passage_id(client, small_corpus):
    operation = _operation(client, "/api/compare")
    names = {p["name"] for p in operation["parameters"]}
    assert "q" not in names and "passage_id" not in names  # both live in one object parameter
    both = _param(operation, "q_passage_id")
    assert both["required"] and both["style"] == "form" and both["explode"]
    assert [b["required"] for b in both["schema"]["oneOf"]] == [["q"], ["passage_id"]]
    pid = small_corpus.passages()[0].id
    assert client.get("/api/compare", params={"q": "facial recognition"}).status_code == 200
    assert client.get("/api/compare", params={"passage_id": pid}).status_code == 200
    assert client.get("/api/compare", params={"q": "x", "passage_id": pid}).status_code == 422
    assert client.get("/api/compare").status_code == 422


def test_originals_are_served_with_a_documented_content_type(client, small_corpus):
    documented = set(_operation(client, "/api/documents/{doc_id}/file")["responses"]["200"]["content"])
    served = {client.get(f"/api/documents/{d.id}/file").headers["content-type"].split(";")[0]
              for d in small_corpus.documents()}
    assert served == {"text/plain", "text/markdown", "text/html"} and served <= documented


def test_a_type_outside_the_table_is_served_as_bytes(client, small_corpus):
    doc = small_corpus.documents()[0]
    small_corpus.add_version(doc.id, b"\x00binary", "application/x-unknown", "thing.bin")
    r = client.get(f"/api/documents/{doc.id}/file")
    assert r.headers["content-type"] == "application/octet-stream" and r.content == b"\x00binary"


def test_method_not_allowed_lists_every_method_of_the_path(client):
    r = client.request("OPTIONS", "/api/admin/index")
    assert r.status_code == 405 and set(r.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    r = client.delete("/api/documents/nope")
    assert r.status_code == 405 and "GET" in r.headers["allow"] and "POST" not in r.headers["allow"]


def test_dates_are_strict_or_blank(client):
    assert client.get("/api/documents", params={"date_from": ""}).status_code == 200
    for bad in ("0", "1700000000", "2024", "13/06/2024"):
        r = client.get("/api/documents", params={"date_from": bad})
        assert r.status_code == 422 and "date_from" in r.json()["detail"], bad


def test_blank_text_is_what_the_schema_calls_blank(client):
    """`q` must hold a character str.strip() keeps: the schema's pattern names exactly those (found by
    schemathesis: ECMA's \\S accepts U+001E, which the server strips to an empty query)."""
    import re
    import sys

    pattern = re.compile(_param(_operation(client, "/api/search"), "q")["schema"]["pattern"])
    assert all((pattern.search(chr(c)) is None) == chr(c).isspace()
               for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    assert "\\S" not in pattern.pattern  # dialect-dependent
    for text in ("\x1e", " \u3000 "):
        assert client.get("/api/search", params={"q": text}).status_code == 422


def test_an_empty_id_is_not_redirected_to_the_list(client):
    r = client.get("/api/documents/", follow_redirects=False)
    assert r.status_code == 404  # not a 307 to /api/documents, whose answer has another shape


def test_concept_filters_list_the_taxonomy_ids(client):
    from pipeline.concepts.taxonomy import load

    import re

    ids = load().ids
    for path in ("/api/search", "/api/landscape", "/api/documents"):
        items = _param(_operation(client, path), "concept")["schema"]["items"]
        valid = re.compile(items["pattern"])
        # what split_values reads: comma-separated, stripped, blanks ignored, every part a known id
        for value in (ids[0], f" {ids[0]} ,{ids[1]}", "", " , ", f"{ids[0]},"):
            assert valid.search(value), (path, value)
        for value in ("no-such-concept", f"{ids[0]},nope", ids[0].upper(), f"{ids[0]}x"):
            assert not valid.search(value), (path, value)
    assert client.get("/api/search", params={"q": "facial recognition", "concept": f" {ids[0]} ,"}).status_code == 200
    assert client.get("/api/search", params={"q": "facial recognition", "concept": ids[0]}).status_code == 200
    r = client.get("/api/search", params={"q": "facial recognition", "concept": "no-such-concept"})
    assert r.status_code == 422 and "concept" in r.json()["detail"]
