"""The done-criterion of issue 16, as a user goes: add a watch, import a new matching document,
find it in the watch's feed and on /new exactly once, with an e-mail delivered to a local SMTP
server; doing it all again sends and shows nothing twice. Then the real model: a watch made in
words finds the passages of a new document that mean the same thing, and only those."""
from __future__ import annotations

import json
import shutil

import feedparser
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cli.main import app
from corpus.settings import get_settings
from corpus.watches import WatchStore
from index.watch_delivery import wait_for_deliveries
from tests.conftest import write_csv
from tests.test_watches import NEW_DOC, doc_id
from tests.watch_helpers import smtp  # noqa: F401 (a fixture)


def test_add_a_watch_import_a_document_find_it_once_by_feed_page_and_mail(settings, small_corpus, tmp_path, shared,
                                                                          corpus_rows, smtp, monkeypatch):  # noqa: F811
    monkeypatch.setenv("AILEX_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("AILEX_ENCODER", "fake")
    monkeypatch.setenv("AILEX_SMTP_URL", smtp.url)
    monkeypatch.setenv("AILEX_PUBLIC_URL", "https://ailex.example.org")
    get_settings.cache_clear()
    runner = CliRunner()

    def ailex(*args):
        result = runner.invoke(app, list(args))
        assert result.exit_code == 0, (result.output, result.exception)
        return result.output

    try:
        ailex("watch", "add", "ai-in-health-plans", '"utilization review" artificial intelligence', "--mode", "keyword",
              "--jurisdiction", "US-CA", "--email", "officer@parliament.example")
        csv = write_csv(tmp_path / "new.csv", [dict(corpus_rows[NEW_DOC], path=str(shared / "corpus" / NEW_DOC))])
        ailex("import", str(csv))  # stores, extracts, indexes, and the watches run on the new snapshot
        wait_for_deliveries()
        again = ailex("import", str(csv))  # the same file again: nothing new
        assert "1 unchanged" in again
        assert "0 new matches" in ailex("watch", "run")
        wait_for_deliveries()
    finally:
        get_settings.cache_clear()

    store = small_corpus
    new_doc = doc_id(store, NEW_DOC)
    title = store.get_document(new_doc).title
    ws = WatchStore(store)
    matches = ws.matches(ws.get("ai-in-health-plans").id, limit=1000)
    assert matches and {m.document_id for m in matches} == {new_doc}
    assert len({m.passage_id for m in matches}) == len(matches)

    from pipeline.encoders import FakeEncoder
    from search_api.app import create_app

    serving = settings.model_copy(update={"public_url": "https://ailex.example.org"})
    with TestClient(create_app(serving, FakeEncoder())) as client:
        feed = feedparser.parse(client.get("/feeds/watches/ai-in-health-plans.atom").content)
        page = client.get("/new").text
        listed = client.get("/api/watches").json()["watches"]
    assert not feed.bozo and len(feed.entries) == len(matches)
    links = [e.link for e in feed.entries]
    assert sorted(links) == sorted(f"https://ailex.example.org/documents/{new_doc}#p-{m.passage_id}" for m in matches)
    assert all(e.title.startswith(f"New passage: {title}") for e in feed.entries)
    by_watch, arrivals = page.split('id="arrivals-h"')
    assert arrivals.count(f'<a href="/documents/{new_doc}">') == 1  # the new document, once
    shown = [m for m in matches[:5] if by_watch.count(f"#p-{m.passage_id}\"") == 1]
    assert len(shown) == min(5, len(matches))  # the latest matches, each once
    assert listed[0]["matches"] == len(matches) and listed[0]["pending_deliveries"] == {}

    (mail,) = smtp.messages  # one digest for the run, none for the unchanged re-import
    assert mail["To"] == "officer@parliament.example" and mail["Subject"].startswith("ailex watch ai-in-health-plans")
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    for link in links:
        assert link in text and link in html


def _copy_data(searcher, target):
    """A private copy of a session corpus: index folders as they are, the store through SQLite."""
    shutil.copytree(searcher.settings.data_dir, target, ignore=shutil.ignore_patterns("ailex.sqlite*", "logs"))
    searcher.store.db.execute("VACUUM INTO ?", (str(target / "ailex.sqlite"),))


@pytest.mark.slow
def test_real_model_watch_finds_the_new_document_that_means_it(real_searcher, tmp_path, shared, corpus_rows):
    """The AI-in-health-insurance provisions of California SB 1120 enter a corpus that has no such
    text: a watch written in other words finds them (and nothing of the corpus it was made on);
    off-topic and wrongly filtered watches stay silent."""
    from corpus.importer import import_csv
    from corpus.store import Store
    from corpus.watches import WatchSpec
    from index.ingest import Ingest
    from index.metadata import Filters
    from index.search import Searcher
    from index.watch_match import create_watch

    settings = real_searcher.settings.model_copy(update={"data_dir": tmp_path / "data"})
    _copy_data(real_searcher, settings.data_dir)
    store, encoder = Store(settings.data_dir), real_searcher.encoder
    query = "artificial intelligence must not replace a physician's decision on medical necessity in utilization review"
    make = lambda **f: create_watch(settings, store, WatchSpec.parse(**f), encoder)  # noqa: E731
    health = make(name="health", query=query, mode="semantic")
    hybrid = make(name="health-hybrid", query=query)
    eu_only = make(name="health-eu", query=query, mode="semantic", jurisdiction=["EU"])
    cake = make(name="cake", query="recipe for chocolate cake", mode="semantic")
    assert health.model_cutoff == real_searcher.min_score > 0  # the model's calibrated cutoff

    before = {p.id for p in store.passages()}
    row = dict(corpus_rows[NEW_DOC], path=str(shared / "corpus" / NEW_DOC))
    import_csv(store, write_csv(tmp_path / "new.csv", [row]))
    Ingest(settings, store, encoder).run()
    wait_for_deliveries()

    ws = WatchStore(store)
    found = ws.matches(health.id, limit=1000)
    new_doc = doc_id(store, NEW_DOC)
    assert found and {m.document_id for m in found} == {new_doc} and not {m.passage_id for m in found} & before
    assert all(m.score >= real_searcher.min_score for m in found)
    assert ws.match_count(cake.id) == 0 and ws.match_count(eu_only.id) == 0
    assert {m.passage_id for m in found} <= {m.passage_id for m in ws.matches(hybrid.id, limit=1000)}
    # the watch's best passage is the one a search in the new document ranks first, with the same similarity
    best = max(found, key=lambda m: m.score)
    top = Searcher(settings, store, encoder).search(query, k=1, mode="semantic", filters=Filters(document_id=[new_doc])).hits[0]
    assert top.passage.id == best.passage_id and abs(top.similarity - best.score) < 2e-3
    print(json.dumps({"matches": len(found), "best": best.score,
                      "passages_of_new_document": len(store.passages(new_doc))}))
