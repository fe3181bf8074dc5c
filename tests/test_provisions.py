"""Provision units from locators (index/provisions.py) on real locators and real documents."""
from __future__ import annotations

import pytest

from corpus.models import Passage
from index.provisions import provisions, select, unit_key
from tests.extraction_cache import passages as cut


def _passage(n: int, locator: str, text: str = "text", language: str = "en") -> Passage:
    return Passage(id=n + 1, document_id="d", version_id=1, seq=n, text=text, language=language, locator=locator, text_sha="x")


@pytest.mark.parametrize("locator, kind, number", [
    ("Chapter II › Article 5 — Prohibited AI practices › (1)–(3)", "article", "5"),
    ("Chapitre I › Article premier — Objet › (1)–(2)", "article", "1"),
    ("Kapitel III › Abschnitt 1 › Artikel 6 — Einstufungsvorschriften für Hochrisiko-KI-Systeme › (3)", "article", "6"),
    ("Capítulo III › Seção II › Art. 14", "article", "14"),
    ("Capítulo II › Seção I › Art. 5º › Parágrafo único", "article", "5"),
    ("제4장 › 제31조 — 인공지능 투명성 확보 의무", "article", "31"),
    ("第二章 › 第五条", "article", "5"),
    ("Section 1 › Part 17 — ARTIFICIAL INTELLIGENCE › 6-1-1702 — Developer duty to avoid algorithmic discrimination › (2)",
     "article", "6-1-1702"),
    ("Chapter 138 › Section 2 › 22757.11 › (a)", "article", "22757.11"),
    ("Part 1 — Obligations of Organizations › Consent › Section 15 — Consent required › (1)–(3)", "article", "15"),
    ("Recital (12)", "recital", "12"),
    ("Annex III — High-risk AI systems referred to in Article 6(2) › (7)", "annex", "III"),
    ("Anhang XI — Technische Dokumentation › Abschnitt 1 › (1)–(2)", "annex", "XI"),
    ("2.1 Governance", "heading", "2.1 Governance"),
    ("Signatures", "other", "Signatures"),
    ("", "other", ""),
])
def test_unit_key_of_real_locators(locator, kind, number):
    key = unit_key(_passage(0, locator)).key
    assert (key.kind, key.number) == (kind, number)


def test_articles_recitals_and_annexes_of_the_ai_act_in_three_languages(shared):
    for path in ("eu/ai_act/AI_Act-EN.txt", "eu/ai_act/AI_Act-FR.txt", "eu/ai_act/AI_Act-DE.txt"):
        units = provisions(_passage(n, d.locator, d.text, d.language) for n, d in enumerate(cut(path)))
        numbers = {k: [u.key.number for u in units if u.kind == k] for k in ("article", "recital", "annex")}
        assert numbers["article"] == [str(n) for n in range(1, 114)], path
        assert numbers["recital"] == [str(n) for n in range(1, 181)], path
        assert len(numbers["annex"]) == 13, path
        article5 = next(u for u in units if u.kind == "article" and u.key.number == "5")
        assert len(article5.passages) > 3 and article5.locator.endswith(("Prohibited AI practices", "Pratiques interdites en matière d’IA",
                                                                         "Verbotene Praktiken im KI-Bereich"))


def test_addenda_articles_are_a_second_series():
    units = provisions([_passage(0, "제1장 › 제1조 — 목적"), _passage(1, "제5장 › 제43조 — 과태료"),
                        _passage(2, "제5장 › 제1조 — 시행일")])
    assert [(u.key.number, u.key.series) for u in units] == [("1", 0), ("43", 0), ("1", 1)]


def test_recitals_filed_under_a_cross_reference_are_recitals():
    """The EP position PDF files recitals 4… under "Article 16" (TFEU, cited at a line start): they stay
    recitals, and a passage spanning two recitals is split where the next one opens."""
    units = provisions([
        _passage(0, "Recital (3)", "(3) Three."),
        _passage(1, "Article 16 › (4)–(5)", "(4) Four, continued. (5) Five starts here."),
        _passage(2, "Article 16 › (5)", "and ends here."),
        _passage(3, "Article 16 › (6)", "end of five. (6) Six."),
        _passage(4, "Chapter I › Article 1 — Subject matter › (1)", "1. The purpose."),
    ])
    assert [(u.kind, u.key.number) for u in units] == [("recital", n) for n in "3456"] + [("article", "1")]
    assert units[1].text == "(4) Four, continued." and units[2].text.startswith("(5) Five starts here.")
    assert units[2].passage_ids == [2, 3, 4] and units[2].text.endswith("end of five.") and units[3].text == "(6) Six."


def test_reports_count_their_headed_sections_as_articles():
    units = provisions([_passage(0, ""), _passage(1, "2.1 Governance"), _passage(2, "2.2 Inventory and risk classification")])
    assert [u.kind for u in select(units, "article")] == ["article", "article"]
