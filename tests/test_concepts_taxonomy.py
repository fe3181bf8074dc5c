"""The concept taxonomy (pipeline/concepts/taxonomy.yaml) and the labelled evaluation set."""
from __future__ import annotations

import collections
import json
from pathlib import Path

import pytest
import yaml

from corpus.store import text_sha
from pipeline.concepts import taxonomy

LABELLED = Path(__file__).parent / "data" / "concepts_labelled.jsonl"
# The ids of issue 14, stable forever: a rename changes the label, never the id.
STABLE_IDS = (
    "prohibited-practices biometric-identification emotion-recognition social-scoring risk-classification "
    "impact-assessment risk-management transparency-disclosure synthetic-content human-oversight "
    "explanation-contestation non-discrimination gender-equality children accessibility-disability "
    "data-protection general-purpose-models training-data-copyright incident-reporting whistleblowers "
    "conformity-standards documentation-record-keeping robustness-security regulatory-sandboxes "
    "supervisory-authority governance-bodies penalties liability-redress public-sector-use "
    "law-enforcement-security elections-democracy employment-workers health-care ai-literacy-skills "
    "innovation-support environment-energy parliamentary-oversight international-cooperation likeness-voice "
    "human-rights"
).split()


def test_shipped_taxonomy_has_exactly_the_stable_ids():
    tax = taxonomy.load()
    assert tax.ids == STABLE_IDS
    assert tax.taxonomy_version
    for c in tax.concepts:
        assert len(c.definition.split()) >= 30, c.id  # a paragraph, with what is in and out
        assert "Out of scope" in c.definition, c.id
        assert c.label.en and c.label.fr and c.label.es


def _raw() -> dict:
    return yaml.safe_load(taxonomy.DEFAULT_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (lambda d: d["concepts"].append(dict(d["concepts"][3])), "concept 'social-scoring': duplicate id"),
        (lambda d: d["concepts"][2]["label"].pop("fr"), "concept 'emotion-recognition': label.fr is missing"),
        (lambda d: d["concepts"][5].update(definition="  "), "concept 'impact-assessment': definition is missing"),
        (lambda d: d["concepts"][7].update(id="Transparency"), "concept 'Transparency': id must be lower-case"),
        (lambda d: d["concepts"][1].update(terms={"en": ["(unclosed"]}), "concept 'biometric-identification': term"),
        (lambda d: d.pop("taxonomy_version"), "taxonomy_version is missing"),
        (lambda d: d["concepts"][0].update(colour="red"), "concept 'prohibited-practices': colour"),
    ],
)
def test_invalid_taxonomy_is_refused_naming_the_concept(tmp_path, break_it, message):
    data = _raw()
    break_it(data)
    path = tmp_path / "taxonomy.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(taxonomy.TaxonomyError, match=message.replace("(", r"\(")):
        taxonomy.load(path)


def test_fingerprint_changes_with_the_file(tmp_path):
    data = _raw()
    path = tmp_path / "taxonomy.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    first = taxonomy.load(path).fingerprint
    data["concepts"][0]["label"]["en"] = "Banned AI practices"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert taxonomy.load(path).fingerprint != first


def test_labelled_set_meets_the_issue():
    """At least 400 passages read and labelled, 12 jurisdictions, 6 languages, 8 positives per concept,
    a reason for every label, negatives with a note, each keyed by source and text hash."""
    ids = set(STABLE_IDS)
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 400
    assert len({r["id"] for r in rows}) == len(rows)
    assert len({r["jurisdiction"] for r in rows}) >= 12
    assert len({r["language"].split("-")[0] for r in rows}) >= 6
    positives = collections.Counter()
    for r in rows:
        assert r["source_key"] and r["document_id"] and r["text"], r["id"]
        assert text_sha(r["text"]) == r["text_sha"], r["id"]
        if not r["labels"]:
            assert r["note"], r["id"]
        for label in r["labels"]:
            assert label["concept"] in ids, (r["id"], label)
            assert label["reason"].strip(), (r["id"], label)
            positives[label["concept"]] += 1
    assert {c for c in ids if positives[c] < 8} == set()
    assert sum(1 for r in rows if not r["labels"]) >= 40


@pytest.mark.parametrize("query, language", [
    ("prohibited artificial intelligence practices", "en"), ("prohibited AI practices", "en"),
    ("pratiques d'intelligence artificielle interdites", "fr"), ("prácticas de inteligencia artificial prohibidas", "es"),
    ("práticas de inteligência artificial proibidas", "pt"), ("verbotene Praktiken der künstlichen Intelligenz", "de"),
])
def test_a_query_spelling_out_artificial_intelligence_names_the_concept(query, language):
    """The terms are written as acts abbreviate ("prohibited (AI )?practices"); a question that
    spells the name out names the same concept (search favours its passages)."""
    from pipeline.concepts.classify import Terms

    terms = Terms(taxonomy.load())
    assert "prohibited-practices" in terms.named(query, language)
    assert "prohibited-practices" not in terms.named("artificial intelligence in schools", "en")
