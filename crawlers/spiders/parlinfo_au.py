"""Australia, ParlInfo: Hansard of a sitting day (search display → the day's Hansard XML), cut into speeches.

Seeds: the ParlInfo search display of a chamber's Hansard for a day (`-a days=2026-03-04`,
`-a chambers=senate,reps`); the display links the whole day's Hansard as XML
(`/parlInfo/download/chamber/hansards/…/toc_unixml/Senate_2026_03_04.xml`), which becomes one
`debate` document. Its text is scored for AI relevance, so a day where senators speak about
artificial intelligence enters the corpus; extraction (pipeline/speeches.py) cuts it into
speeches whose locator names the debate, the senator and the date.
"""
from __future__ import annotations

from datetime import date as Date

from parsel import Selector

from crawlers.items import Link
from crawlers.spiders.base import AilexSpider, StructureError, clean, require, strict

DISPLAY = ("https://parlinfo.aph.gov.au/parlInfo/search/display/display.w3p;adv=yes;"
           "orderBy=_fragment_number,doc_date-rev;page=0;query=Dataset:{dataset}%20Date:{d}%2F{m}%2F{y};"
           "rec=0;resCount=Default")
DATASETS = {"senate": "hansards,hansards80", "reps": "hansardr,hansardr80"}
CHAMBERS = {"senate": "Senate", "reps": "House of Representatives"}


def display_url(day: str, chamber: str = "senate") -> str:
    d = Date.fromisoformat(day)
    return DISPLAY.format(dataset=DATASETS[chamber], d=d.day, m=d.month, y=d.year)


class ParlinfoAuSpider(AilexSpider):
    name = "parlinfo_au"
    jurisdiction = "AU"
    allowed_domains = ["parlinfo.aph.gov.au", "aph.gov.au"]
    days = ("2026-03-04",)  # the recorded sitting (senators on petrol prices and artificial intelligence)
    chambers = ("senate",)
    routes = (
        (r"/parlInfo/search/display/display\.w3p", "parse_display"),
        (r"/parlInfo/download/chamber/hansard[sr]/.*toc_unixml/", "parse_hansard"),
    )

    def __init__(self, *args, days: str | None = None, chambers: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if days is not None:
            self.days = tuple(d.strip() for d in days.split(",") if d.strip())
        if chambers is not None:
            self.chambers = tuple(c.strip() for c in chambers.split(",") if c.strip() in DATASETS)

    async def start(self):
        async for request in super().start():
            yield request
        for chamber in self.chambers:
            for day in self.days:
                yield self.request(display_url(day, chamber))

    @strict
    def parse_display(self, response):
        meta = {}
        for row in response.xpath("//div[@class='metadata']//dt[@class='mdLabel']"):
            meta[clean(row.xpath("string()").get())] = clean(row.xpath("string(following-sibling::dd[1])").get())
        xml = require(response.xpath("//a[contains(@href, '/toc_unixml/')]/@href").get(),
                      "link to the day's Hansard XML (toc_unixml)")
        pdf = response.xpath("//a[contains(@href, '/toc_pdf/')]/@href").get()
        yield self.request(response.urljoin(xml), display=response.url, parliament=meta.get("Parl No.", ""),
                           system_id=meta.get("System Id", ""),
                           pdf=response.urljoin(pdf) if pdf else "")

    @strict
    def parse_hansard(self, response, display: str = "", parliament: str = "", system_id: str = "", pdf: str = ""):
        sel = Selector(text=response.text, type="xml")
        header = sel.xpath("/hansard/session.header")
        if not header:
            raise StructureError("no <hansard><session.header>")
        day = require(clean(header.xpath("string(date)").get()), "sitting date")
        chamber = require(clean(header.xpath("string(chamber)").get()), "chamber")
        if not sel.xpath("/hansard/chamber.xscript//speech | /hansard/chamber.xscript//question"):
            raise StructureError("a sitting day without a single speech")
        d = Date.fromisoformat(day)
        proof = clean(header.xpath("string(proof)").get()) == "1"
        links = [Link("display", display)] if display else []
        if pdf:
            links.append(Link("alternative", pdf))
        yield self.item(
            source_url=response.url, title=f"{chamber} Hansard, {d:%A} {d.day} {d:%B %Y}" + (" (proof)" if proof else ""),
            doc_type="debate", language="en", date=day, status="proof" if proof else "published", response=response,
            identifiers={"chamber": chamber, "parliament": parliament, "system_id": system_id,
                         "speeches": str(len(sel.xpath("//speech"))),
                         "debates": str(len(sel.xpath("/hansard/chamber.xscript/debate")))},
            links=links,
        )
