"""European Parliament: plenary votes → plenary documents (EP Open Data API v2) → procedures
(Open Data API + Legislative Observatory procedure files) → committee reports and texts (doceo).

Chain, as the EP publishes it:
  PV-{term}-{date}-VOT_EN.xml (votes of a sitting, each naming its report A9-0163/2024 …)
  → data.europarl.europa.eu/api/v2/plenary-documents/A-9-2024-0163 (JSON-LD: title, date, procedure)
  → data.europarl.europa.eu/api/v2/procedures/2024-2006 (JSON-LD: title, documents)
  → oeil.europarl.europa.eu/oeil/en/procedure-file?reference=2024/2006(REG) (the procedure file)
  → europarl.europa.eu/doceo/document/A-9-2024-0163_EN.html (the report itself).
Seeds: sittings (`-a sittings=2024-04-24,2024-04-23`, term from the date; `-a days=14` adds the
last 14 days, for scheduled runs) and watched procedures
(`-a procedures=2021/0106(COD),…`). The documents of a procedure file are fetched when the
procedure is AI-relevant; every document reached from a vote is fetched.
"""
from __future__ import annotations

import re

from parsel import Selector

from crawlers.actions import OEIL as OEIL_EVENTS, action
from crawlers.items import Link
from crawlers.spiders.base import AilexSpider, StructureError, clean, iso_date, load_json, require, strict

ODP = "https://data.europarl.europa.eu/api/v2"
OEIL = "https://oeil.europarl.europa.eu/oeil/en/procedure-file?reference="
DOCEO = "https://www.europarl.europa.eu/doceo/document/"
DOC_REF = re.compile(r"\b(RC-B|[ABC])(\d{1,2})-(\d{4})/(\d{4})\b")
DOCEO_TYPES = [  # doceo id pattern → doc_type
    (r"^A-\d", "committee_report"), (r"^TA-\d", "resolution"), (r"^(RC|B)-\d", "resolution"),
    (r"^CRE-", "debate"), (r"^PV-", "other"), (r"-PR-\d", "committee_report"), (r"-AM-\d", "amendment"),
    (r"-(AD|PA)-\d", "opinion"),
]
ODP_TYPES = {"REPORT_PLENARY": "committee_report", "RESOLUTION_MOTION": "resolution",
             "RESOLUTION_MOTION_JOINT": "resolution", "TEXT_ADOPTED": "resolution"}


def term_of(date: str) -> int:
    """Parliamentary term of a sitting date (terms start in July of election years)."""
    year, month = int(date[:4]), int(date[5:7])
    start_years = [1979 + 5 * i for i in range(12)]
    n = max(i for i, y in enumerate(start_years) if (year, month) >= (y, 7)) + 1
    return n


def plenary_id(ref: str) -> str:
    """'A9-0163/2024' → 'A-9-2024-0163'; 'RC-B10-0249/2025' → 'RC-10-2025-0249'."""
    m = DOC_REF.search(ref)
    if not m:
        raise ValueError(ref)
    kind, term, num, year = m.groups()
    return f"{'RC' if kind == 'RC-B' else kind}-{term}-{year}-{num}"


def doceo_type(doc_id: str) -> str:
    return next((t for p, t in DOCEO_TYPES if re.search(p, doc_id)), "other")


def doceo_id(url: str) -> str:
    m = re.search(r"/doceo/document/([^/?#]+?)_[A-Z]{2}\.(html|pdf|xml)", url)
    return m.group(1) if m else ""


def procedure_odp_id(reference: str) -> str:
    """'2024/2006(REG)' → '2024-2006'."""
    return reference.split("(")[0].replace("/", "-")


class EuroparlSpider(AilexSpider):
    name = "europarl"
    jurisdiction = "EU"
    allowed_domains = ["europarl.europa.eu", "www.europarl.europa.eu", "data.europarl.europa.eu",
                       "oeil.europarl.europa.eu"]
    sittings = ("2024-04-24",)
    procedures = (  # watched procedures
        "2024/2006(REG)", "2007/0181(NLE)", "2016/0132(COD)", "2018/2070(ACI)", "2025/0260(COD)",
        "2025/0581(CNS)", "2025/2691(RSP)", "2020/2042(INI)", "2021/2540(RSP)", "2022/2201(INI)",
        "2022/2852(RSP)", "2022/0377(NLE)", "2023/2019(INI)", "2024/0258(COD)", "2025/0229(NLE)",
    )
    routes = (
        (r"/doceo/document/PV-.*-VOT_EN\.xml", "parse_votes"),
        (r"/api/v2/plenary-documents/", "parse_odp_document"),
        (r"/api/v2/procedures/", "parse_odp_procedure"),
        (r"/oeil/en/procedure-file\?", "parse_procedure_file"),
        (r"/doceo/document/", "parse_doceo"),
    )

    def __init__(self, *args, sittings: str | None = None, procedures: str | None = None, days: str = "",
                 **kwargs):
        super().__init__(*args, **kwargs)
        if sittings is not None:
            self.sittings = tuple(s.strip() for s in sittings.split(",") if s.strip())
        if days:  # scheduled use: the vote lists of the last N days (non-sitting days answer 404)
            from datetime import date, timedelta

            today = date.today()
            recent = [(today - timedelta(days=i)).isoformat() for i in range(int(days))]
            self.sittings = tuple(dict.fromkeys([*self.sittings, *recent]))
        if procedures is not None:
            self.procedures = tuple(p.strip() for p in procedures.split(",") if p.strip())

    async def start(self):
        async for request in super().start():
            yield request
        for date in self.sittings:
            yield self.request(f"{DOCEO}PV-{term_of(date)}-{date}-VOT_EN.xml")
        for ref in self.procedures:
            yield self.request(f"{ODP}/procedures/{procedure_odp_id(ref)}?format=application/ld+json")
            yield self.request(OEIL + ref)

    @strict
    def parse_votes(self, response):
        sel = Selector(text=response.text, type="xml")
        votes = sel.xpath("/file/sitting/votes/vote")
        if not votes:
            raise StructureError("no /file/sitting/votes/vote")
        seen = set()
        for vote in votes:
            label = clean(" ".join(vote.xpath("label//text()").getall()))
            title = clean(" ".join(vote.xpath("title//text()").getall()))
            for m in DOC_REF.finditer(label):
                pid = plenary_id(m.group(0))
                if pid in seen:
                    continue
                seen.add(pid)
                yield self.request(f"{ODP}/plenary-documents/{pid}?format=application/ld+json", vote_title=title)

    @strict
    def parse_odp_document(self, response, vote_title: str = ""):
        d = require(load_json(response).get("data"), "data")[0]
        doc_id = require(d.get("identifier"), "identifier")
        titles = d.get("title_dcterms") or {}
        title = titles.get("en") or titles.get("fr") or vote_title or doc_id
        procedures = [p.rsplit("/", 1)[-1] for p in d.get("inverse_created_a_realization_of") or []
                      if "/proc/" in p]
        meta = {
            "title": title, "date": d.get("document_date") or "", "label": d.get("label") or "",
            "doc_type": ODP_TYPES.get((d.get("work_type") or "").rsplit("/", 1)[-1], doceo_type(doc_id)),
            "procedures": procedures,
        }
        yield self.request(f"{DOCEO}{doc_id}_EN.html", meta_from_odp=meta)
        for proc in procedures:
            yield self.request(f"{ODP}/procedures/{proc}?format=application/ld+json")

    @strict
    def parse_odp_procedure(self, response):
        d = require(load_json(response).get("data"), "data")[0]
        ref = require(d.get("label"), "procedure label")
        yield self.request(OEIL + ref)

    @strict
    def parse_procedure_file(self, response):
        headings = [clean(h) for h in response.xpath("//h2//text()").getall() if clean(h)]
        if len(headings) < 2 or not re.match(r"\d{4}/\d{4}\(\w+\)", headings[0]):
            raise StructureError("no procedure reference and title in the h2 headings")
        reference, title = headings[0], headings[1]
        basic = clean(" ".join(response.xpath("//div[@id='section1']//text()").getall()))
        m = re.search(r"Status (.+?)(?: Please go to| Key players|$)", basic)
        status = m.group(1).strip() if m else ""
        proc_type = re.search(re.escape(reference) + r" ([A-Z]{3} - .+?) (?:Subject|Status|Regulation|Directive|Decision|Amending|Geographical)\b", basic)
        events = response.xpath("//h2[contains(., 'Key events')]/following::table[1]//tbody/tr")
        if not events:
            raise StructureError("no key events table")
        dates = [iso_date(clean(r.xpath("td[1]//text()").get()), "%d/%m/%Y") for r in events]
        actions = []  # the key events are the procedure's timeline
        for row, day in zip(events, dates):
            what = clean(" ".join(row.xpath("td[2]//text()").getall()))
            if not (day and what):
                continue
            ref = clean(" ".join(row.xpath("td[3]//text()").getall()))
            link = row.xpath(".//a[contains(@href, '/doceo/document/') or contains(@href, 'eur-lex')]/@href").get()
            actions.append(action(day, f"{what} ({ref})" if ref else what, OEIL_EVENTS, body=event_body(what),
                                  source_url=response.urljoin(link) if link else OEIL + reference, classify_text=what))
        dates = [x for x in dates if x]
        urls = [response.urljoin(u) for u in response.xpath(
            "//table//a[contains(@href, '/doceo/document/')]/@href").getall()]
        docs = list(dict.fromkeys(u.split("?")[0] for u in urls if doceo_id(u) and not doceo_id(u).startswith(("PV-", "CRE-"))))
        item = self.item(
            source_url=OEIL + reference, title=title, doc_type="procedure", language="en",
            date=min(dates) if dates else "", status=status_of(status), response=response,
            identifiers={"procedure": reference, "procedure_type": proc_type.group(1).strip() if proc_type else "",
                         "oeil_status": status, "last_event": max(dates) if dates else ""},
            links=[Link(doceo_type(doceo_id(u)), u) for u in docs], actions=actions,
        )
        yield item
        if self.wants_documents(item.relevance):
            for u in docs:
                doc_id = doceo_id(u)
                if re.match(r"^(A|TA|B|RC)-\d", doc_id):  # plenary documents: same path as from a vote
                    yield self.request(f"{ODP}/plenary-documents/{doc_id}?format=application/ld+json")
                else:
                    yield self.request(u, procedure=reference, relevance=item.relevance)

    @strict
    def parse_doceo(self, response, meta_from_odp: dict | None = None, procedure: str = "", relevance: float = 0.0):
        doc_id = require(doceo_id(response.url), "doceo document id in the URL")
        parts = [clean(p) for p in (response.css("title::text").get() or "").split("|")]
        meta = meta_from_odp or {}
        title = require(meta.get("title") or parts[0], "document title")
        label = meta.get("label") or (parts[1] if len(parts) > 2 else "")
        procedures = [f"{p[:4]}/{p[5:]}" for p in meta.get("procedures", [])] or ([procedure] if procedure else [])
        yield self.item(
            source_url=response.url, title=title, doc_type=meta.get("doc_type") or doceo_type(doc_id),
            language="en", date=meta.get("date", ""), status="published", response=response,
            identifiers={"document": doc_id, "reference": label, "procedure": "; ".join(procedures)},
            parent_relevance=relevance,
            links=[Link("procedure", OEIL + procedure)] if procedure else [],
        )


def event_body(event: str) -> str:
    """Who acted in a Legislative Observatory key event."""
    e = event.lower()
    if "council" in e:
        return "Council of the EU"
    if "proposal published" in e or "commission" in e:
        return "European Commission"
    if "official journal" in e or "final act signed" in e:
        return "European Parliament and Council"
    return "European Parliament"


def status_of(oeil_status: str) -> str:
    s = oeil_status.lower()
    if "completed" in s:
        return "completed"
    if "rejected" in s:
        return "rejected"
    if "lapsed" in s or "withdrawn" in s:
        return "lapsed"
    return "pending" if s else ""
