"""US spiders against recorded congress.gov API v3 and govinfo responses: exact fields parsed."""
from __future__ import annotations

from crawlers.items import Link
from crawlers.spiders.congress import CongressSpider
from crawlers.spiders.govinfo import GovinfoSpider
from tests.crawl_helpers import make_spider, run, structure_errors

API = "https://api.congress.gov/v3"


def test_congress_listings_follow_every_bill():
    spider = make_spider(CongressSpider)
    for url in (f"{API}/bill?format=json", f"{API}/bill/117?format=json", f"{API}/bill/117/hr?format=json"):
        items, requests = run(spider, spider.parse_listing, url)
        assert items == [] and len(requests) == 20  # max_pages=1: no next page
        assert all(r.callback == spider.parse_bill for r in requests)
    assert requests[0].url == f"{API}/bill/117/hr/3617?format=json"
    spider2 = make_spider(CongressSpider, max_pages="2")
    _, requests = run(spider2, spider2.parse_listing, f"{API}/bill/117/hr?format=json")
    assert requests[-1].url == f"{API}/bill/117/hr?offset=20&limit=20&format=json"
    assert structure_errors(spider) == 0


def test_congress_bill_detail_and_text_versions():
    spider = make_spider(CongressSpider, settings={"AILEX_CONGRESS_API_KEY": "k-123"})
    items, [actions] = run(spider, spider.parse_bill, f"{API}/bill/117/hr/21?format=json")
    assert items == [] and actions.url == f"{API}/bill/117/hr/21/actions?format=json"  # the timeline first
    assert actions.headers["X-Api-Key"] == b"k-123" and actions.meta["ailex_on_missing"] == "bill_record"
    items, requests = run(spider, spider.parse_actions, actions.url, **actions.cb_kwargs)
    [bill] = items
    # 10 actions, the same step reported by two systems once: introduced, referred, passed the House, to the Senate
    assert len(bill.actions) == 9
    assert [(a.date, a.stage.value) for a in bill.actions if a.stage.value != "other"] == [
        ("2021-01-04", "introduced"), ("2021-01-04", "in_committee"), ("2021-01-05", "passed_first_chamber"),
        ("2021-01-06", "in_committee")]
    assert bill.actions[-1].body == "Homeland Security and Governmental Affairs Committee"
    # without its actions (not published, 404) the bill is still recorded, with no timeline
    [alone, _] = list(spider.bill_record(**actions.cb_kwargs))
    assert (alone.source_url, alone.title, alone.actions) == (f"{API}/bill/117/hr/21?format=json",
                                                              "FedRAMP Authorization Act", [])
    assert (bill.title, bill.doc_type, bill.date, bill.status, bill.language, bill.jurisdiction) == (
        "FedRAMP Authorization Act", "bill", "2021-01-04", "pending", "en", "US")
    assert bill.source_url == f"{API}/bill/117/hr/21?format=json"
    assert bill.identifiers["bill"] == "H.R. 21 (117th Congress)"
    assert bill.identifiers["policy_area"] == "Government Operations and Politics"
    assert bill.body is None and bill.relevance == 0.0
    assert bill.links == [Link("text_versions", f"{API}/bill/117/hr/21/text?format=json")]
    [text_list] = requests
    assert text_list.headers["X-Api-Key"] == b"k-123" and "api_key" not in text_list.url
    # text documents are fetched for AI-relevant bills only
    kwargs = dict(bill_url=bill.source_url, bill_title=bill.title, identifiers=bill.identifiers)
    _, off_topic = run(spider, spider.parse_text_versions, text_list.url, relevance=0.0, **kwargs)
    assert off_topic == []
    _, texts = run(spider, spider.parse_text_versions, text_list.url, relevance=0.9, **kwargs)
    assert [r.url for r in texts] == [
        "https://www.congress.gov/117/bills/hr21/BILLS-117hr21rfs.htm",
        "https://www.congress.gov/117/bills/hr21/BILLS-117hr21eh.htm",
        "https://www.congress.gov/117/bills/hr21/BILLS-117hr21ih.htm",
    ]
    assert [r.cb_kwargs["version"] for r in texts] == ["Referred in Senate", "Engrossed in House", "Introduced in House"]
    assert texts[2].cb_kwargs["date"] == "2021-01-04"


def test_govinfo_collections_packages_summary():
    spider = make_spider(GovinfoSpider)
    _, [req] = run(spider, spider.parse_collections, "https://api.govinfo.gov/collections?api_key=DEMO_KEY")
    assert req.url == "https://api.govinfo.gov/collections/BILLS/2018-01-01T00:00:00Z/?offset=0&pageSize=100&api_key=DEMO_KEY"
    _, reqs = run(spider, spider.parse_packages, req.url)
    assert len(reqs) == 100
    assert reqs[2].url == "https://api.govinfo.gov/packages/BILLS-115hr1625enr/summary?api_key=DEMO_KEY"
    [item], follow = run(spider, spider.parse_summary, reqs[2].url)
    assert item.source_url == "https://api.govinfo.gov/packages/BILLS-115hr1625enr/summary"  # no key stored
    assert item.title.startswith("An Act To amend the State Department Basic Authorities Act of 1956")
    assert (item.date, item.status, item.doc_type) == ("2018-04-14", "enacted", "bill")
    assert item.identifiers == {"package_id": "BILLS-115hr1625enr", "congress": "115", "bill_type": "HR",
                                "bill_number": "1625", "text_version": "Enrolled Bill"}
    assert [r.url for r in follow] == ["https://www.govinfo.gov/bulkdata/BILLSTATUS/115/hr/BILLSTATUS-115hr1625.xml"]


def test_govinfo_billstatus_and_bill_text():
    spider = make_spider(GovinfoSpider)
    expected = {
        "BILLSTATUS-117hr1.xml": ("For the People Act of 2021", "2021-01-04", 3, ""),
        "BILLSTATUS-117s35.xml": ("Officer Eugene Goodman Congressional Gold Medal Act", "2021-01-22", 2, ""),
        "BILLSTATUS-117hr6658.xml": ("Protecting Family and Small Business Tax Cuts Act of 2022", "2022-02-09", 1, ""),
        "BILLSTATUS-116s832.xml": ("A bill to nullify the Supplemental Treaty Between the United States of America and "
                                   "the Confederated Tribes and Bands of Indians of Middle Oregon, concluded on "
                                   "November 15, 1865.", "2019-03-14", 4, "S. Rept. 116-45"),
        "BILLSTATUS-116hr5240.xml": ("To amend the Internal Revenue Code of 1986 to make the look-thru rule for related "
                                     "controlled foreign corporations permanent.", "2019-11-21", 1, ""),
    }
    for url in GovinfoSpider.seeds[1:6]:
        [item], _ = run(spider, spider.parse_billstatus, url)
        title, date, versions, reports = expected[url.rsplit("/", 1)[1]]
        assert (item.title, item.date, item.status) == (title, date, "pending")
        assert sum(l.relation == "text_version" for l in item.links) == versions
        assert item.identifiers["committee_reports"] == reports
        assert item.body and item.content_type == "application/xml"
    [item], _ = run(spider, spider.parse_billstatus, GovinfoSpider.seeds[4])
    assert Link("committee_report", "https://www.govinfo.gov/app/details/CRPT-116srpt45") in item.links
    assert item.identifiers["related_bills"] == "116-HR1803"
    [text], _ = run(spider, spider.parse_text, GovinfoSpider.seeds[6])
    assert text.title == ("H. R. 9025 (Introduced-in-House): To designate the facility of the United States Postal "
                          "Service located at 200 1st Avenue Southeast in Austin, Minnesota, as the “John Madden "
                          "Memorial Post Office”.")
    assert text.date == "2026-05-26"
    assert text.identifiers == {"congress": "119", "bill_type": "HR", "bill_number": "9025",
                                "text_version": "Introduced in House", "package_id": "BILLS-119hr9025ih"}
    assert structure_errors(spider) == 0


def test_congress_needs_an_api_key_to_crawl_live():
    import asyncio

    async def seeds(spider):
        return [r async for r in spider.start()]

    live = make_spider(CongressSpider)
    assert asyncio.run(seeds(live)) == [] and "AILEX_CONGRESS_API_KEY" in live.fatal
    replay = make_spider(CongressSpider, settings={"AILEX_REPLAY_URL": "http://127.0.0.1:9"})
    assert [r.url for r in asyncio.run(seeds(replay))] == list(CongressSpider.seeds)
    keyed = make_spider(CongressSpider, settings={"AILEX_CONGRESS_API_KEY": "k"})
    assert all(r.headers["X-Api-Key"] == b"k" for r in asyncio.run(seeds(keyed)))
