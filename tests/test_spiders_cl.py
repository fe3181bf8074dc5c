"""Chilean spiders (Senado tramitación and restsil records, weekly table; Cámara citations and votes) against
recorded responses (../shared/snapshot-2)."""
from __future__ import annotations

from collections import Counter

from crawlers.items import Link
from crawlers.spiders.camara_cl import CITACIONES, VOTES, CamaraClSpider
from crawlers.spiders.senado_cl import RESTSIL, WEEKLY, WSPUBLICO, SenadoClSpider
from tests.crawl_helpers import make_spider, recorded, run, structure_errors

SENADO_PAGE = "https://tramitacion.senado.cl/appsenado/templates/tramitacion/index.php?boletin_ini="


def test_weekly_table_lists_the_bills_on_the_agenda():
    spider = make_spider(SenadoClSpider)
    items, requests = run(spider, spider.parse_weekly_table, WEEKLY)
    # bills only (agreements, ASUNTO 1, have no tramitación), once each
    assert items == [] and [r.url for r in requests] == [f"{WSPUBLICO}?boletin={b}" for b in
                                                         ("18230", "16741", "18029", "18159")]
    assert structure_errors(spider) == 0


def test_senado_public_record_with_its_steps_and_documents():
    spider = make_spider(SenadoClSpider, settings={"AILEX_MIN_RELEVANCE": 0})
    [bill], documents = run(spider, spider.parse_wspublico, f"{WSPUBLICO}?boletin=18296")
    assert bill.source_url == SENADO_PAGE + "18296-05"
    assert (bill.title, bill.jurisdiction, bill.doc_type, bill.date, bill.status, bill.language) == (
        "Autoriza mayor endeudamiento del gobierno central durante el año 2026 (boletín 18296-05)", "CL", "bill",
        "2026-06-03", "pending", "es")
    assert bill.identifiers["etapa"] == "Segundo trámite constitucional (Senado)"
    assert bill.identifiers["iniciativa"] == "Mensaje" and bill.identifiers["urgencia"] == "Suma"
    assert len(bill.actions) == 12
    assert [(a.date, a.body, a.stage.value) for a in bill.actions if a.stage.value != "other"] == [
        ("2026-06-03", "C.Diputados", "introduced"), ("2026-06-03", "C.Diputados", "in_committee"),
        ("2026-06-15", "C.Diputados", "reported"), ("2026-06-15", "C.Diputados", "reported"),
        ("2026-06-16", "C.Diputados", "reported"), ("2026-06-17", "C.Diputados", "passed_first_chamber"),
        ("2026-06-17", "Senado", "in_committee")]
    assert Counter(l.relation for l in bill.links) == {"bill_text": 1, "committee_report": 2, "official_letter": 2}
    # the message and the two committee reports (PDFs, not recorded: 404 in replay)
    assert [r.url for r in documents] == [
        "http://www.senado.cl/appsenado/index.php?mo=tramitacion&ac=getDocto&iddocto=18974&tipodoc=mensaje_mocion",
        "http://www.senado.cl/appsenado/index.php?mo=tramitacion&ac=getDocto&iddocto=28045&tipodoc=info",
        "http://www.senado.cl/appsenado/index.php?mo=tramitacion&ac=getDocto&iddocto=28047&tipodoc=info"]
    assert structure_errors(spider) == 0


def test_senado_restsil_records():
    spider = make_spider(SenadoClSpider)  # default relevance: these bills are not about AI, no document fetched
    [bill], documents = run(spider, spider.parse_restsil, f"{RESTSIL}/18872")
    assert documents == []
    assert bill.source_url == SENADO_PAGE + "18216-05"
    assert (bill.title, bill.date) == ("Para la reconstrucción nacional y el desarrollo económico y social "
                                       "(boletín 18216-05)", "2026-04-22")
    assert bill.identifiers["proyecto_id"] == "18872" and bill.identifiers["subetapa"] == "Boletín de indicaciones"
    assert len(bill.actions) == 41 and len(bill.links) == 13
    assert [(a.date, a.stage.value) for a in bill.actions if a.stage.value in ("introduced", "passed_first_chamber")] == [
        ("2026-04-22", "introduced"), ("2026-05-20", "passed_first_chamber")]
    assert bill.actions[-1].date == "2026-06-24"
    [small], _ = run(spider, spider.parse_restsil, f"{RESTSIL}/19090")
    assert (small.source_url, small.date) == (SENADO_PAGE + "18407-25", "2026-06-24")
    assert [(a.stage.value, a.body) for a in small.actions] == [("introduced", "Senado"), ("in_committee", "Senado")]
    assert small.links == [Link("bill_text", "https://microservicio-documentos.senado.cl/v1/archivos/"
                                             "46adab10-5e2f-4a51-b55b-d7a01683a409?includeContent=true")]
    assert structure_errors(spider) == 0


def test_restsil_needs_its_key_live_only():
    import asyncio

    async def seeds(spider):
        return [r async for r in spider.start()]

    live = make_spider(SenadoClSpider)
    assert [r.url for r in asyncio.run(seeds(live))] == [WEEKLY, f"{WSPUBLICO}?boletin=18296"]
    keyed = make_spider(SenadoClSpider, settings={"AILEX_SENADO_CL_API_KEY": "k-9"})
    requests = asyncio.run(seeds(keyed))
    assert [r.url for r in requests][-2:] == [f"{RESTSIL}/18872", f"{RESTSIL}/19090"]
    assert requests[-1].headers["Apikey"] == b"k-9"
    replay = make_spider(SenadoClSpider, settings={"AILEX_REPLAY_URL": "http://127.0.0.1:9"})
    assert len(asyncio.run(seeds(replay))) == 4


def test_camara_citations_and_votes():
    spider = make_spider(CamaraClSpider)
    items, requests = run(spider, spider.parse_citations, CITACIONES.format(week="2026-25"))
    assert items == [] and len(requests) == 36  # every bill the committees examine that week, once
    assert requests[0].url == VOTES.format(number="18296")  # "boletín N°18296-05"
    assert VOTES.format(number="18301") in [r.url for r in requests]  # "BOLETÍN N° 18.301-10"
    [bill], _ = run(spider, spider.parse_votes, VOTES.format(number="14309"))
    assert bill.source_url == "https://www.camara.cl/legislacion/ProyectosDeLey/tramitacion.aspx?prmBOLETIN=14309-04"
    assert bill.title == "Establece un sistema de subvenciones para la modalidad educativa de reingreso (boletín 14309-04)"
    assert (bill.date, bill.identifiers["votaciones"]) == ("2021-09-08", "6")
    assert [(a.date, a.stage.value) for a in bill.actions] == [
        ("2021-09-08", "passed_first_chamber"), ("2021-09-08", "other"), ("2026-05-11", "passed_second_chamber"),
        ("2026-05-11", "other"), ("2026-05-11", "other"), ("2026-05-11", "other")]
    assert bill.actions[0].description == ("Votación general (primer trámite): Aprobado (86 a favor, 27 en contra, "
                                           "21 abstenciones)")
    assert bill.links == [Link("other_chamber", SENADO_PAGE + "14309-04")]
    assert structure_errors(spider) == 0


def test_changed_pages_are_structure_errors():
    senado = make_spider(SenadoClSpider)
    wrong = recorded(VOTES.format(number="14309")).replace(url=f"{WSPUBLICO}?boletin=18296")
    assert list(senado.parse_wspublico(wrong)) == []
    camara = make_spider(CamaraClSpider)
    wrong = recorded(WEEKLY).replace(url=CITACIONES.format(week="2026-25"))
    assert list(camara.parse_citations(wrong)) == []
    assert structure_errors(senado) == 1 and structure_errors(camara) == 1
