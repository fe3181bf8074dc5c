"""The in-memory BM25 of hybrid search, on the small real corpus (4 documents, EN and ZH)."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from index import snapshots
from corpus.text import searchable as unit_text, tokens
from index.lexical import FILENAME, LexicalIndex, query_terms
from index.query import parse_query


def searchable(store) -> list[tuple[int, str]]:
    return [(p.id, unit_text(p.locator, p.text)) for p in store.passages()]


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


def _reference_bm25(rows: list[tuple[int, str]], terms: list[str]) -> dict[int, float]:
    """BM25 written out term by term (the textbook form, Lucene's IDF), to check the array version."""
    import math

    docs = {pid: tokens(text) for pid, text in rows}
    avgdl = sum(len(t) for t in docs.values()) / len(docs)
    out: dict[int, float] = {}
    for term in terms:
        df = sum(1 for t in docs.values() if term in t)
        if not df:
            continue
        idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
        for pid, toks in docs.items():
            tf = toks.count(term)
            if tf:
                out[pid] = out.get(pid, 0.0) + idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * len(toks) / avgdl))
    return out


def test_scores_are_bm25_on_real_passages(lexical, small_corpus):
    rows = searchable(small_corpus)
    for query in ("facial recognition technology", "frontier model safety incident", "training data"):
        terms = query_terms(parse_query(query))
        ours = lexical.search(terms, 10)
        reference = sorted(_reference_bm25(rows, terms).items(), key=lambda kv: (-kv[1], kv[0]))[:10]
        assert len(ours) == 10
        assert [p for p, _ in ours] == [p for p, _ in reference], query
        assert np.allclose([s for _, s in ours], [s for _, s in reference], rtol=1e-4), query
    # one word matches exactly the passages that hold it
    ours = lexical.search(["surveillance"], 10_000)
    assert ours and {p for p, _ in ours} == {pid for pid, text in rows if "surveillance" in tokens(text)}
    assert set(lexical.matching(["surveillance"]).tolist()) == {p for p, _ in ours}


def test_chinese_query_meets_unspaced_chinese_text(lexical, small_corpus):
    hits = lexical.search(query_terms(parse_query("生成式人工智能服务")), 10)
    passages = small_corpus.passages_by_ids([p for p, _ in hits])
    assert len(hits) == 10
    assert all("人工智能" in passages[p].text for p, _ in hits[:5])
    found = lexical.containing_all(tokens("人工智能"))
    texts = small_corpus.passages_by_ids(found.tolist())
    assert len(found) >= 10 and all(set(tokens("人工智能")) <= set(tokens(texts[p].text)) for p in found.tolist())
    assert lexical.containing_all(tokens("人工智能 nosuchword")).tolist() == []


def test_incremental_update_equals_a_fresh_build(lexical, small_corpus):
    """Reusing the previous rows for unchanged passages gives exactly what tokenizing everything gives."""
    rows = searchable(small_corpus)
    half = [r for r in rows if r[0] % 2]
    first = LexicalIndex.build(half)
    added = [r for r in rows if not r[0] % 2]
    dropped = {r[0] for r in half[:5]}
    keep = np.array([r[0] for r in half if r[0] not in dropped], np.int64)
    updated = LexicalIndex.update(first, keep, added)
    fresh = LexicalIndex.build([r for r in rows if r[0] not in dropped])
    assert updated.ids.tolist() == fresh.ids.tolist()
    for query in ("facial recognition technology", "生成式人工智能服务", "incident reporting"):
        terms = query_terms(parse_query(query))
        assert updated.search(terms, 20) == fresh.search(terms, 20), query


def test_allowed_ids_restrict_the_ranking(lexical, small_corpus):
    doc = next(d for d in small_corpus.documents() if d.jurisdiction == "US-MD")
    allowed = np.array(sorted(p.id for p in small_corpus.passages(doc.id)), np.int64)
    terms = query_terms(parse_query("facial recognition technology"))
    inside = lexical.search(terms, 5, allowed)
    everything = lexical.search(terms, 10_000)
    assert [p for p, _ in inside] == [p for p, _ in everything if p in set(allowed.tolist())][:5]
    assert lexical.search(terms, 5, np.array([], np.int64)) == []
    assert lexical.search(["no-such-word-anywhere"], 5) == []


def test_saved_with_the_snapshot_and_older_snapshots_are_refused(settings, small_corpus, lexical):
    from index.snapshot import IndexMissing, open_snapshot

    folder = snapshots.current(settings.index_dir)
    loaded = LexicalIndex.load(folder)
    assert loaded is not None and loaded.terms == lexical.terms and loaded.rows is None  # a server skips the rows
    assert LexicalIndex.load(folder, with_rows=True).rows is not None
    terms = query_terms(parse_query("facial recognition"))
    assert loaded.search(terms, 20) == lexical.search(terms, 20)

    old = settings.index_dir / "builds" / "old-style"
    shutil.copytree(folder, old)
    (old / FILENAME).unlink()
    with pytest.raises(IndexMissing, match="run `ailex index`"):
        open_snapshot(old)
