"""France, Sénat: dossiers législatifs (`senat.fr/dossier-legislatif/pjl16-580.html`) → texts
(`/leg/*.html`), committee reports (`/rap/*`), and the Assemblée nationale's dossier (linked).

Listing: `/dossiers-legislatifs/textes-recents.html` (recent dossiers); watched dossiers are
seeds too (`-a dossiers=pjl16-580,ppl16-719`). A dossier's texts and reports are fetched when
the dossier is AI-relevant.
"""
from __future__ import annotations

import re

from crawlers.actions import FRANCE, action, chamber_passages
from crawlers.items import Link
from crawlers.spiders.base import (AilexSpider, StructureError, clean, french_dates, require, strict,
                                   utf8_first)

BASE = "https://www.senat.fr"


def dossier_id(url: str) -> str:
    m = re.search(r"/dossier-legislatif/([\w-]+)\.html", url)
    return m.group(1) if m else ""


class SenatSpider(AilexSpider):
    name = "senat"
    jurisdiction = "FR"
    allowed_domains = ["senat.fr", "www.senat.fr"]
    seeds = (f"{BASE}/dossiers-legislatifs/textes-recents.html",)
    dossiers = (  # watched dossiers (https), plus the 2015-layout copies served over http
        "pjl16-580", "pjl16-587", "pjl07-488", "pjl12-688", "pjl14-424", "ppl16-719", "pjl14-130",
        "ppl99-329", "s95960239",
    )
    legacy = ("http://www.senat.fr/dossier-legislatif/pjl14-424.html",
              "http://www.senat.fr/dossier-legislatif/pjl14-406.html")
    routes = (
        (r"/dossiers-legislatifs/textes-recents", "parse_listing"),
        (r"/dossier-legislatif/[\w-]+\.html", "parse_dossier"),
        (r"senat\.fr/(leg|rap)/", "parse_document"),
    )

    def __init__(self, *args, dossiers: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if dossiers is not None:
            self.dossiers = tuple(d.strip() for d in dossiers.split(",") if d.strip())
            self.legacy = ()

    async def start(self):
        async for request in super().start():
            yield request
        for d in self.dossiers:
            yield self.request(f"{BASE}/dossier-legislatif/{d}.html")
        for url in self.legacy:
            yield self.request(url)

    @strict
    def parse_listing(self, response):
        links = response.xpath("//a[contains(@href, '/dossier-legislatif/')]/@href").getall()
        if not links:
            raise StructureError("no dossier links in the listing")
        for href in dict.fromkeys(links):
            yield self.request(response.urljoin(href))

    @strict
    def parse_dossier(self, response):
        response = utf8_first(response)
        short = require(clean(response.xpath("//h1//text()").get()), "h1 title")
        long_title = clean(" ".join(response.xpath("//h1/following::h2[1]//text()").getall())).rstrip(" :")
        text = clean(" ".join(response.xpath("//body//text()[not(ancestor::script)]").getall()))
        if "étapes de la discussion" not in text and "Première lecture" not in text:
            raise StructureError("no 'étapes de la discussion' / 'Première lecture' section")
        steps = text[text.find("Première lecture"):] if "Première lecture" in text else text
        deposit = re.search(r"déposée? (?:au Sénat |à l'Assemblée nationale )?le (\d{1,2}(?:er)? \w+ \d{4})", steps)
        dates = french_dates(deposit.group(1)) if deposit else french_dates(steps)[:1]
        loi = re.search(r"Loi n° ?([\d-]+) du (\d{1,2}(?:er)? \w+ \d{4})", text)
        texts, reports, an = [], [], []
        for href in response.xpath("//a/@href").getall():
            url = response.urljoin(href).split("#")[0]
            if re.search(r"senat\.fr/leg/(pjl|ppl|tas)[\w-]+\.html$", url):
                texts.append(url)
            elif re.search(r"senat\.fr/rap/[\w-]+/[\w-]+\.html$", url):
                reports.append(url)
            elif "assemblee-nationale.fr" in url and "/dossiers/" in url:
                an.append(url)
        texts, reports, an = (list(dict.fromkeys(x)) for x in (texts, reports, an))
        actions = self.timeline(response)
        item = self.item(
            source_url=response.url, title=long_title or short, doc_type="procedure", language="fr",
            date=dates[0] if dates else "", status="enacted" if loi else "pending", response=response,
            identifiers={"dossier": dossier_id(response.url), "short_title": short,
                         "loi": loi.group(1) if loi else "",
                         "promulgated": french_dates(loi.group(2))[0] if loi else "",
                         "accelerated": "yes" if "Procédure accélérée" in text else ""},
            text=text,
            links=[Link("text", u) for u in texts] + [Link("committee_report", u) for u in reports]
            + [Link("other_chamber", u) for u in an], actions=actions,
        )
        yield item
        if self.wants_documents(item.relevance):
            for u in texts + reports:
                yield self.request(u, dossier_url=response.url, relevance=item.relevance)

    def timeline(self, response) -> list:
        """The dossier's steps: each dated entry of its timeline blocks (reading, chamber, what happened)."""
        actions, reading, chamber = [], "", ""
        for block in response.xpath("//div[starts-with(@id, 'timeline-')]"):
            em = clean(block.xpath("string(.//div[@class='picto']/em)").get())
            if em:  # a new reading (big block): its chamber, or the reading itself (CMP)
                reading = em
                chamber = clean(block.xpath("string(h4)").get()).split("(")[0].strip() or em
            for li in block.xpath(".//li[not(.//li)]"):
                text = clean(li.xpath("string()").get())
                dates = french_dates(text)
                if not dates:
                    continue
                link = li.xpath(".//a/@href").get()
                by = "Sénat" if "par le Sénat" in text else "Assemblée nationale" if "par l'Assemblée" in text else chamber
                actions.append(action(dates[-1], text, FRANCE, body=by,
                                      source_url=response.urljoin(link) if link else response.url,
                                      classify_text=text if not reading else f"{text} ({reading})"))
        return chamber_passages(actions)

    @strict
    def parse_document(self, response, dossier_url: str = "", relevance: float = 0.0):
        response = utf8_first(response)
        title = require(clean(response.css("title::text").get()).replace(" - Sénat", ""), "title")
        kind = "committee_report" if "/rap/" in response.url else "bill"
        yield self.item(
            source_url=response.url, title=title, doc_type=kind, language="fr", status="published",
            date=(french_dates(clean(" ".join(response.xpath("//body//text()").getall()[:400]))) or [""])[0],
            response=response, parent_relevance=relevance,
            identifiers={"document": response.url.rsplit("/", 1)[-1].removesuffix(".html")},
            links=[Link("dossier", dossier_url)] if dossier_url else [],
        )
