"""HTML: main content only, headings from the markup, the same act as the text edition."""
from __future__ import annotations

import pytest

from pipeline.extract import extract
from pipeline.structure import segment
from tests.extraction_cache import extracted, passages


@pytest.mark.parametrize(("path", "article"), [("eu/ai_act/AI_Act-EN_eurlex.html", "Article 5"), ("eu/ai_act/AI_Act-NL_eurlex.html", "Artikel 5")])
def test_eurlex_html_articles_recitals_annexes(path, article):
    units = segment(extracted(path).blocks)
    assert len({u.label for u in units if u.kind == "article"}) == 113
    assert [u.label for u in units if u.kind == "recital"] == [f"Recital ({n})" for n in range(1, 181)]
    assert len({u.label for u in units if u.kind == "annex"}) == 13
    art5 = next(u for u in units if u.label == article)
    assert art5.title in ("Prohibited AI practices", "Verboden AI-praktijken")


def test_eurlex_html_marks_headings_from_oj_classes():
    blocks = extracted("eu/ai_act/AI_Act-EN_eurlex.html").blocks
    headings = {b.text for b in blocks if b.heading}
    assert {"Article 5", "Prohibited AI practices", "CHAPTER II"} <= headings


def test_eurlex_html_and_text_edition_agree():
    html = segment(extracted("eu/ai_act/AI_Act-EN_eurlex.html").blocks)
    text = segment(extracted("eu/ai_act/AI_Act-EN.txt").blocks)
    assert [u.locator for u in html if u.kind == "article"] == [u.locator for u in text if u.kind == "article"]
    art5 = [[b.text for b in u.blocks] for units in (html, text) for u in units if u.label == "Article 5"]
    assert art5[0] == art5[1]


def test_chinese_page_drops_site_chrome_and_finds_articles():
    drafts = passages("cn/genai_interim_measures_cac.htm")
    text = "\n".join(d.text for d in drafts)
    assert "设为首页" not in text and "加入收藏" not in text
    articles = [d.locator.split(" › ")[-1] for d in drafts if "条" in d.locator]
    assert articles[0] == "第一条" and "第二十四条" in articles
    # an article without a title of its own is named by its chapter (letter-spaced headings joined)
    assert next(d for d in drafts if "第一条" in d.locator).locator == "第一章 — 总则 › 第一条"
    assert {d.language for d in drafts} == {"zh-cn"}


def test_charset_from_http_header_and_meta():
    latin = "<html><body><main><p>Règlement sur l’intelligence artificielle, café crème.</p></main></body></html>"
    ex = extract(latin.encode("cp1252"), "text/html; charset=windows-1252", "page.html")
    assert "Règlement" in ex.text and "l’intelligence" in ex.text
    meta = '<html><head><meta charset="utf-8"></head><body><p>Verordening — artificiële intelligentie</p></body></html>'
    assert "artificiële" in extract(meta.encode("utf-8"), "text/html", "page.html").text


def test_utf8_page_without_declared_charset_is_not_mojibake():
    text = " ".join(d.text for d in passages("gb/AI_Opportunities_Action_Plan.html"))
    assert "world’s leading AI companies" in text
    assert "â€" not in text and "worldâ" not in text


def test_navigation_scripts_and_footers_are_dropped():
    page = b"""<html><head><title>t</title><script>var x = 1;</script></head><body>
    <header><nav><a href="/">Home</a> <a href="/a">Acts</a></nav></header>
    <div class="breadcrumb"><a href="/">Home</a> &gt; <a href="/x">Bills</a></div>
    <main><h1>Artificial Intelligence Act</h1><p>Article 1</p><p>Subject matter</p>
    <p>The purpose of this Regulation is to improve the functioning of the internal market.</p></main>
    <footer>Cookie policy and legal notice</footer></body></html>"""
    ex = extract(page, "text/html", "x.html")
    assert [b.text for b in ex.blocks] == ["Artificial Intelligence Act", "Article 1", "Subject matter",
                                          "The purpose of this Regulation is to improve the functioning of the internal market."]
    assert ex.blocks[0].heading


def test_europarl_motion_html(shared):
    data = (shared / "snapshot/bodies/eu/ep_howtheyvote/document_rc-10-2025-0249-en.html").read_bytes()
    ex = extract(data, "text/html", "document_rc-10-2025-0249-en.html")
    assert "JOINT MOTION FOR A RESOLUTION" in ex.text
    assert "1. Strongly condemns the violent actions of the Russian Federation" in ex.text


def test_eurlex_page_whose_article_markup_changed_fails_loudly():
    page = ("<html><body>" + "".join(
        f'<p class="oj-ti-art">Art-{n}</p><p class="oj-normal">Some text of article {n}.</p>' for n in range(1, 6)
    ) + "</body></html>").encode()
    from corpus.models import ProcessingStatus
    from pipeline.extract import ExtractionError

    with pytest.raises(ExtractionError) as err:
        extract(page, "text/html", "eurlex.html")
    assert err.value.status == ProcessingStatus.failed and "structure changed" in err.value.reason


def test_eurlex_method_is_recorded():
    assert extracted("eu/ai_act/AI_Act-EN_eurlex.html").method == "html:eurlex"
