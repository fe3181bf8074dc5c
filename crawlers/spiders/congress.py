"""US Congress: congress.gov API v3 — bill listings → bill → text versions → bill text.

API key: AILEX_CONGRESS_API_KEY, sent as the `X-Api-Key` header (never in the URL, never in the
repository). Live crawling refuses to start without one; replay does not need it.
Listing pages are sorted by update date, newest first; `-a max_pages=N` follows `pagination.next`.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from corpus.actions import Stage

from crawlers.actions import CONGRESS, action
from crawlers.items import Link
from crawlers.spiders.base import AilexSpider, StructureError, load_json, require, strict

API = "https://api.congress.gov/v3"


def bill_label(bill_type: str, number: str) -> str:
    labels = {"HR": "H.R.", "S": "S.", "HRES": "H.Res.", "SRES": "S.Res.", "HJRES": "H.J.Res.",
              "SJRES": "S.J.Res.", "HCONRES": "H.Con.Res.", "SCONRES": "S.Con.Res."}
    return f"{labels.get(bill_type.upper(), bill_type.upper())} {number}"


class CongressSpider(AilexSpider):
    name = "congress"
    jurisdiction = "US"
    allowed_domains = ["api.congress.gov", "congress.gov", "www.congress.gov"]
    seeds = (
        f"{API}/bill?format=json",  # latest bills across congresses
        f"{API}/bill/117/hr/21?format=json",  # watched bill (FedRAMP Authorization Act)
    )
    routes = (
        (r"api\.congress\.gov/v3/bill/\d+/[a-z]+/\d+/text\b", "parse_text_versions"),
        (r"api\.congress\.gov/v3/bill/\d+/[a-z]+/\d+/actions\b", "parse_actions"),
        (r"api\.congress\.gov/v3/bill/\d+/[a-z]+/\d+\?", "parse_bill"),
        (r"api\.congress\.gov/v3/bill(/\d+(/[a-z]+)?)?/?\?", "parse_listing"),
        (r"congress\.gov/\d+/bills/", "parse_text"),
    )

    def __init__(self, *args, max_pages: str = "1", **kwargs):
        super().__init__(*args, **kwargs)
        self.max_pages = int(max_pages)

    async def start(self):
        key = self.settings.get("AILEX_CONGRESS_API_KEY") or ""
        if not key and not self.settings.get("AILEX_REPLAY_URL"):
            self.fail_run("AILEX_CONGRESS_API_KEY is not set (free key from api.data.gov): not crawling congress.gov")
            return
        async for request in super().start():
            yield request

    def request(self, url, callback=None, **kwargs):
        if urlsplit(url).hostname == "api.congress.gov":
            key = self.settings.get("AILEX_CONGRESS_API_KEY") or ""
            if key:
                kwargs.setdefault("headers", {})
                kwargs["headers"] = {**(kwargs["headers"] or {}), "X-Api-Key": key}
        return super().request(url, callback, **kwargs)

    @strict
    def parse_listing(self, response, page: int = 1):
        data = load_json(response)
        bills = require(data.get("bills"), "bills in the listing")
        for bill in bills:
            yield self.request(require(bill.get("url"), "bill url"))
        nxt = (data.get("pagination") or {}).get("next")
        if nxt and page < self.max_pages:
            yield self.request(nxt if "format=" in nxt else nxt + "&format=json", page=page + 1)

    @strict
    def parse_bill(self, response):
        bill = require(load_json(response).get("bill"), "bill record")
        require(bill.get("type"), "bill type")
        actions_url = (bill.get("actions") or {}).get("url")
        if actions_url:  # the bill's timeline first; without it the record is still stored
            yield self.request(actions_url, bill=bill, bill_url=response.url, on_missing="bill_record")
        else:
            yield from self.bill_record(bill, response.url)

    @strict
    def parse_actions(self, response, bill: dict, bill_url: str):
        rows = load_json(response).get("actions")
        if rows is None:
            raise StructureError("no actions key")
        origin = (bill.get("originChamber") or "").lower()
        seen, actions = set(), []
        for row in sorted(reversed(rows), key=lambda r: (r.get("actionDate") or "", r.get("actionTime") or "")):  # newest first
            text = " ".join((row.get("text") or "").split())
            key = (row.get("actionDate"), text)
            if not text or key in seen:  # the same step reported by several source systems
                continue
            seen.add(key)
            committees = "; ".join(c.get("name", "") for c in row.get("committees") or [])
            a = action(require(row.get("actionDate"), "actionDate"), text, CONGRESS,
                       body=committees or (row.get("sourceSystem") or {}).get("name", ""), source_url=bill_url,
                       classify_text=f"{row.get('type') or ''}: {text}".lower())
            chamber = "senate" if " in senate" in text.lower() else "house" if " in house" in text.lower() else ""
            if a.stage == Stage.passed_first_chamber and origin and chamber and chamber != origin:
                a = a.model_copy(update={"stage": Stage.passed_second_chamber})
            actions.append(a)
        yield from self.bill_record(bill, bill_url, actions)

    def bill_record(self, bill: dict, bill_url: str, actions: list | None = None):
        congress, btype, number = str(bill["congress"]), bill["type"], str(bill["number"])
        label = bill_label(btype, number)
        title = bill.get("title") or label
        text_url = (bill.get("textVersions") or {}).get("url")
        latest = bill.get("latestAction") or {}
        item = self.item(
            source_url=bill_url, title=title, doc_type="bill", language="en",
            date=bill.get("introducedDate") or "",
            status="enacted" if bill.get("laws") else "pending",
            identifiers={"congress": congress, "bill_type": btype, "bill_number": number,
                         "bill": f"{label} ({congress}th Congress)",
                         "policy_area": (bill.get("policyArea") or {}).get("name", ""),
                         "latest_action": latest.get("text", "")[:300]},
            text=" ".join([(bill.get("policyArea") or {}).get("name", ""), latest.get("text", "")]),
            links=[Link("text_versions", text_url)] if text_url else [], actions=actions or [],
        )
        yield item
        if text_url:  # the list of text versions is cheap metadata; the texts are fetched if relevant
            yield self.request(text_url, bill_url=bill_url, bill_title=title, relevance=item.relevance,
                               identifiers=item.identifiers)

    @strict
    def parse_text_versions(self, response, bill_url: str, bill_title: str, relevance: float, identifiers: dict):
        versions = load_json(response).get("textVersions")
        if versions is None:
            raise StructureError("no textVersions key")
        for v in versions:
            formats = {f.get("type"): f.get("url") for f in v.get("formats") or []}
            url = formats.get("Formatted Text") or formats.get("Formatted XML") or formats.get("PDF")
            if url and self.wants_documents(relevance):
                yield self.request(url, bill_url=bill_url, bill_title=bill_title, version=v.get("type") or "",
                                   date=(v.get("date") or "")[:10], relevance=relevance, identifiers=identifiers)

    def parse_text(self, response, bill_url: str, bill_title: str, version: str, date: str, relevance: float,
                   identifiers: dict):
        yield self.item(
            source_url=response.url, title=f"{bill_title} ({version})" if version else bill_title, doc_type="bill",
            language="en", date=date, status="pending", response=response, parent_relevance=relevance,
            identifiers={**identifiers, "text_version": version},
            links=[Link("version_of", bill_url)],
        )
