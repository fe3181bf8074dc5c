"""Bill timelines: stage rules, the stored actions (idempotent, through the one store pipeline), the
document status that follows them, the timeline API and page, and the parliamentary-actions overview."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from corpus.actions import ActionStore, BillAction, Stage
from corpus.crawl_state import CrawlState
from crawlers import actions as rules
from crawlers.pipelines import store_item
from crawlers.spiders.camara_br import API as CAMARA, CamaraBrSpider
from crawlers.spiders.uk_bills import UkBillsSpider
from tests.crawl_helpers import make_spider, run


@pytest.mark.parametrize("text, source, stage", [
    ("Apresentação de Proposição: Apresentação da Proposta de Emenda à Constituição n. 241/2016", "CAMARA_BR", "introduced"),
    ("Transformação em Norma Jurídica: Transformado na Emenda Constitucional 95/2016.", "CAMARA_BR", "enacted"),
    ("Retirada pelo Autor: Retirado o destaque da bancada do PSB", "CAMARA_BR", "other"),  # a motion, not the bill
    ("Aprovação de Proposição em Plenário: Aprovado o Substitutivo …, em primeiro turno", "CAMARA_BR", "other"),
    ("Em reunião realizada nesta data, a Comissão aprova o relatório do senador Ricardo Ferraço", "SENADO_BR", "reported"),
    ("Primer trámite constitucional: Oficio de ley a Cámara Revisora .", "SENADO_CL", "passed_first_chamber"),
    ("Segundo trámite constitucional: Discusión general. Aprobado en general.", "SENADO_CL", "other"),
    ("Royal Assent", "UK_BILLS", "enacted"),
    ("intro-referral: Referred to the House Committee on Oversight and Reform.".replace("intro-", "intro"), "CONGRESS",
     "in_committee"),
    ("Final act published in Official Journal", "OEIL", "enacted"),
    ("Texte n° 114 (2016-2017) adopté par le Sénat le 13 juillet 2017 (1ère lecture)", "FRANCE", "passed_first_chamber"),
    ("Projet de loi de modernisation …, rejeté en Nouvelle lecture par le Sénat le 14 décembre 2015", "FRANCE", "other"),
])
def test_stage_rules(text, source, stage):
    assert rules.classify(text, getattr(rules, source)) == Stage(stage)


def test_status_follows_the_latest_classified_action_unless_the_source_states_an_outcome():
    steps = [BillAction(date="2020-01-01", description="a", stage=Stage.introduced),
             BillAction(date="2020-03-01", description="c", stage=Stage.other),
             BillAction(date="2020-02-01", description="b", stage=Stage.reported)]
    assert rules.status_for(steps, "pending") == "reported"  # oldest first: the 'other' step moves nothing
    assert rules.status_for(steps, "enacted") == "enacted"
    assert rules.status_for([BillAction(date="2020", description="x")], "pending") == "pending"
    with pytest.raises(ValueError):
        BillAction(date="13/07/2017", description="x")
    with pytest.raises(ValueError):
        BillAction(date="2017-07-13", description="x", stage="passed")


def test_chamber_passages_in_a_navette():
    a = lambda d, s: BillAction(date=d, description=d, stage=Stage(s))  # noqa: E731
    out = rules.chamber_passages([a("2020-01-01", "introduced"), a("2020-02-01", "passed_first_chamber"),
                                  a("2020-03-01", "introduced"), a("2020-04-01", "passed_first_chamber")])
    assert [x.stage.value for x in out] == ["introduced", "passed_first_chamber", "other", "passed_second_chamber"]


def pec_item():
    spider = make_spider(CamaraBrSpider, settings={"AILEX_MIN_RELEVANCE": 0})
    _, [steps] = run(spider, spider.parse_proposal, f"{CAMARA}/proposicoes/2088351")
    [pec], _ = run(spider, spider.parse_steps, steps.url, **steps.cb_kwargs)
    return pec


def uk_item():
    spider = make_spider(UkBillsSpider)
    _, [stages] = run(spider, spider.parse_bill, "https://bills-api.parliament.uk/api/v1/Bills/2818")
    [bill], _ = run(spider, spider.parse_stages, stages.url, **stages.cb_kwargs)
    return bill


@pytest.fixture
def stored(store):
    """PEC 241/2016 and a UK bill stored through the crawl pipeline."""
    state = CrawlState(store)
    for item in (pec_item(), uk_item()):
        assert store_item(store, state, item, "test", 0.0)[0] == "new"
    return store


def test_store_item_stores_the_timeline_once_and_the_status_follows_it(stored):
    store = stored
    docs = {d.source_key: d for d in store.documents()}
    pec = docs["https://www.camara.leg.br/propostas-legislativas/2088351"]
    uk = docs["https://bills.parliament.uk/bills/2818"]
    timeline = ActionStore(store).timeline(pec.id)
    assert len(timeline) == 351 and timeline[-1].stage == Stage.archived and timeline[-1].date == "2017-05-09"
    assert pec.status == "enacted"  # the source says it became law; its last step is archiving
    assert uk.status == "introduced"  # 1st reading (Commons) on 2021-01-12 is its only step so far
    assert [(a.date, a.body, a.description) for a in ActionStore(store).timeline(uk.id)] == [
        ("2021-01-12", "House of Commons", "1st reading (Commons)")]
    # a re-crawl: same item, nothing new, no step twice
    state = CrawlState(store)
    assert store_item(store, state, pec_item(), "test", 0.0)[0] == "unchanged"
    assert store.db.execute("SELECT COUNT(*) FROM bill_actions").fetchone()[0] == 352
    # one new step: the document changed, its timeline is replaced, not appended to
    changed = pec_item()
    changed.actions.append(BillAction(date="2018-01-02", body="PLEN", description="Desarquivamento", stage=Stage.other))
    assert store_item(store, state, changed, "test", 0.0)[0] == "changed"
    assert len(ActionStore(store).timeline(pec.id)) == 352
    assert store.db.execute("SELECT COUNT(*) FROM bill_actions").fetchone()[0] == 353


def test_items_with_actions_travel_through_the_distributed_queue():
    from crawlers.distributed import decode_item, encode_item

    item = uk_item()
    _, payload = encode_item(item, "uk_bills", "job", 0.3)
    back, spider, _ = decode_item(payload)
    assert spider == "uk_bills" and back.actions == item.actions and isinstance(back.actions[0], BillAction)


def test_timeline_api_page_openapi_and_overview(stored, settings):
    from pipeline.encoders import FakeEncoder
    from search_api.app import create_app

    pec = next(d for d in stored.documents() if d.jurisdiction == "BR")
    with TestClient(create_app(settings, encoder=FakeEncoder())) as client:
        r = client.get(f"/api/documents/{pec.id}/timeline")
        assert r.status_code == 200
        body = r.json()
        assert body["document_id"] == pec.id and len(body["actions"]) == 351
        assert set(body["actions"][0]) == {"date", "body", "description", "stage", "source_url"}
        assert (body["actions"][0]["date"], body["actions"][0]["stage"]) == ("2016-06-15", "introduced")
        assert (body["actions"][-1]["date"], body["actions"][-1]["stage"]) == ("2017-05-09", "archived")
        assert client.get("/api/documents/br-0000000000/timeline").status_code == 404
        responses = client.get("/openapi.json").json()["paths"]["/api/documents/{doc_id}/timeline"]["get"]["responses"]
        assert {"200", "404", "422"} <= set(responses)
        page = client.get(f"/documents/{pec.id}").text
        assert 'id="timeline-h"' in page and "351 steps from 2016-06-15 to 2017-05-09" in page
        assert page.count('<time datetime="2016-10-25">') >= 2  # the key steps and the full table
        assert client.get("/api/corpus").json()["ai_activity"] == []  # the PEC and the UK bill are not about AI


def test_parliamentary_actions_on_ai_overview(store, settings):
    from corpus.models import DocumentMeta
    from crawlers.spiders.parliament_za import ParliamentZaSpider
    from crawlers.spiders.parlinfo_au import ParlinfoAuSpider, display_url
    from pipeline.encoders import FakeEncoder
    from search_api.app import create_app

    state = CrawlState(store)
    au = make_spider(ParlinfoAuSpider)
    _, [xml] = run(au, au.parse_display, display_url("2026-03-04"))
    [hansard], _ = run(au, au.parse_hansard, xml.url, **xml.cb_kwargs)
    za = make_spider(ParliamentZaSpider)
    papers, _ = run(za, za.parse_listing, ParliamentZaSpider.seeds[0])
    for item in [hansard, *papers]:  # stored with --min-relevance 0: the question papers are not about AI
        store_item(store, state, item, "test", 0.0)
    store.upsert_document(DocumentMeta(source_key="eu/resolution.pdf", title="Resolution on AI", jurisdiction="EU",
                                       doc_type="resolution", date="2024-03-13"))  # imported: on AI by choice
    store.upsert_document(DocumentMeta(source_key="eu/act.pdf", title="AI Act", jurisdiction="EU", doc_type="act",
                                       date="2024-06-13"))
    with TestClient(create_app(settings, encoder=FakeEncoder())) as client:
        overview = client.get("/api/corpus").json()["ai_activity"]
        assert overview == [
            {"jurisdiction": "AU", "year": "2026", "bills": 0, "committee_reports": 0, "resolutions": 0, "debates": 1,
             "questions": 0},
            {"jurisdiction": "EU", "year": "2024", "bills": 1, "committee_reports": 0, "resolutions": 1, "debates": 0,
             "questions": 0}]
        page = client.get("/corpus").text
        assert 'id="activity-h"' in page and "Australia (AU)" in page
