"""Unit types and junk lines (pipeline/units.py) on the real documents, and what they change in the
index: a passage made only of footnotes is no dense retrieval unit, junk lines get no window."""
from __future__ import annotations

import sqlite3

import pytest

from corpus.models import Passage
from index.units import units
from pipeline.units import infer_unit_type, junk_kind, junk_lines, provision_text
from pipeline.windows import sentence_windows
from tests.extraction_cache import passages


@pytest.mark.parametrize("line", [
    "94 ARIA, Submission 166, p. 1.",
    "8 LCA, Submission 152, p. 7. 9 Dr Darcy Allen, Professor Chris Berg and Dr Aaron Lane, Submission 21, p. 3.",
    "(1) OJ C 517, 22.12.2021, p. 56.",
    "(7) Regulation (EC) No 765/2008 of the European Parliament and of the Council of 9 July 2008 setting out the "
    "requirements for accreditation and repealing Regulation (EEC) No 339/93 (OJ L 218, 13.8.2008, p. 30).",
    "(7)  Règlement (CE) no 765/2008 du Parlement européen et du Conseil du 9 juillet 2008 (JO L 218 du 13.8.2008, p. 30).",
    "(1)   ABl. C 517 vom 22.12.2021, S. 56.",
    "1 https://aiindex.stanford.edu/report/ 2 https://www.elibrary.imf.org/view/journals/006/2024/001/006.2024.issue-001-en.xml",
    "21 中国信息通信研究院、京东探索研究院：《可信人工智能白皮书》，2021 年 7 月。",
    "2002, c. 8, par. 183(1)(r);",
    "2000, c. 17, par. 97(1)(b) and (d); 2001, c. 41, ss. 81, 82 and 103; 2002, c. 8, par. 183(1)(r); 2015, c. 32, "
    "ss. 2 to 7, 8(F), 9 to 17, 18(1) and (2)(E), c. 36, s. 164 and 165; 2019, c. 18, s. 61",
])
def test_footnotes_and_citations_are_junk(line):
    assert junk_kind(line) == "footnote"


@pytest.mark.parametrize(("line", "kind"), [
    ("Introduction ................................................................ 3", "contents"),
    ("一、概述 .....................................................................................", "contents"),
    ("For the European Parliament", "signature"), ("La présidente", "signature"), ("R. METSOLA", "signature"),
    ("Done at Brussels, 13 June 2024.", "signature"), ("Im Namen des Rates", "signature"),
    ("© Commonwealth of Australia 2024", "copyright"),
    ("本报告版权属于中国信息通信研究院，并受法律保护。", "copyright"),
    ("인공지능기본법안 2203072 한민수의원 2024. 8. 22.", "citation"),
])
def test_other_junk_lines(line, kind):
    assert junk_kind(line) == kind


@pytest.mark.parametrize("line", [
    "(1) The purpose of this Regulation is to improve the functioning of the internal market.",
    "1.   Providers shall ensure that AI systems intended to interact directly with natural persons are designed.",
    "9 (1) Every organization is accountable for personal information that is under its control.",
    "2.136 The interim response listed the benefits of a risk-based regulatory approach.",
    "(a) the number of parameters of the model;",
    "This Regulation does not affect the enforcement of copyright rules as provided for under Union law.",
    "第十八条 使用者发现生成式人工智能服务不符合法律、行政法规和本办法规定的，有权向有关主管部门投诉、举报。",
    "Non-application",
])
def test_provisions_are_not_junk(line):
    assert junk_kind(line) is None


def test_a_footnote_over_two_lines_is_judged_whole():
    lines = ["7 Department of Industry, Science and Resources (DISR), Safe and responsible AI in Australia ,",
             "Discussion Paper, June 2023, p. 8.",
             "industry when it comes to responsible AI adoption’."]
    assert junk_lines(lines) == ["footnote", "footnote", None]


def test_an_annex_listing_acts_is_content_not_junk():
    line = ("Regulation (EU) 2018/1860 of the European Parliament and of the Council of 28 November 2018 on the use of "
            "the Schengen Information System for the return of illegally staying third-country nationals (OJ L 312, 7.12.2018, p. 1).")
    assert junk_kind(line, "recital") == "footnote"  # a footnote printed inside a recital
    assert junk_kind(line, "annex") is None  # Annex X of the AI Act lists those acts: that is the provision


def _by_locator(path: str) -> dict[str, list]:
    out: dict[str, list] = {}
    for d in passages(path):
        out.setdefault(d.locator.split(" › (")[0], []).append(d)
    return out


def test_unit_types_of_the_ai_act():
    by = _by_locator("eu/ai_act/AI_Act-EN.txt")
    assert {d.unit_type for d in by["Recital (12)"]} == {"recital"}
    assert {d.unit_type for d in by["Chapter I › Article 3 — Definitions"]} == {"definition"}
    assert {d.unit_type for d in by["Chapter IV › Article 50 — Transparency obligations for providers and deployers of certain AI systems"]} == {"article"}
    assert {d.unit_type for d in by["Annex III — High-risk AI systems referred to in Article 6(2)"]} == {"annex"}
    assert {d.unit_type for d in by["Signatures"]} == {"footnote"}  # signatures and the OJ's footnotes


@pytest.mark.parametrize(("path", "locator_part", "expected"), [
    ("eu/ai_act/AI_Act-DE.txt", "Artikel 3 — Begriffsbestimmungen", "definition"),
    ("br/PL2338_2023_Senado.pdf", "Art. 4º", "definition"),  # "Para as finalidades desta Lei, adotam-se as seguintes definições"
    ("kr/AI_Basic_Act_committee_alternative_bill_6772.pdf", "제2조 — 정의", "definition"),
    ("us-co/SB24-205_signed.pdf", "6-1-1701 — Definitions", "definition"),
    ("cn/genai_interim_measures_cac.htm", "第二十二条", "definition"),
    ("kr/AI_Basic_Act_committee_alternative_bill_6772.pdf", "제7조 — 국가인공지능위원회", "article"),
    ("kr/AI_Basic_Act_committee_alternative_bill_6772.pdf", "주요내용", "other"),  # the cover memorandum, honestly located
    ("cn/AI_risk_governance_report_2024_encrypted.pdf", "目录", "heading"),
])
def test_unit_types_across_traditions(path, locator_part, expected):
    found = {d.unit_type for d in passages(path) if locator_part in d.locator}
    assert found == {expected}, (path, locator_part, found)


def _passage(draft, pid: int = 1) -> Passage:
    return Passage(id=pid, document_id="d", version_id=1, text_sha="x", **draft.model_dump())


def test_footnote_passages_are_no_dense_retrieval_unit_and_junk_gets_no_window():
    by = _by_locator("eu/ai_act/AI_Act-EN.txt")
    footnotes = by["Signatures"]
    assert footnotes and all(units(_passage(d), sentence_vectors=True) == [] for d in footnotes)
    assert all(provision_text(d.text, d.unit_type) == "" for d in footnotes)
    recital = by["Recital (1)"][0]
    assert len(units(_passage(recital), sentence_vectors=True)) == 1 + len(sentence_windows(recital.text))


def test_report_footnotes_stay_in_the_text_but_get_no_window():
    """The Australian report prints its footnotes inside the passages: "94 ARIA, Submission 166, p. 1." was
    the best match of a Portuguese question on AI sandboxes (issue 18)."""
    page = next(d for d in passages("au/Senate_Select_Committee_Adopting_AI_final_report.pdf")
                if "Submission" in d.text and d.unit_type == "other")
    windows = sentence_windows(page.text, page.unit_type)
    assert windows and not any("Submission" in w and len(w.split()) < 12 for w in windows)
    text = units(_passage(page), sentence_vectors=True)[0][1]
    assert "Submission" not in text.split("\n", 1)[1] or len(text) < len(page.text)


test_report_footnotes_stay_in_the_text_but_get_no_window = pytest.mark.slow(test_report_footnotes_stay_in_the_text_but_get_no_window)


def test_store_migrates_and_backfills_unit_types(tmp_path):
    """A store created before unit types: the column is added when it opens, and the next publish
    types the old passages from their locators (idempotent)."""
    from corpus.store import Store
    from pipeline.units import backfill_unit_types

    db = tmp_path / "ailex.sqlite"
    conn = sqlite3.connect(db)
    conn.executescript("""
        CREATE TABLE passages (id INTEGER PRIMARY KEY AUTOINCREMENT, document_id TEXT NOT NULL, version_id INTEGER NOT NULL,
          seq INTEGER NOT NULL, text TEXT NOT NULL, language TEXT NOT NULL, locator TEXT NOT NULL DEFAULT '',
          page_start INTEGER, page_end INTEGER, text_sha TEXT NOT NULL, duplicate_of INTEGER,
          active INTEGER NOT NULL DEFAULT 1, schema_version INTEGER NOT NULL);
        INSERT INTO passages (document_id, version_id, seq, text, language, locator, text_sha, schema_version) VALUES
          ('eu-x', 1, 0, '(12) The notion of AI system should be clearly defined.', 'en', 'Recital (12)', 'a', 1),
          ('eu-x', 1, 1, '1. For the purposes of this Regulation, the following definitions apply:', 'en', 'Chapter I › Article 3 — Definitions', 'b', 1),
          ('eu-x', 1, 2, 'Providers shall ensure that AI systems are designed.', 'en', 'Chapter IV › Article 50 — Transparency › (1)', 'c', 1),
          ('eu-x', 1, 3, '(1) OJ C 517, 22.12.2021, p. 56.', 'en', 'Signatures', 'd', 1);
    """)
    conn.commit()
    conn.close()
    store = Store(tmp_path)
    assert {p.unit_type for p in store.passages()} == {""}
    assert backfill_unit_types(store) == 4
    assert [p.unit_type for p in store.passages()] == ["recital", "definition", "article", "footnote"]
    assert backfill_unit_types(store) == 0
    Store(tmp_path).close()  # opening again changes nothing
    assert [p.unit_type for p in store.passages()] == ["recital", "definition", "article", "footnote"]
    store.close()


@pytest.mark.parametrize(("locator", "text", "expected"), [
    ("Recital (5)", "(5) At the same time…", "recital"),
    ("Annex III — High-risk AI systems", "1. Biometrics", "annex"),
    ("제1장 › 제2조 — 정의", "이 법에서 사용하는 용어의 뜻은 다음과 같다.", "definition"),
    ("Contents", "Introduction ........ 3\nScope ........ 5", "heading"),
])
def test_infer_unit_type_from_stored_locators(locator, text, expected):
    assert infer_unit_type(locator, text) == expected
