"""Searcher over real documents with the fake encoder: filters, modes, snapshots."""
from __future__ import annotations

from datetime import date

import pytest

from index.build import update_index
from index.metadata import Filters, date_key
from index.query import parse_query
from index.search import Searcher
from pipeline.encoders import FakeEncoder


@pytest.fixture
def searcher(settings, small_corpus):
    return Searcher(settings, small_corpus, FakeEncoder())


def test_filters_narrow_before_ranking_and_still_fill_k(searcher, small_corpus):
    query = "artificial intelligence models developers"
    md_passages = sum(1 for d in small_corpus.documents() if d.jurisdiction == "US-MD"
                      for _ in small_corpus.passages(d.id))
    k = md_passages - 2
    everything = searcher.search(query, k=k)
    md_unfiltered = sum(h.document.jurisdiction == "US-MD" for h in everything.hits)
    assert md_unfiltered < k  # a post-filter of this ranking could not fill k
    only_md = searcher.search(query, k=k, filters=Filters(jurisdiction=["US-MD"]))
    assert len(only_md.hits) == k
    assert {h.document.jurisdiction for h in only_md.hits} == {"US-MD"}
    assert only_md.total == md_passages < everything.total


def test_language_filter_and_prefix(searcher):
    zh = searcher.search("生成式人工智能", k=5, filters=Filters(language=["zh"]))
    assert zh.hits and all(h.passage.language.startswith("zh") for h in zh.hits)
    assert searcher.search("anything", k=5, filters=Filters(language=["xx"])).hits == []


def test_date_filter_treats_partial_dates_as_periods(searcher):
    in_2024 = searcher.search("facial recognition", k=50, filters=Filters(date_from=date(2024, 6, 1), date_to=date(2024, 12, 31)))
    assert {h.document.jurisdiction for h in in_2024.hits} == {"US-MD"}  # dated "2024": overlaps the range
    assert date_key("2024") == 20240101 and date_key("2024", end=True) == 20241231 and date_key("2024-12") == 20241201


def test_keyword_mode_and_phrases(searcher):
    res = searcher.search('"facial recognition technology"', k=5, mode="keyword")
    assert res.hits and all("facial recognition technology" in " ".join(h.passage.text.lower().split()) for h in res.hits)
    assert res.total >= len(res.hits)
    hybrid = searcher.search("facial recognition technology", k=5, mode="hybrid")
    assert hybrid.hits and hybrid.hits[0].document.jurisdiction == "US-MD"


@pytest.mark.parametrize("text", ['NEAR(a b)', 'a AND OR NOT', '"unbalanced', "col:value", "*", "^x", "a -b", "'"])
def test_operators_in_user_text_are_plain_words(searcher, text):
    for mode in ("keyword", "hybrid", "semantic"):
        searcher.search(text, k=3, mode=mode)  # must not raise
    # "OR" is no operator: a passage must hold the word itself to match it in keyword mode
    res = searcher.search("facial OR", k=50, mode="keyword")
    assert res.hits and all("facial" in h.passage.text.lower() or " or " in f" {h.passage.text.lower()} " for h in res.hits)


def test_facets_count_the_best_hits(searcher):
    res = searcher.search("generative artificial intelligence services", k=10)
    assert len(res.hits) == 10
    assert sum(res.facets["jurisdiction"].values()) >= len(res.hits)
    assert set(res.facets) == {"language", "jurisdiction", "doc_type", "status", "unit_type", "year", "concept"}
    assert sum(res.facets["year"].values()) == sum(res.facets["jurisdiction"].values())  # every test document is dated
    assert sum(res.facets["unit_type"].values()) == sum(res.facets["jurisdiction"].values())  # every passage has a type


def test_unit_type_filter_and_facet(searcher, small_corpus):
    """Unit types are decided at chunk time and filter before ranking: definitions of the Chinese
    measures (Article 22) and SB 53 (22757.11), articles, and no recital in these four acts."""
    stored = {p.id: p.unit_type for p in small_corpus.passages()}
    assert {"article", "definition"} <= set(stored.values())
    definitions = searcher.search("meaning of terms", k=50, mode="semantic", filters=Filters(unit_type=["definition"]))
    assert definitions.hits and {h.passage.unit_type for h in definitions.hits} == {"definition"}
    assert definitions.total == sum(t == "definition" for t in stored.values())
    assert {h.document.jurisdiction for h in definitions.hits} >= {"CN", "US-CA"}
    both = searcher.search("meaning of terms", k=50, filters=Filters(unit_type=["definition", "ARTICLE"]))
    assert both.total == sum(t in ("definition", "article") for t in stored.values())
    assert searcher.search("anything", k=5, filters=Filters(unit_type=["recital"])).hits == []


def test_rebuild_is_picked_up_and_incremental_update_is_cheap(settings, small_corpus, searcher):
    first = searcher.snapshot.manifest.build_id
    report = update_index(settings, small_corpus, FakeEncoder())
    assert report.up_to_date and report.embedded == 0
    rebuilt = update_index(settings, small_corpus, FakeEncoder(), rebuild=True)
    assert rebuilt.embedded == 0  # every vector came from the embedding cache
    searcher.search("x", k=1)
    assert searcher.snapshot.manifest.build_id != first


def test_results_are_cached_per_index_snapshot(settings, small_corpus, searcher, monkeypatch):
    query = "facial recognition technology"
    first = searcher.search(query, k=5)
    top_doc = first.hits[0].document.id
    real_rank = searcher.retriever.rank

    def no_ranking(*args, **kwargs):
        raise AssertionError("ranked again: the identical search was not served from the cache")

    monkeypatch.setattr(searcher.retriever, "rank", no_ranking)
    again = searcher.search(query, k=5)
    assert [h.passage.id for h in again.hits] == [h.passage.id for h in first.hits]
    with pytest.raises(AssertionError, match="ranked again"):
        searcher.search(query, k=6)  # another request is another key
    monkeypatch.setattr(searcher.retriever, "rank", real_rank)

    # the top document loses its passages and a new index is published: the cached answer goes
    version = small_corpus.versions(top_doc)[-1]
    small_corpus.replace_passages(version, [])
    update_index(settings, small_corpus, FakeEncoder())
    after = searcher.search(query, k=5)
    assert after.hits and top_doc not in {h.document.id for h in after.hits}


def test_every_mode_reads_the_published_snapshot_only(settings, small_corpus, searcher):
    """Between a change in the store and the next publish, keyword, phrase, title: and hybrid queries
    and their counts still answer from the snapshot being served; after the publish, from the new one."""
    queries = [("facial recognition", "keyword"), ('"facial recognition"', "keyword"),
               ('title:Maryland facial', "keyword"), ("facial recognition", "hybrid")]
    before = {(q, m): searcher.search(q, k=200, mode=m) for q, m in queries}
    assert all(r.hits and r.total >= len(r.hits) for r in before.values())
    doc = before[queries[0]].hits[0].document.id
    gone = {p.id for p in small_corpus.passages(doc)}
    small_corpus.replace_passages(small_corpus.versions(doc)[-1], [])  # the store changes, nothing published
    searcher.clear_caches()
    for (q, m), res in before.items():
        again = searcher.search(q, k=200, mode=m)
        assert [h.passage.id for h in again.hits] == [h.passage.id for h in res.hits] and again.total == res.total, q
    update_index(settings, small_corpus, FakeEncoder())
    for (q, m), res in before.items():
        after = searcher.search(q, k=200, mode=m)
        assert not gone & {h.passage.id for h in after.hits}, q
        assert after.total == res.total - len(gone & {h.passage.id for h in res.hits}) or m == "hybrid", q


def test_diversify_interleaves_jurisdictions(searcher):
    plain = searcher.search("artificial intelligence", k=8)
    mixed = searcher.search("artificial intelligence", k=8, diversify="jurisdiction")
    jurs = [h.document.jurisdiction for h in mixed.hits]
    assert len(set(jurs[:3])) == 3  # the first round shows three jurisdictions
    assert len(set(jurs)) >= len({h.document.jurisdiction for h in plain.hits})
    langs = [h.passage.language for h in searcher.search("artificial intelligence", k=4, diversify="language").hits]
    assert {"en", "zh-cn"} <= set(langs[:2])


def test_hits_carry_highlights_and_best_sentence(searcher):
    res = searcher.search("facial recognition technology", k=3, filters=Filters(jurisdiction=["US-MD"]))
    assert len(res.hits) == 3
    for h in res.hits:
        marked = {h.passage.text[a:b].lower() for a, b in h.highlights}
        assert marked and marked <= {"facial", "recognition", "technology", "technologies"}
        assert h.best_sentence and " ".join(h.best_sentence.split()) in " ".join(h.passage.text.split())


def test_interleave_and_collapse_helpers():
    from index.diversify import collapse, interleave

    items = [("en", 1), ("en", 2), ("fr", 3), ("en", 4), ("de", 5)]
    assert interleave(items, lambda x: x[0]) == [("en", 1), ("fr", 3), ("de", 5), ("en", 2), ("en", 4)]
    groups = collapse([1, 2, 11, 3, 12], key=lambda x: x % 10)
    assert groups == [(1, [11]), (2, [12]), (3, [])]


def test_query_language_parses_phrases_and_title_terms():
    p = parse_query('ban on "remote biometric identification" title:"AI Act" title:Maryland GPAI')
    assert p.phrases == ["remote biometric identification"]
    assert p.title_terms == ["AI Act", "Maryland"]
    assert p.words == ["ban", "on", "GPAI"]
    assert "title" not in p.text and "remote biometric identification" in p.text


def test_phrases_are_required_in_every_mode(searcher):
    for mode in ("semantic", "hybrid", "keyword"):
        res = searcher.search('"frontier model" safety', k=10, mode=mode)
        assert res.hits, mode
        assert all("frontier model" in " ".join(h.passage.text.lower().split()) for h in res.hits), mode


def test_title_search_narrows_to_documents(searcher):
    res = searcher.search("title:Maryland warrant", k=5, mode="hybrid")
    assert res.hits and {h.document.jurisdiction for h in res.hits} == {"US-MD"}
    only_title = searcher.search('title:"Interim Measures"', k=50, mode="keyword")
    assert only_title.hits and all("Interim Measures" in h.document.title for h in only_title.hits)
    assert searcher.search("title:nonexistenttitleword ai", k=5).hits == []


def test_acronyms_survive_tokenisation(searcher):
    import re

    res = searcher.search("AI", k=10, mode="keyword")
    assert len(res.hits) == 10
    assert all(re.search(r"\bAI\b", h.passage.text, re.IGNORECASE) for h in res.hits)  # the token, not "said"
    assert all(h.highlights for h in res.hits)


def test_relevance_cutoff_hides_weak_matches(searcher):
    full = searcher.search("facial recognition technology", k=20, mode="semantic")
    threshold = full.hits[4].score  # keep the best five
    cut = searcher.search("facial recognition technology", k=20, mode="semantic", min_score=threshold)
    assert [h.passage.id for h in cut.hits] == [h.passage.id for h in full.hits if h.score >= threshold]
    assert cut.below_cutoff > 0
    assert searcher.search("facial recognition technology", k=20, mode="semantic", min_score=0.9999).hits == []
    # hybrid keeps, whatever the cutoff, the passages that hold every word of the query
    worded = searcher.search("facial recognition technology", k=20, min_score=0.9999)
    from corpus.text import searchable, tokens

    assert worded.hits and all({"facial", "recognition", "technology"} <= set(tokens(searchable(h.passage.locator, h.passage.text)))
                               for h in worded.hits)
    assert all(h.similarity is None or h.similarity < 0.9999 for h in worded.hits)
    assert searcher.search("facial recognition zebra", k=20, min_score=0.9999).hits == []  # no passage holds all three
    assert searcher.search("facial recognition", k=5, mode="keyword", min_score=0.9999).hits  # BM25 is not cut


def test_hits_carry_the_dense_similarity_beside_the_ranking_score(searcher):
    hybrid = searcher.search("facial recognition technology", k=5)
    assert len(hybrid.hits) == 5
    assert all(h.similarity is not None and -1.0 <= h.similarity <= 1.0 for h in hybrid.hits)
    assert all(h.score < 0.1 for h in hybrid.hits)  # reciprocal-rank fusion, not a cosine
    semantic = searcher.search("facial recognition technology", k=5, mode="semantic")
    assert [h.similarity for h in semantic.hits] == [h.score for h in semantic.hits]
    keyword = searcher.search("facial recognition", k=5, mode="keyword")
    assert len(keyword.hits) == 5 and all(h.similarity is None for h in keyword.hits)
