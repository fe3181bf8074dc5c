"""Heading recognition across drafting traditions, and units on the real acts."""
from __future__ import annotations

import pytest

from pipeline.extract import Block
from pipeline.structure import ARTICLE, CHAPTER, GROUP, PART, parse_heading, segment
from tests.extraction_cache import extracted


@pytest.mark.parametrize(
    ("text", "label", "rest"),
    [
        ("Article 5", "Article 5", ""),
        ("Artikel 5", "Artikel 5", ""),
        ("Artículo 5", "Artículo 5", ""),
        ("Articolo 5", "Articolo 5", ""),
        ("Artigo 5.o", "Artigo 5.o", ""),
        ("Artigo 5º", "Artigo 5º", ""),
        ("Article premier", "Article premier", ""),
        ("Art. 5º Esta Lei estabelece normas gerais", "Art. 5º", "Esta Lei estabelece normas gerais"),
        ("Art. 12. Os agentes de inteligência artificial", "Art. 12", "Os agentes de inteligência artificial"),
        ("Sec. 5. Promoting Innovation and Competition. (a) text", "Section 5", "(a) text"),
        ("SECTION 1. In Colorado Revised Statutes, add part 17", "Section 1", "In Colorado Revised Statutes, add part 17"),
        ("제5조(국가 등의 책무) 국가와 지방자치단체는", "제5조", "국가와 지방자치단체는"),
        ("第五条 提供者应当", "第五条", "提供者应当"),
        ("第十一條 政府應", "第十一條", "政府應"),
        ("Article 1 These Measures are formulated", "Article 1", "These Measures are formulated"),
    ],
)
def test_article_headings(text, label, rest):
    heading = parse_heading(text)
    assert heading is not None and heading.level == ARTICLE
    assert heading.label == label
    assert heading.rest == rest


def test_inline_title_of_us_sections():
    heading = parse_heading("Sec. 2. Policy and Principles. It is the policy of my Administration")
    assert heading.title == "Policy and Principles"
    assert heading.rest.startswith("It is the policy")


@pytest.mark.parametrize(
    ("text", "level", "label"),
    [
        ("CHAPTER II", CHAPTER, "Chapter II"),
        ("CAPÍTULO I", CHAPTER, "Capítulo I"),
        ("SECTION 2", GROUP, "Section 2"),
        ("ANNEX III", PART, "Annex III"),
        ("ANHANG III", PART, "Anhang III"),
        ("제2장 인공지능산업 육성", CHAPTER, "제2장"),
        ("第二章 技术发展与治理", CHAPTER, "第二章"),
    ],
)
def test_container_headings(text, level, label):
    heading = parse_heading(text)
    assert heading is not None and (heading.level, heading.label) == (level, label)


@pytest.mark.parametrize(
    "text",
    [
        "Article 18 of Regulation (EU) 2019/1020 shall apply mutatis mutandis",
        "Article 6(1) and (2) shall apply",
        "Section 22757.11 of the Business and Professions Code is amended",
        "The Commission shall adopt guidelines.",
    ],
)
def test_cross_references_are_not_headings(text):
    assert parse_heading(text) is None


def test_numbering_must_move_forward():
    blocks = [Block("Article 1"), Block("Title one"), Block("Text one."), Block("Article 3"), Block("Text three."),
              Block("Article 2"), Block("of the Treaty applies."), Block("Article 4"), Block("Text four.")]
    units = segment(blocks)
    assert [u.label for u in units] == ["Article 1", "Article 3", "Article 4"]
    assert units[0].title == "Title one"


@pytest.mark.parametrize(
    ("path", "article_word"),
    [("eu/ai_act/AI_Act-EN.txt", "Article"), ("eu/ai_act/AI_Act-FR.txt", "Article"), ("eu/ai_act/AI_Act-DE.txt", "Artikel"),
     ("eu/ai_act/AI_Act-ES.txt", "Artículo"), ("eu/ai_act/AI_Act-IT.txt", "Articolo"), ("eu/ai_act/AI_Act-PT.txt", "Artigo")],
)
def test_ai_act_text_has_113_articles_and_180_recitals(path, article_word):
    units = segment(extracted(path).blocks)
    articles = [u for u in units if u.kind == "article"]
    recitals = [u for u in units if u.kind == "recital"]
    assert len({u.label for u in articles}) == 113
    assert all(u.label.startswith(article_word) for u in articles)
    assert [u.label for u in recitals] == [f"Recital ({n})" for n in range(1, 181)]
    annexes = [u for u in units if u.kind == "annex"]
    assert len({u.label for u in annexes}) == 13


def test_ai_act_article_5_title_and_chapter():
    units = segment(extracted("eu/ai_act/AI_Act-EN.txt").blocks)
    article5 = next(u for u in units if u.label == "Article 5")
    assert article5.title == "Prohibited AI practices"
    assert article5.path == ["Chapter II", "Article 5 — Prohibited AI practices"]
    article9 = next(u for u in units if u.label == "Article 9")
    assert article9.path == ["Chapter III", "Section 2", "Article 9 — Risk management system"]
