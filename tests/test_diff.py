"""Diffs between versions and readings (index/diff.py, /api/documents/{id}/diff, /api/diff, the
Changes tab, `ailex diff`), on real documents."""
from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient

from corpus.models import Document, Passage, utcnow
from index.diff import Reading, diff, redline
from pipeline.encoders import FakeEncoder
from search_api.app import create_app
from tests.conftest import write_csv
from tests.extraction_cache import passages as cut

MD = "us-md/HB338_2024_facial_recognition.md"


def test_redline_gives_both_texts_back_and_marks_words():
    article5 = next(d.text for d in cut("eu/ai_act/AI_Act-EN.txt") if "Article 5 —" in d.locator)
    edited = article5.replace("materially distorting", "distorting", 1).replace("subliminal techniques", "subliminal or covert techniques", 1)
    similarity, ops = redline(article5, edited)
    assert 0.95 < similarity < 1.0
    assert "".join(t for op, t in ops if op != "insert") == " ".join(article5.split())
    assert "".join(t for op, t in ops if op != "delete") == " ".join(edited.split())
    changes = [(op, t.strip()) for op, t in ops if op != "equal"]
    assert changes == [("insert", "or covert"), ("delete", "materially")]
    assert redline("same text", "same  text") == (1.0, [("equal", "same text")])


def _edit(text: str) -> str:
    """A new reading of Maryland's HB 338: a word changed in 2–502, 2–509 struck, 2–510 renumbered 2–511."""
    lines = text.splitlines(keepends=True)
    start = next(n for n, line in enumerate(lines) if line.strip().endswith("2–509."))
    end = next(n for n, line in enumerate(lines) if line.strip().endswith("2–510."))
    lines = lines[:start] + lines[end:]
    out = "".join(lines).replace("2–510.", "2–511.", 1)
    return out.replace("PROVIDED IN THIS SECTION, RESULTS", "PROVIDED IN THIS SECTION, OUTPUTS", 1)


@pytest.fixture
def two_versions(tmp_path, settings, small_corpus, shared, corpus_rows):
    """Maryland's bill stored twice under one source: the enrolled text, then an edited reading."""
    from corpus.importer import import_csv
    from index.ingest import Ingest

    original = (shared / "corpus" / MD).read_text(encoding="utf-8")
    path = tmp_path / "hb338.md"
    row = {k: v for k, v in corpus_rows[MD].items() if k not in ("sha256", "bytes")} | {"path": str(path),
                                                                                         "source_key": "test:hb338"}
    csv_path = write_csv(tmp_path / "one.csv", [row])
    for text in (original, _edit(original)):
        path.write_text(text, encoding="utf-8")
        assert not import_csv(small_corpus, csv_path).errors
        Ingest(settings, small_corpus, FakeEncoder()).run()
    doc = next(d for d in small_corpus.documents() if d.source_key == "test:hb338")
    assert len(small_corpus.versions(doc.id)) == 2
    return doc


@pytest.fixture
def client(settings, small_corpus):
    with TestClient(create_app(settings, encoder=FakeEncoder())) as c:
        yield c


def test_version_diff_shows_the_change_the_removal_and_the_renumbering(client, two_versions, small_corpus):
    r = client.get(f"/api/documents/{two_versions.id}/diff")
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) >= {"from", "to", "summary", "units"}
    assert set(body["summary"]) == {"unchanged", "changed", "added", "removed", "moved"}
    v1, v2 = [v.id for v in small_corpus.versions(two_versions.id)]
    assert (body["from"]["version_id"], body["to"]["version_id"]) == (v1, v2)
    by_status = {}
    for u in body["units"]:
        assert set(u) >= {"from_locator", "to_locator", "status", "similarity", "redline"}
        by_status.setdefault(u["status"], []).append(u)
    assert body["summary"] == {"unchanged": 8, "changed": 1, "added": 0, "removed": 1, "moved": 1} | {
        k: len(v) for k, v in by_status.items()}
    changed = by_status["changed"][0]
    assert changed["from_locator"].endswith("2–502") and changed["to_locator"].endswith("2–502")
    assert [(op, t.strip()) for op, t in changed["redline"] if op != "equal"] == [("delete", "RESULTS"), ("insert", "OUTPUTS")]
    assert by_status["removed"][0]["from_locator"].endswith("2–509") and by_status["removed"][0]["to_locator"] is None
    moved = by_status["moved"][0]
    assert moved["from_locator"].endswith("2–510") and moved["to_locator"].endswith("2–511") and moved["similarity"] > 0.95
    # the same diff named by version ids, and without the unchanged units
    again = client.get(f"/api/documents/{two_versions.id}/diff",
                       params={"from_version": v1, "to_version": v2, "unchanged": "false"}).json()
    assert again["summary"] == body["summary"] and len(again["units"]) == 3


def test_bad_diff_requests_say_why(client, two_versions, small_corpus):
    v1, _ = [v.id for v in small_corpus.versions(two_versions.id)]
    one = next(d for d in small_corpus.documents() if d.source_key.endswith("SB53_2025_chaptered.txt"))
    cases = [
        (f"/api/documents/{one.id}/diff", {}, 422, "one version"),
        (f"/api/documents/{two_versions.id}/diff", {"from_version": 99999}, 404, "no version 99999"),
        (f"/api/documents/{two_versions.id}/diff", {"to_version": v1}, 422, "first version"),
        (f"/api/documents/{two_versions.id}/diff", {"from_version": v1, "to_version": v1}, 422, "same version"),
        ("/api/documents/us-md-nothing/diff", {}, 404, "no document"),
        ("/api/diff", {"from": one.id, "to": "us-md-nothing"}, 404, "no document"),
        ("/api/diff", {"from": one.id, "to": one.id}, 422, "other than"),
        ("/api/diff", {"from": one.id}, 422, "to"),
    ]
    zh = next(d for d in small_corpus.documents() if d.source_key.endswith("genai_interim_measures_cac.htm"))
    cases.append(("/api/diff", {"from": one.id, "to": zh.id}, 422, "share no language"))
    for url, params, status, fragment in cases:
        r = client.get(url, params=params)
        assert (r.status_code, fragment in r.json()["detail"]) == (status, True), (url, params, r.json())
    spec = client.get("/openapi.json").json()["paths"]
    for path in ("/api/documents/{doc_id}/diff", "/api/diff"):
        responses = spec[path]["get"]["responses"]
        assert {"200", "404", "422"} <= set(responses)
        assert "application/vnd.openxmlformats-officedocument.wordprocessingml.document" in responses["200"]["content"]


def test_changes_tab_marks_insertions_and_deletions_for_screen_readers(client, two_versions):
    page = client.get(f"/documents/{two_versions.id}", params={"tab": "changes"})
    assert page.status_code == 200
    html = page.text
    assert 'aria-current="page">Changes' in html
    assert '<del><span class="visually-hidden">[deleted: </span>RESULTS' in html
    assert '<ins><span class="visually-hidden">[inserted: </span>OUTPUTS' in html
    assert "Moved:" in html and "Removed:" in html and "format=docx" in html
    text_tab = client.get(f"/documents/{two_versions.id}").text
    assert 'aria-current="page">Text and details' in text_tab and "?tab=changes" in text_tab


def test_diff_exports_to_word_with_redlines_and_citations(client, two_versions, small_corpus):
    from docx import Document as Docx

    r = client.get(f"/api/documents/{two_versions.id}/diff", params={"format": "docx"})
    assert r.headers["content-type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert 'filename="ailex-diff.docx"' in r.headers["content-disposition"]
    doc = Docx(io.BytesIO(r.content))
    assert doc.paragraphs[0].style.name == "Heading 1" and doc.paragraphs[0].text.startswith("Changes: Maryland HB 338")
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["Before", "After", "Change", "Similarity", "Redline", "Sources"]
    assert len(table.rows) == 1 + 3  # changed, removed, moved
    changed = next(row for row in table.rows[1:] if row.cells[2].text == "changed")
    runs = changed.cells[4].paragraphs[0].runs
    assert [r.text.strip() for r in runs if r.font.strike] == ["RESULTS"]
    assert [r.text.strip() for r in runs if r.font.underline] == ["OUTPUTS"]
    v1, v2 = small_corpus.versions(two_versions.id)
    sources = [p.text for p in doc.paragraphs[[p.text for p in doc.paragraphs].index("Sources") + 1:]]
    assert any(v1.sha256[:16] in s and "2–502" in s for s in sources)
    assert any(v2.sha256[:16] in s and "2–511" in s for s in sources)
    assert all(f"retrieved {v1.fetched_at.date().isoformat()}" in s for s in sources)
    md = client.get(f"/api/documents/{two_versions.id}/diff", params={"format": "md"}).text
    assert "<del>RESULTS</del>" in md.replace(" ", "") or "<del>RESULTS</del>" in md


@pytest.mark.slow
def test_what_the_parliaments_position_changed_in_the_regulation():
    """The European Parliament's position of 13 March 2024 (P9_TA(2024)0138) against Regulation (EU)
    2024/1689: every recital and article is paired with its own, and the lawyer-linguists' edits show."""
    now = utcnow()

    def reading(path: str, title: str) -> Reading:
        doc = Document(id=path, source_key=path, title=title, jurisdiction="EU", doc_type="act", created_at=now, updated_at=now)
        return Reading(doc, None, [Passage(id=n + 1, document_id=path, version_id=1, text_sha="", **d.model_dump(exclude={"schema_version"}))
                                   for n, d in enumerate(cut(path))])

    d = diff(reading("eu/EP_P9_TA-2024-0138_AI_Act_legislative_resolution.pdf", "EP position"),
             reading("eu/ai_act/AI_Act-EN.txt", "Regulation"))
    assert d.language == "en"
    s = d.summary()
    assert s["changed"] > 200 and s["moved"] == 0 and s["removed"] <= 8 and s["added"] <= 3
    paired = {(u.new.kind, u.new.key.number): u for u in d.units if u.old is not None and u.new is not None}
    assert all(("recital", str(n)) in paired for n in range(1, 181))
    assert all(("article", str(n)) in paired for n in range(1, 114))
    for key, u in paired.items():
        assert u.old.key.same_number(u.new.key), key
    article5 = paired[("article", "5")]
    edits = [(op, t.strip()) for op, t in article5.redline if op != "equal"]
    assert ("delete", "likelihood") in edits and ("insert", "risk") in edits
    assert 0.95 < article5.similarity < 1.0
