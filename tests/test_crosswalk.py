"""Crosswalks (index/crosswalk.py, /api/crosswalk, /crosswalk, `ailex crosswalk`).

Fast tests run on the small corpus with the fake encoder (shapes, errors, exports, the page);
the real-model checks use the session's `real_searcher` corpus (the AI Act in English, French and
German, Brazil's PL 2338, Korea's AI Basic Act, Colorado SB 24-205, …)."""
from __future__ import annotations

import csv
import io
import time

import numpy as np
import pytest
from fastapi.testclient import TestClient

from corpus.models import Document, utcnow
from index.crosswalk import crosswalk, monotone_alignment
from index.same_text import same_text
from pipeline.encoders import FakeEncoder
from search_api.app import create_app

CN_EN, CN_ZH, MD = "cn/genai_interim_measures_EN_translation.txt", "cn/genai_interim_measures_cac.htm", "us-md/HB338_2024_facial_recognition.md"


def _doc(row: dict, path: str) -> Document:
    now = utcnow()
    return Document(id=path, source_key=path, created_at=now, updated_at=now, identifiers={},
                    **{k: row[k] for k in ("title", "jurisdiction", "doc_type", "status", "language", "date", "source_url")})


def test_same_text_from_the_documents_own_numbers(corpus_rows):
    docs = {p: _doc(r, p) for p, r in corpus_rows.items()}
    en = docs["eu/ai_act/AI_Act-EN.txt"]
    one_text = {p for p, d in docs.items() if same_text(en, d)}
    # every language and format of Regulation (EU) 2024/1689, nothing else (not the act amending it,
    # not the Parliament's resolution, which is a different document)
    assert one_text == {p for p in docs if p.startswith("eu/ai_act/")}
    assert same_text(docs["ca/C-27_E_parl.ca.xml"], docs["ca/C-27_first_reading_EN_FR.pdf"])
    assert same_text(docs[CN_EN], docs[CN_ZH])  # the English translation of the Chinese measures
    assert not same_text(docs["us-ca/SB942_2024_chaptered.pdf"], docs["us-ca/AB2013_2024_chaptered.pdf"])
    assert not same_text(en, docs["br/PL2338_2023_Senado.pdf"])
    assert not same_text(en, docs["eu/PE-CONS-30-2026-INIT_nl.pdf"])


def test_monotone_alignment_keeps_order_where_a_later_unit_looks_alike():
    score = np.full((4, 4), 0.1)
    np.fill_diagonal(score, 0.8)
    score[1, 3] = 0.9  # unit 1 reads most like unit 3, but 2 and 3 must still meet their own
    assert monotone_alignment(score, 0.5) == [(0, 0), (1, 1), (2, 2), (3, 3)]
    assert monotone_alignment(np.full((2, 3), 0.1), 0.5) == []  # nothing worth pairing


@pytest.fixture
def client(settings, small_corpus):
    with TestClient(create_app(settings, encoder=FakeEncoder())) as c:
        yield c


def _doc_id(store, path: str) -> str:
    return next(d.id for d in store.documents() if d.source_key.endswith(path))


def test_crosswalk_contract_on_the_small_corpus(client, small_corpus):
    en, zh = _doc_id(small_corpus, CN_EN), _doc_id(small_corpus, CN_ZH)
    r = client.get("/api/crosswalk", params={"from": en, "to": zh})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) >= {"from", "to", "rows", "unmatched_to", "summary"}
    assert body["from"]["id"] == en and body["to"]["id"] == zh
    assert body["align"] == "order" and body["same_text"]  # a translation: aligned in order
    assert set(body["summary"]) >= {"equivalent", "partial", "none", "coverage"}
    row = body["rows"][0]
    assert set(row) == {"from", "to", "match"} and row["match"] in ("equivalent", "partial", "none")
    assert set(row["from"]) >= {"locator", "passage_ids", "text"}
    assert all(set(t) >= {"locator", "passage_ids", "text", "similarity"} for r in body["rows"] for t in r["to"])
    # the English translation has 24 articles, one row each
    assert [r["from"]["label"] for r in body["rows"]] == [f"Article {n}" for n in range(1, 25)]
    assert sum(body["summary"][m] for m in ("equivalent", "partial", "none")) == len(body["rows"])
    assert all(set(u) >= {"locator", "passage_ids"} for u in body["unmatched_to"])
    best = client.get("/api/crosswalk", params={"from": en, "to": zh, "align": "best"}).json()
    assert best["align"] == "best" and len(best["rows"]) == len(body["rows"])
    md = _doc_id(small_corpus, MD)  # Maryland's bill: front matter and statute sections
    every = client.get("/api/crosswalk", params={"from": md, "to": en, "units": "all"}).json()
    articles = client.get("/api/crosswalk", params={"from": md, "to": en}).json()
    assert {r["from"]["kind"] for r in every["rows"]} > {r["from"]["kind"] for r in articles["rows"]} == {"article"}


@pytest.mark.parametrize("params, status, fragment", [
    ({"from": "eu-nothing", "to": "eu-nothing2"}, 404, "no document"),
    ({"from": "../etc", "to": "x"}, 404, "no document"),
    ({"from": "SAME", "to": "SAME"}, 409, "other than"),
    ({"from": "SAME", "to": "OTHER", "units": "chapters"}, 422, "units"),
    ({"from": "SAME", "to": "OTHER", "align": "sideways"}, 422, "align"),
    ({"from": "SAME"}, 422, "to"),
])
def test_crosswalk_bad_requests(client, small_corpus, params, status, fragment):
    ids = {"SAME": _doc_id(small_corpus, CN_EN), "OTHER": _doc_id(small_corpus, MD)}
    r = client.get("/api/crosswalk", params={k: ids.get(v, v) for k, v in params.items()})
    assert r.status_code == status and fragment in r.json()["detail"]


def test_crosswalk_exports_and_page(client, small_corpus):
    en, md = _doc_id(small_corpus, CN_EN), _doc_id(small_corpus, MD)
    r = client.get("/api/crosswalk", params={"from": en, "to": md, "format": "csv"})
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 24 and all(row["from_citation"].startswith("Interim Measures") for row in rows)
    assert all(len(row["from_sha256"]) == 64 for row in rows)
    md_text = client.get("/api/crosswalk", params={"from": en, "to": md, "format": "md"}).text
    assert md_text.startswith("# Crosswalk:") and "[^1]: Interim Measures" in md_text
    page = client.get("/crosswalk", params={"from": en, "to": md})
    assert page.status_code == 200
    for fragment in ("Download Word", "format=docx", 'href="/documents/' + en, "No counterpart", "Equivalent"):
        assert fragment in page.text
    assert "<script>" not in page.text and "style=" not in page.text
    only_none = client.get("/crosswalk", params={"from": en, "to": md, "match": "none"}).text
    assert only_none.count('class="match-none"') == page.text.count('class="match-none"')
    assert 'class="match-partial"' not in only_none and 'class="match-equivalent"' not in only_none
    assert client.get("/crosswalk", params={"from": en, "to": "eu-nothing"}).status_code == 404


# -- the real model -----------------------------------------------------------------------------------------
def _real_ids(real_searcher) -> dict[str, str]:
    return {d.source_key.split("corpus/")[-1].removeprefix("file:"): d.id for d in real_searcher.store.documents()}


def _numbered(rows, kind: str, first: int, last: int) -> list:
    return [r for r in rows if r.unit.kind == kind and r.unit.key.number.isdigit() and first <= int(r.unit.key.number) <= last]


@pytest.mark.slow
@pytest.mark.parametrize("other", ["eu/ai_act/AI_Act-FR.txt", "eu/ai_act/AI_Act-DE.txt"])
def test_the_ai_act_in_english_maps_to_the_same_numbers_in_french_and_german(real_searcher, other):
    ids = _real_ids(real_searcher)
    real_searcher.refresh()
    started = time.perf_counter()
    cw = crosswalk(real_searcher.snapshot, real_searcher.store, ids["eu/ai_act/AI_Act-EN.txt"], ids[other], "all")
    took = time.perf_counter() - started
    assert cw.align == "order" and took < 2.0  # the whole act, recitals, articles and annexes (BENCHMARKS.md)
    wanted = _numbered(cw.rows, "article", 1, 113) + _numbered(cw.rows, "recital", 1, 180)
    assert len(wanted) == 293
    same = [r for r in wanted if r.counterparts and r.counterparts[0].unit.key.same_number(r.unit.key)]
    assert len(same) / len(wanted) >= 0.97, [r.unit.label for r in wanted if r not in same][:20]
    assert sum(r.match == "equivalent" for r in wanted) / len(wanted) >= 0.95


# Rows checked by reading both texts: (document, its unit, the AI Act articles one of which must come first)
READ_ROWS = [
    ("br/PL2338_2023_Senado.pdf", "14", "5"),   # "São vedadas…" (excessive risk) ↔ Prohibited AI practices
    ("br/PL2338_2023_Senado.pdf", "15", "5"),   # remote biometric identification in public security ↔ Article 5(1)(h)
    ("br/PL2338_2023_Senado.pdf", "31", "73"),  # communication of serious security incidents ↔ Reporting of serious incidents
    ("br/PL2338_2023_Senado.pdf", "36", "99"),  # administrative sanctions ↔ Penalties
    ("br/PL2338_2023_Senado.pdf", "39", "57 58"),  # regulatory sandboxes ↔ AI regulatory sandboxes, their arrangements
    ("kr/AI_Basic_Act_committee_alternative_bill_6772.pdf", "2", "3"),    # 정의 ↔ Definitions
    ("kr/AI_Basic_Act_committee_alternative_bill_6772.pdf", "31", "50"),  # 인공지능 투명성 확보 의무 ↔ Transparency obligations
    ("kr/AI_Basic_Act_committee_alternative_bill_6772.pdf", "43", "99"),  # 과태료 (fines) ↔ Penalties
    ("us-co/SB24-205_signed.pdf", "6-1-1701", "3"),   # Definitions ↔ Definitions
    ("us-co/SB24-205_signed.pdf", "6-1-1703", "26"),  # deployer duties ↔ Obligations of deployers of high-risk AI systems
]


@pytest.mark.slow
def test_other_laws_against_the_ai_act_give_rows_an_officer_recognises(real_searcher):
    ids = _real_ids(real_searcher)
    real_searcher.refresh()
    results = {}
    for path in {p for p, _, _ in READ_ROWS}:
        results[path] = crosswalk(real_searcher.snapshot, real_searcher.store, ids[path], ids["eu/ai_act/AI_Act-EN.txt"])
        assert results[path].align == "best"
    wrong = []
    for path, unit, article in READ_ROWS:
        row = next(r for r in results[path].rows if r.unit.key.number == unit and r.unit.key.series == 0)
        top = row.counterparts[0].unit.key.number if row.counterparts else None
        if top not in article.split() or row.match == "none":
            wrong.append((path, unit, article, top, row.match))
    assert not wrong
    brazil = results["br/PL2338_2023_Senado.pdf"]
    # civil liability (Art. 29) has no counterpart in the AI Act: whatever its class, its best
    # counterpart is among the weakest of the bill's (the classes are a reading aid, the scores rank)
    best = sorted((r.counterparts[0].score if r.counterparts else -1.0, r.unit.key.number) for r in brazil.rows)
    assert "29" in [number for _, number in best[: len(best) // 4]], best
    assert 0.5 < brazil.summary()["coverage"] <= 1.0


def test_ailex_crosswalk_and_diff_commands(settings, small_corpus, monkeypatch, tmp_path):
    from docx import Document as Docx
    from typer.testing import CliRunner

    from cli.main import app
    from corpus.settings import get_settings

    monkeypatch.setenv("AILEX_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("AILEX_ENCODER", "fake")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        en, md = _doc_id(small_corpus, CN_EN), _doc_id(small_corpus, MD)
        human = runner.invoke(app, ["crosswalk", en, md])
        assert human.exit_code == 0 and "Article 24" in human.output and "coverage" in human.output
        out_csv, out_docx = tmp_path / "cw.csv", tmp_path / "cw.docx"
        done = runner.invoke(app, ["crosswalk", en, md, "--csv", str(out_csv), "--docx", str(out_docx)])
        assert done.exit_code == 0, done.output
        assert len(list(csv.DictReader(open(out_csv, encoding="utf-8")))) == 24
        assert Docx(str(out_docx)).tables[0].rows[0].cells[-1].text == "Sources"
        as_json = runner.invoke(app, ["crosswalk", en, md, "--units", "all", "--json"])
        assert as_json.exit_code == 0 and '"unmatched_to"' in as_json.output and '"from"' in as_json.output
        bad = runner.invoke(app, ["crosswalk", en, "eu-nothing"])
        assert bad.exit_code == 1 and "no document 'eu-nothing'" in bad.output
        one = runner.invoke(app, ["diff", md])
        assert one.exit_code == 1 and "one version" in one.output
        languages = runner.invoke(app, ["diff", en, md])
        assert languages.exit_code == 0 and "removed" in languages.output  # both English: a diff, if a poor one
    finally:
        get_settings.cache_clear()
