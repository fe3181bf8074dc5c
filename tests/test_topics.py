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
    ("facial recognition technology used by law enforcement", {"US-MD": r"facial recognition",
                                                                "EU": r"law enforcement|facial recognition"}),
    ("algorithmic discrimination by high-risk AI systems in consequential decisions",
     {"US-CO": r"high-risk artificial intelligence", "EU": r"discriminat"}),
    ("unauthorised use of a person's voice or likeness", {"US-TN": r"voice or likeness"}),
    ("documentation of the data used to train generative AI", {"US-CA": r"generative artificial", "EU": r"training"}),
    ("safety and security protocol of frontier AI developers", {"US-CA": r"safety"}),
    ("providers of generative AI services must label generated content", {"CN": r"generat", "EU": r"artificially generated"}),
    # the hit must be Article 7 itself (its locator), not a passage that mentions the committee
    pytest.param("national AI committee and basic plan for artificial intelligence", {"KR": r"\A[^\n]*제7조"},
                 marks=pytest.mark.xfail(strict=True, reason="English→Korean: e5-small scores every Korean passage "
                                         "below the 0.83 cutoff for this question (Article 12 0.828, Article 7 "
                                         "국가인공지능위원회 0.816, second in the bill), and even without the cutoff "
                                         "Korea's best is the 11th of 12 jurisdiction groups: cross-script scores need "
                                         "a per-language-pair scale; a Korean query finds Article 7")),
]


# The same questions in five languages (issue 18: officers ask in French, Spanish, Portuguese and more):
# topic → ({query language: query}, {jurisdiction: pattern its best passage must match to be on topic,
# not merely present: the provision itself, e.g. EU Article 14 for human oversight})
ML_TOPICS = {
    "human oversight": (
        {"en": "human oversight of high-risk AI systems",
         "fr": "surveillance humaine des systèmes d'intelligence artificielle à haut risque",
         "es": "supervisión humana de los sistemas de inteligencia artificial de alto riesgo",
         "pt": "supervisão humana de sistemas de inteligência artificial de alto risco",
         "de": "menschliche Aufsicht über Hochrisiko-KI-Systeme"},
        {"EU": r"(Article|Artikel|Artículo|Artigo|Articolo) 14\b|Recital \(7[23]\)", "BR": r"supervisão humana"}),
    "minors": (
        {"es": "impedir que los menores dependan en exceso de los servicios de inteligencia artificial generativa",
         "en": "prevent minors from over-relying on generative AI services",
         "fr": "empêcher les mineurs de dépendre excessivement des services d'IA générative",
         "pt": "impedir que menores dependam excessivamente de serviços de inteligência artificial generativa",
         "de": "Minderjährige vor übermäßiger Abhängigkeit von generativen KI-Diensten schützen"},
        {"CN": r"underage|minor|未成年"}),
    "gpai systemic": (
        {"pt": "obrigações dos fornecedores de modelos de IA de finalidade geral com risco sistémico",
         "en": "obligations for providers of general-purpose AI models with systemic risk",
         "fr": "obligations des fournisseurs de modèles d'IA à usage général présentant un risque systémique",
         "es": "obligaciones de los proveedores de modelos de IA de uso general con riesgo sistémico",
         "de": "Pflichten der Anbieter von KI-Modellen mit allgemeinem Verwendungszweck mit systemischem Risiko"},
        {"EU": r"(Article|Artikel|Artículo|Artigo) 5[1-5]\b|systemic risk|risque systémique|systemischem Risiko",
         "US-CA": r"frontier (AI )?(model|developer|framework)|catastrophic risk"}),
    "prohibited": (
        {"en": "prohibited artificial intelligence practices",
         "fr": "pratiques d'intelligence artificielle interdites",
         "es": "prácticas de inteligencia artificial prohibidas",
         "pt": "práticas de inteligência artificial proibidas",
         "de": "verbotene Praktiken im KI-Bereich"},
        {"EU": r"(Article|Artikel|Artículo|Artigo) 5\b", "BR": r"risco excessivo|vedad|proibid"}),
    "deepfakes": (
        {"en": "labelling of deepfakes and AI-generated content",
         "fr": "étiquetage des hypertrucages et des contenus générés par l'IA",
         "es": "etiquetado de ultrafalsificaciones y contenidos generados por IA",
         "pt": "rotulagem de falsificações profundas e conteúdos gerados por IA",
         "de": "Kennzeichnung von Deepfakes und KI-generierten Inhalten"},
        {"EU": r"(Article|Artikel|Artículo|Artigo) 50\b|deep ?fake", "CN": r"标识|label|mark"}),
    "sandbox": (
        {"en": "AI regulatory sandboxes for innovation",
         "fr": "bacs à sable réglementaires de l'IA",
         "es": "espacios controlados de pruebas para la IA",
         "pt": "ambiente regulatório experimental de inteligência artificial",
         "de": "KI-Reallabore zur Förderung der Innovation"},
        {"EU": r"(Article|Artikel|Artículo|Artigo) 5[78]\b|sandbox|Reallabor|bac à sable",
         "BR": r"sandbox|ambiente regulatório experimental"}),
}

# measured on the real-model corpus (2026-12-04): 43 of the 55 (query, jurisdiction) checks above
# find an on-topic provision (41 before a query spelling out "artificial intelligence" named its
# concept and an act's copy in no asked language fell back to the preferred language); the misses
# are cross-lingual ranking limits of e5-small (Brazil's Art. 14 "São vedadas…" for "prohibited
# practices" from English, Portuguese and German, China's article on minors from Spanish, French,
# Portuguese and German questions, …). One check of slack for CPUs whose int8 kernels round
# differently. A drop below this fails; raise it when ranking improves.
MIN_ON_TOPIC = 42
# the issue's own examples: each must hold
MUST = [("human oversight", "fr", "EU"), ("gpai systemic", "pt", "US-CA"), ("minors", "en", "CN")]


def test_questions_in_five_languages_find_on_topic_provisions(real_searcher):
    checks, misses = 0, []
    for topic, (queries, expected) in ML_TOPICS.items():
        for lang, query in queries.items():
            res = real_searcher.search(query, k=10, mode="hybrid", diversify="jurisdiction")
            for jurisdiction, pattern in expected.items():
                checks += 1
                hit = next((h for h in res.hits if h.document.jurisdiction == jurisdiction), None)
                if hit is None or not re.search(pattern, f"{hit.passage.locator}\n{hit.passage.text}", re.IGNORECASE):
                    misses.append((topic, lang, jurisdiction, hit.passage.locator[:60] if hit else None))
    assert len({lang for q, _ in ML_TOPICS.values() for lang in q}) >= 5
    assert not [m for m in misses if m[:3] in MUST], misses
    assert checks - len(misses) >= MIN_ON_TOPIC, (checks - len(misses), checks, misses)


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
