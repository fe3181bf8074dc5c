"""The store: content addressing, versions, statuses, atomic writes, passage replacement."""
from __future__ import annotations

import sqlite3

import pytest

from corpus.models import DocumentMeta, PassageDraft, ProcessingStatus
from corpus.store import Store, StoreError, document_id_for


def meta(**kw) -> DocumentMeta:
    base = dict(source_key="file:x.txt", title="Act on AI", jurisdiction="EU", doc_type="act", status="in_force",
                language="en", date="2024-06-13", source_url="https://example.org/act")
    return DocumentMeta(**(base | kw))


def test_same_bytes_are_one_version_changed_bytes_a_new_one(store):
    doc = store.upsert_document(meta())
    v1, created1 = store.add_version(doc.id, b"first text", "text/plain", "x.txt")
    v1b, created2 = store.add_version(doc.id, b"first text", "text/plain", "x.txt")
    v2, created3 = store.add_version(doc.id, b"second text", "text/plain", "x.txt")
    assert (created1, created2, created3) == (True, False, True)
    assert v1.id == v1b.id != v2.id
    assert store.get_document(doc.id).current_version == v2.id
    assert [v.sha256 for v in store.versions(doc.id)] == [v1.sha256, v2.sha256]
    assert store.read_blob(v1.sha256) == b"first text"


def test_upsert_keeps_identity_and_updates_metadata(store):
    a = store.upsert_document(meta())
    b = store.upsert_document(meta(title="Act on AI (amended)", status="repealed"))
    assert a.id == b.id == document_id_for("EU", "file:x.txt")
    assert b.title == "Act on AI (amended)" and b.status == "repealed"
    assert len(store.documents()) == 1


def test_every_version_has_a_status_with_reason(store):
    doc = store.upsert_document(meta())
    v, _ = store.add_version(doc.id, b"%PDF-1.4 garbage", "application/pdf", "x.pdf")
    assert store.get_document(doc.id).processing_status is ProcessingStatus.pending
    store.set_version_status(v.id, ProcessingStatus.failed, "xref table broken")
    d = store.get_document(doc.id)
    assert d.processing_status is ProcessingStatus.failed and d.reason == "xref table broken"
    assert store.counts()["by_status"] == {"failed": 1}


def test_replacing_passages_retires_the_old_set(store):
    doc = store.upsert_document(meta())
    v1, _ = store.add_version(doc.id, b"v1", "text/plain", "x.txt")
    store.replace_passages(v1, [PassageDraft(seq=0, text="Article 1 old text", language="en", locator="Article 1")])
    old_ids = store.active_passage_ids()
    v2, _ = store.add_version(doc.id, b"v2", "text/plain", "x.txt")
    store.replace_passages(v2, [PassageDraft(seq=0, text="Article 1 new text", language="en", locator="Article 1"),
                                PassageDraft(seq=1, text="Article 2 added", language="en", locator="Article 2")])
    new = store.passages(doc.id)
    assert [p.text for p in new] == ["Article 1 new text", "Article 2 added"]
    assert not set(old_ids) & set(store.active_passage_ids())
    assert [p.text for p in store.passages(doc.id, active=False)] == ["Article 1 old text"]  # kept, retired
    assert store.passages_by_ids(old_ids)[old_ids[0]].text == "Article 1 old text"  # rows never change


def test_blob_paths_cannot_escape_the_store(store):
    with pytest.raises(StoreError):
        store.blob_path("../../etc/passwd")


def test_database_is_wal_and_survives_reopen(settings):
    s = Store(settings.data_dir)
    doc = s.upsert_document(meta())
    s.close()
    again = Store(settings.data_dir)
    assert again.get_document(doc.id).title == "Act on AI"
    mode = sqlite3.connect(settings.db_path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_embedding_cache_round_trip(store):
    store.cache_embeddings("m", [("abc", b"\x00\x01"), ("def", b"\x02")])
    assert store.cached_embeddings("m", ["abc", "zzz"]) == {"abc": b"\x00\x01"}
    assert store.cached_embeddings("other-model", ["abc"]) == {}
