"""The in-memory BM25 of hybrid search, on the small real corpus (4 documents, EN and ZH)."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from index import snapshots
from corpus.text import tokens
from index.lexical import FILENAME, LexicalIndex, query_terms
from index.query import fts_expression, parse_query
from index.search import Searcher, open_snapshot
from pipeline.encoders import FakeEncoder


def searchable(store) -> list[tuple[int, str]]:
    return [(p.id, f"{p.locator}\n{p.text}" if p.locator else p.text) for p in store.passages()]


@pytest.fixture
def lexical(small_corpus) -> LexicalIndex:
    return LexicalIndex.build(searchable(small_corpus))


def test_tokens_fold_case_and_accents_and_cut_cjk_into_bigrams():
    assert tokens("Reconnaissance FACIALE en temps réel") == ["reconnaissance", "faciale", "en", "temps", "reel"]
    assert tokens("Straße, naïve; AI-generated") == ["strasse", "naive", "ai", "generated"]
    assert tokens("生成式人工智能服务") == ["生成", "成式", "式人", "人工", "工智", "智能", "能服", "服务"]
    assert tokens("인공지능의 위험") == ["인공", "공지", "지능", "능의", "위험"]
    assert tokens("AI系统") == ["ai", "系统"]  # a script change ends a token
    assert tokens("第5条") == ["第", "5", "条"]


def test_query_terms_drop_stopwords_unless_that_is_all():
    assert query_terms(parse_query('the labelling of "synthetic content"')) == ["labelling", "synthetic", "content"]
    assert query_terms(parse_query("the of")) == ["the", "of"]


def test_ranks_as_fts5_does_on_real_passages(lexical, small_corpus):
    for query in ("facial recognition technology", "frontier model safety incident", "training data"):
        parsed = parse_query(query)
        ours = lexical.search(query_terms(parsed), 10)
        fts = small_corpus.keyword_search(fts_expression(parsed), 10)
        assert len(ours) == len(fts) == 10
        # same words, same BM25 form; FTS5 differs only in its IDF floor and counting retired rows
        assert len({p for p, _ in ours} & {p for p, _ in fts}) >= 8, query
    # one ASCII word matches exactly the passages FTS5 matches
    ours = lexical.search(["surveillance"], 10_000)
    fts = small_corpus.keyword_search('"surveillance"', 10_000)
    assert ours and {p for p, _ in ours} == {p for p, _ in fts}
    scores = [s for _, s in ours]
    assert scores == sorted(scores, reverse=True)


def test_chinese_query_meets_unspaced_chinese_text(lexical, small_corpus):
    hits = lexical.search(query_terms(parse_query("生成式人工智能服务")), 10)
    passages = small_corpus.passages_by_ids([p for p, _ in hits])
    assert len(hits) == 10
    assert all("人工智能" in passages[p].text for p, _ in hits[:5])
    # FTS5's unicode61 keeps an unspaced sentence as one token, so the same words find nothing there
    assert small_corpus.keyword_search(fts_expression(parse_query("生成式人工智能服务")), 10) == []


def test_allowed_ids_restrict_the_ranking(lexical, small_corpus):
    doc = next(d for d in small_corpus.documents() if d.jurisdiction == "US-MD")
    allowed = np.array(sorted(p.id for p in small_corpus.passages(doc.id)), np.int64)
    terms = query_terms(parse_query("facial recognition technology"))
    inside = lexical.search(terms, 5, allowed)
    everything = lexical.search(terms, 10_000)
    assert [p for p, _ in inside] == [p for p, _ in everything if p in set(allowed.tolist())][:5]
    assert lexical.search(terms, 5, np.array([], np.int64)) == []
    assert lexical.search(["no-such-word-anywhere"], 5) == []


def test_saved_with_the_snapshot_and_older_snapshots_fall_back_to_fts5(settings, small_corpus, lexical):
    folder = snapshots.current(settings.index_dir)
    loaded = LexicalIndex.load(folder)
    assert loaded is not None and loaded.terms == lexical.terms
    terms = query_terms(parse_query("facial recognition"))
    assert loaded.search(terms, 20) == lexical.search(terms, 20)

    searcher = Searcher(settings, small_corpus, FakeEncoder())
    with_lexical = searcher.search("facial recognition technology", k=5)
    assert searcher.snapshot.lexical is not None

    old = settings.index_dir / "builds" / "old-style"
    shutil.copytree(folder, old)
    (old / FILENAME).unlink()
    assert open_snapshot(old).lexical is None
    (settings.index_dir / snapshots.POINTER).write_text("old-style")
    searcher.refresh()
    assert searcher.snapshot.lexical is None
    searcher.clear_caches()
    without = searcher.search("facial recognition technology", k=5)
    assert [h.passage.id for h in without.hits] and without.hits[0].document.id == with_lexical.hits[0].document.id

