"""Passages: sized for retrieval, inside one citable unit, never cut mid-sentence."""
from __future__ import annotations

import json
import re
import statistics

import pytest

from pipeline.chunk import chunk, sentences, words
from pipeline.extract import Block, Extraction
from tests.extraction_cache import extracted, passages

AI_ACT = {"en": "eu/ai_act/AI_Act-EN.txt", "fr": "eu/ai_act/AI_Act-FR.txt", "de": "eu/ai_act/AI_Act-DE.txt"}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize("lang", ["en", "fr", "de"])
def test_ai_act_passage_sizes_and_locators(lang):
    drafts = passages(AI_ACT[lang])
    sizes = [d.words for d in drafts]
    assert [d.seq for d in drafts] == list(range(len(drafts)))
    assert 100 <= statistics.median(sizes) <= 180
    assert max(sizes) <= 280
    assert sum(s < 20 for s in sizes) <= 2  # only a stray heading-less scrap, never a flood of fragments
    assert all(d.locator for d in drafts[1:])  # everything after the title block sits in a unit
    assert {d.language for d in drafts} == {lang}


@pytest.mark.parametrize("lang", ["en", "fr", "de"])
def test_ai_act_articles_and_recitals_in_passages(lang):
    drafts = passages(AI_ACT[lang])
    articles = {re.search(r"(\w+ \w+)(?= —)", d.locator).group(1) for d in drafts if "Chapter" in d.locator or "Kapitel" in d.locator or "Chapitre" in d.locator}
    assert len(articles) == 113
    recitals = [d.locator for d in drafts if d.locator.startswith("Recital")]
    assert len(set(recitals)) == 180
    # one recital per passage: a recital's text never shares a passage with the next recital
    assert all(re.fullmatch(r"Recital \(\d+\)", loc) for loc in recitals)


def test_article_5_locator_carries_title_and_paragraph():
    drafts = passages(AI_ACT["en"])
    art5 = [d for d in drafts if "Article 5 —" in d.locator]
    assert len(art5) >= 5  # a long article is split …
    assert all(d.locator.startswith("Chapter II › Article 5 — Prohibited AI practices") for d in art5)
    assert art5[0].locator == "Chapter II › Article 5 — Prohibited AI practices › (1)"
    assert art5[0].text.startswith("1. The following AI practices shall be prohibited:")
    # … and its passages, in order, give back the whole article text
    joined = _norm(" ".join(d.text for d in art5))
    assert "(h) the use of ‘real-time’ remote biometric identification systems" in joined
    assert joined.endswith("8. This Article shall not affect the prohibitions that apply where an AI practice infringes other Union law.")
    assert "Article 6" not in {d.locator.split(" — ")[0].split(" › ")[-1] for d in art5}
    short = [d for d in drafts if "Article 4 —" in d.locator]
    assert len(short) == 1 and short[0].locator == "Chapter I › Article 4 — AI literacy"


def test_passages_end_at_sentence_or_clause_boundaries():
    drafts = passages(AI_ACT["en"])
    ends = [d.text.rstrip()[-1] for d in drafts]
    ok = sum(ch in ".;:,)!?’”" for ch in ends)
    assert ok / len(ends) >= 0.97


def test_crosslingual_eval_sentences_survive_chunking(shared):
    """The eval matches whole sentences inside passages: no target may be cut in two."""
    norm = {lang: [_norm(d.text) for d in passages(path)] for lang, path in AI_ACT.items()}
    items = [json.loads(line) for line in (shared / "eval" / "crosslingual_dev.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(items) == 240
    missing = [it["id"] for it in items if not any(_norm(it["target_text"]) in p for p in norm[it["target_lang"]])]
    assert missing == []


def test_chunking_is_deterministic():
    path = "cn/genai_interim_measures_EN_translation.txt"
    assert chunk(extracted(path), "en") == list(passages(path))


def test_long_unit_splits_at_sentences_with_same_locator():
    sentence = "The provider shall keep the documentation up to date at all times and make it available on request."
    blocks = [Block("Article 7"), Block("Record keeping"), Block("1. " + " ".join([sentence] * 30)), Block("Article 8"), Block("Short text here.")]
    drafts = chunk(Extraction(blocks=blocks), "en", target_words=160)
    art7 = [d for d in drafts if d.locator.startswith("Article 7")]
    assert len(art7) >= 3
    assert all(d.locator == "Article 7 — Record keeping › (1)" for d in art7)
    assert all(d.text.endswith("request.") for d in art7)
    assert all(80 <= d.words <= 250 for d in art7)
    assert drafts[-1].locator == "Article 8" and drafts[-1].text == "Short text here."


def test_page_ranges_come_from_blocks():
    blocks = [Block("Article 1", page=3), Block("First sentence of the article text.", page=3), Block("It continues on the next page.", page=4)]
    (draft,) = chunk(Extraction(blocks=blocks, pages=4), "en")
    assert (draft.page_start, draft.page_end) == (3, 4)


def test_sentence_split_keeps_abbreviations():
    text = "See Art. 5 of the Act. It applies to U.S. persons, e.g. providers. Next sentence here."
    assert sentences(text) == ["See Art. 5 of the Act.", "It applies to U.S. persons, e.g. providers.", "Next sentence here."]


def test_cjk_word_count():
    assert words("生成式人工智能服务") == 5
    assert words("two words") == 2


def test_signatures_and_footnotes_do_not_join_the_last_article():
    drafts = passages(AI_ACT["en"])
    art113 = [d for d in drafts if "Article 113 —" in d.locator]
    assert art113 and not any("OJ C 517" in d.text or "METSOLA" in d.text for d in art113)
    signatures = [d for d in drafts if d.locator == "Signatures"]
    assert signatures and signatures[0].text.startswith("Done at Brussels, 13 June 2024.")
