"""One jurisdiction, one code (corpus/jurisdictions.py): aliases are normalised on the way in (CSV,
crawler items), stored documents are migrated when the store opens, ids stay, and a filter written
with an alias finds the documents."""
from __future__ import annotations

import pytest

from corpus.jurisdictions import normalize, same
from corpus.models import DocumentMeta


@pytest.mark.parametrize(("given", "code"), [
    ("UK", "GB"), ("uk", "GB"), ("GB", "GB"), ("United Kingdom", "GB"), ("EL", "GR"), ("usa", "US"),
    ("us-ca", "US-CA"), ("US_CO", "US-CO"), ("UK-SCT", "GB-SCT"), ("coe", "CoE"), ("CoE", "CoE"), ("eu", "EU"),
    ("UN", "UN"), ("KR", "KR"), ("", ""), ("Atlantis", "Atlantis"),
])
def test_normalize(given, code):
    assert normalize(given) == code


def test_same_and_the_record_validator():
    assert same("UK", "gb") and not same("UK", "US")
    meta = DocumentMeta(source_key="x", title="t", jurisdiction="UK", doc_type="act")
    assert meta.jurisdiction == "GB"


def test_crawled_uk_documents_are_migrated_and_keep_their_ids(settings, small_corpus):
    """A store written before: crawled United Kingdom documents carried "UK". Opening it migrates them
    to GB (idempotent); their ids, passages and links stay; re-importing the same source keeps the id;
    `jurisdiction=UK` and `jurisdiction=GB` both find them once indexed."""
    from corpus.store import Store
    from index.build import update_index
    from index.metadata import Filters
    from index.search import Searcher
    from pipeline.encoders import FakeEncoder

    doc = next(d for d in small_corpus.documents() if d.jurisdiction == "US-MD")
    passages_before = [p.id for p in small_corpus.passages(doc.id)]
    small_corpus.db.execute("UPDATE documents SET jurisdiction='UK' WHERE id=?", (doc.id,))
    assert small_corpus.db.execute("SELECT jurisdiction FROM documents WHERE id=?", (doc.id,)).fetchone()[0] == "UK"
    small_corpus.close()

    store = Store(settings.data_dir)
    row = store.db.execute("SELECT jurisdiction FROM documents WHERE id=?", (doc.id,)).fetchone()
    assert row[0] == "GB"
    assert [p.id for p in store.passages(doc.id)] == passages_before
    again = store.upsert_document(DocumentMeta(**{**doc.model_dump(include=set(DocumentMeta.model_fields)), "jurisdiction": "UK"}))
    assert again.id == doc.id and again.jurisdiction == "GB"
    Store(settings.data_dir).close()  # a second open changes nothing
    assert store.counts()["by_jurisdiction"].get("UK") is None

    update_index(settings, store, FakeEncoder())
    searcher = Searcher(settings, store, FakeEncoder())
    for alias in ("UK", "gb", "United Kingdom"):
        res = searcher.search("facial recognition", k=5, filters=Filters(jurisdiction=[alias]), min_score=0)
        assert res.hits and {h.document.id for h in res.hits} == {doc.id}, alias
    assert searcher.search("facial recognition", k=5, filters=Filters(jurisdiction=["US-MD"])).hits == []
    store.close()


def test_csv_import_normalises(tmp_path, settings, store, shared, corpus_rows):
    from corpus.importer import import_csv
    from tests.conftest import write_csv

    row = dict(corpus_rows["us-md/HB338_2024_facial_recognition.md"], jurisdiction="us-md",
               path=str(shared / "corpus" / "us-md/HB338_2024_facial_recognition.md"))
    import_csv(store, write_csv(tmp_path / "one.csv", [row]))
    assert [d.jurisdiction for d in store.documents()] == ["US-MD"]
