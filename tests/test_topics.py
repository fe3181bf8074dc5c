"""Search intentions: topic queries written from the documents' own headings must bring the
named jurisdictions' provisions into the top 10 (slow: real model, real documents)."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

# (query, jurisdictions whose provisions must be in the top 10, a word the EU hit must hold)
TOPICS = [
    ("prohibited AI practices", {"EU"}),
    ("transparency obligations for deepfakes and AI-generated content labelling", {"EU", "US-CA", "CN"}),
    ("regulatory sandbox for AI innovation", {"EU", "BR"}),
    ("human oversight of high-risk AI systems", {"EU", "BR"}),
    ("facial recognition technology used by law enforcement", {"US-MD", "EU"}),
    ("algorithmic discrimination by high-risk AI systems in consequential decisions", {"US-CO", "EU"}),
    ("unauthorised use of a person's voice or likeness", {"US-TN"}),
    ("documentation of the data used to train generative AI", {"US-CA", "EU"}),
    ("safety and security protocol of frontier AI developers", {"US-CA"}),
    ("providers of generative AI services must label generated content", {"CN", "EU"}),
    ("national AI committee and basic plan for artificial intelligence", {"KR"}),
]


@pytest.mark.parametrize("query, expected", TOPICS, ids=[t[0][:40] for t in TOPICS])
def test_topic_query_finds_the_named_jurisdictions(real_searcher, query, expected):
    res = real_searcher.search(query, k=10, mode="hybrid", diversify="jurisdiction")
    found = {h.document.jurisdiction for h in res.hits}
    assert expected <= found, (query, [(h.document.jurisdiction, h.passage.locator, round(h.score, 3)) for h in res.hits])
