"""South Africa, Parliament: question papers and written replies (listings → PDF/Word documents).

Seeds: the listings of the old parliament.gov.za site (`/live/content.php?Category_ID=236`, the
National Assembly's internal question papers, and `Category_ID=248`, the executive's written
replies); `-a max_pages=N` follows their "Next" link. Every listed paper is one `question`
document (name, date, house, language from the listing) whose file is fetched when relevant;
extraction (pipeline/speeches.py) cuts a question paper into questions whose locator names the
asking member, the minister asked and the date. The site was replaced in 2016: the spider parses
its pages as they were (web archives serve them), kept as the model for the current site.
"""
from __future__ import annotations

import re

from crawlers.items import Link
from crawlers.spiders.base import AilexSpider, StructureError, clean, require, strict

BASE = "http://www.parliament.gov.za/live/"
KINDS = {"236": ("Internal question paper", "question"), "248": ("Written reply to questions", "question")}
LANGUAGES = {"english": "en", "afrikaans": "af", "isizulu": "zu", "isixhosa": "xh", "sesotho": "st",
             "setswana": "tn", "sepedi": "nso", "xitsonga": "ts", "siswati": "ss", "tshivenda": "ve",
             "isindebele": "nr"}
DOC_NUMBER = re.compile(r"Document Number\s*:\s*(\d+)")


class ParliamentZaSpider(AilexSpider):
    name = "parliament_za"
    jurisdiction = "ZA"
    allowed_domains = ["parliament.gov.za", "www.parliament.gov.za"]
    seeds = (
        f"{BASE}content.php?Category_ID=236",
        f"{BASE}content.php?Category_ID=248",
        # a later page of question papers, as the site links it (it repeats DocumentStart; the last one counts)
        f"{BASE}content.php?Category_ID=236&DocumentStart=10&DocumentStart=20",
    )
    routes = (
        (r"/live/content\.php\?", "parse_listing"),
        (r"/live/commonrepository/", "parse_document"),
    )

    def __init__(self, *args, max_pages: str = "1", **kwargs):
        super().__init__(*args, **kwargs)
        self.max_pages = int(max_pages)

    @strict
    def parse_listing(self, response, page: int = 1):
        category = require(re.search(r"Category_ID=(\d+)", response.url), "Category_ID in the URL").group(1)
        label, doc_type = KINDS.get(category, ("Parliamentary paper", "question"))
        rows = response.xpath("//tr[td[@class='pad'] and .//a[contains(@href, 'commonrepository/')]]")
        if not rows:
            raise StructureError("no document rows (Document Name, Date, House, Language, View Document)")
        for row in rows:
            cells = [clean(c.xpath("string()").get()) for c in row.xpath("./td[@class='pad']")]
            if len(cells) < 4:
                raise StructureError(f"a document row with {len(cells)} cells instead of 5")
            name, day, house, language = cells[:4]
            href = row.xpath(".//a[contains(@href, 'commonrepository/')]/@href").get()
            number = DOC_NUMBER.search(row.xpath(".//@onmouseover").get() or "")
            date = _date(day)
            item = self.item(
                source_url=response.urljoin(href), title=f"{label} {require(name, 'document name')} ({house}, {day})",
                doc_type=doc_type, language=LANGUAGES.get(language.lower(), language.lower()[:3]),
                date=require(date, "document date"), status="published",
                identifiers={"document_name": name, "document_number": number.group(1) if number else "",
                             "house": house, "category": category},
                links=[Link("listed_in", response.url)],
            )
            if self.wants_documents(item.relevance):
                # the paper itself (its text is what matters); without it, the listing's record stays
                yield self.request(item.source_url, record=item, on_missing="record_only")
            else:
                yield item
        nxt = response.xpath("//a[normalize-space()='Next']/@href").get()
        if nxt and page < self.max_pages:
            yield self.request(response.urljoin(nxt), page=page + 1)

    def record_only(self, record):
        yield record

    def parse_document(self, response, record):
        yield self.item(
            source_url=record.source_url, title=record.title, doc_type=record.doc_type, language=record.language,
            date=record.date, status=record.status, identifiers=record.identifiers, links=record.links,
            response=response, parent_relevance=record.relevance,
        )


def _date(text: str) -> str:
    """'08 August 2013' → '2013-08-08'."""
    from datetime import datetime

    try:
        return datetime.strptime(clean(text), "%d %B %Y").date().isoformat()
    except ValueError:
        return ""
