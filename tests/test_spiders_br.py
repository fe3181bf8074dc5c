"""Brazilian spiders (Câmara dos Deputados API v2, Senado Federal open data) against recorded responses
(../shared/snapshot-2): records, their timelines, and the chains that were not recorded."""
from __future__ import annotations

from collections import Counter

from crawlers.items import Link
from crawlers.spiders.camara_br import API as CAMARA, CamaraBrSpider, search_url
from crawlers.spiders.senado_br import API as SENADO, SenadoBrSpider
from tests.crawl_helpers import make_spider, recorded, run, structure_errors


def test_camara_listing_and_search():
    spider = make_spider(CamaraBrSpider)
    items, requests = run(spider, spider.parse_listing, f"{CAMARA}/proposicoes")
    assert items == [] and len(requests) == 15  # one page of 15 proposals (max_pages=1: no "next")
    assert requests[0].url == f"{CAMARA}/proposicoes/15749" and requests[0].callback == spider.parse_proposal
    spider2 = make_spider(CamaraBrSpider, max_pages="2")
    _, requests = run(spider2, spider2.parse_listing, f"{CAMARA}/proposicoes")
    assert requests[-1].url == f"{CAMARA}/proposicoes?pagina=2&itens=15"
    _, [found] = run(spider, spider.parse_listing, search_url("PEC", "241", "2016"))
    assert found.url == f"{CAMARA}/proposicoes/2088351"
    assert structure_errors(spider) == 0


def test_camara_proposal_timeline_351_steps_archived_last():
    spider = make_spider(CamaraBrSpider, settings={"AILEX_MIN_RELEVANCE": 0})
    items, [steps] = run(spider, spider.parse_proposal, f"{CAMARA}/proposicoes/2088351")
    assert items == [] and steps.url == f"{CAMARA}/proposicoes/2088351/tramitacoes"
    assert steps.meta["ailex_on_missing"] == "record"
    [pec], [full_text] = run(spider, spider.parse_steps, steps.url, **steps.cb_kwargs)
    assert pec.source_url == "https://www.camara.leg.br/propostas-legislativas/2088351"
    assert pec.title == ("PEC 241/2016: Altera o Ato das Disposições Constitucionais Transitórias, para instituir o "
                         "Novo Regime Fiscal.")
    assert (pec.jurisdiction, pec.doc_type, pec.date, pec.language) == ("BR", "bill", "2016-06-15", "pt")
    assert pec.status == "enacted"  # "Transformado em Norma Jurídica" (Emenda Constitucional 95/2016)
    assert pec.identifiers["bill"] == "PEC 241/2016" and pec.identifiers["orgao_atual"] == "ARQUIVO"
    assert pec.links == [Link("full_text", "http://www.camara.gov.br/proposicoesWeb/prop_mostrarintegra?codteor=1468431"),
                         Link("other_chamber", "http://legis.senado.leg.br/dadosabertos/materia/PEC/55/2016")]
    steps_ = pec.actions
    assert len(steps_) == 351
    assert [a.date for a in steps_] == sorted(a.date for a in steps_)
    assert (steps_[0].date, steps_[0].body, steps_[0].stage.value) == ("2016-06-15", "PLEN", "introduced")
    assert steps_[0].description.startswith("Apresentação de Proposição: Apresentação da Proposta de Emenda")
    assert (steps_[-1].date, steps_[-1].body, steps_[-1].stage.value) == ("2017-05-09", "ARQUIVO", "archived")
    assert steps_[-1].description.startswith("Arquivamento: Arquivada pelo ARQUIVO")
    key = [(a.date, a.stage.value) for a in steps_ if a.stage.value in ("reported", "passed_first_chamber", "enacted")]
    assert key == [("2016-08-09", "reported"), ("2016-10-06", "reported"), ("2016-10-25", "passed_first_chamber"),
                   ("2016-10-26", "passed_first_chamber"), ("2016-12-15", "enacted")]
    assert Counter(a.stage.value for a in steps_) == {"other": 333, "archived": 6, "in_committee": 5, "introduced": 2,
                                                     "reported": 2, "passed_first_chamber": 2, "enacted": 1}
    # the full text (a PDF) was not recorded: requested for a relevant record, and replay answers 404
    assert full_text.url == "http://www.camara.gov.br/proposicoesWeb/prop_mostrarintegra?codteor=1468431"
    # when the steps cannot be fetched the record is still stored, without them
    [alone, _] = list(spider.record(**steps.cb_kwargs))
    assert alone.source_url == pec.source_url and alone.actions == [] and alone.status == "enacted"
    assert structure_errors(spider) == 0


def test_senado_search_materia_texts_steps_page():
    spider = make_spider(SenadoBrSpider, settings={"AILEX_MIN_RELEVANCE": 0})
    _, [materia] = run(spider, spider.parse_search, f"{SENADO}/materia/pesquisa/lista?sigla=pls&numero=229&ano=2009")
    assert materia.url == f"{SENADO}/materia/91341"
    _, [texts] = run(spider, spider.parse_materia, materia.url)
    assert texts.url == f"{SENADO}/materia/textos/91341" and texts.meta["ailex_on_missing"] == "without_texts"
    # the texts of 91341 were not recorded (404): the chain goes on to its steps
    [steps] = list(spider.without_texts(**texts.cb_kwargs))
    assert steps.url == f"{SENADO}/materia/movimentacoes/91341"
    _, [page] = run(spider, spider.parse_steps, steps.url, **steps.cb_kwargs)
    assert page.url == "https://www25.senado.leg.br/web/atividade/materias/-/materia/91341"
    [pls], follow = run(spider, spider.parse_page, page.url, **page.cb_kwargs)
    assert follow == []  # no texts known, nothing to fetch
    assert pls.source_url == page.url and pls.body and pls.content_type.startswith("text/html")
    assert pls.title.startswith("PLS 229/2009: Estabelece normas gerais sobre plano, orçamento, controle")
    assert (pls.date, pls.status, pls.language) == ("2009-05-28", "pending", "pt")
    assert pls.identifiers["situacao"] == "REMETIDA À CÂMARA DOS DEPUTADOS"
    assert pls.identifiers["outros_numeros"] == "PLP 295/2016" and pls.identifiers["autores"] == "Tasso Jereissati"
    assert len(pls.actions) == 128
    assert (pls.actions[0].date, pls.actions[-1].date, pls.actions[-1].stage.value) == ("2009-05-28", "2018-10-16",
                                                                                        "archived")
    assert [(a.date, a.body) for a in pls.actions if a.stage.value == "passed_first_chamber"] == [
        ("2016-06-07", "Plenário do Senado Federal"), ("2016-06-21", "Secretaria de Expediente")]
    assert sum(a.stage.value == "reported" for a in pls.actions) == 3
    assert structure_errors(spider) == 0


def test_senado_texts_listed_when_steps_and_page_are_missing():
    spider = make_spider(SenadoBrSpider, settings={"AILEX_MIN_RELEVANCE": 0})
    _, [texts] = run(spider, spider.parse_materia, f"{SENADO}/materia/135061")
    _, [steps] = run(spider, spider.parse_texts, texts.url, **texts.cb_kwargs)
    assert len(steps.cb_kwargs["texts"]) == 547 and steps.meta["ailex_on_missing"] == "without_steps"
    # neither the movimentações nor the public page of 135061 were recorded
    [page] = list(spider.without_steps(**steps.cb_kwargs))
    [mpv, *documents] = list(spider.without_page(**page.cb_kwargs))
    assert mpv.title.startswith("MPV 868/2018: Atualiza o marco legal do saneamento básico")
    assert (mpv.date, mpv.status, mpv.body, mpv.actions) == ("2018-12-28", "lapsed", None, [])  # "SEM EFICÁCIA"
    assert mpv.identifiers["emendas"] == "501" and mpv.identifiers["outros_numeros"] == "MSG 787/2018"
    assert Counter(l.relation for l in mpv.links) == {"text": 40, "committee_report": 6}  # amendments counted only
    # the main texts (the MP, the conversion bill, reports, opinions) are requested once each; replay answers 404
    assert len(documents) == 8 and len({r.url for r in documents}) == 8
    assert documents[0].url == "http://legis.senado.leg.br/sdleg-getter/documento?dm=7904514"
    assert structure_errors(spider) == 0


def test_unexpected_json_is_a_structure_error():
    spider = make_spider(CamaraBrSpider)
    wrong = recorded(f"{SENADO}/materia/91341").replace(url=f"{CAMARA}/proposicoes")
    assert list(spider.parse_listing(wrong)) == []
    senado = make_spider(SenadoBrSpider)
    wrong = recorded(f"{CAMARA}/proposicoes/2088351").replace(url=f"{SENADO}/materia/91341")
    assert list(senado.parse_materia(wrong)) == []
    assert structure_errors(spider) == 1 and structure_errors(senado) == 1
