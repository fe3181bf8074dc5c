"""Concept tags in the snapshot (issue 14) on real documents with the fake encoder: tags and their
evidence, incremental tagging and re-tagging on a new taxonomy without re-embedding, a taxonomy
that fails validation, the concept filter, the API (concepts, landscape, 422s) and the pages."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from fastapi.testclient import TestClient

from index import snapshots
from index.concept_tags import FILENAME, META, ConceptTags, UnknownConcept
from index.ingest import Ingest
from index.metadata import Filters
from index.search import Searcher
from pipeline.concepts import taxonomy as taxonomy_mod
from pipeline.encoders import FakeEncoder
from search_api.app import create_app
from tests.test_pages import Page, _assert_clean, params

LABELLED = Path(__file__).parent / "data" / "concepts_labelled.jsonl"


def _tags(settings) -> ConceptTags:
    return ConceptTags.load(snapshots.current(settings.index_dir))


def _doc(store, path_part: str):
    return next(d for d in store.documents() if path_part in d.source_key)


def _tagged(tags: ConceptTags, passage_ids, concept: str) -> set[int]:
    return set(tags.passages_with([concept]).tolist()) & set(passage_ids)


def test_every_snapshot_carries_concept_tags_with_evidence(settings, small_corpus):
    folder = snapshots.current(settings.index_dir)
    assert (folder / FILENAME).exists() and (folder / META).exists()
    tags = _tags(settings)
    assert tags.taxonomy_version == taxonomy_mod.load().taxonomy_version
    assert tags.ids == taxonomy_mod.load().ids and tags.meta["variant"] == "lexical"  # the fake encoder: terms only
    md = [p.id for p in small_corpus.passages(_doc(small_corpus, "HB338").id)]
    sb53 = [p.id for p in small_corpus.passages(_doc(small_corpus, "SB53").id)]
    zh = [p.id for p in small_corpus.passages(_doc(small_corpus, "genai_interim_measures_cac").id)]
    # Maryland's facial recognition act is about biometric identification by the police …
    assert len(_tagged(tags, md, "biometric-identification")) >= len(md) // 2
    assert _tagged(tags, md, "law-enforcement-security")
    # … California SB 53 protects whistleblowers at frontier developers …
    assert _tagged(tags, sb53, "whistleblowers") and _tagged(tags, sb53, "general-purpose-models")
    # … the Chinese measures, read in Chinese, regulate generative AI and label its content
    assert _tagged(tags, zh, "general-purpose-models") and _tagged(tags, zh, "synthetic-content")
    assert not _tagged(tags, md, "whistleblowers") and not _tagged(tags, zh, "emotion-recognition")
    rows = small_corpus.passages_by_ids(sorted(_tagged(tags, sb53, "whistleblowers")))
    for pid, p in rows.items():
        for cid, score, window in tags.of_passage(pid):
            assert 0 < score <= 1 and window >= 0
        ev = [c for c in tags.hit_concepts(pid, p.text) if c["id"] == "whistleblowers"][0]
        assert " ".join(ev["evidence"].split()) in " ".join(p.text.split())  # the evidence is a sentence of it
        assert any(w in ev["evidence"].lower() for w in ("whistleblow", "retaliat", "covered employee"))


def test_tags_are_incremental_and_a_new_taxonomy_retags_without_reembedding(settings, small_corpus, tmp_path):
    encoder = FakeEncoder()
    before = _tags(settings)
    report = Ingest(settings, small_corpus, encoder).publish()
    assert report.up_to_date  # nothing new: the same classifier's tags are current, no republish
    # a new taxonomy version (a label renamed; ids never change) re-tags every passage from the index
    data = yaml.safe_load(taxonomy_mod.DEFAULT_PATH.read_text(encoding="utf-8"))
    data["taxonomy_version"] = "1.1-test"
    data["concepts"][0]["label"]["en"] = "Banned AI practices"
    path = tmp_path / "taxonomy.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    settings.concept_taxonomy = path
    report = Ingest(settings, small_corpus, encoder).publish()
    assert not report.up_to_date and report.embedded == 0 and report.added == 0  # no vector computed or added
    after = _tags(settings)
    assert after.taxonomy_version == "1.1-test" and after.label("prohibited-practices") == "Banned AI practices"
    assert after.meta["classified_passages"] == after.meta["passages"] and after.meta["reused_passages"] == 0
    assert np.array_equal(after.passage_id, before.passage_id) and np.array_equal(after.concept, before.concept)
    # one more publish with the same taxonomy: current again
    assert Ingest(settings, small_corpus, encoder).publish().up_to_date


def test_new_passages_are_tagged_and_the_others_reused(settings, small_corpus, shared, corpus_rows, tmp_path):
    from corpus.importer import import_csv
    from tests.conftest import write_csv

    row = dict(corpus_rows["us-tn/ELVIS_Act_HB2091_SB2096.pdf"], path=str(shared / "corpus" / "us-tn/ELVIS_Act_HB2091_SB2096.pdf"))
    import_csv(small_corpus, write_csv(tmp_path / "tn.csv", [row]))
    before = _tags(settings)
    Ingest(settings, small_corpus, FakeEncoder()).run()
    after = _tags(settings)
    tn = [p.id for p in small_corpus.passages(_doc(small_corpus, "ELVIS").id)]
    assert after.meta["classified_passages"] == len(tn)
    assert after.meta["reused_passages"] == before.meta["passages"]
    assert len(_tagged(after, tn, "likeness-voice")) >= 3  # the ELVIS Act: name, voice and likeness


def test_an_invalid_taxonomy_stops_indexing_and_keeps_the_snapshot(settings, small_corpus, tmp_path):
    from typer.testing import CliRunner

    from cli.main import app

    data = yaml.safe_load(taxonomy_mod.DEFAULT_PATH.read_text(encoding="utf-8"))
    data["concepts"].append(dict(data["concepts"][5]))  # a duplicate id
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    served = snapshots.current(settings.index_dir)
    settings.concept_taxonomy = path
    with pytest.raises(taxonomy_mod.TaxonomyError, match="concept 'impact-assessment': duplicate id"):
        Ingest(settings, small_corpus, FakeEncoder()).publish()
    assert snapshots.current(settings.index_dir) == served and _tags(settings) is not None
    result = CliRunner().invoke(app, ["index"], env={"AILEX_DATA_DIR": str(settings.data_dir), "AILEX_ENCODER": "fake",
                                                       "AILEX_CONCEPT_TAXONOMY": str(path)})
    assert result.exit_code == 1 and "duplicate id" in result.output
    assert snapshots.current(settings.index_dir) == served


def test_concept_filter_and_hit_concepts(settings, small_corpus):
    searcher = Searcher(settings, small_corpus, FakeEncoder())
    res = searcher.search("obligations of providers", k=20, filters=Filters(concept=["whistleblowers"]), min_score=0)
    assert res.hits and all(any(c["id"] == "whistleblowers" for c in h.concepts) for h in res.hits)
    assert {h.document.jurisdiction for h in res.hits} == {"US-CA"}
    unfiltered = searcher.search("obligations of providers", k=20, min_score=0)
    assert sum(res.facets["concept"].values()) > 0 and "whistleblowers" in unfiltered.facets["concept"]
    any_of = searcher.search("obligations of providers", k=50, min_score=0,
                             filters=Filters(concept=["whistleblowers", "biometric-identification"]))
    assert {h.document.jurisdiction for h in any_of.hits} == {"US-CA", "US-MD"}  # any of the concepts
    with pytest.raises(UnknownConcept, match="known concepts: prohibited-practices"):
        searcher.search("x", filters=Filters(concept=["deep-fakes"]))


@pytest.fixture
def client(settings, small_corpus):
    with TestClient(create_app(settings, encoder=FakeEncoder())) as c:
        yield c


def test_api_concepts_and_landscape(client, small_corpus):
    body = client.get("/api/concepts").json()
    assert set(body) == {"taxonomy_version", "concepts"} and len(body["concepts"]) == 40
    assert set(body["concepts"][0]) == {"id", "label", "definition", "passages"}
    counts = {c["id"]: c["passages"] for c in body["concepts"]}
    assert counts["whistleblowers"] > 0 and counts["emotion-recognition"] == 0

    land = client.get("/api/landscape").json()
    assert set(land) == {"taxonomy_version", "concepts", "jurisdictions", "cells"}
    assert [j["code"] for j in land["jurisdictions"]] == ["CN", "US-CA", "US-MD"]
    assert {"code": "US-MD", "name": "Maryland"} in land["jurisdictions"]
    cells = {(c["jurisdiction"], c["concept"]): c for c in land["cells"]}
    assert ("US-MD", "biometric-identification") in cells and ("US-CA", "whistleblowers") in cells
    cell = cells[("US-CA", "whistleblowers")]
    assert set(cell) == {"jurisdiction", "concept", "passages", "documents", "best"}
    assert {"passage_id", "document_id", "locator", "text", "score"} <= set(cell["best"])
    assert cell["documents"] == 1 and cell["passages"] >= 3 and all(c["passages"] > 0 for c in land["cells"])
    # filters narrow the cells; a concept filter keeps only its concepts
    cn = client.get("/api/landscape", params={"jurisdiction": "CN", "lang": "zh"}).json()
    assert cn["cells"] and {c["jurisdiction"] for c in cn["cells"]} == {"CN"}
    only = client.get("/api/landscape", params=[("concept", "whistleblowers"), ("concept", "penalties")]).json()
    assert {c["concept"] for c in only["cells"]} <= {"whistleblowers", "penalties"} and len(only["concepts"]) == 2
    # exports: CSV and Markdown with a citation of each best passage
    rows = list(csv.DictReader(io.StringIO(client.get("/api/landscape?format=csv").text)))
    assert len(rows) == len(land["cells"]) and all(r["citation"] for r in rows)
    md = client.get("/api/landscape?format=md")
    assert md.headers["content-type"].startswith("text/markdown") and "Maryland" in md.text

    one = client.get("/api/concepts/whistleblowers").json()
    assert one["jurisdictions"][0]["code"] == "US-CA" and one["jurisdictions"][0]["passages"][0]["evidence"]


@pytest.mark.parametrize("url", ["/api/search?q=x&concept=nope", "/api/landscape?concept=nope",
                                 "/api/search?q=x&concept=whistleblowers,nope"])
def test_unknown_concepts_are_422_naming_the_known_ids(client, url):
    r = client.get(url)
    assert r.status_code == 422
    assert "'nope'" in r.json()["detail"] and "likeness-voice" in r.json()["detail"] and len(r.json()["known"]) == 40


def test_unknown_concept_page_is_404(client):
    assert client.get("/api/concepts/nope").status_code == 404
    assert client.get("/concepts/nope").status_code == 404


def test_search_hits_carry_concepts(client):
    body = client.get("/api/search", params={"q": "facial recognition by the police", "concept": "biometric-identification"}).json()
    assert body["results"] and "concept" in body["facets"]
    for hit in body["results"]:
        ids = [c["id"] for c in hit["concepts"]]
        assert "biometric-identification" in ids
        assert all(set(c) == {"id", "label", "score", "evidence"} and c["evidence"] for c in hit["concepts"])


def test_landscape_page_cell_opens_the_passages_with_the_evidence_marked(client):
    r = client.get("/landscape")
    page = _assert_clean(r.text)
    assert page.find("table", class_="matrix") and page.find("caption")
    headers = [t for a, t in page.find("abbr")]
    assert {"CN", "US-CA", "US-MD"} <= set(headers)
    links = [a["href"] for a, _ in page.find("a") if a.get("href", "").startswith("/?") and "concept=" in a["href"]]
    target = next(h for h in links if ("concept", "whistleblowers") in params(h))
    assert ("jurisdiction", "US-CA") in params(target)
    # sortable: by coverage puts the widest concepts first
    by_cov = Page(client.get("/landscape?sort=coverage").text)
    first_rows = [t for a, t in by_cov.find("th") if t][1:6]
    assert first_rows and first_rows != [t for a, t in page.find("th") if t][1:6]
    # the cell's page: the passages of that jurisdiction and concept, the evidence marked in each
    cell = client.get(target)
    assert cell.status_code == 200
    hits = _assert_clean(cell.text)
    assert 'class="ev"' in cell.text and hits.find("a", class_="cchip", data_concept="whistleblowers")
    assert "US-CA" in cell.text and "Why “Whistleblower protection”" in cell.text
    for a, _ in hits.find("a", class_="cchip"):  # every chip filters by its concept
        assert ("concept", a["data-concept"]) in params(a["href"]) or a.get("aria-current")


def test_concept_pages(client):
    index = _assert_clean(client.get("/concepts").text)
    assert len([a for a, _ in index.find("a") if a.get("href", "").startswith("/concepts/")]) == 40
    one = client.get("/concepts/biometric-identification")
    page = _assert_clean(one.text)
    assert page.find("h1") and "Maryland" in one.text and "/compare?passage_id=" in one.text
    assert page.find("p", class_="cite")


def test_labelled_items_not_found_are_counted(settings, small_corpus):
    from pipeline.concepts.evaluate import load_labelled, resolve

    items, _ = load_labelled(LABELLED)
    found, missing = resolve(small_corpus, items)
    assert len(found) + len(missing) == len(items)
    assert found and len(missing) > len(found)  # the small corpus holds four of the 38 documents
    name = lambda key: key.rsplit("/", 1)[-1]  # noqa: E731 (the test corpus is imported by absolute path)
    assert {name(it.source_key) for it in found} <= {name(d.source_key) for d in small_corpus.documents()}
    # a re-chunked document: its old passages are found no more, and are counted as missing
    doc = _doc(small_corpus, "SB53")
    with small_corpus.transaction() as db:
        db.execute("UPDATE passages SET active = 0 WHERE document_id = ?", (doc.id,))
    found2, missing2 = resolve(small_corpus, load_labelled(LABELLED)[0])
    assert len(missing2) == len(missing) + sum(1 for it in found if name(it.source_key) == name(doc.source_key))


def test_cli_landscape_and_search(settings, small_corpus, tmp_path):
    from typer.testing import CliRunner

    from cli.main import app

    env = {"AILEX_DATA_DIR": str(settings.data_dir), "AILEX_ENCODER": "fake"}
    out = CliRunner().invoke(app, ["landscape", "--json", "--jurisdiction", "US-CA,US-MD"], env=env)
    assert out.exit_code == 0, out.output
    body = json.loads(out.output)
    assert {c["jurisdiction"] for c in body["cells"]} == {"US-CA", "US-MD"}
    path = tmp_path / "land.csv"
    out = CliRunner().invoke(app, ["landscape", "--concept", "whistleblowers", "--csv", str(path)], env=env)
    assert out.exit_code == 0 and list(csv.DictReader(path.open()))[0]["concept"] == "whistleblowers"
    out = CliRunner().invoke(app, ["landscape", "--concept", "nope"], env=env)
    assert out.exit_code == 1 and "known concepts" in out.output
    out = CliRunner().invoke(app, ["search", "retaliation against employees", "--concept", "whistleblowers"], env=env)
    assert out.exit_code == 0 and "concepts: " in out.output and "Whistleblower protection" in out.output
    out = CliRunner().invoke(app, ["concepts", "list"], env=env)
    assert out.exit_code == 0 and "whistleblowers" in out.output
