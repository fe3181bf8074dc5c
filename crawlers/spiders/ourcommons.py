"""Canada, House of Commons: Hansard (debates) and committee evidence as XML on ourcommons.ca.

URL patterns (the publication search lists them):
  /Content/House/{parl}{session}/Debates/{sitting:03d}/HAN{sitting:03d}-E.XML
  /Content/Committee/{parl}{session}/{ACRO}/Evidence/EV{publication}/{ACRO}EV{meeting}-E.XML
Seeds: `-a sittings=441/303,431/44` and `-a evidence=441/SRSR/12324877/53`. Bills debated in a
sitting (`<Document Type="3">C-29, An Act …`) become links to their LEGISinfo pages.
"""
from __future__ import annotations

import re

from parsel import Selector

from crawlers.items import Link
from crawlers.spiders.base import AilexSpider, StructureError, clean, require, strict

BASE = "https://www.ourcommons.ca"


def ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


class OurCommonsSpider(AilexSpider):
    name = "ourcommons"
    jurisdiction = "CA"
    allowed_domains = ["ourcommons.ca", "www.ourcommons.ca"]
    sittings = ("441/303", "431/44")
    evidence = ("441/SRSR/12324877/53",)
    routes = ((r"/Content/(House|Committee)/.*\.XML$", "parse_publication"),)

    def __init__(self, *args, sittings: str | None = None, evidence: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if sittings is not None:
            self.sittings = tuple(s.strip() for s in sittings.split(",") if s.strip())
        if evidence is not None:
            self.evidence = tuple(e.strip() for e in evidence.split(",") if e.strip())

    async def start(self):
        async for request in super().start():
            yield request
        for s in self.sittings:
            parl_session, sitting = s.split("/")
            yield self.request(f"{BASE}/Content/House/{parl_session}/Debates/{int(sitting):03d}/HAN{int(sitting):03d}-E.XML")
        for e in self.evidence:
            parl_session, acro, pub, meeting = e.split("/")
            yield self.request(f"{BASE}/Content/Committee/{parl_session}/{acro}/Evidence/EV{pub}/{acro}EV{int(meeting):02d}-E.XML")

    @strict
    def parse_publication(self, response):
        sel = Selector(text=response.text, type="xml")
        root = sel.xpath("/Hansard")
        if not root:
            raise StructureError("no <Hansard> root")
        info = {e.attrib.get("Name"): clean(" ".join(e.xpath(".//text()").getall()))
                for e in root.xpath("ExtractedInformation/ExtractedItem")}
        if not root.xpath("HansardBody"):
            raise StructureError("no <HansardBody>")
        y, m, d = (info.get(k, "") for k in ("MetaDateNumYear", "MetaDateNumMonth", "MetaDateNumDay"))
        date = f"{y}-{int(m):02d}-{int(d):02d}" if y and m and d else ""
        parl = re.search(r"\d+", info.get("ParliamentNumber") or info.get("Parliament", ""))
        sess = re.search(r"\d+", info.get("SessionNumber") or info.get("Session", ""))
        parl_n, sess_n = (int(parl.group(0)) if parl else 0), (int(sess.group(0)) if sess else 0)
        number = info.get("MetaTitle") or info.get("Number", "")
        committee = "/Committee/" in response.url
        if committee:
            name = require(info.get("InstitutionDebateEn") or info.get("InstitutionDebate"), "committee name")
            title = f"{name}, Evidence, {number.title()} ({info.get('Date', '')})"
            doc_type, ids = "committee_evidence", {"committee": info.get("Acronyme", ""), "meeting": number}
        else:
            title = (f"House of Commons Debates, {ordinal(parl_n)} Parliament, {ordinal(sess_n)} Session, "
                     f"{number} ({info.get('Date', '')})")
            doc_type, ids = "debate", {"sitting": number, "volume": info.get("Volume", "")}
        bills = []
        for doc in root.xpath("//Document[@Type='3']"):
            m2 = re.match(r"([CS]-\d+)", clean(doc.xpath("string()").get()))
            if m2 and m2.group(1) not in bills:
                bills.append(m2.group(1))
        yield self.item(
            source_url=response.url, title=title, doc_type=doc_type, language="en", date=date,
            status="published", response=response,
            identifiers={"parliament": str(parl_n), "session": str(sess_n), "publication_id": root.attrib.get("id", ""),
                         "bills": "; ".join(bills), **ids},
            links=[Link("debates_bill", f"https://www.parl.ca/legisinfo/en/bill/{parl_n}-{sess_n}/{b.lower()}")
                   for b in bills],
        )
