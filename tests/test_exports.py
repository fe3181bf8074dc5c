"""Exports for knowledge products: every analysis view as CSV, Markdown and Word, each passage with
a full citation (corpus/citation.py) — read back with the libraries that open them."""
from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from pipeline.encoders import FakeEncoder
from search_api.app import create_app

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
QUERY = "facial recognition technology"


@pytest.fixture
def client(settings, small_corpus):
    with TestClient(create_app(settings, encoder=FakeEncoder())) as c:
        yield c


def _versions(store) -> dict[str, object]:
    return {d.id: store.get_version(d.current_version) for d in store.documents()}


@pytest.mark.parametrize("url, params", [
    ("/api/search", {"q": QUERY, "k": 5}),
    ("/api/compare", {"q": QUERY}),
])
def test_search_and_compare_export_to_word_with_full_citations(client, small_corpus, url, params):
    from docx import Document as Docx

    as_json = client.get(url, params=params).json()
    hits = as_json.get("results") or as_json.get("matches")
    r = client.get(url, params=params | {"format": "docx"})
    assert r.status_code == 200 and r.headers["content-type"] == DOCX
    doc = Docx(io.BytesIO(r.content))
    assert doc.paragraphs[0].style.name == "Heading 1"
    table = doc.tables[0]
    assert table.rows[0].cells[-1].text == "Sources" and len(table.rows) == 1 + len(hits)
    texts = [p.text for p in doc.paragraphs]
    sources = texts[texts.index("Sources") + 1:]
    versions = _versions(small_corpus)
    for n, hit in enumerate(hits, start=1):
        assert any(s.endswith(")") for s in sources)
        d, v = hit["document"], versions[hit["document"]["id"]]
        cited = next(s for s in sources if d["title"] in s and (hit["locator"] or d["title"]) in s)
        for part in (d["jurisdiction"], d["doc_type"], v.sha256[:16], f"retrieved {v.fetched_at.date().isoformat()}"):
            assert part in cited, (part, cited)
        assert table.rows[n].cells[-1].paragraphs[0].runs[0].font.superscript


def test_every_format_has_its_media_type_and_citations(client, small_corpus):
    versions = _versions(small_corpus)
    csv_resp = client.get("/api/search", params={"q": QUERY, "k": 5, "format": "csv"})
    assert csv_resp.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_resp.text)))
    assert len(rows) == 5
    for row in rows:
        assert row["sha256"] == versions[row["document_id"]].sha256 and row["citation"].startswith(row["title"])
        assert row["retrieved"] == versions[row["document_id"]].fetched_at.date().isoformat()
    md = client.get("/api/compare", params={"q": QUERY, "format": "md"})
    assert md.headers["content-type"].startswith("text/markdown")
    assert md.text.startswith("# Comparison across jurisdictions") and "| Jurisdiction |" in md.text and "\n[^1]: " in md.text
    compare_csv = list(csv.DictReader(io.StringIO(client.get("/api/compare", params={"q": QUERY, "format": "csv"}).text)))
    assert all(r["citation"] and r["text"] and len(r["sha256"]) == 64 for r in compare_csv)
    spec = client.get("/openapi.json").json()["paths"]
    for path in ("/api/search", "/api/compare", "/api/crosswalk", "/api/diff"):
        content = spec[path]["get"]["responses"]["200"]["content"]
        assert {"application/json", "text/csv", "text/markdown", DOCX} <= set(content), path
    assert client.get("/api/search", params={"q": QUERY, "format": "pdf"}).status_code == 422


def test_pages_link_to_their_exports(client):
    search = client.get("/", params={"q": QUERY}).text
    compare = client.get("/compare", params={"q": QUERY}).text
    for html, api in ((search, "/api/search?"), (compare, "/api/compare?")):
        for fmt in ("csv", "md", "docx"):
            assert "format=" + fmt in html and api in html, (api, fmt)
