"""Watches (issue 16) on real documents with the fake encoder: a new document is matched once and
only once (re-index, re-crawl of unchanged data, re-extraction, restart), a changed passage is
reported as changed with its diff link, e-mail digests reach a local SMTP server (a failed send
is retried on the next run), webhooks are retried, feeds are valid Atom with ETags, and invalid
watches are refused with a reason. The real model finding a matching document is in
test_watches_e2e.py."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import feedparser
import numpy as np
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from corpus.importer import import_csv
from corpus.store import Store
from corpus.text import tokens
from corpus.watches import WatchError, WatchSpec, WatchStore
from index.ingest import Ingest
from index.watch_delivery import wait_for_deliveries
from index.watch_match import CONCEPT_TAGS, create_watch, run_watches
from pipeline.encoders import FakeEncoder
from tests.conftest import write_csv
from tests.watch_helpers import free_port, smtp  # noqa: F401 (smtp: a fixture)

NEW_DOC = "us-ca/SB1120_2024_chaptered.txt"  # not in the small corpus; US-CA, like SB 53 which is
MD_DOC = "us-md/HB338_2024_facial_recognition.md"


# -- helpers --------------------------------------------------------------------------------------
@pytest.fixture
def webhook():
    """A local HTTP endpoint answering the statuses in `.script` in turn (then 200), recording bodies."""

    class Hook:
        script: list[int] = []
        bodies: list[dict] = []
        delay = 0.0

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            Hook.bodies.append(json.loads(body))
            time.sleep(Hook.delay)
            status = Hook.script.pop(0) if Hook.script else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Hook.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield Hook
    server.shutdown()
    server.server_close()


def add_document(store, tmp_path, shared, corpus_rows, path=NEW_DOC, **override):
    row = dict(corpus_rows[path], path=str(shared / "corpus" / path), **override)
    report = import_csv(store, write_csv(tmp_path / f"add-{len(list(tmp_path.glob('add-*')))}.csv", [row]))
    assert not report.errors, report.errors
    return report


def watch(settings, store, **fields):
    return create_watch(settings, store, WatchSpec.parse(**fields), FakeEncoder())


def holding(store, document_id, words):
    """Passage ids of a document (active ones) whose index terms include every word: computed
    here from the stored text, independently of the matcher."""
    want = set(tokens(" ".join(words)))
    return {p.id for p in store.passages(document_id) if want <= set(tokens(f"{p.locator}\n{p.text}"))}


def doc_id(store, path):
    return next(d.id for d in store.documents() if d.source_key.endswith(path))


# -- refusing watches that could never match ---------------------------------------------------
@pytest.mark.parametrize("fields, problem", [
    (dict(name="a", query=""), "query"),
    (dict(name="a", query="   "), "query"),
    (dict(name="a", query="!!! ?"), "query"),
    (dict(name="a b", query="deepfakes"), "name"),
    (dict(name="a", query="deepfakes", jurisdiction=["XX"]), "jurisdiction: 'XX' is not in the corpus"),
    (dict(name="a", query="deepfakes", language=["tlh"]), "language: 'tlh'"),
    (dict(name="a", query="deepfakes", doc_type=["novel"]), "doc_type"),
    (dict(name="a", query="deepfakes", status=["imaginary"]), "status"),
    (dict(name="a", query="deepfakes", date_from="2025-01-01", date_to="2024-01-01"), "date_from is after date_to"),
    (dict(name="a", query="deepfakes", min_score=1.5), "min_score"),
    (dict(name="a", query="deepfakes", concepts=["Not An Id"]), "concepts"),
    (dict(name="a", query="deepfakes", webhook_url="ftp://example.org/x"), "webhook_url"),
    (dict(name="a", query="deepfakes", email="not-an-address"), "email"),
    (dict(name="a", kind="document", document_id="us-ca-0000000000"), "no document 'us-ca-0000000000'"),
    (dict(name="a", kind="document"), "document_id"),
])
def test_invalid_watches_are_refused_with_the_reason(settings, small_corpus, fields, problem):
    with pytest.raises(WatchError, match=problem):
        watch(settings, small_corpus, **fields)
    assert WatchStore(small_corpus).list() == []  # nothing half-made


def test_known_filter_values_and_concepts_are_accepted(settings, small_corpus):
    w = watch(settings, small_corpus, name="ok", query="facial recognition", language=["en"], jurisdiction=["us-md"],
              doc_type=["act"], concepts=["biometric-identification"])
    assert w.jurisdiction == ["us-md"] and w.query_vector is not None and w.seen_through > 0
    with pytest.raises(WatchError, match="already exists"):
        watch(settings, small_corpus, name="ok", query="anything")
    # once the snapshot lists the taxonomy, an unknown concept id is refused, naming the known ones
    from index import snapshots

    (snapshots.current(settings.index_dir) / CONCEPT_TAGS).write_text(json.dumps(
        {"concepts": ["biometric-identification", "synthetic-content"], "passages": {}}))
    with pytest.raises(WatchError, match="unknown emotion-recognition.*known: biometric-identification"):
        watch(settings, small_corpus, name="c", query="emotions", concepts=["emotion-recognition"])


# -- matching new documents, once -----------------------------------------------------------------
def test_a_new_document_is_matched_once_whatever_happens_next(settings, small_corpus, tmp_path, shared, corpus_rows):
    store = small_corpus
    before = {p.id for p in store.passages()}
    ai = watch(settings, store, name="ai", query="artificial intelligence", mode="keyword", jurisdiction=["US-CA"])
    phrase = watch(settings, store, name="review", query='"utilization review" physician', mode="keyword")
    old_ai = {p for p in before if p in holding(store, doc_id(store, "SB53_2025_chaptered.txt"), ["artificial", "intelligence"])}
    assert old_ai  # SB 53 (already in the corpus) holds the words too, and must not be reported

    add_document(store, tmp_path, shared, corpus_rows)
    report = Ingest(settings, store, FakeEncoder()).run()
    assert report.after_publish["notify_watches"]["matches"] > 0  # the hook ran on this publish
    new_doc = doc_id(store, NEW_DOC)
    ws = WatchStore(store)

    def reported(w):
        return [m.passage_id for m in ws.matches(w.id, limit=1000)]

    assert sorted(reported(ai)) == sorted(holding(store, new_doc, ["artificial", "intelligence"]))
    expected_phrase = {p.id for p in store.passages(new_doc)
                       if " utilization review " in f" {' '.join(tokens(p.locator + ' ' + p.text))} "
                       and "physician" in tokens(p.text)}
    assert expected_phrase and sorted(reported(phrase)) == sorted(expected_phrase)
    assert all(m.kind == "new" and m.document_id == new_doc for w in (ai, phrase) for m in ws.matches(w.id, limit=1000))
    first = {w.name: reported(w) for w in (ai, phrase)}

    # nothing is reported twice: a manual run, a rebuilt index, a re-import of the unchanged file,
    # a re-extraction (new passage rows, same text), and a restart (new store object)
    assert run_watches(settings, store).match_ids == []
    Ingest(settings, store, FakeEncoder()).publish(rebuild=True)
    add_document(store, tmp_path, shared, corpus_rows)
    Ingest(settings, store, FakeEncoder()).run()
    redo = Ingest(settings, store, FakeEncoder()).run(redo=True)
    assert redo.index.new_passages  # the re-extraction did publish new passage ids
    assert redo.after_publish["notify_watches"]["matches"] == 0
    restarted = Store(settings.data_dir)
    assert run_watches(settings, restarted).match_ids == []
    assert {w.name: reported(w) for w in (ai, phrase)} == first


def test_semantic_watch_uses_the_stored_vectors_and_its_cutoff(settings, small_corpus, tmp_path, shared, corpus_rows,
                                                              monkeypatch):
    store = small_corpus
    strict = watch(settings, store, name="strict", query="physicians decide medical necessity", mode="semantic",
                   min_score=0.99)
    loose = watch(settings, store, name="loose", query="physicians decide medical necessity", mode="semantic",
                  min_score=0.3, jurisdiction=["US-CA"])
    add_document(store, tmp_path, shared, corpus_rows)
    Ingest(settings, store, FakeEncoder(), after_publish=[]).run()
    # matching encodes nothing: passage vectors come from the cache, the query's was stored with the watch
    monkeypatch.setattr(FakeEncoder, "encode_passages", lambda *a: pytest.fail("re-encoded passages"))
    monkeypatch.setattr(FakeEncoder, "encode_queries", lambda *a: pytest.fail("re-encoded the query"))
    run_watches(settings, store)
    monkeypatch.undo()
    ws = WatchStore(store)
    assert ws.match_count(strict.id) == 0
    loose_matches = ws.matches(loose.id, limit=1000)
    assert loose_matches and all(0.3 <= m.score <= 1.0 for m in loose_matches)
    # the score is the passage's best unit against the query, as search computes it
    from index.metadata import Filters
    from index.search import Searcher

    searcher = Searcher(settings, store, FakeEncoder())
    res = searcher.search("physicians decide medical necessity", k=5, mode="semantic", min_score=0.0,
                          filters=Filters(document_id=[doc_id(store, NEW_DOC)]))
    by_id = {m.passage_id: m.score for m in loose_matches}
    top = res.hits[0]
    assert top.passage.id in by_id and abs(by_id[top.passage.id] - top.similarity) < 1e-3


def test_vectors_come_from_the_snapshot_or_the_embedding_cache_alike(settings, small_corpus):
    """Exact indexes are read from the snapshot; IVF ones (too big to load for a few passages) from
    the embedding cache the build filled: the same units, the same vectors (fp16 storage aside)."""
    from index import ann, snapshots
    from index.manifest import Manifest
    from index.watch_match import _load_vectors, snapshot_passage_ids

    folder = snapshots.current(settings.index_dir)
    manifest = Manifest.read(folder)
    assert manifest.index_kind in ann.EXACT_KINDS
    rows = list(small_corpus.passages_by_ids(snapshot_passage_ids(folder)[-30:].tolist()).values())
    rows.sort(key=lambda p: p.id)
    from_index, owner_i, units_i = _load_vectors(small_corpus, folder, manifest, rows)
    from_cache, owner_c, units_c = _load_vectors(small_corpus, folder, manifest.model_copy(update={"index_kind": ann.IVF_SQ8}), rows)
    assert len(from_index) > len(rows)  # sentence windows too
    assert np.array_equal(owner_i, owner_c) and np.allclose(from_index, from_cache, atol=2e-3)
    assert np.array_equal(units_i, units_c)  # the same unit ids: the same hubness correction applies


def test_without_any_cutoff_a_watch_matches_by_words_only(settings, small_corpus, tmp_path, shared, corpus_rows):
    """The fake encoder has no calibrated cutoff: a hybrid watch without min_score does not report
    every new passage (a search cuts at k; a watch has no k), and a semantic one is refused."""
    store = small_corpus
    with pytest.raises(WatchError, match="min_score: fake-hash-encoder has no calibrated similarity cutoff"):
        watch(settings, store, name="sem", query="physicians decide", mode="semantic")
    hybrid = watch(settings, store, name="hyb", query="physician utilization")
    add_document(store, tmp_path, shared, corpus_rows)
    Ingest(settings, store, FakeEncoder()).run()
    found = {m.passage_id for m in WatchStore(store).matches(hybrid.id, limit=1000)}
    assert found == holding(store, doc_id(store, NEW_DOC), ["physician", "utilization"])
    assert len(found) < len(store.passages(doc_id(store, NEW_DOC)))


def test_concept_watch_matches_only_tagged_passages(settings, small_corpus, tmp_path, shared, corpus_rows):
    from index import snapshots

    store = small_corpus
    w = watch(settings, store, name="concept", query="artificial intelligence", mode="keyword",
              concepts=["health-care"])
    add_document(store, tmp_path, shared, corpus_rows)
    Ingest(settings, store, FakeEncoder(), after_publish=[]).run()  # published without running watches
    new_ids = sorted(p.id for p in store.passages(doc_id(store, NEW_DOC)))
    with_words = sorted(holding(store, doc_id(store, NEW_DOC), ["artificial", "intelligence"]))
    tagged = [with_words[0], *[p for p in new_ids if p not in with_words][:2]]  # one that the query matches, two it does not
    (snapshots.current(settings.index_dir) / CONCEPT_TAGS).write_text(json.dumps(
        {"passages": {str(p): [{"id": "health-care", "score": 0.9}] for p in tagged}}))
    run_watches(settings, store)
    found = {m.passage_id for m in WatchStore(store).matches(w.id, limit=100)}
    assert found and found <= set(tagged)
    assert found == set(tagged) & holding(store, doc_id(store, NEW_DOC), ["artificial", "intelligence"])


# -- changed passages and followed documents --------------------------------------------------------
def test_a_changed_passage_is_reported_as_changed_with_the_diff(settings, small_corpus, tmp_path, shared, corpus_rows):
    store = small_corpus
    md = doc_id(store, MD_DOC)
    old = {p.locator: p for p in store.passages(md)}
    target = "Section 1 › 2–509"
    assert "CIVIL ACTION" in old[target].text
    civil = watch(settings, store, name="civil", query="civil action", mode="keyword")
    follow = watch(settings, store, name="md", kind="document", document_id=md)

    changed = tmp_path / "HB338_amended.md"
    original = (shared / "corpus" / MD_DOC).read_text(encoding="utf-8")
    needle = "MAY BRING A CIVIL ACTION"
    assert original.count(needle) == 1
    changed.write_text(original.replace(needle, "MAY BRING A CIVIL ACTION FOR DAMAGES"), encoding="utf-8")
    key = f"file:{shared / 'corpus' / MD_DOC}"
    assert store.get_document(md).source_key == key
    row = dict(corpus_rows[MD_DOC], path=str(changed), sha256="", source_key=key)
    import_csv(store, write_csv(tmp_path / "changed.csv", [row]))
    Ingest(settings, store, FakeEncoder()).run()

    ws = WatchStore(store)
    (m,) = ws.matches(civil.id, limit=100)  # only the changed section: the unchanged ones hold nothing new
    new = {p.locator: p for p in store.passages(md)}
    assert m.kind == "changed" and m.passage_id == new[target].id and m.previous_passage_id == old[target].id
    assert m.previous_version_id == old[target].version_id and m.version_id == new[target].version_id
    (v,) = ws.matches(follow.id, limit=100)
    assert v.kind == "version" and v.version_id == new[target].version_id and v.previous_version_id == old[target].version_id

    client = TestClient(_app(settings))
    with client:
        page = client.get("/api/watches/civil/matches").json()
    assert page["total"] == 1
    out = page["matches"][0]
    assert out["diff_url"].endswith(f"/documents/{md}?tab=changes")
    assert out["api_diff_url"].endswith(f"/api/documents/{md}/diff?from_version={m.previous_version_id}&to_version={m.version_id}")
    assert out["url"].endswith(f"/documents/{md}#p-{m.passage_id}") and "FOR DAMAGES" in out["snippet"]
    # importing the amended file again changes nothing and reports nothing
    import_csv(store, write_csv(tmp_path / "changed2.csv", [row]))
    Ingest(settings, store, FakeEncoder()).run()
    assert ws.match_count(civil.id) == 1 and ws.match_count(follow.id) == 1


def _app(settings, token="tok"):
    from search_api.app import create_app

    return create_app(settings.model_copy(update={"admin_token": SecretStr(token)}), FakeEncoder())


# -- delivery --------------------------------------------------------------------------------------------
def test_email_digest_is_sent_and_a_failed_send_is_retried_next_run(settings, small_corpus, tmp_path, shared,
                                                                     corpus_rows, smtp):
    store = small_corpus
    down = settings.model_copy(update={"smtp_url": SecretStr(f"smtp://127.0.0.1:{free_port()}"),
                                       "public_url": "https://ailex.example.org"})
    w = watch(down, store, name="mail", query='"utilization review"', mode="keyword", email="officer@example.org")
    add_document(store, tmp_path, shared, corpus_rows)
    report = Ingest(down, store, FakeEncoder()).run()  # the mail server is down: indexing still succeeds
    wait_for_deliveries()
    assert report.index.folder is not None and not report.index.up_to_date
    ws = WatchStore(store)
    matches = ws.matches(w.id, limit=100)
    assert matches and ws.pending(w.id) == {"email": len(matches)}
    assert "ConnectionRefusedError" in ws.deliveries(matches[0].id)[0].last_error

    up = down.model_copy(update={"smtp_url": SecretStr(smtp.url)})
    run = run_watches(up, store)  # nothing new to match; the pending digest goes out
    assert run.match_ids == [] and run.delivery["email"] == {"messages": 1, "failed": 0, "matches": len(matches)}
    (msg,) = smtp.messages
    assert msg["To"] == "officer@example.org" and "mail" in msg["Subject"] and str(len(matches)) in msg["Subject"]
    parts = {p.get_content_type(): p.get_payload(decode=True).decode() for p in msg.walk() if not p.is_multipart()}
    assert set(parts) == {"text/plain", "text/html"}
    for m in matches:
        link = f"https://ailex.example.org/documents/{m.document_id}#p-{m.passage_id}"
        assert link in parts["text/plain"] and link in parts["text/html"]
    assert ws.pending(w.id) == {} and all(d.status == "sent" for m in matches for d in ws.deliveries(m.id))
    run_watches(up, store)
    assert len(smtp.messages) == 1  # sent once


def test_webhook_is_retried_with_backoff_and_never_blocks_indexing(settings, small_corpus, tmp_path, shared,
                                                                    corpus_rows, webhook, monkeypatch):
    monkeypatch.setattr("index.watch_delivery.WEBHOOK_BACKOFF_S", 0.05)
    store = small_corpus
    w = watch(settings, store, name="hook", query='"utilization review"', mode="keyword", webhook_url=webhook.url)
    webhook.script = [503, 500]  # fails twice, then succeeds
    webhook.delay = 1.0  # and is slow
    add_document(store, tmp_path, shared, corpus_rows)
    started = time.monotonic()
    report = Ingest(settings, store, FakeEncoder()).run()
    published_in = time.monotonic() - started
    assert report.index.folder is not None
    wait_for_deliveries()
    delivered_in = time.monotonic() - started
    assert delivered_in - published_in > 2.5  # three slow attempts happened after indexing returned
    assert len(webhook.bodies) == 3
    body = webhook.bodies[-1]
    ws = WatchStore(store)
    assert body["watch"] == "hook" and body["event"] == "watch.matches"
    assert sorted(m["passage_id"] for m in body["matches"]) == sorted(m.passage_id for m in ws.matches(w.id, limit=100))
    assert all(m["url"].endswith(f"#p-{m['passage_id']}") and m["citation"] for m in body["matches"])
    assert ws.pending(w.id) == {}

    # an endpoint that keeps failing: matches stay pending, with the reason, for the next run
    webhook.delay = 0.0
    webhook.script = [500] * 3
    changed = tmp_path / "SB1120_v2.txt"
    changed.write_text((shared / "corpus" / NEW_DOC).read_text(encoding="utf-8") +
                       "\n\nSEC. 9. The utilization review of this section applies to every health plan.\n",
                       encoding="utf-8")
    import_csv(store, write_csv(tmp_path / "v2.csv", [dict(corpus_rows[NEW_DOC], path=str(changed), sha256="",
                                                           source_key=f"file:{shared / 'corpus' / NEW_DOC}")]))
    Ingest(settings, store, FakeEncoder()).run()
    wait_for_deliveries()
    assert ws.pending(w.id) == {"webhook": 1}
    run = run_watches(settings, store)  # the endpoint has recovered
    assert run.delivery["webhook"]["messages"] == 1 and ws.pending(w.id) == {}


# -- feeds, API, page ---------------------------------------------------------------------------------------
def test_feeds_are_valid_atom_with_etags(settings, small_corpus, tmp_path, shared, corpus_rows):
    store = small_corpus
    watch(settings, store, name="feed", query='"utilization review"', mode="keyword")
    with TestClient(_app(settings)) as client:
        empty = client.get("/feeds/watches/feed.atom")
        assert empty.status_code == 200 and empty.headers["content-type"].startswith("application/atom+xml")
        assert feedparser.parse(empty.content).entries == []
        add_document(store, tmp_path, shared, corpus_rows)
        Ingest(settings, store, FakeEncoder()).run()
        r = client.get("/feeds/watches/feed.atom")
        assert r.headers["etag"] != empty.headers["etag"]
        feed = feedparser.parse(r.content)
        assert not feed.bozo and feed.version == "atom10"
        assert feed.feed.id.startswith("tag:ailex,") and feed.feed.title and feed.feed.updated and feed.feed.author
        new_doc = doc_id(store, NEW_DOC)
        matches = WatchStore(store).matches(WatchStore(store).get("feed").id, limit=100)
        assert len(feed.entries) == len(matches) > 0
        assert len({e.id for e in feed.entries}) == len(feed.entries)
        for e, m in zip(feed.entries, matches):  # newest first
            assert e.link == f"http://testserver/documents/{new_doc}#p-{m.passage_id}"
            assert e.title.startswith("New passage: California SB 1120") and e.updated and e.summary
            assert e.tags[0].term == "US-CA" and "retrieved" in e.content[0].value  # jurisdiction, citation
        # conditional GET
        again = client.get("/feeds/watches/feed.atom", headers={"If-None-Match": r.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        assert client.get("/feeds/watches/feed.atom", headers={"If-None-Match": '"other"'}).status_code == 200
        assert client.get("/feeds/watches/nope.atom").status_code == 404

        new = client.get("/feeds/new.atom")
        parsed = feedparser.parse(new.content)
        assert not parsed.bozo and parsed.version == "atom10"
        titles = [e.title for e in parsed.entries]
        assert titles[0] == f"New document: {store.get_document(new_doc).title}" and len(titles) == 5
        assert client.get("/feeds/new.atom", headers={"If-None-Match": new.headers["etag"]}).status_code == 304
        # a new version changes the feed and its ETag
        changed = tmp_path / "v2.txt"
        changed.write_text((shared / "corpus" / NEW_DOC).read_text(encoding="utf-8") + "\nSEC. 9. New.\n", encoding="utf-8")
        import_csv(store, write_csv(tmp_path / "v2.csv", [dict(corpus_rows[NEW_DOC], path=str(changed), sha256="",
                                                               source_key=f"file:{shared / 'corpus' / NEW_DOC}")]))
        Ingest(settings, store, FakeEncoder()).run()
        newer = client.get("/feeds/new.atom", headers={"If-None-Match": new.headers["etag"]})
        assert newer.status_code == 200
        first = feedparser.parse(newer.content).entries[0]
        assert first.title.startswith("New version: California SB 1120")
        assert first.link.endswith(f"/documents/{new_doc}") and "?tab=changes" in first.content[0].value


def test_watches_api(settings, small_corpus, tmp_path, shared, corpus_rows):
    store = small_corpus
    auth = {"Authorization": "Bearer tok"}
    with TestClient(_app(settings)) as client:
        body = {"name": "api", "query": '"utilization review"', "mode": "keyword", "lang": ["en"],
                "email": "a@example.org"}
        assert client.post("/api/watches", json=body).status_code == 401
        made = client.post("/api/watches", json=body, headers=auth)
        assert made.status_code == 201, made.text
        out = made.json()
        assert out["filters"] == {"lang": ["en"]} and out["channels"] == ["email"] and "email" not in json.dumps(
            out["filters"]) and "a@example.org" not in made.text
        assert client.post("/api/watches", json=body, headers=auth).status_code == 409
        bad = client.post("/api/watches", json={"name": "b", "query": "x", "jurisdiction": ["ZZ"]}, headers=auth)
        # what the corpus holds (no schema can say it): 409; the request's form: 422
        assert bad.status_code == 409 and "jurisdiction: 'ZZ' is not in the corpus" in bad.json()["detail"]
        empty = client.post("/api/watches", json={"name": "b", "query": ""}, headers=auth)
        assert empty.status_code == 422 and empty.json()["detail"].startswith("query")
        follow = client.post("/api/watches", json={"name": "f", "kind": "document",
                                                   "document_id": doc_id(store, MD_DOC)}, headers=auth)
        assert follow.status_code == 201
        assert [w["name"] for w in client.get("/api/watches").json()["watches"]] == ["api", "f"]

        add_document(store, tmp_path, shared, corpus_rows)
        Ingest(settings, store, FakeEncoder()).run()
        wait_for_deliveries()
        page = client.get("/api/watches/api/matches", params={"limit": 2}).json()
        assert page["total"] >= 3 and len(page["matches"]) == 2 and page["limit"] == 2
        rest = client.get("/api/watches/api/matches", params={"limit": 100, "offset": 2}).json()["matches"]
        ids = [m["id"] for m in page["matches"] + rest]
        assert ids == sorted(ids, reverse=True) and len(ids) == page["total"]  # newest first, all of them
        assert client.get("/api/watches/api").json()["pending_deliveries"] == {"email": page["total"]}  # no SMTP set
        assert client.get("/api/watches/nope/matches").status_code == 404
        assert client.get("/api/watches/api/matches", params={"limit": 0}).status_code == 422
        assert client.delete("/api/watches/api").status_code == 401
        assert client.delete("/api/watches/api", headers=auth).status_code == 204
        assert client.delete("/api/watches/api", headers=auth).status_code == 404
        spec = client.get("/openapi.json").json()["paths"]
        assert {"401", "403", "409", "422", "503"} <= set(spec["/api/watches"]["post"]["responses"])
        assert "404" in spec["/api/watches/{name}"]["delete"]["responses"]
        assert "404" in spec["/api/watches/{name}/matches"]["get"]["responses"]
        assert "304" in spec["/feeds/watches/{name}.atom"]["get"]["responses"]


def test_whats_new_page(settings, small_corpus, tmp_path, shared, corpus_rows):
    store = small_corpus
    watch(settings, store, name="page", query='"utilization review"', mode="keyword")
    watch(settings, store, name="md", kind="document", document_id=doc_id(store, MD_DOC))
    add_document(store, tmp_path, shared, corpus_rows)
    Ingest(settings, store, FakeEncoder()).run()
    with TestClient(_app(settings)) as client:
        html = client.get("/new").text
        home = client.get("/").text
    assert '<a href="/new"' in home and 'aria-current="page">What\'s new' in html
    new_doc = doc_id(store, NEW_DOC)
    watches, arrivals = html.split('id="arrivals-h"')
    assert arrivals.count(f'href="/documents/{new_doc}"') == 1 and "New document" in arrivals
    latest = WatchStore(store).matches(WatchStore(store).get("page").id, limit=5)
    for m in latest:
        assert watches.count(f"/documents/{new_doc}#p-{m.passage_id}") == 1
    assert 'href="/feeds/watches/page.atom"' in watches and 'type="application/atom+xml"' in html
    assert f'follows <a href="/documents/{doc_id(store, MD_DOC)}">Maryland HB 338' in watches
    assert "<script>" not in html and "style=" not in html  # CSP: no inline script or style


# -- the command -------------------------------------------------------------------------------------
def test_watch_commands(settings, small_corpus, tmp_path, shared, corpus_rows, monkeypatch):
    from typer.testing import CliRunner

    from cli.main import app
    from corpus.settings import get_settings

    monkeypatch.setenv("AILEX_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("AILEX_ENCODER", "fake")
    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args, code=0):
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, (result.output, result.exception)
        return result.output

    try:
        assert "no watches" in run("watch", "list")
        assert "watch review added" in run("watch", "add", "review", '"utilization review"', "--mode", "keyword",
                                           "--jurisdiction", "US-CA", "--doc-type", "act")
        assert "is not in the corpus" in run("watch", "add", "x", "deepfakes", "--jurisdiction", "XX", code=1)
        assert "already exists" in run("watch", "add", "review", "again", code=1)
        run("watch", "follow", "md", doc_id(small_corpus, MD_DOC))
        listed = json.loads(run("watch", "list", "--json"))
        assert [w["name"] for w in listed] == ["md", "review"] and listed[1]["doc_type"] == ["act"]
        add_document(small_corpus, tmp_path, shared, corpus_rows)
        Ingest(settings, small_corpus, FakeEncoder(), after_publish=[]).run()  # published; watches not run yet
        out = json.loads(run("watch", "run", "--json"))
        assert out["matches"] and all(m["watch"] == "review" and m["kind"] == "new" for m in out["matches"])
        assert "0 new matches" in run("watch", "run")
        assert f"{len(out['matches'])} match" in run("watch", "list")
        assert "removed" in run("watch", "remove", "review")
        assert "no watch named 'review'" in run("watch", "remove", "review", code=1)
    finally:
        get_settings.cache_clear()


def test_text_that_comes_back_is_not_reported_again(settings, small_corpus, tmp_path, shared, corpus_rows):
    """Amended, reverted, amended again: the third version brings back the text of the first
    amendment, already reported, so the watch's unique key keeps it from being reported twice."""
    store = small_corpus
    civil = watch(settings, store, name="civil", query="civil action", mode="keyword")
    original = (shared / "corpus" / MD_DOC).read_text(encoding="utf-8")
    amended = original.replace("MAY BRING A CIVIL ACTION", "MAY BRING A CIVIL ACTION FOR DAMAGES")
    key = f"file:{shared / 'corpus' / MD_DOC}"
    ws = WatchStore(store)
    counts = []
    for n, text in enumerate([amended, original + "\n", amended + "\n\n"]):  # new bytes each time
        path = tmp_path / f"v{n}.md"
        path.write_text(text, encoding="utf-8")
        import_csv(store, write_csv(tmp_path / f"v{n}.csv", [dict(corpus_rows[MD_DOC], path=str(path), sha256="",
                                                                  source_key=key)]))
        Ingest(settings, store, FakeEncoder()).run()
        counts.append(ws.match_count(civil.id))
    assert counts == [1, 2, 2]
    assert len({m.passage_id for m in ws.matches(civil.id)}) == 2


def test_copies_of_the_same_act_are_not_news_but_a_copy_elsewhere_is(settings, small_corpus, tmp_path, shared,
                                                                     corpus_rows):
    """The Maryland act imported again as another file of the same jurisdiction and type (another
    format of the same act) reports nothing; the same text as another state's bill (a model bill
    taken over) is reported."""
    store = small_corpus
    fr = watch(settings, store, name="fr", query="facial recognition technology", mode="keyword")
    ws = WatchStore(store)
    path = str(shared / "corpus" / MD_DOC)
    import_csv(store, write_csv(tmp_path / "same.csv", [dict(corpus_rows[MD_DOC], path=path, source_key="print:md-hb338",
                                                             title="Maryland HB 338 (print)")]))
    Ingest(settings, store, FakeEncoder()).run()
    same = doc_id(store, "print:md-hb338")
    assert any(p.duplicate_of for p in store.passages(same))  # linked as copies by the dedupe stage
    assert ws.match_count(fr.id) == 0
    import_csv(store, write_csv(tmp_path / "other.csv", [dict(corpus_rows[MD_DOC], path=path, source_key="ct:sb2",
                                                              jurisdiction="US-CT", doc_type="bill",
                                                              title="Connecticut SB 2 (model bill text)")]))
    Ingest(settings, store, FakeEncoder()).run()
    other = doc_id(store, "ct:sb2")
    found = {m.passage_id for m in ws.matches(fr.id, limit=100)}
    assert found == holding(store, other, ["facial", "recognition", "technology"]) and found
