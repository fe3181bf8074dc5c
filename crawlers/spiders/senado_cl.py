"""Chile, Senado: weekly plenary agenda → bill tracking (tramitación) records, with their steps.

Seeds: the plenary's weekly table (`web-back.senado.cl/api/weekly_table`), whose bills (boletines)
are looked up in the public tramitación web service (`tramitacion.senado.cl/wspublico/
tramitacion.php?boletin=N`), plus watched boletines (`-a boletines=18296`) and, through the
Senate's bill-tracking API (`restsil.senado.cl/v3`, needs AILEX_SENADO_CL_API_KEY when live),
watched projects by id (`-a proyectos=18872,19090`). Each bill is one record keyed by its
boletín (both services describe the same bill page) with every trámite as a classified action
(crawlers/actions.py, SENADO_CL) and links to its message/motion, committee reports and
official letters; those documents (PDF/DOC) are fetched for AI-relevant bills.
"""
from __future__ import annotations

from parsel import Selector

from crawlers.actions import SENADO_CL, action
from crawlers.items import Link
from crawlers.spiders.base import AilexSpider, StructureError, clean, load_json, require, spanish_date, strict

WSPUBLICO = "https://tramitacion.senado.cl/wspublico/tramitacion.php"
RESTSIL = "https://restsil.senado.cl/v3/proyectos/tramitacionProyecto"
WEEKLY = "https://web-back.senado.cl/api/weekly_table?limit=100"


def bill_page(boletin: str) -> str:
    """The bill's page on senado.cl (the document's canonical URL), by full boletín ('18296-05')."""
    return f"https://tramitacion.senado.cl/appsenado/templates/tramitacion/index.php?boletin_ini={boletin}"


def status_of(estado: str, ley: str) -> str:
    if clean(ley):
        return "enacted"
    estado = clean(estado).lower()
    if "archiv" in estado:
        return "archived"
    if "retir" in estado:
        return "withdrawn"
    return "pending"


def html_text(fragment: str | None) -> str:
    return clean(" ".join(Selector(text=f"<div>{fragment or ''}</div>").xpath("//text()").getall()))


class SenadoClSpider(AilexSpider):
    name = "senado_cl"
    jurisdiction = "CL"
    allowed_domains = ["senado.cl", "tramitacion.senado.cl", "web-back.senado.cl", "restsil.senado.cl",
                       "www.senado.cl", "microservicio-documentos.senado.cl"]
    seeds = (WEEKLY,)
    boletines = ("18296",)  # recorded bill (public web service)
    proyectos = ("18872", "19090")  # recorded bills (restsil API)
    routes = (
        (r"web-back\.senado\.cl/api/weekly_table", "parse_weekly_table"),
        (r"/wspublico/tramitacion\.php", "parse_wspublico"),
        (r"restsil\.senado\.cl/v3/proyectos/tramitacionProyecto/\d+", "parse_restsil"),
        (r"(senado\.cl/appsenado/index\.php\?.*getDocto|microservicio-documentos\.senado\.cl)", "parse_document"),
    )

    def __init__(self, *args, boletines: str | None = None, proyectos: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if boletines is not None:
            self.boletines = tuple(b.strip().split("-")[0] for b in boletines.split(",") if b.strip())
        if proyectos is not None:
            self.proyectos = tuple(p.strip() for p in proyectos.split(",") if p.strip())

    async def start(self):
        async for request in super().start():
            yield request
        for b in self.boletines:
            yield self.request(f"{WSPUBLICO}?boletin={b}")
        key = self.settings.get("AILEX_SENADO_CL_API_KEY") or ""
        if self.proyectos and not key and not self.settings.get("AILEX_REPLAY_URL"):
            self.logger.warning("AILEX_SENADO_CL_API_KEY is not set: not asking restsil.senado.cl for %s",
                                ", ".join(self.proyectos))
            return
        for p in self.proyectos:
            yield self.request(f"{RESTSIL}/{p}", headers={"Apikey": key} if key else None)

    @strict
    def parse_weekly_table(self, response):
        data = load_json(response)
        sessions = data.get("data")
        if not isinstance(sessions, list) or not sessions:
            raise StructureError("no sessions ('data') in the weekly table")
        seen = set()
        for session in sessions:
            require(session.get("FECHA"), "session date (FECHA)")
            for entry in session.get("TABLA") or []:
                boletin = clean(entry.get("BOLETIN"))
                # ASUNTO 1: a "proyecto de acuerdo" or other business, not a bill with a tramitación
                if not boletin or entry.get("ASUNTO") or boletin in seen:
                    continue
                seen.add(boletin)
                yield self.request(f"{WSPUBLICO}?boletin={boletin.split('-')[0]}")

    @strict
    def parse_wspublico(self, response):
        sel = Selector(text=response.text, type="xml")
        bill = sel.xpath("/proyectos/proyecto")
        if not bill:
            raise StructureError("no <proyectos><proyecto> in the tramitación record")
        d = lambda path: clean(bill.xpath(f"string({path})").get())  # noqa: E731
        boletin = require(d("descripcion/boletin"), "boletín")
        title = require(d("descripcion/titulo"), "título")
        actions = [
            action(require(spanish_date(t.xpath("string(FECHA)").get()), "trámite date"),
                   clean(t.xpath("string(DESCRIPCIONTRAMITE)").get()), SENADO_CL,
                   body=clean(t.xpath("string(CAMARATRAMITE)").get()), source_url=response.url,
                   classify_text=f"{clean(t.xpath('string(ETAPDESCRIPCION)').get())}: "
                                 f"{clean(t.xpath('string(DESCRIPCIONTRAMITE)').get())}")
            for t in bill.xpath("tramitacion/tramite") if clean(t.xpath("string(DESCRIPCIONTRAMITE)").get())
        ]
        documents = []  # (relation, url, title, doc_type, date)
        if d("descripcion/link_mensaje_mocion"):
            documents.append(("bill_text", d("descripcion/link_mensaje_mocion"),
                              f"{d('descripcion/iniciativa') or 'Texto'} (boletín {boletin})", "bill",
                              spanish_date(d("descripcion/fecha_ingreso"))))
        for inf in bill.xpath("informes/informe"):
            url = clean(inf.xpath("string(LINK_INFORME)").get())
            if url:
                documents.append(("committee_report", url, f"{clean(inf.xpath('string(TRAMITE)').get())} (boletín {boletin})",
                                  "committee_report", spanish_date(inf.xpath("string(FECHAINFORME)").get())))
        for of in bill.xpath("oficios/oficio"):
            url = clean(of.xpath("string(LINK_OFICIO)").get())
            if url:
                documents.append(("official_letter", url, f"Oficio: {clean(of.xpath('string(TRAMITE)').get())} "
                                  f"(boletín {boletin})", "other", spanish_date(of.xpath("string(FECHA)").get())))
        yield from self.record(
            response, boletin=boletin, title=title, date=spanish_date(d("descripcion/fecha_ingreso")),
            status=status_of(d("descripcion/estado"), d("descripcion/leynro")), actions=actions, documents=documents,
            identifiers={"boletin": boletin, "iniciativa": d("descripcion/iniciativa"),
                         "camara_origen": d("descripcion/camara_origen"), "etapa": d("descripcion/etapa"),
                         "subetapa": d("descripcion/subetapa"), "urgencia": d("descripcion/urgencia_actual"),
                         "ley": d("descripcion/leynro")},
            text=title)

    @strict
    def parse_restsil(self, response):
        data = load_json(response)
        info = require(data.get("infoProyecto"), "infoProyecto")
        boletin = require(clean(info.get("NumeroBoletin")), "NumeroBoletin")
        title = require(clean(info.get("Suma")), "Suma (title)")
        rows = data.get("tramitacionProyecto")
        if not isinstance(rows, list):
            raise StructureError("no tramitacionProyecto list")
        ordered = sorted(enumerate(rows), key=lambda r: (str(r[1].get("FECHA_SORT") or ""), r[0]))
        actions, documents, seen = [], [], set()
        for _, row in ordered:
            text = clean(row.get("TEXTODESCRIPTIVOTRAMITACION")) or clean(row.get("SUBEDESCRIPCION"))
            links = {k: row.get(k) for k in ("LINK_MENSAJE", "LINK_INFORME", "LINK_OFICIO", "LINK_INDICACION",
                                             "LINK_COMPARADO") if row.get(k)}
            body = " — ".join(x for x in (clean(row.get("CAMDELTRAMITE")), clean(row.get("COMINOMBRE"))) if x)
            if text:
                actions.append(action(require(spanish_date(row.get("TRAMFECHA")), "TRAMFECHA"), text, SENADO_CL,
                                      body=body, source_url=next(iter(links.values()), response.url),
                                      classify_text=f"{clean(row.get('ETAPDESCRIPCION'))}: {text}"))
            for kind, url in links.items():
                if url in seen:
                    continue
                seen.add(url)
                relation, doc_type = {"LINK_MENSAJE": ("bill_text", "bill"), "LINK_INFORME": ("committee_report", "committee_report"),
                                      "LINK_COMPARADO": ("comparison", "other"), "LINK_INDICACION": ("amendment", "amendment")
                                      }.get(kind, ("official_letter", "other"))
                documents.append((relation, url, f"{text} (boletín {boletin})", doc_type, spanish_date(row.get("TRAMFECHA"))))
        yield from self.record(
            response, boletin=boletin, title=title, date=spanish_date(info.get("FechaIngreso")),
            status=status_of(info.get("EstadoProyecto") or "", info.get("leynro") or ""), actions=actions,
            documents=documents,
            identifiers={"boletin": boletin, "proyecto_id": clean(str(info.get("proyId") or "")),
                         "iniciativa": clean(info.get("Iniciativa")), "camara_origen": clean(info.get("Origen")),
                         "etapa": clean(info.get("EstadoProyecto")), "subetapa": clean(info.get("Subetapa")),
                         "urgencia": clean(info.get("Urgencia")), "ley": clean(info.get("leynro"))},
            # the Senate's own generated summary ("ResumenIA") says what the bill is about
            text=f"{title} {html_text(info.get('ResumenIA'))}")

    def record(self, response, *, boletin: str, title: str, date: str, status: str, actions: list,
               documents: list, identifiers: dict, text: str):
        item = self.item(
            source_url=bill_page(boletin), title=f"{title} (boletín {boletin})", doc_type="bill", language="es",
            date=date, status=status, identifiers=identifiers, text=text, actions=actions,
            links=[Link(relation, url) for relation, url, *_ in documents],
        )
        yield item
        if self.wants_documents(item.relevance):
            for relation, url, doc_title, doc_type, doc_date in documents:
                if relation in ("bill_text", "committee_report"):
                    yield self.request(url, record=item, title=doc_title, doc_type=doc_type, date=doc_date)

    def parse_document(self, response, record, title: str, doc_type: str, date: str):
        yield self.item(
            source_url=response.url, title=title, doc_type=doc_type, language="es", date=date, status=record.status,
            response=response, parent_relevance=record.relevance,
            identifiers={"boletin": record.identifiers["boletin"]}, links=[Link("document_of", record.source_url)],
        )

