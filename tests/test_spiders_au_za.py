"""Australian (ParlInfo Hansard) and South African (question papers) spiders against recorded responses
(../shared/snapshot-2)."""
from __future__ import annotations

import asyncio

from crawlers.items import Link
from crawlers.spiders.parliament_za import BASE, ParliamentZaSpider
from crawlers.spiders.parlinfo_au import ParlinfoAuSpider, display_url
from tests.crawl_helpers import make_spider, recorded, run, structure_errors

HANSARD_XML = ("https://parlinfo.aph.gov.au/parlInfo/download/chamber/hansards/29206/toc_unixml/"
               "Senate_2026_03_04.xml;fileType=text%2Fxml")
PAPER = f"{BASE}commonrepository/Processed/20130812/529998_1.pdf"


def test_parlinfo_display_links_the_days_hansard_xml():
    spider = make_spider(ParlinfoAuSpider)
    [seed] = asyncio.run(_seeds(spider))
    assert seed.url == ("https://parlinfo.aph.gov.au/parlInfo/search/display/display.w3p;adv=yes;"
                        "orderBy=_fragment_number,doc_date-rev;page=0;query=Dataset:hansards,hansards80%20Date:"
                        "4%2F3%2F2026;rec=0;resCount=Default")
    assert display_url("2026-03-04", "reps").count("hansardr,hansardr80") == 1
    items, [xml] = run(spider, spider.parse_display, seed.url)
    assert items == [] and xml.url == HANSARD_XML
    assert (xml.cb_kwargs["parliament"], xml.cb_kwargs["system_id"]) == ("48", "chamber/hansards/29206/0000")
    [day], follow = run(spider, spider.parse_hansard, xml.url, **xml.cb_kwargs)
    assert follow == []
    assert (day.source_url, day.title, day.jurisdiction, day.doc_type, day.date, day.status, day.language) == (
        HANSARD_XML, "Senate Hansard, Wednesday 4 March 2026 (proof)", "AU", "debate", "2026-03-04", "proof", "en")
    assert day.identifiers == {"chamber": "Senate", "parliament": "48", "system_id": "chamber/hansards/29206/0000",
                               "speeches": "150", "debates": "37"}
    assert day.links == [Link("display", seed.url), Link("alternative", "https://parlinfo.aph.gov.au/parlInfo/"
                                                         "download/chamber/hansards/29206/toc_pdf/"
                                                         "Senate_2026_03_04.pdf;fileType=application%2Fpdf")]
    # the day's text is scored: senators spoke about artificial intelligence, so it passes the default gate
    assert day.relevance >= 0.3 and "artificial intelligence" in day.ai_terms
    assert len(day.body) == 1735337 and day.content_type.startswith("text/xml")
    assert structure_errors(spider) == 0


def test_parlinfo_a_display_without_the_xml_link_is_a_structure_error():
    spider = make_spider(ParlinfoAuSpider)
    wrong = recorded(f"{BASE}content.php?Category_ID=236").replace(url=display_url("2026-03-04"))
    assert list(spider.parse_display(wrong)) == []
    assert structure_errors(spider) == 1


def test_za_listings_are_question_documents():
    spider = make_spider(ParliamentZaSpider)  # default relevance: titles say nothing of AI, no file fetched
    counts = {}
    for url in ParliamentZaSpider.seeds:
        items, requests = run(spider, spider.parse_listing, url)
        assert requests == []  # max_pages=1 and nothing relevant to fetch
        counts[url] = len(items)
    assert list(counts.values()) == [10, 10, 10]
    items, _ = run(spider, spider.parse_listing, ParliamentZaSpider.seeds[2])
    paper = next(i for i in items if i.source_url == PAPER)
    assert (paper.title, paper.doc_type, paper.jurisdiction, paper.date, paper.language) == (
        "Internal question paper QN130808.i25E (National Assembly, 08 August 2013)", "question", "ZA", "2013-08-08",
        "en")
    assert paper.identifiers == {"document_name": "QN130808.i25E", "document_number": "529998",
                                 "house": "National Assembly", "category": "236"}
    assert paper.links == [Link("listed_in", ParliamentZaSpider.seeds[2])]
    assert [i.language for i in items[:2]] == ["en", "af"]  # English and Afrikaans papers
    replies, _ = run(spider, spider.parse_listing, ParliamentZaSpider.seeds[1])
    assert replies[0].title == "Written reply to questions RNW2356-131003 (National Assembly, 03 October 2013)"
    assert replies[0].source_url.endswith("/Processed/20131007/543139_1.doc")
    assert structure_errors(spider) == 0


def test_za_papers_are_fetched_when_wanted_and_kept_when_missing():
    spider = make_spider(ParliamentZaSpider, settings={"AILEX_MIN_RELEVANCE": 0})
    items, requests = run(spider, spider.parse_listing, ParliamentZaSpider.seeds[2])
    assert items == [] and len(requests) == 10
    request = next(r for r in requests if r.url == PAPER)
    assert request.meta["ailex_on_missing"] == "record_only"
    [paper], _ = run(spider, spider.parse_document, PAPER, **request.cb_kwargs)
    assert paper.body[:5] == b"%PDF-" and paper.content_type == "application/pdf" and paper.filename == "529998_1.pdf"
    assert paper.title == "Internal question paper QN130808.i25E (National Assembly, 08 August 2013)"
    # an unrecorded paper (404): the listing's record is stored without the file
    other = next(r for r in requests if r.url != PAPER)
    [record] = list(spider.record_only(**other.cb_kwargs))
    assert record.source_url == other.url and record.body is None


def test_za_a_page_without_document_rows_is_a_structure_error():
    spider = make_spider(ParliamentZaSpider)
    wrong = recorded(display_url("2026-03-04")).replace(url=ParliamentZaSpider.seeds[0])
    assert list(spider.parse_listing(wrong)) == []
    assert structure_errors(spider) == 1


async def _seeds(spider):
    return [r async for r in spider.start()]
