"""UK spiders (legislation.gov.uk feeds + CLML, Bills API) against recorded responses."""
from __future__ import annotations

from crawlers.items import Link
from crawlers.spiders.uk_bills import UkBillsSpider
from crawlers.spiders.uk_legislation import UkLegislationSpider
from tests.crawl_helpers import make_spider, recorded, run, structure_errors

BILLS = "https://bills-api.parliament.uk/api/v1"


def test_legislation_feeds_paginate_and_link_clml():
    spider = make_spider(UkLegislationSpider)
    _, reqs = run(spider, spider.parse_feed, "http://www.legislation.gov.uk/new/data.feed")
    assert len(reqs) == 21  # 20 entries + page 2 (leg:morePages 12)
    assert reqs[0].url == "http://legislation.data.gov.uk/uksi/2015/2028/made/data.xml"
    # an entry whose XML alternate is missing gets {page}/data.xml on the feed's data host
    assert "http://legislation.data.gov.uk/wsi/2015/2016/made/data.xml" in [r.url for r in reqs]
    assert reqs[-1].url == "http://www.legislation.gov.uk/new/data.feed?page=2"
    _, reqs = run(spider, spider.parse_feed, "http://www.legislation.gov.uk/1110-2016/data.feed?page=1")
    assert reqs[-1].url == "http://www.legislation.gov.uk/1110-2016/data.feed?page=2"
    _, reqs = run(spider, spider.parse_feed, "http://www.legislation.gov.uk/1110-2016/data.feed?page=2")
    assert len(reqs) == 20  # max_pages=2: no page 3
    assert structure_errors(spider) == 0


def test_clml_documents():
    spider = make_spider(UkLegislationSpider)
    [item], _ = run(spider, spider.parse_clml, "http://legislation.data.gov.uk/uksi/2015/2003/made/data.xml")
    assert item.source_url == "http://www.legislation.gov.uk/uksi/2015/2003/made"
    assert item.title == "The Port of London Authority (Constitution) Harbour Revision Order 2015"
    assert (item.doc_type, item.date, item.status, item.language, item.jurisdiction) == (
        "act", "2015-12-09", "made", "en", "UK")
    assert item.identifiers["type"] == "UnitedKingdomStatutoryInstrument"
    assert (item.identifiers["year"], item.identifiers["number"]) == ("2015", "2003")
    assert item.identifiers["coming_into_force"] == "2015-12-31"
    assert item.links == [Link("pdf", "http://www.legislation.gov.uk/uksi/2015/2003/pdfs/uksi_20152003_en.pdf")]
    assert item.content_type == "application/xml" and item.body.startswith(b"<Legislation")
    titles = {}
    for url in ("http://legislation.data.gov.uk/nisr/2015/406/made/data.xml",
                "http://legislation.data.gov.uk/ssi/2015/424/made/data.xml",
                "http://legislation.data.gov.uk/wsi/2015/2016/made/data.xml"):
        [it], _ = run(spider, spider.parse_clml, url)
        titles[it.identifiers["type"]] = it.title
    assert titles == {
        "NorthernIrelandStatutoryRule": "The Smoke Control Areas (Exempted Fireplaces) (Amendment No.2) Regulations "
                                        "(Northern Ireland) 2015",
        "ScottishStatutoryInstrument": "Act of Sederunt (Sheriff Court Rules Amendment) (Miscellaneous) 2015",
        "WelshStatutoryInstrument": "The Swansea to Manchester Trunk Road (A483) and the Newtown to Aberystwyth Trunk "
                                    "Road (A489) (Newtown Bypass and De-Trunking) Order 2015",
    }


def test_bills_api_listing_bill_stages():
    spider = make_spider(UkBillsSpider)
    _, [detail] = run(spider, spider.parse_listing, f"{BILLS}/Bills?SortOrder=DateUpdatedDescending")
    assert detail.url == f"{BILLS}/Bills/2818"
    _, [stages] = run(spider, spider.parse_bill, detail.url)
    assert stages.url == f"{BILLS}/Bills/2818/Stages"
    [bill], [pubs] = run(spider, spider.parse_stages, stages.url, **stages.cb_kwargs)
    assert bill.source_url == "https://bills.parliament.uk/bills/2818"
    assert (bill.title, bill.doc_type, bill.date, bill.status) == (
        "Abolition of Business Rates Bill", "bill", "2021-01-12", "pending")
    assert bill.identifiers == {"bill_id": "2818", "long_title": "A Bill to abolish business rates; and for "
                                "connected purposes.", "current_stage": "2nd reading (Commons)",
                                "stages": "1R Commons; 2R Commons", "originating_house": "Commons"}
    assert pubs.url == f"{BILLS}/Bills/2818/Publications"


def test_bills_api_publications():
    spider = make_spider(UkBillsSpider)
    items, follow = run(spider, spider.parse_publications, f"{BILLS}/Bills/512/Publications")
    assert len(items) == 40 and follow == []  # 41 publications, two share one document; off-topic: not fetched
    act = items[0]
    assert (act.title, act.doc_type, act.date) == ("Constitutional Reform and Governance Act 2010 c.25", "act", "2010-04-12")
    assert act.source_url == "http://www.opsi.gov.uk/acts/acts2010/ukpga_20100025_en_1"  # the HTML link
    assert act.links == [Link("publication_of", "https://bills.parliament.uk/bills/512"),
                         Link("alternative", "http://www.opsi.gov.uk/acts/acts2010/pdf/ukpga_20100025_en.pdf")]
    kinds = {}
    for it in items:
        kinds[it.doc_type] = kinds.get(it.doc_type, 0) + 1
    assert kinds == {"act": 1, "other": 20, "amendment": 9, "committee_report": 5, "bill": 5}
    spider_all = make_spider(UkBillsSpider, fetch_all="1")
    _, follow = run(spider_all, spider_all.parse_publications, f"{BILLS}/Bills/512/Publications")
    assert len(follow) == 40 and follow[0].callback == spider_all.parse_document


def test_bills_api_unexpected_json_is_a_structure_error():
    spider = make_spider(UkBillsSpider)
    wrong = recorded(f"{BILLS}/BillTypes").replace(url=f"{BILLS}/Bills?SortOrder=DateUpdatedDescending")
    assert list(spider.parse_listing(wrong)) == []
    assert structure_errors(spider) == 1
