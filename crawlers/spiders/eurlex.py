"""EUR-Lex: procedure pages (`/procedure/EN/2021_106`) → the procedure's documents →
document information pages (`/legal-content/EN/ALL/?uri=…`: title, dates, form, procedure).

Seeds are watched procedures (`-a procedures=2021_106,2022_303`) and documents
(`-a documents=EP:P9_A(2021)0270`). A procedure's documents (Commission proposal, EP reports and
adopted texts, final act) are fetched when the procedure is AI-relevant.
"""
from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

from crawlers.items import Link
from crawlers.spiders.base import AilexSpider, StructureError, clean, iso_date, require, strict

BASE = "https://eur-lex.europa.eu"
FOLLOW = re.compile(r"^(EP:P\d+_(A|TA)\(|celex:5\d{4}PC|CELEX:3)", re.I)
FORMS = {"report": "committee_report", "resolution": "resolution", "proposal for a regulation": "bill",
         "proposal for a directive": "bill", "proposal for a decision": "bill", "regulation": "act",
         "directive": "act", "decision": "act", "opinion": "opinion", "text adopted": "resolution"}


def uri_type(uri: str) -> str:
    u = uri.upper()
    if re.match(r"EP:P\d+_A\(", u):
        return "committee_report"
    if re.match(r"EP:P\d+_TA\(", u):
        return "resolution"
    if re.match(r"EP:\w+_AD\(", u) or u.startswith(("EESC:", "COR:", "CELEX:52021AE", "CELEX:52021AR")):
        return "opinion"
    if re.match(r"CELEX:5\d{4}PC", u) or u.startswith("COM:"):
        return "bill"
    if u.startswith("CELEX:3"):
        return "act"
    return "other"


def all_page(uri: str) -> str:
    return f"{BASE}/legal-content/EN/ALL/?uri={uri}"


def procedure_page(number: str) -> str:
    """'2020/2167/DEC' or '2021/0106(COD)' → procedure page URL (2020_2167)."""
    m = re.match(r"(\d{4})/(\d{4})", number)
    return f"{BASE}/procedure/EN/{m.group(1)}_{int(m.group(2))}" if m else ""


def _dl(response) -> dict[str, str]:
    out: dict[str, str] = {}
    for dt in response.xpath("//dl/dt"):
        key = clean(" ".join(dt.xpath(".//text()").getall())).rstrip(":")
        val = clean(" ".join(dt.xpath("following-sibling::dd[1]//text()").getall()))
        if key and key not in out:
            out[key] = val
    return out


def _title_json(response) -> dict:
    m = re.search(r"var titleJson = (\{.*?\});", response.text, re.S)
    if not m:
        return {}
    try:
        return json.loads(m.group(1).replace("\n", " ").replace("\t", " "))
    except ValueError:
        return {}


class EurlexSpider(AilexSpider):
    name = "eurlex"
    jurisdiction = "EU"
    allowed_domains = ["eur-lex.europa.eu"]
    procedures = ("2021_106", "2023_102")  # AI Act; an EU–Montenegro agreement (recorded)
    documents = ("EP:P9_A(2021)0270", "EP:P9_A(2023)0369")
    routes = (
        (r"/procedure/EN/\d{4}_\d+", "parse_procedure"),
        (r"/legal-content/EN/ALL/\?", "parse_document"),
    )

    def __init__(self, *args, procedures: str | None = None, documents: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if procedures is not None:
            self.procedures = tuple(p.strip() for p in procedures.split(",") if p.strip())
        if documents is not None:
            self.documents = tuple(d.strip() for d in documents.split(",") if d.strip())

    async def start(self):
        async for request in super().start():
            yield request
        for p in self.procedures:
            yield self.request(f"{BASE}/procedure/EN/{p}")
        for d in self.documents:
            yield self.request(all_page(d))

    @strict
    def parse_procedure(self, response):
        tj = _title_json(response)
        number = require(re.sub(r"^Procedure\s+", "", tj.get("title", "")), "procedure number in titleJson")
        description = require(clean(tj.get("description")), "procedure description in titleJson")
        m = re.match(r"(\d{4})/(\d{4})/(\w+)", number)
        if not m:
            raise StructureError(f"unexpected procedure number {number!r}")
        reference = f"{m.group(1)}/{m.group(2)}({m.group(3)})"
        info = _dl(response)
        uris = []
        for href in response.xpath("//a[contains(@href, 'legal-content/EN/AUTO/?uri=')]/@href").getall():
            uri = parse_qs(urlsplit(response.urljoin(href)).query).get("uri", [""])[0]
            if uri and uri not in uris:
                uris.append(uri)
        if not uris:
            raise StructureError("procedure page lists no documents")
        dates = sorted(filter(None, (iso_date(d, "%d/%m/%Y") for d in re.findall(r"\b\d{2}/\d{2}/\d{4}\b", response.text))))
        state = clean(response.xpath("//b[normalize-space()='Ongoing' or normalize-space()='Completed' or "
                                     "normalize-space()='Closed' or normalize-space()='Withdrawn']/text()").get()).lower()
        head = clean(" ".join(response.xpath("//body//text()[not(ancestor::script)]").getall()))
        adopted = re.search(r"Adopted act: (\w+)", head)
        ptype = re.search(r"Type: ([^()]+\(\w+\))", head)
        item = self.item(
            source_url=response.url, title=description, doc_type="procedure", language="en",
            date=dates[0] if dates else "", response=response,
            status={"ongoing": "pending", "completed": "completed", "closed": "completed",
                    "withdrawn": "lapsed"}.get(state, ""),
            identifiers={"procedure": reference, "procedure_type": ptype.group(1).strip() if ptype else "",
                         "adopted_act": adopted.group(1) if adopted else "", "eurovoc": info.get("EuroVoc thesaurus", "").replace(" More Less", ";"),
                         "committee": info.get("Parliamentary committee responsible", ""),
                         "rapporteur": info.get("Rapporteur", "")},
            links=[Link(uri_type(u), all_page(u)) for u in uris],
        )
        yield item
        if self.wants_documents(item.relevance):
            for uri in uris:
                if FOLLOW.match(uri):
                    yield self.request(all_page(uri), procedure=reference, relevance=item.relevance)

    @strict
    def parse_document(self, response, procedure: str = "", relevance: float = 0.0):
        uri = require(parse_qs(urlsplit(response.url).query).get("uri", [""])[0], "uri")
        title = require(clean(" ".join(response.xpath("//p[@id='originalTitle']//text()").getall())), "#originalTitle")
        info = _dl(response)
        number = info.get("Procedure number", "")
        form = info.get("Form", "").lower()
        doc_type = FORMS.get(form) or uri_type(uri)
        proc = procedure or (f"{number[:9]}({number[10:]})" if re.match(r"\d{4}/\d{4}/\w+", number) else "")
        links = [Link("procedure", procedure_page(number or procedure))] if (number or procedure) else []
        yield self.item(
            source_url=response.url, title=title, doc_type=doc_type, language="en",
            date=iso_date(info.get("Date of document", ""), "%d/%m/%Y"), status="published", response=response,
            identifiers={"uri": uri, "procedure": proc, "author": info.get("Author", ""),
                         "form": info.get("Form", ""), "celex": info.get("CELEX number", "")},
            parent_relevance=relevance, links=links,
        )
