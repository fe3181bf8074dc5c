"""US govinfo (GPO): collections → BILLS packages changed since a date → package summary →
BILLSTATUS XML (bill status: actions, committees, text versions, committee reports) → bill text.

API key: AILEX_GOVINFO_API_KEY (default DEMO_KEY, rate-limited), sent as `api_key` in the query
as the govinfo API documents it. `-a since=2024-01-01T00:00:00Z` (or `-a since=7d`) picks the change window;
`-a max_pages=N` follows `nextPage`. BILLSTATUS files of watched bills are seeds too.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from parsel import Selector

from crawlers.items import Link
from crawlers.spiders.base import AilexSpider, StructureError, clean, load_json, require, strict

API = "https://api.govinfo.gov"
VERSION_NAMES = {"ih": "Introduced in House", "is": "Introduced in Senate", "enr": "Enrolled Bill",
                 "eh": "Engrossed in House", "es": "Engrossed in Senate", "rh": "Reported in House",
                 "rs": "Reported in Senate", "rfs": "Referred in Senate", "rfh": "Referred in House",
                 "rds": "Received in Senate", "rdh": "Received in House", "pcs": "Placed on Calendar Senate"}


class GovinfoSpider(AilexSpider):
    name = "govinfo"
    jurisdiction = "US"
    allowed_domains = ["api.govinfo.gov", "www.govinfo.gov", "govinfo.gov"]
    seeds = (
        f"{API}/collections",
        "https://www.govinfo.gov/bulkdata/BILLSTATUS/117/hr/BILLSTATUS-117hr1.xml",
        "https://www.govinfo.gov/bulkdata/BILLSTATUS/117/s/BILLSTATUS-117s35.xml",
        "https://www.govinfo.gov/bulkdata/BILLSTATUS/117/hr/BILLSTATUS-117hr6658.xml",
        "https://www.govinfo.gov/bulkdata/BILLSTATUS/116/s/BILLSTATUS-116s832.xml",
        "https://www.govinfo.gov/bulkdata/BILLSTATUS/116/hr/BILLSTATUS-116hr5240.xml",
        "https://www.govinfo.gov/content/pkg/BILLS-119hr9025ih/html/BILLS-119hr9025ih.htm",
    )
    routes = (
        (r"api\.govinfo\.gov/collections/?(\?|$)", "parse_collections"),
        (r"api\.govinfo\.gov/collections/BILLS/", "parse_packages"),
        (r"api\.govinfo\.gov/packages/[^/]+/summary", "parse_summary"),
        (r"/bulkdata/BILLSTATUS/", "parse_billstatus"),
        (r"govinfo\.gov/(content/pkg|packages)/BILLS-", "parse_text"),
    )

    def __init__(self, *args, since: str = "2018-01-01T00:00:00Z", max_pages: str = "1", **kwargs):
        super().__init__(*args, **kwargs)
        if since.endswith("d") and since[:-1].isdigit():  # "7d": packages changed in the last 7 days
            from datetime import datetime, timedelta, timezone

            since = (datetime.now(timezone.utc) - timedelta(days=int(since[:-1]))).strftime("%Y-%m-%dT00:00:00Z")
        self.since, self.max_pages = since, int(max_pages)

    def request(self, url, callback=None, **kwargs):
        parts = urlsplit(url)
        if parts.hostname == "api.govinfo.gov":  # the API wants its key in the query
            key = self.settings.get("AILEX_GOVINFO_API_KEY") or "DEMO_KEY"
            query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "api_key"]
            url = urlunsplit(parts._replace(query=urlencode([*query, ("api_key", key)], safe=":")))
        return super().request(url, callback, **kwargs)

    @staticmethod
    def public_url(url: str) -> str:
        """The URL without the API key: what is stored as source_url and in links."""
        parts = urlsplit(url)
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "api_key"]
        return urlunsplit(parts._replace(query=urlencode(query, safe=":")))

    @strict
    def parse_collections(self, response):
        codes = {c.get("collectionCode") for c in require(load_json(response).get("collections"), "collections")}
        if "BILLS" not in codes:
            raise StructureError("no BILLS collection")
        yield self.request(f"{API}/collections/BILLS/{self.since}/?offset=0&pageSize=100")

    @strict
    def parse_packages(self, response, page: int = 1):
        data = load_json(response)
        packages = require(data.get("packages"), "packages")
        for p in packages:
            yield self.request(require(p.get("packageLink"), "packageLink"))
        if data.get("nextPage") and page < self.max_pages:
            yield self.request(data["nextPage"], page=page + 1)

    @strict
    def parse_summary(self, response):
        d = load_json(response)
        package_id = require(d.get("packageId"), "packageId")
        congress, btype, number, version = (str(d.get(k) or "") for k in ("congress", "billType", "billNumber",
                                                                            "billVersion"))
        status_link = (d.get("related") or {}).get("billStatusLink")
        text_link = (d.get("download") or {}).get("txtLink")
        title = require(d.get("shortTitle") or d.get("title"), "title")
        if isinstance(title, list):
            title = title[0].get("title", "") if title else ""
        item = self.item(
            source_url=self.public_url(response.url), title=title, doc_type="bill", language="en",
            date=d.get("dateIssued") or "", status="enacted" if version == "enr" else "pending",
            identifiers={"package_id": package_id, "congress": congress, "bill_type": btype.upper(),
                         "bill_number": number, "text_version": VERSION_NAMES.get(version, version)},
            links=[Link(rel, url) for rel, url in (("bill_status", status_link), ("text", text_link)) if url],
        )
        yield item
        if status_link:
            yield self.request(status_link)
        if text_link and self.wants_documents(item.relevance):
            yield self.request(text_link, title=title, identifiers=item.identifiers, relevance=item.relevance)

    @strict
    def parse_billstatus(self, response):
        sel = Selector(text=response.text, type="xml")
        bill = sel.xpath("/billStatus/bill")
        if not bill:
            raise StructureError("no /billStatus/bill")
        get = lambda *names: next((clean(bill.xpath(f"{n}/text()").get()) for n in names if bill.xpath(n)), "")  # noqa: E731
        congress, btype = require(get("congress"), "congress"), require(get("billType", "type"), "bill type")
        number = require(get("billNumber", "number"), "bill number")
        title = require(get("title") or clean(bill.xpath("titles/item[1]/title/text()").get()), "title")
        versions = []
        for v in bill.xpath("textVersions/item"):
            urls = v.xpath("formats/item/url/text()").getall()
            if urls:
                versions.append((clean(v.xpath("type/text()").get()), clean(v.xpath("date/text()").get())[:10], urls[0]))
        reports = [clean(c) for c in bill.xpath("committeeReports/committeeReport/citation/text()").getall()]
        laws = bill.xpath("laws/item/number/text()").getall()
        related = [f"{clean(r.xpath('congress/text()').get())}-{clean(r.xpath('type/text()').get())}"
                   f"{clean(r.xpath('number/text()').get())}" for r in bill.xpath("relatedBills/item")]
        links = [Link("text_version", url) for _, _, url in versions]
        links += [Link("committee_report", crpt_url(c)) for c in reports if crpt_url(c)]
        item = self.item(
            source_url=response.url, title=title, doc_type="bill", language="en", date=get("introducedDate"),
            status="enacted" if laws else "pending", response=response, links=links,
            identifiers={"congress": congress, "bill_type": btype, "bill_number": number,
                         "committee_reports": "; ".join(reports), "related_bills": "; ".join(related),
                         "latest_action": clean(bill.xpath("latestAction/text/text()").get())[:300]},
        )
        yield item
        if self.wants_documents(item.relevance):
            for version, date, url in versions:
                yield self.request(url, title=f"{title} ({version})", identifiers={**item.identifiers,
                                   "text_version": version}, relevance=item.relevance, date=date,
                                   bill_url=response.url)

    @strict
    def parse_text(self, response, title: str = "", identifiers: dict | None = None, relevance: float = 0.0,
                   date: str = "", bill_url: str = ""):
        m = re.search(r"BILLS-(\d+)([a-z]+?)(\d+)([a-z]+)\b", response.url)
        ids = dict(identifiers or {})
        if m and not ids:
            ids = {"congress": m.group(1), "bill_type": m.group(2).upper(), "bill_number": m.group(3),
                   "text_version": VERSION_NAMES.get(m.group(4), m.group(4)), "package_id": m.group(0)}
        if not title:
            head = clean(response.css("title::text").get())
            official = response.xpath("//body//text()[contains(., 'To ') or contains(., 'A BILL')]").getall()
            purpose = next((clean(t) for t in official if clean(t).startswith("To ")), "")
            title = require(f"{head}: {purpose}" if purpose else head, "bill title")
        date = date or _us_date(" ".join(response.xpath("//body//text()").getall()[:200]))
        yield self.item(source_url=response.url, title=title, doc_type="bill", language="en", date=date,
                        status="pending", response=response, identifiers=ids, parent_relevance=relevance,
                        links=[Link("version_of", bill_url)] if bill_url else [])


def crpt_url(citation: str) -> str:
    """'S. Rept. 116-45' → the govinfo CRPT package URL."""
    m = re.match(r"(H|S)\. Rept\. (\d+)-(\d+)", citation)
    if not m:
        return ""
    return f"https://www.govinfo.gov/app/details/CRPT-{m.group(2)}{m.group(1).lower()}rpt{m.group(3)}"


def _us_date(text: str) -> str:
    from datetime import datetime

    m = re.search(r"(January|February|March|April|May|June|July|August|September|October|November|December)"
                  r" (\d{1,2}), (\d{4})", text)
    if not m:
        return ""
    return datetime.strptime(" ".join(m.groups()), "%B %d %Y").date().isoformat()
