"""PDF extraction on the real prints: layout clean-up, structure, bilingual pages, unreadable files."""
from __future__ import annotations

import builtins
import io
import re

import pytest

from corpus.models import ProcessingStatus
from pipeline.extract import ExtractionError, extract
from pipeline.language import detect
from tests.extraction_cache import extracted, page_range_passages, passages

EO = "us/EO14110_FederalRegister.pdf"
C27 = "ca/C-27_first_reading_EN_FR.pdf"


def test_eo14110_has_no_running_header_footer_or_page_numbers():
    drafts = passages(EO)
    assert extracted(EO).pages == 36
    for d in drafts:
        assert "Federal Register / Vol. 88" not in d.text
        assert not re.search(r"VerDate|Jkt \d|PRESDOC|Sfmt", d.text)
        assert not re.search(r"(^|\n)752\d\d(\n|$)", d.text)  # Federal Register page numbers
        assert 1 <= d.page_start <= d.page_end <= 36


def test_eo14110_rejoins_hyphenated_words_and_keeps_reading_order():
    text = " ".join(d.text for d in passages(EO))
    assert "coordinated, Federal Government-wide approach" in text  # printed "coordi-" / "nated"
    assert "coordi- nated" not in text and "coordi-nated" not in text
    sections = [re.match(r"Section (\d+)", d.locator) for d in passages(EO)]
    numbers = [int(m.group(1)) for m in sections if m]
    assert numbers == sorted(numbers) and set(numbers) == set(range(1, 14))


def test_eo14110_section_locators_carry_titles():
    locators = {d.locator.split(" › ")[0] for d in passages(EO)}
    assert "Section 4 — Ensuring the Safety and Security of AI Technology" in locators
    assert "Section 1 — Purpose" in locators


def _purity(text: str, lang: str) -> float:
    """Share of the words of a passage that sit in lines detected as `lang` (short lines don't vote)."""
    total = hit = 0
    for line in text.split("\n"):
        n = len(line.split())
        found = detect(line)
        if n < 6 or found == "und":
            continue
        total += n
        hit += n if found == lang else 0
    return hit / total if total else 1.0


def _assert_bilingual(drafts, min_each):
    body = [d for d in drafts if d.words >= 30]
    by_lang = {lang: [d for d in body if d.language == lang] for lang in ("en", "fr")}
    assert len(by_lang["en"]) >= min_each and len(by_lang["fr"]) >= min_each
    assert {d.language for d in body} == {"en", "fr"}
    for lang, group in by_lang.items():
        purities = [_purity(d.text, lang) for d in group]
        assert sum(purities) / len(purities) > 0.95, lang
        # a rare passage quotes the other language (bilingual titles in the schedule and back cover)
        assert sum(p > 0.95 for p in purities) >= 0.9 * len(purities), lang


def test_c27_bilingual_pages_give_separate_english_and_french_passages():
    drafts = page_range_passages(C27, 13, 36, "en+fr")  # body pages: English left, French right
    _assert_bilingual(drafts, 25)
    # the same page yields both languages, each cited in its own tradition (page 21 of the print is 9 here)
    page = [d for d in drafts if d.page_start == 9]
    assert any(d.language == "en" and "Section 9 — Privacy management program" in d.locator for d in page)
    assert any(d.language == "fr" and "Article 9 — Programme de gestion" in d.locator for d in page)


@pytest.mark.slow
def test_c27_whole_print_is_split_by_language():
    drafts = passages(C27)
    _assert_bilingual([d for d in drafts if d.page_start >= 13], 200)


def test_c27_margin_line_numbers_are_dropped():
    text = " ".join(d.text for d in page_range_passages(C27, 13, 36, "en+fr") if d.page_start == 9)
    assert "personal information 25 to a service provider" not in text
    assert "personal information to a service provider" in text


def test_brazil_pl2338_articles():
    drafts = passages("br/PL2338_2023_Senado.pdf")
    labels = {m.group(0) for d in drafts if (m := re.search(r"Art\. \d+º?", d.locator))}
    numbers = {int(re.search(r"\d+", label).group()) for label in labels}
    assert numbers == set(range(1, 46))
    assert "Art. 1º" in labels and "Art. 10" in labels
    art1 = next(d for d in drafts if "Art. 1º" in d.locator)
    assert art1.locator == "Capítulo I — DISPOSIÇÕES PRELIMINARES › Art. 1º" and art1.text.startswith("Esta Lei estabelece normas gerais")
    assert {d.language for d in drafts} == {"pt"}


def test_colorado_sb24_205_sections():
    drafts = passages("us-co/SB24-205_signed.pdf")
    top = {d.locator.split(" › ")[0] for d in drafts if d.locator}
    assert {"Section 1", "Section 2", "Section 3"} <= top
    statute = {d.locator.split(" › ")[2] for d in drafts if d.locator.startswith("Section 1 › Part 17")}
    assert {s.split(" — ")[0] for s in statute} == {f"6-1-170{n}" for n in range(1, 8)}
    assert "6-1-1701 — Definitions" in statute


def test_korean_and_taiwanese_articles():
    ko = passages("kr/AI_Basic_Act_committee_alternative_bill_6772.pdf")
    assert any(d.locator == "제1장 › 제1조 — 목적" for d in ko)
    assert {d.language for d in ko} == {"ko"}
    tw = passages("tw/AI_Basic_Act_draft.pdf")
    assert {d.language for d in tw} == {"zh-tw"}
    assert {d.locator.split(" › ")[0] for d in tw if d.locator} >= {"第一條", "第十八條"}


def test_wrong_metadata_language_does_not_win():
    """PE-CONS 30/26 is Dutch whatever the metadata says."""
    drafts = page_range_passages("eu/PE-CONS-30-2026-INIT_nl.pdf", 1, 20, "en")
    assert len(drafts) > 10
    assert sum(d.language == "nl" for d in drafts) >= 0.95 * len(drafts)


def test_encrypted_pdf_with_empty_user_password_opens():
    ex = extracted("cn/AI_risk_governance_report_2024_encrypted.pdf")
    assert ex.pages == 37
    assert "人工智能" in ex.text
    assert {d.language for d in passages("cn/AI_risk_governance_report_2024_encrypted.pdf")} == {"zh-cn"}


def test_pdf_with_a_real_password_is_encrypted(shared):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(shared / "corpus" / "us-tn/ELVIS_Act_HB2091_SB2096.pdf"))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-256")
    buf = io.BytesIO()
    writer.write(buf)
    with pytest.raises(ExtractionError) as err:
        extract(buf.getvalue(), "application/pdf", "locked.pdf")
    assert err.value.status == ProcessingStatus.encrypted


@pytest.mark.parametrize("cut", [0.5, 0.1])
def test_truncated_pdf_fails_with_the_parser_reason(shared, cut):
    data = (shared / "corpus" / "us-tn/ELVIS_Act_HB2091_SB2096.pdf").read_bytes()
    with pytest.raises(ExtractionError) as err:
        extract(data[: int(len(data) * cut)], "application/pdf", "cut.pdf")
    assert err.value.status == ProcessingStatus.failed
    assert err.value.reason


def test_scanned_pdf_needs_ocr_without_the_ocr_extra(shared, monkeypatch):
    real_import = builtins.__import__

    def no_ocr(name, *args, **kwargs):
        if name in ("pytesseract", "pypdfium2"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ocr)
    data = (shared / "corpus" / "cn/genai_interim_measures_scanned.pdf").read_bytes()
    with pytest.raises(ExtractionError) as err:
        extract(data, "application/pdf", "scan.pdf", "zh-cn")
    assert err.value.status == ProcessingStatus.needs_ocr


def test_scanned_pdf_needs_ocr_when_the_language_pack_is_missing(shared, monkeypatch):
    """With or without the OCR extra installed, a document whose language pack is missing is needs_ocr."""
    import pipeline.extract.ocr as ocr

    monkeypatch.setitem(ocr._TESSERACT_LANG, "zh-cn", "xxx_missing")
    data = (shared / "corpus" / "cn/genai_interim_measures_scanned.pdf").read_bytes()
    with pytest.raises(ExtractionError) as err:
        extract(data, "application/pdf", "scan.pdf", "zh-cn")
    assert err.value.status == ProcessingStatus.needs_ocr


@pytest.mark.slow
def test_scanned_pdf_is_read_by_ocr_when_installed(shared):
    """Needs the `ocr` extra (pytesseract, pypdfium2) and tesseract-ocr-chi-sim from Debian."""
    data = (shared / "corpus" / "cn/genai_interim_measures_scanned.pdf").read_bytes()
    ex = extract(data, "application/pdf", "scan.pdf", "zh-cn")
    assert ex.method == "pdf+ocr" and ex.pages == 3
    assert "生成式人工智能" in ex.text
    from pipeline.chunk import chunk

    drafts = chunk(ex, "zh-cn")
    assert {d.language for d in drafts} == {"zh-cn"}
    assert any(d.locator.startswith("第") for d in drafts)


def test_oj_print_recitals_are_sequential_despite_footnotes():
    from pipeline.structure import segment
    from tests.extraction_cache import pdf_pages

    ex = extract(pdf_pages("eu/ai_act/AI_Act-EN_OJ.pdf", 1, 12), "application/pdf", "oj.pdf", "en")
    recitals = [u.label for u in segment(ex.blocks) if u.kind == "recital"]
    assert len(recitals) > 40
    assert recitals == [f"Recital ({n})" for n in range(1, len(recitals) + 1)]


@pytest.mark.slow
def test_oj_print_has_the_acts_structure():
    from pipeline.structure import segment

    units = segment(extracted("eu/ai_act/AI_Act-EN_OJ.pdf").blocks)
    assert len({u.label for u in units if u.kind == "article"}) == 113
    assert len([u for u in units if u.kind == "recital"]) == 180
    art5 = next(u for u in units if u.label == "Article 5")
    assert art5.title == "Prohibited AI practices" and art5.path[0] == "Chapter II"
