"""France, Assemblée nationale: dossiers législatifs (`assemblee-nationale.fr/14/dossiers/*.asp`)
→ bills (`/projets/`, `/propositions/`), reports (`/rapports/`), adopted texts (`/ta/`), and the
Sénat's dossier (linked).

Listing: the legislature's dossier index (`/{leg}/documents/index-dossier.asp`); watched dossiers
are seeds (`-a dossiers=14/dossiers/republique_numerique`). Documents are fetched for
AI-relevant dossiers.
"""
from __future__ import annotations

import re

from crawlers.actions import FRANCE, action, chamber_passages
from crawlers.items import Link
from crawlers.spiders.base import (AilexSpider, StructureError, clean, french_dates, require, strict,
                                   utf8_first)

BASE = "http://www.assemblee-nationale.fr"
_DATE = r"\d{1,2}(?:er)? [a-zéû]+ \d{4}"
# the dated steps an old-layout dossier page states in running text, in page order
STEPS = re.compile(
    rf"(?:Projet|Proposition) de loi[^.;]{{0,400}}?, (?:adopté|modifié|rejeté)e?[^.;]{{0,200}}? par (?:l'Assemblée nationale|le Sénat),? le {_DATE} ?, TA n° ?\d+"
    rf"|(?:Projet|Proposition) de loi(?:(?!TA n°)[^.;]){{0,400}}?, n° ?\d+, déposée? (?:à l'Assemblée nationale |au Sénat )?le {_DATE}"
    rf"|Rapport n° ?\d+[^.;]{{0,160}}? déposé le {_DATE}"
    rf"|Décision n° ?[\w-]+ DC du {_DATE}"
    rf"|Loi n° ?[\d-]+ du {_DATE}")
DOC_KINDS = (("/projets/", "bill"), ("/propositions/", "bill"), ("/rapports/", "committee_report"),
             ("/ta/", "bill"))


class AssembleeSpider(AilexSpider):
    name = "assemblee"
    jurisdiction = "FR"
    allowed_domains = ["assemblee-nationale.fr", "www.assemblee-nationale.fr"]
    seeds = (f"{BASE}/14/documents/index-dossier.asp",)
    dossiers = ("14/dossiers/republique_numerique", "14/dossiers/sante", "14/dossiers/art11_Constitution_pl")
    routes = (
        (r"/documents/index-dossier", "parse_listing"),
        (r"/\d+/dossiers/[\w-]+\.asp", "parse_dossier"),
        (r"/\d+/(projets|propositions|rapports|ta)/", "parse_document"),
    )

    def __init__(self, *args, dossiers: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if dossiers is not None:
            self.dossiers = tuple(d.strip() for d in dossiers.split(",") if d.strip())

    async def start(self):
        async for request in super().start():
            yield request
        for d in self.dossiers:
            yield self.request(f"{BASE}/{d}.asp")

    @strict
    def parse_listing(self, response):
        links = response.xpath("//a[contains(@href, '/dossiers/')]/@href").getall()
        if not links:
            raise StructureError("no dossier links in the index")
        for href in dict.fromkeys(links):
            yield self.request(response.urljoin(href))

    @strict
    def parse_dossier(self, response):
        response = utf8_first(response)
        page_title = require(clean(response.css("title::text").get()), "<title>")
        title = re.sub(r"^Assemblée nationale\s*-\s*", "", page_title)
        text = clean(" ".join(response.xpath("//body//text()[not(ancestor::script)]").getall()))
        leg = re.search(r"/(\d+)/dossiers/([\w-]+)\.asp", response.url)
        docs: dict[str, str] = {}
        senat = []
        for href in response.xpath("//a/@href").getall():
            url = response.urljoin(href).split("#")[0]
            if "senat.fr/dossier-legislatif/" in url:
                senat.append(url.replace("http://www.senat.fr/", "https://www.senat.fr/"))  # the Sénat's canonical URLs
                continue
            if "assemblee-nationale.fr" not in url or not url.endswith(".asp"):
                continue
            for marker, kind in DOC_KINDS:
                if re.search(rf"/\d+{re.escape(marker)}[\w-]+\.asp$", url) and not url.endswith("-ei.asp"):
                    docs.setdefault(url, kind)
        if not docs:
            raise StructureError("dossier lists no bills, reports or adopted texts")
        body = text[text.find(title.split(":")[-1].strip()[:30]):] if title else text
        deposit = re.search(r"déposée? (?:à l'Assemblée nationale |au Sénat )?le (\d{1,2}(?:er)? \w+ \d{4})", body)
        dates = french_dates(deposit.group(1)) if deposit else french_dates(body)[:1]
        loi = re.search(r"Loi n° ?([\d-]+) du (\d{1,2}(?:er)? \w+ \d{4})", body)
        actions = []  # the steps the page states, oldest first
        for m in STEPS.finditer(re.sub(r"\b1 er\b", "1er", body)):
            step = m.group(0)
            who = "Sénat" if "par le Sénat" in step else "Conseil constitutionnel" if step.startswith("Décision") \
                else "Assemblée nationale"
            actions.append(action(french_dates(step)[-1], step, FRANCE, body=who, source_url=response.url))
        actions = chamber_passages(actions)
        item = self.item(
            source_url=response.url, title=title, doc_type="procedure", language="fr",
            date=dates[0] if dates else "", status="enacted" if loi else "pending", response=response,
            identifiers={"legislature": leg.group(1) if leg else "", "dossier": leg.group(2) if leg else "",
                         "loi": loi.group(1) if loi else "",
                         "texts": "; ".join(u.rsplit("/", 1)[-1].removesuffix(".asp") for u in docs)},
            text=body,
            links=[Link(kind if kind != "bill" else "text", u) for u, kind in docs.items()]
            + [Link("other_chamber", u) for u in dict.fromkeys(senat)], actions=actions,
        )
        yield item
        if self.wants_documents(item.relevance):
            for u in docs:
                yield self.request(u, dossier_url=response.url, relevance=item.relevance)

    @strict
    def parse_document(self, response, dossier_url: str = "", relevance: float = 0.0):
        response = utf8_first(response)
        title = require(re.sub(r"^Assemblée nationale\s*-\s*", "", clean(response.css("title::text").get())), "title")
        kind = next((k for m, k in DOC_KINDS if m in response.url), "other")
        yield self.item(
            source_url=response.url, title=title, doc_type=kind, language="fr", status="published",
            date=(french_dates(clean(" ".join(response.xpath("//body//text()").getall()[:600]))) or [""])[0],
            response=response, parent_relevance=relevance,
            identifiers={"document": response.url.rsplit("/", 1)[-1].removesuffix(".asp")},
            links=[Link("dossier", dossier_url)] if dossier_url else [],
        )
