"""Chile, Cámara de Diputados: weekly committee sessions → the bills they examine → their votes.

Seeds: the week's committee citations (`camara.cl/legislacion/comisiones/citaciones_semana.aspx?
prmSemana=YYYY-WW`; `-a weeks=2026-25,current`), whose boletín references are followed to the
open-data votes per bill (`opendata.camara.cl/wscamaradiputados.asmx/getVotaciones_Boletin`),
plus watched boletines (`-a boletines=14309`). Each bill with votes becomes one record in the
Cámara (its plenary votes as classified actions, crawlers/actions.py CAMARA_CL), linked to the
Senate's record of the same boletín (senado_cl).
"""
from __future__ import annotations

import re
from datetime import date

from parsel import Selector

from crawlers.actions import CAMARA_CL, action
from crawlers.items import Link
from crawlers.spiders.base import AilexSpider, StructureError, clean, require, spanish_date, strict
from crawlers.spiders.senado_cl import bill_page as senate_bill_page

CITACIONES = "https://www.camara.cl/legislacion/comisiones/citaciones_semana.aspx?prmSemana={week}"
VOTES = "https://opendata.camara.cl/wscamaradiputados.asmx/getVotaciones_Boletin?prmBoletin={number}"
BOLETIN = re.compile(r"bolet[ií]n\s*(?:n[°º.]*\s*)?(\d{1,2}\.?\d{3})-(\d{1,2})\b", re.I)
# the bill's own name, quoted in the vote on the Senate's amendments: … que “Establece un …”
QUOTED_TITLE = re.compile(r"que\s+[“\"]([^”\"]{10,300})[”\"]")


def bill_page(boletin: str) -> str:
    """The bill's page on camara.cl (the document's canonical URL), by full boletín ('14309-04')."""
    return f"https://www.camara.cl/legislacion/ProyectosDeLey/tramitacion.aspx?prmBOLETIN={boletin}"


def this_week() -> str:
    year, week, _ = date.today().isocalendar()
    return f"{year}-{week:02d}"


class CamaraClSpider(AilexSpider):
    name = "camara_cl"
    jurisdiction = "CL"
    allowed_domains = ["camara.cl", "www.camara.cl", "opendata.camara.cl"]
    weeks = ("2026-25", "current")  # the recorded week, and whatever week it is now
    boletines = ("14309",)  # recorded votes
    routes = (
        (r"/comisiones/citaciones_semana\.aspx", "parse_citations"),
        (r"/getVotaciones_Boletin", "parse_votes"),
    )

    def __init__(self, *args, weeks: str | None = None, boletines: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if weeks is not None:
            self.weeks = tuple(w.strip() for w in weeks.split(",") if w.strip())
        if boletines is not None:
            self.boletines = tuple(b.strip().split("-")[0].replace(".", "") for b in boletines.split(",") if b.strip())

    async def start(self):
        async for request in super().start():
            yield request
        for week in dict.fromkeys(this_week() if w == "current" else w for w in self.weeks):
            yield self.request(CITACIONES.format(week=week))
        for b in self.boletines:
            yield self.request(VOTES.format(number=b))

    @strict
    def parse_citations(self, response):
        days = Selector(text=response.text, type="html").xpath("//article[contains(@class, 'citaciones')]")
        if not days:
            raise StructureError("no day of committee citations (article.citaciones)")
        seen = set()
        for day in days:
            require(spanish_date(day.xpath("string(.//p[contains(@class, 'fecha')])").get()), "day of the citations")
            for m in BOLETIN.finditer(" ".join(day.xpath(".//td//text()").getall())):
                number = m.group(1).replace(".", "")
                if number not in seen:
                    seen.add(number)
                    yield self.request(VOTES.format(number=number))

    @strict
    def parse_votes(self, response):
        sel = Selector(text=response.text, type="xml")
        sel.remove_namespaces()
        root = sel.xpath("/Votaciones")
        if not root:
            raise StructureError("no <Votaciones> root")
        votes = root.xpath("Votacion")
        if not votes:  # a bill nobody has voted on yet: nothing to record, nothing wrong
            return
        boletin = require(clean(votes[0].xpath("string(Boletin)").get()), "boletín")
        title = ""
        actions = []
        for v in sorted(votes, key=lambda v: clean(v.xpath("string(Fecha)").get())):  # the service lists newest first
            t = lambda path: clean(v.xpath(f"string({path})").get())  # noqa: E731
            tramite, kind, result, article = t("Tramite"), t("Tipo"), t("Resultado"), t("Articulo")
            counts = f"{t('TotalAfirmativos')} a favor, {t('TotalNegativos')} en contra, {t('TotalAbstenciones')} abstenciones"
            description = f"Votación {kind.lower()} ({tramite.lower()}): {result} ({counts})" + (f". {article}" if article else "")
            actions.append(action(require(t("Fecha")[:10], "vote date"), description, CAMARA_CL,
                                  body="Cámara de Diputados", source_url=response.url,
                                  classify_text=f"{tramite}: {kind}: {result}: {article}"))
            m = QUOTED_TITLE.search(article)
            title = title or (clean(m.group(1)).rstrip(".") if m else "")
        first = min(a.date for a in actions)
        yield self.item(
            source_url=bill_page(boletin), title=f"{title or 'Proyecto de ley'} (boletín {boletin})", doc_type="bill",
            language="es", date=first, status="pending", actions=actions,
            identifiers={"boletin": boletin, "votaciones": str(len(actions))},
            text=" ".join(a.description for a in actions),
            links=[Link("other_chamber", senate_bill_page(boletin))],
        )
