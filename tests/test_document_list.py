"""GET /api/documents on the small real corpus: filters as in search, keyset paging, sorting, counts."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from corpus.models import DocumentMeta
from index.metadata import date_key
from pipeline.encoders import FakeEncoder
from search_api.app import create_app


@pytest.fixture
def client(settings, small_corpus):
    with TestClient(create_app(settings, encoder=FakeEncoder())) as c:
        yield c


def _walk(client, limit: int, **params) -> list[dict]:
    """Every document, following next_cursor page by page."""
    out, cursor = [], None
    for _ in range(100):
        body = client.get("/api/documents", params={**params, "limit": limit, **({"cursor": cursor} if cursor else {})}).json()
        assert len(body["documents"]) <= limit
        out += body["documents"]
        cursor = body["next_cursor"]
        if cursor is None:
            return out
        assert body["documents"], "a page with a next_cursor is never empty"
    raise AssertionError("next_cursor never ended")


def test_every_document_with_its_status_and_counts(client, small_corpus):
    body = client.get("/api/documents").json()
    docs = small_corpus.documents()
    assert body["total"] == len(docs) == 4 and body["next_cursor"] is None and body["sort"] == "-date"
    assert {d["id"] for d in body["documents"]} == {d.id for d in docs}
    for item in body["documents"]:
        passages = small_corpus.passages(item["id"])
        assert item["passage_count"] == len(passages) > 0
        assert item["passage_languages"] == {lang: sum(p.language == lang for p in passages)
                                             for lang in {p.language for p in passages}}
        assert item["version_count"] == len(small_corpus.versions(item["id"])) == 1
        assert item["processing_status"] == "extracted" and item["url"] == f"/api/documents/{item['id']}"
        assert client.get(item["url"]).json()["title"] == item["title"]


@pytest.mark.parametrize("sort", ["date", "-date", "title", "-title"])
def test_sorting_and_paging_visit_each_document_once(client, small_corpus, sort):
    whole = client.get("/api/documents", params={"sort": sort}).json()["documents"]
    one_by_one = _walk(client, 1, sort=sort)
    assert [d["id"] for d in one_by_one] == [d["id"] for d in whole] and len(whole) == 4
    if sort.endswith("date"):
        days = [date_key(d["date"]) for d in whole]
        assert days == sorted(days, reverse=sort == "-date") and len(set(days)) == 3
    else:
        titles = [d["title"].casefold() for d in whole]
        assert titles == sorted(titles, reverse=sort == "-title") and len(set(titles)) == 4


def test_undated_documents_come_last_in_both_directions(client, small_corpus):
    undated = small_corpus.upsert_document(DocumentMeta(source_key="test:undated", title="Undated note",
                                                        jurisdiction="XX", doc_type="note", language="de+fr"))
    for sort in ("date", "-date"):
        assert client.get("/api/documents", params={"sort": sort}).json()["documents"][-1]["id"] == undated.id
    # counted without versions or passages, still listed
    item = next(d for d in _walk(client, 2) if d["id"] == undated.id)
    assert (item["version_count"], item["passage_count"], item["processing_status"]) == (0, 0, "pending")
    # no passages yet: its declared languages list it
    assert [d["id"] for d in client.get("/api/documents", params={"lang": "fr"}).json()["documents"]] == [undated.id]
    assert client.get("/api/documents", params={"lang": "de", "date_from": "1900-01-01"}).json()["total"] == 0


def test_cursor_is_stable_under_inserts(client, small_corpus):
    first = client.get("/api/documents", params={"sort": "title", "limit": 2}).json()
    shown = [d["id"] for d in first["documents"]]
    early = small_corpus.upsert_document(DocumentMeta(source_key="test:a", title="AAA early", jurisdiction="XX", doc_type="bill"))
    last_title = max((d.title for d in small_corpus.documents()), key=str.casefold)
    late = small_corpus.upsert_document(DocumentMeta(source_key="test:z", title=last_title + " (later)",
                                                     jurisdiction="XX", doc_type="bill"))
    rest, cursor = [], first["next_cursor"]
    while cursor:
        page = client.get("/api/documents", params={"sort": "title", "limit": 2, "cursor": cursor}).json()
        rest += [d["id"] for d in page["documents"]]
        cursor = page["next_cursor"]
    assert not set(shown) & set(rest)  # nothing shifted back into view
    assert early.id not in rest and rest[-1] == late.id  # sorted before the cursor: not shown; after it: shown
    assert len(shown) + len(rest) == 4 + 1


@pytest.mark.parametrize(("params", "titles_with"), [
    ({"jurisdiction": "cn"}, ["Interim Measures", "Interim Measures"]),  # values are case-insensitive
    ({"jurisdiction": "US-MD,US-CA"}, ["SB 53", "HB 338"]),
    ({"lang": "zh"}, ["生成式"]),  # zh matches zh-cn
    ({"doc_type": "regulation", "status": "in_force"}, ["Interim Measures", "Interim Measures"]),
    ({"status": "enacted", "date_to": "2024-12-31"}, ["HB 338"]),
    ({"date_from": "2024-06-01"}, ["SB 53", "HB 338"]),  # dated "2024": overlaps the range
    ({"date_from": "2023-07-10", "date_to": "2023-07-10"}, ["Interim Measures", "Interim Measures"]),
    ({"lang": "fr"}, []),
])
def test_filters_mean_what_they_mean_in_search(client, params, titles_with):
    body = client.get("/api/documents", params={**params, "sort": "-date"}).json()
    assert body["total"] == len(titles_with) == len(body["documents"])
    for item, fragment in zip(body["documents"], titles_with):
        assert fragment in item["title"]


def test_a_document_is_listed_under_its_declared_and_its_passage_languages(client, small_corpus):
    """Like C-27 (declared en+fr): a document whose passages are in a language it does not declare."""
    from corpus.models import PassageDraft

    doc = next(d for d in small_corpus.documents() if d.jurisdiction == "US-MD")
    kept = small_corpus.passages(doc.id)[:2]
    small_corpus.replace_passages(small_corpus.versions(doc.id)[-1], [
        *(PassageDraft(seq=p.seq, text=p.text, language=p.language) for p in kept),
        PassageDraft(seq=99, text="La reconnaissance faciale par les services de police.", language="fr")])
    listed = lambda lang: {d["id"]: d for d in client.get("/api/documents", params={"lang": lang}).json()["documents"]}  # noqa: E731
    assert list(listed("fr")) == [doc.id] and listed("fr")[doc.id]["passage_languages"] == {"en": 2, "fr": 1}
    assert doc.id in listed("en") and doc.id in listed("EN")


@pytest.mark.parametrize(("params", "fragment"), [
    ({"cursor": "not a cursor!"}, "cursor"),  # not even its form (the schema's pattern)
    ({"sort": "size"}, "sort"),
    ({"limit": 0}, "limit"),
    ({"limit": 201}, "limit"),
    ({"date_from": "0"}, "date_from"),
])
def test_bad_parameters_get_a_readable_422(client, params, fragment):
    r = client.get("/api/documents", params=params)
    assert r.status_code == 422 and fragment in r.json()["detail"]


def test_a_reversed_period_lists_nothing(client):
    assert client.get("/api/documents", params={"date_from": "2024-12-31", "date_to": "2024-01-01"}).json()["total"] == 0
    assert client.get("/api/documents", params={"date_from": "2024-01-01", "date_to": "2024-12-31"}).json()["total"] == 1


def test_a_cursor_belongs_to_its_sort(client):
    """A well-formed cursor that names no page of this listing is like an unknown id: 404."""
    cursor = client.get("/api/documents", params={"sort": "title", "limit": 1}).json()["next_cursor"]
    assert client.get("/api/documents", params={"sort": "title", "cursor": cursor}).status_code == 200
    r = client.get("/api/documents", params={"sort": "-date", "cursor": cursor})
    assert r.status_code == 404 and "sort=-date" in r.json()["detail"]
    assert client.get("/api/documents", params={"cursor": "bm90LWEtY3Vyc29y"}).status_code == 404


def test_the_corpus_page_links_to_the_list(client):
    assert 'href="/api/documents"' in client.get("/corpus").text


def test_concept_lists_the_documents_holding_a_tagged_passage(client, settings, small_corpus):
    """`concept` as in search: the published snapshot's tags; a document is listed when one of its
    passages carries the concept (computed here passage by passage, apart from the list's own path)."""
    from index.search import Searcher

    tags = Searcher(settings, small_corpus, FakeEncoder()).snapshot.concepts
    per_doc = {d.id: {c for p in small_corpus.passages(d.id) for c, _, _ in tags.of_passage(p.id)}
               for d in small_corpus.documents()}
    counts = {c: sum(c in cs for cs in per_doc.values()) for c in tags.ids}
    concept = next(c for c, n in sorted(counts.items(), key=lambda x: -x[1]) if 0 < n < len(per_doc))
    listed = {d["id"] for d in client.get("/api/documents", params={"concept": concept}).json()["documents"]}
    assert listed == {d for d, cs in per_doc.items() if concept in cs}
    r = client.get("/api/documents", params={"concept": "no-such-concept"})
    assert r.status_code == 422 and "concept" in r.json()["detail"]
