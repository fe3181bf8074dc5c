"""Search intentions: topic queries written from the documents' own headings must bring the
named jurisdictions' provisions into the top 10 of the page's default search (hybrid,
spread across jurisdictions), and the passage shown for each must be on topic: it holds the
expected term (slow: real model, real documents)."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.slow

# query → {jurisdiction: pattern its best passage (text or locator) must hold}
TOPICS = [
    ("prohibited AI practices", {"EU": r"prohibit"}),
    ("transparency obligations for deepfakes and AI-generated content labelling",
     {"EU": r"deep ?fake|transparency", "US-CA": r"disclosure", "CN": r"\bmark|label"}),
    ("regulatory sandbox for AI innovation", {"EU": r"sandbox|experimentation", "BR": r"sandbox"}),
    ("human oversight of high-risk AI systems", {"EU": r"overs(ee|ight)", "BR": r"supervisão humana"}),
    ("facial recognition technology used by law enforcement", {"US-MD": r"facial recognition", "EU": r"law enforcement"}),
    ("algorithmic discrimination by high-risk AI systems in consequential decisions",
     {"US-CO": r"high-risk artificial intelligence", "EU": r"discriminat"}),
    ("unauthorised use of a person's voice or likeness", {"US-TN": r"voice or likeness"}),
    ("documentation of the data used to train generative AI", {"US-CA": r"generative artificial", "EU": r"training"}),
    ("safety and security protocol of frontier AI developers", {"US-CA": r"safety"}),
    ("providers of generative AI services must label generated content", {"CN": r"generat", "EU": r"artificially generated"}),
    # the hit must be Article 7 itself (its locator), not a passage that mentions the committee
    pytest.param("national AI committee and basic plan for artificial intelligence", {"KR": r"\A[^\n]*제7조"},
                 marks=pytest.mark.xfail(strict=True, reason="English→Korean: the bill's cover page is no longer a "
                                         "retrieval unit (its list of merged bills is junk), but e5-small ranks the "
                                         "cover memorandum (주요내용, unit type other) first and Article 7 "
                                         "(국가인공지능위원회) 13th–17th among the bill's passages, below Articles 30, "
                                         "12 and 8: a ranking matter; a Korean query finds it")),
]


def _id(t) -> str:
    return (t.values[0] if hasattr(t, "values") else t[0])[:40]


@pytest.mark.parametrize("query, expected", TOPICS, ids=[_id(t) for t in TOPICS])
def test_topic_query_finds_the_named_jurisdictions(real_searcher, query, expected):
    res = real_searcher.search(query, k=10, mode="hybrid", diversify="jurisdiction")
    for jurisdiction, pattern in expected.items():
        hit = next((h for h in res.hits if h.document.jurisdiction == jurisdiction), None)
        assert hit is not None, (query, jurisdiction, [h.document.jurisdiction for h in res.hits])
        shown = f"{hit.passage.locator}\n{hit.passage.text}"
        assert re.search(pattern, shown, re.IGNORECASE), (query, jurisdiction, hit.passage.locator, hit.passage.text[:300])


def test_a_korean_query_finds_the_korean_article(real_searcher):
    res = real_searcher.search("국가인공지능위원회", k=3)
    assert res.hits[0].document.jurisdiction == "KR" and "제7조" in res.hits[0].passage.locator


@pytest.mark.parametrize("query", ["recipe for chocolate cake with strawberries", "horaires des trains entre Paris et Lyon",
                                   "guitar chords for a folk song"])
def test_off_topic_queries_get_no_good_match(real_searcher, query):
    res = real_searcher.search(query, k=10)
    assert res.hits == [] and res.below_cutoff > 0, [(h.document.jurisdiction, round(h.score, 3)) for h in res.hits]
