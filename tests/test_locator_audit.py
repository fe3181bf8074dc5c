"""Locator audit over every document of the sample corpus: each document's units, read from its
passages' locators in order, must be the numbering its text holds (pipeline/locator_audit.py).

The expectations were read off the documents themselves (their headings), not off our output.
Extraction is shared with the other extraction tests through tests/extraction_cache.py (one
extraction per document and session); the five documents that take seconds to extract (the OCR'd
scan, the Canadian bilingual print, the Australian report, the UK response) are marked slow:
together about 45 s of extraction on a 2-core machine, the rest about 15 s."""
from __future__ import annotations

import csv

import pytest

from pipeline.locator_audit import Expect, audit, unit_numbers
from tests.conftest import SHARED
from tests.extraction_cache import passages

AI_ACT = {"recital": [(1, 180)], "article": [(1, 113)], "annex": [(1, 13)], "chapter": [(1, 13)]}
EXPECT: dict[str, Expect | None] = {
    **{f"eu/ai_act/AI_Act-{lang}.txt": Expect(AI_ACT) for lang in ("EN", "FR", "DE", "ES", "IT", "PT")},
    "eu/ai_act/AI_Act-EN_OJ.pdf": Expect(AI_ACT),
    "eu/ai_act/AI_Act-EN_eurlex.html": Expect(AI_ACT),
    "eu/ai_act/AI_Act-NL_eurlex.html": Expect(AI_ACT),
    "eu/ai_act/AI_Act-NL_consolidated_eurlex.html": Expect({k: v for k, v in AI_ACT.items() if k != "recital"}),
    # the Parliament's position repeats the Regulation: recitals under "Article 16" were the bug
    "eu/EP_P9_TA-2024-0138_AI_Act_legislative_resolution.pdf": Expect(AI_ACT),
    "eu/PE-CONS-30-2026-INIT_nl.pdf": Expect({"recital": [(1, 47)], "article": [(1, 4)]}),
    "br/PL2338_2023_Senado.pdf": Expect({"article": [(1, 45)], "chapter": [(1, 9)]}),
    # 제1조–제43조, then the supplementary provisions (부칙) count from 제1조 again
    "kr/AI_Basic_Act_committee_alternative_bill_6772.pdf": Expect({"article": [(1, 43), (1, 3)], "chapter": [(1, 5)]}),
    "tw/AI_Basic_Act_draft.pdf": Expect({"article": [(1, 18)]}),
    "cn/genai_interim_measures_cac.htm": Expect({"article": [(1, 24)], "chapter": [(1, 5)]}),
    "cn/genai_interim_measures_EN_translation.txt": Expect({"article": [(1, 24)], "chapter": [(2, 5)]}),  # prints no "Chapter 1"
    # OCR loses some headings of the scan (第一条, 第十六条): order and uniqueness still hold
    "cn/genai_interim_measures_scanned.pdf": Expect({"chapter": [(2, 5)]}, gaps_allowed=True),
    # its chapters 一、… 五、, where every passage used to be located "版权声明" (copyright notice)
    "cn/AI_risk_governance_report_2024_encrypted.pdf": Expect({"chapter": [(1, 5)]}),
    "us/EO14110_FederalRegister.pdf": Expect({"article": [(1, 13)]}),
    "us/NSM_AI_2024_whitehouse.html": Expect({"article": [(1, 8)]}),
    "us-ca/SB1047_2024_enrolled.pdf": Expect({"article": [(1, 8)]}),
    "us-ca/SB942_2024_chaptered.pdf": Expect({"article": [(1, 1)]}),
    "us-ca/AB2013_2024_chaptered.pdf": Expect({"article": [(1, 1)]}),
    "us-ca/AB3211_2024_amended.pdf": Expect({"article": [(1, 2)]}),
    "us-ca/SB53_2025_chaptered.txt": Expect({"article": [(1, 6)]}),
    "us-ca/SB1120_2024_chaptered.txt": Expect({"article": [(1, 3)]}),  # Markdown in a .txt: "**SECTION 1\\.**"
    "us-co/SB24-205_signed.pdf": Expect({"article": [(1, 3)]}),
    "us-tn/ELVIS_Act_HB2091_SB2096.pdf": Expect({"article": [(1, 13)]}),
    "us-md/HB338_2024_facial_recognition.md": Expect({"article": [(1, 2)]}),
    "au/Senate_Select_Committee_Adopting_AI_final_report.pdf": Expect({"chapter": [(1, 6)]}),
    # reports and guidance with headings but no numbered units: the generic checks only
    "gb/CP1019_pro-innovation_AI_regulation_response.pdf": Expect(),
    "gb/AI_Opportunities_Action_Plan.html": Expect(),
    "un/A-RES-78-265.pdf": Expect(),
    "coe/HUDERIA_methodology_CAI_2024_16rev2.pdf": Expect(),
    "ch/FINMA_guidance_08-2024_AI_governance.pdf": Expect(),
    # Bill C-27 enacts three acts, each numbering its sections from 1, inside the bill's own
    # sections: not a single sequence. Front-matter checks only (None).
    "ca/C-27_first_reading_EN_FR.pdf": None,
    "ca/C-27_E_parl.ca.xml": None,
}
SLOW = {"cn/genai_interim_measures_scanned.pdf", "ca/C-27_first_reading_EN_FR.pdf",
        "au/Senate_Select_Committee_Adopting_AI_final_report.pdf", "gb/CP1019_pro-innovation_AI_regulation_response.pdf"}


def _corpus_paths() -> list[str]:
    with open(SHARED / "corpus" / "documents.csv", newline="", encoding="utf-8") as f:
        return [row["path"] for row in csv.DictReader(f)]


def test_every_document_of_the_sample_corpus_has_expectations():
    assert sorted(EXPECT) == sorted(_corpus_paths())


@pytest.mark.parametrize("path", [pytest.param(p, marks=pytest.mark.slow) if p in SLOW else p for p in EXPECT])
def test_locators_tell_the_documents_structure(path):
    expect = EXPECT[path]
    drafts = passages(path)
    report = audit([d.locator for d in drafts], expect)
    problems = report.problems if expect is not None else [p for p in report.problems if "front matter" in p]
    assert not problems, (path, problems[:8])


def test_the_audit_catches_the_recorded_defects():
    """Break the locators the way issue 18 found them and the audit says so."""
    act = [d.locator for d in passages("eu/ai_act/AI_Act-EN.txt")]
    assert audit(act, Expect(AI_ACT)).ok
    # recitals 4–180 filed under "Article 16" (taken from "Article 16 TFEU" in recital 3)
    broken = [("Article 16 › (4)" if loc.startswith("Recital (") and int(loc[9:-1]) > 3 else loc) for loc in act]
    problems = audit(broken, Expect(AI_ACT)).problems
    assert any("recital: runs 1–3, expected 1–180" in p for p in problems), problems
    assert any("article 1 after article 16" in p or "article" in p for p in problems)
    # every passage of a report under its copyright notice
    assert any("front matter" in p for p in audit(["版权声明"] * 62).problems)
    # an article twice, one missing
    twice = [loc for loc in act if "Article 5 —" not in loc]
    assert any("missing" in p and "5" in p for p in audit(twice).problems)
    assert any("out of order" in p for p in audit(["Article 1", "Article 3", "Article 2"]).problems)


@pytest.mark.parametrize(("locator", "numbers"), [
    ("Chapter III › Section 2 › Article 14 — Human oversight › (1)", {"chapter": 3, "article": 14}),
    ("Recital (171)", {"recital": 171}),
    ("Annex XIII — Criteria for the designation", {"annex": 13}),
    ("제2장 › 제7조 — 국가인공지능위원회", {"chapter": 2, "article": 7}),
    ("第四章 › 第十八条", {"chapter": 4, "article": 18}),
    ("Chapter 291 › Section 1 › Chapter 25 — AI Transparency Act › 22757.1", {"chapter": 291, "article": 1}),
    ("Capítulo II › Seção I › Art. 5º › Parágrafo único", {"chapter": 2, "article": 5}),
    ("一、概述 › （一）人工智能风险挑战引发全球关注", {"chapter": 1}),
])
def test_unit_numbers_read_the_chunkers_labels(locator, numbers):
    assert unit_numbers(locator) == numbers
