"""Plain text and Markdown, and the dispatch contract of `extract`."""
from __future__ import annotations

import re

import pytest

from corpus.models import ProcessingStatus
from pipeline.extract import ExtractionError, extract
from tests.extraction_cache import extracted, passages


def test_ai_act_text_blocks_and_headings_without_blank_lines():
    blocks = [b.text for b in extracted("eu/ai_act/AI_Act-EN.txt").blocks]
    assert "ANNEX II" in blocks  # printed right after a paragraph, no blank line between
    assert "1. The following AI practices shall be prohibited:" in blocks  # runs of spaces collapsed


def test_us_text_bills_keep_line_paragraphs():
    drafts = passages("us-ca/SB53_2025_chaptered.txt")
    assert drafts and all(d.words <= 260 for d in drafts)
    sections = {m.group(0) for d in drafts if (m := re.search(r"Section \d+", d.locator))}
    assert sections == {f"Section {n}" for n in range(1, 7)}
    assert any(d.locator.endswith("Section 2 › 22757.12 › (a)") for d in drafts)


def test_english_translation_of_chinese_measures_has_articles():
    drafts = passages("cn/genai_interim_measures_EN_translation.txt")
    articles = {m.group(0) for d in drafts if (m := re.search(r"Article \d+", d.locator))}
    assert articles == {f"Article {n}" for n in range(1, 25)}


def test_markdown_headings_and_code_fences():
    drafts = passages("us-md/HB338_2024_facial_recognition.md")
    assert drafts and not any("```" in d.text for d in drafts)
    assert drafts[0].locator == "Maryland Facial Recognition Laws"  # a Markdown heading
    # the pasted print keeps its statute sections, without the margin line numbers
    assert {d.locator.split(" › ")[1] for d in drafts if d.locator.startswith("Section 1 › ")} >= {"2–501", "2–503", "2–510"}
    assert any(d.text.startswith("(C) “LAW ENFORCEMENT AGENCY” HAS THE MEANING") or "\n(C) “LAW ENFORCEMENT AGENCY”" in d.text for d in drafts)


@pytest.mark.parametrize(
    ("content_type", "filename", "method"),
    [("text/plain; charset=utf-8", "a.txt", "text"), ("", "a.md", "text"), ("application/octet-stream", "a.htm", "html"),
     ("text/xml", "a", "xml"), ("", "noext", "html")],
)
def test_dispatch_by_type_extension_or_content(content_type, filename, method):
    data = b"<html><body><p>Artificial intelligence act text.</p></body></html>" if method == "html" else (
        b"<r><p>Artificial intelligence act text.</p></r>" if method == "xml" else b"Artificial intelligence act text.")
    assert extract(data, content_type, filename).method.startswith(method)


def test_charset_from_content_type():
    ex = extract("Règlement général".encode("latin-1"), "text/plain; charset=ISO-8859-1", "a.txt")
    assert ex.text == "Règlement général"


@pytest.mark.parametrize("data", [b"", b"   \n\n  "])
def test_empty_files_are_empty(data):
    with pytest.raises(ExtractionError) as err:
        extract(data, "text/plain", "a.txt")
    assert err.value.status == ProcessingStatus.empty


def test_unexpected_errors_become_failed(monkeypatch):
    import pipeline.extract.text as text_module

    def boom(*args, **kwargs):
        raise RuntimeError("parser exploded")

    monkeypatch.setattr(text_module, "extract_text", boom)
    with pytest.raises(ExtractionError) as err:
        extract(b"hello", "text/plain", "a.txt")
    assert err.value.status == ProcessingStatus.failed and "parser exploded" in err.value.reason


def test_unsupported_type_fails():
    with pytest.raises(ExtractionError) as err:
        extract(b"\x89PNG\r\n\x1a\n....", "image/png", "x.png")
    assert err.value.status == ProcessingStatus.failed
