"""UK legislation.gov.uk: Atom feeds (new legislation, paginated lists) → each item's CLML
(`…/made/data.xml` or `…/enacted/data.xml`), the legislation itself in Crown Legislation Markup.

Feeds are paginated with `?page=N` (`leg:page`, `leg:morePages`); `-a max_pages=N` (default 2)
bounds how far back a run goes. Every entry's CLML is fetched: it is the document.
"""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from parsel import Selector

from crawlers.items import Link
from crawlers.spiders.base import AilexSpider, StructureError, clean, require, strict

NS = {
    "a": "http://www.w3.org/2005/Atom",
    "leg": "http://www.legislation.gov.uk/namespaces/legislation",
    "ukm": "http://www.legislation.gov.uk/namespaces/metadata",
    "dc": "http://purl.org/dc/elements/1.1/",
    "atom": "http://www.w3.org/2005/Atom",
}
PRIMARY = {"UnitedKingdomPublicGeneralAct", "UnitedKingdomLocalAct", "ScottishAct", "WelshParliamentAct",
           "WelshNationalAssemblyAct", "NorthernIrelandAct", "UnitedKingdomChurchMeasure"}


def _sel(response) -> Selector:
    sel = Selector(text=response.text, type="xml")
    for prefix, uri in NS.items():
        sel.register_namespace(prefix, uri)
    return sel


def with_page(url: str, page: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("page", str(page))])))


class UkLegislationSpider(AilexSpider):
    name = "uk_legislation"
    jurisdiction = "UK"
    allowed_domains = ["legislation.gov.uk", "www.legislation.gov.uk", "legislation.data.gov.uk"]
    seeds = (
        "http://www.legislation.gov.uk/new/data.feed",  # newly published legislation
        "http://www.legislation.gov.uk/1110-2016/data.feed?page=1",  # everything up to 2016, paginated
    )
    routes = (
        (r"/data\.feed", "parse_feed"),
        (r"/data\.xml", "parse_clml"),
    )

    def __init__(self, *args, max_pages: str = "2", **kwargs):
        super().__init__(*args, **kwargs)
        self.max_pages = int(max_pages)

    @strict
    def parse_feed(self, response):
        sel = _sel(response)
        if not sel.xpath("/a:feed"):
            raise StructureError("not an Atom feed")
        entries = sel.xpath("/a:feed/a:entry")
        if not entries:
            raise StructureError("feed without entries")
        # XML alternates live on the feed's data host (legislation.data.gov.uk); entries without one
        # get `{page}/data.xml` on that host.
        data_host = urlsplit(sel.xpath("//a:entry/a:link[@rel='alternate'][@type='application/xml']/@href").get()
                             or response.url).netloc
        for entry in entries:
            xml = entry.xpath("a:link[@rel='alternate'][@type='application/xml']/@href").get()
            if not xml:
                page = entry.xpath("a:link[not(@rel)]/@href").get()
                xml = urlunsplit(urlsplit(page)._replace(netloc=data_host)) + "/data.xml" if page else None
            if not xml:
                self.structure_error(response, f"entry without XML link: {entry.xpath('a:id/text()').get()}")
                continue
            yield self.request(xml, feed_summary=clean(entry.xpath("a:summary//text()").get()))
        page = int(sel.xpath("/a:feed/leg:page/text()").get() or "1")
        more = int(sel.xpath("/a:feed/leg:morePages/text()").get() or "0")
        if more > 0 and page < self.max_pages:
            yield self.request(with_page(response.url, page + 1))

    @strict
    def parse_clml(self, response, feed_summary: str = ""):
        sel = _sel(response)
        root = sel.xpath("/leg:Legislation")
        if not root:
            raise StructureError("no <Legislation> root (not CLML)")
        meta = root.xpath("ukm:Metadata")
        title = require(clean(meta.xpath("dc:title/text()").get()), "dc:title")
        main_type = meta.xpath(".//ukm:DocumentMainType/@Value").get() or ""
        year = meta.xpath(".//ukm:Year/@Value").get() or ""
        number = meta.xpath(".//ukm:Number/@Value").get() or ""
        made = (meta.xpath(".//ukm:Made/@Date").get() or meta.xpath(".//ukm:EnactmentDate/@Date").get()
                or meta.xpath("dc:modified/text()").get() or "")
        in_force = meta.xpath(".//ukm:ComingIntoForce/ukm:DateTime/@Date").get() or ""
        doc_uri = root.attrib.get("DocumentURI") or response.url.rsplit("/data.xml", 1)[0]
        pdf = meta.xpath(".//ukm:Alternatives/ukm:Alternative/@URI").get()
        links = [Link("pdf", pdf)] if pdf else []
        yield self.item(
            source_url=doc_uri, title=title, doc_type="act", language=clean(meta.xpath("dc:language/text()").get()) or "en",
            date=made[:10], status="enacted" if main_type in PRIMARY else "made", response=response,
            identifiers={"legislation_id": root.attrib.get("IdURI", ""), "type": main_type, "year": year,
                         "number": number, "coming_into_force": in_force[:10], "data_xml": response.url,
                         "subject": clean(meta.xpath("dc:subject/text()").get())},
            text=" ".join([feed_summary, " ".join(sel.xpath("//text()").getall())]),
            links=links,
        )
