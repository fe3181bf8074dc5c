"""UK Parliament Bills API: bills (sorted by last update) → bill → stages → publications
(bill texts, explanatory notes, amendment papers, select committee reports).

Publication documents (PDF/HTML on publications.parliament.uk, legislation.gov.uk) are fetched
for AI-relevant bills only; every publication is recorded as a document with its link.
`-a bills=512,3340` watches specific bills by id (their detail, stages and publications).
"""
from __future__ import annotations

from corpus.actions import Stage

from crawlers.actions import UK_BILLS, action
from crawlers.items import Link
from crawlers.spiders.base import AilexSpider, StructureError, clean, load_json, require, strict

API = "https://bills-api.parliament.uk/api/v1"
PUBLICATION_TYPES = {
    "Bill": "bill", "Act of Parliament": "act", "Select Committee report": "committee_report",
    "Amendment Paper": "amendment", "Explanatory Notes": "other", "Briefing papers": "other",
}


def bill_page(bill_id) -> str:
    return f"https://bills.parliament.uk/bills/{bill_id}"


class UkBillsSpider(AilexSpider):
    name = "uk_bills"
    jurisdiction = "UK"
    allowed_domains = ["parliament.uk", "legislation.gov.uk", "opsi.gov.uk"]  # publications live on all three
    seeds = (f"{API}/Bills?SortOrder=DateUpdatedDescending",)
    watched = ("512",)  # Constitutional Reform and Governance Act 2010 (recorded publications)
    routes = (
        (r"/api/v1/Bills\?", "parse_listing"),
        (r"/api/v1/Bills/\d+/Stages", "parse_stages"),
        (r"/api/v1/Bills/\d+/Publications", "parse_publications"),
        (r"/api/v1/Bills/\d+$", "parse_bill"),
    )

    def __init__(self, *args, bills: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if bills is not None:
            self.watched = tuple(b.strip() for b in bills.split(",") if b.strip())

    async def start(self):
        async for request in super().start():
            yield request
        for bill_id in self.watched:
            yield self.request(f"{API}/Bills/{bill_id}")
            yield self.request(f"{API}/Bills/{bill_id}/Publications")

    @strict
    def parse_listing(self, response):
        data = load_json(response)
        items = require(data.get("items"), "items in the bill listing")
        for bill in items:
            yield self.request(f"{API}/Bills/{require(bill.get('billId'), 'billId')}")

    @strict
    def parse_bill(self, response):
        bill = load_json(response)
        bill_id = require(bill.get("billId"), "billId")
        require(bill.get("shortTitle"), "shortTitle")
        yield self.request(f"{API}/Bills/{bill_id}/Stages", bill=bill)

    @strict
    def parse_stages(self, response, bill: dict):
        data = load_json(response)
        if "items" not in data:
            raise StructureError("no items in stages")
        bill_id = bill["billId"]
        sittings = sorted(s["date"][:10] for st in data["items"] for s in st.get("stageSittings") or [] if s.get("date"))
        origin = bill.get("originatingHouse") or ""
        actions = []
        for st in data["items"]:
            for sitting in st.get("stageSittings") or []:  # a stage not yet sat has no date: not an action yet
                if not sitting.get("date"):
                    continue
                a = action(sitting["date"][:10], f"{clean(st.get('description'))} ({st.get('house') or ''})", UK_BILLS,
                           body=f"House of {st['house']}" if st.get("house") in ("Commons", "Lords") else (st.get("house") or ""),
                           source_url=f"{bill_page(bill_id)}/stages", classify_text=clean(st.get("description")))
                if a.stage == Stage.passed_first_chamber and origin and st.get("house") not in (origin, "Unassigned"):
                    a = a.model_copy(update={"stage": Stage.passed_second_chamber})  # third reading in the second house
                actions.append(a)
        stage = bill.get("currentStage") or {}
        status = ("withdrawn" if bill.get("billWithdrawn") else "defeated" if bill.get("isDefeated")
                  else "enacted" if bill.get("isAct") else "pending")
        item = self.item(
            source_url=bill_page(bill_id), title=bill["shortTitle"], doc_type="bill", language="en",
            date=sittings[0] if sittings else (bill.get("lastUpdate") or "")[:10], status=status,
            identifiers={"bill_id": str(bill_id), "long_title": clean(bill.get("longTitle")),
                         "current_stage": f"{stage.get('description', '')} ({stage.get('house', '')})".strip(),
                         "stages": "; ".join(f"{st.get('abbreviation')} {st.get('house')}" for st in data["items"]),
                         "originating_house": bill.get("originatingHouse") or ""},
            text=" ".join([clean(bill.get("longTitle")), clean(bill.get("summary"))]),
            links=[Link("publications", f"{API}/Bills/{bill_id}/Publications")], actions=actions,
        )
        yield item
        yield self.request(f"{API}/Bills/{bill_id}/Publications", bill_title=bill["shortTitle"],
                           relevance=item.relevance)

    @strict
    def parse_publications(self, response, bill_title: str = "", relevance: float = 0.0):
        data = load_json(response)
        bill_id = require(data.get("billId"), "billId")
        pubs = data.get("publications")
        if pubs is None:
            raise StructureError("no publications key")
        seen: set[str] = set()
        for pub in pubs:
            links = pub.get("links") or []
            if not links:
                continue
            main = next((l for l in links if l.get("contentType") == "text/html"), links[0])
            if main["url"] in seen:  # two publications sharing a document: the first (newest) describes it
                continue
            seen.add(main["url"])
            kind = (pub.get("publicationType") or {}).get("name", "")
            item = self.item(
                source_url=main["url"], title=pub.get("title") or main.get("title") or kind,
                doc_type=PUBLICATION_TYPES.get(kind, "other"), language="en",
                date=(pub.get("displayDate") or "")[:10], status="published",
                identifiers={"bill_id": str(bill_id), "publication_id": str(pub.get("id")),
                             "publication_type": kind, "house": pub.get("house") or ""},
                parent_relevance=relevance,
                links=[Link("publication_of", bill_page(bill_id))]
                + [Link("alternative", l["url"]) for l in links if l is not main],
            )
            yield item
            if self.wants_documents(item.relevance):
                yield self.request(main["url"], self.parse_document, meta_item=item)

    def parse_document(self, response, meta_item):
        yield self.item(
            source_url=meta_item.source_url, title=meta_item.title, doc_type=meta_item.doc_type,
            language=meta_item.language, date=meta_item.date, status=meta_item.status,
            identifiers=meta_item.identifiers, links=meta_item.links, response=response,
            parent_relevance=meta_item.relevance,
        )
