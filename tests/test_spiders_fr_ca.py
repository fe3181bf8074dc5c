"""French (Sénat, Assemblée nationale) and Canadian (House of Commons) spiders on recorded pages."""
from __future__ import annotations

import pytest

from crawlers.items import Link
from crawlers.spiders.assemblee import AssembleeSpider
from crawlers.spiders.ourcommons import OurCommonsSpider
from crawlers.spiders.senat import SenatSpider
from tests.crawl_helpers import make_spider, run, structure_errors

SENAT = "https://www.senat.fr/dossier-legislatif/"


@pytest.mark.parametrize("dossier,title,short,date,loi,links", [
    ("pjl16-580", "Loi organique pour la confiance dans la vie politique", "Confiance dans la vie politique",
     "2017-06-14", "2017-1338", 11),
    ("pjl16-587", "Loi renforçant la sécurité intérieure et la lutte contre le terrorisme",
     "Sécurité intérieure et lutte contre le terrorisme", "2017-06-22", "2017-1510", 9),
    ("pjl12-688", "Loi relative à la transparence de la vie publique", "Transparence de la vie publique",
     "2013-06-05", "2013-906", 13),
    ("pjl14-424", "Loi relative au renseignement", "Renseignement", "2015-04-02", "2015-912", 9),
    ("ppl16-719", "Proposition de loi tendant à rendre imprescriptibles les crimes et délits sexuels sur mineurs"
     "", "Crimes et délits sexuels sur mineurs", "2017-09-14", "", 0),
])
def test_senat_dossiers(dossier, title, short, date, loi, links):
    spider = make_spider(SenatSpider)
    [item], follow = run(spider, spider.parse_dossier, f"{SENAT}{dossier}.html")
    assert item.title == title
    assert (item.identifiers["short_title"], item.date, item.identifiers["loi"]) == (short, date, loi)
    assert item.status == ("enacted" if loi else "pending")
    assert (item.doc_type, item.language, item.jurisdiction) == ("procedure", "fr", "FR")
    assert len(item.links) == links and follow == []
    assert structure_errors(spider) == 0


def test_senat_dossier_links_texts_reports_and_assemblee():
    spider = make_spider(SenatSpider, fetch_all="1")
    [item], follow = run(spider, spider.parse_dossier, f"{SENAT}pjl16-580.html")
    assert Link("text", "https://www.senat.fr/leg/pjl16-580.html") in item.links
    assert Link("committee_report", "https://www.senat.fr/rap/l16-607/l16-607.html") in item.links
    assert Link("other_chamber", "http://www.assemblee-nationale.fr/15/dossiers/"
                "retablissement_confiance_action_publique.asp") in item.links
    assert {r.url for r in follow} == {l.url for l in item.links if l.relation != "other_chamber"}
    assert item.identifiers["accelerated"] == "yes" and item.identifiers["promulgated"] == "2017-09-15"
    # the page declares iso-8859-1 but its bytes are UTF-8: the stored version says how it was read
    assert item.content_type == "text/html; charset=utf-8"


def test_senat_2015_layout_same_fields():
    spider = make_spider(SenatSpider)
    [old], _ = run(spider, spider.parse_dossier, "http://www.senat.fr/dossier-legislatif/pjl14-424.html")
    [new], _ = run(spider, spider.parse_dossier, f"{SENAT}pjl14-424.html")
    assert (old.title, old.date, old.identifiers["loi"]) == (new.title, new.date, new.identifiers["loi"])
    assert old.source_url != new.source_url  # http and https copies are two recorded pages


@pytest.mark.parametrize("dossier,title,date,status,texts", [
    ("republique_numerique", "Economie : pour une République numérique", "2015-12-09", "pending",
     "pl3318; r3399; r3389; r3391; r3387; ta0663; pl3724; r3902; ta0802"),
    ("sante", "Questions sociales et santé : modernisation de notre système de santé", "2014-10-15", "enacted",
     "pl2302; r2673; r2673-a1; ta0505; r3167; pl3103; r3215; r3215-a1; ta0618; ta0650"),
])
def test_assemblee_dossiers(dossier, title, date, status, texts):
    spider = make_spider(AssembleeSpider)
    [item], follow = run(spider, spider.parse_dossier, f"http://www.assemblee-nationale.fr/14/dossiers/{dossier}.asp")
    assert (item.title, item.date, item.status) == (title, date, status)
    assert item.identifiers["texts"] == texts and item.identifiers["legislature"] == "14"
    assert follow == [] and item.content_type == "text/html; charset=cp1252"  # served as iso-8859-1
    if dossier == "republique_numerique":
        assert Link("other_chamber", "https://www.senat.fr/dossier-legislatif/pjl15-325.html") in item.links
        assert Link("committee_report", "http://www.assemblee-nationale.fr/14/rapports/r3399.asp") in item.links
    assert structure_errors(spider) == 0


def test_ourcommons_hansard_and_evidence():
    spider = make_spider(OurCommonsSpider)
    [han], _ = run(spider, spider.parse_publication, "https://www.ourcommons.ca/Content/House/441/Debates/303/HAN303-E.XML")
    assert han.title == "House of Commons Debates, 44th Parliament, 1st Session, No. 303 (Friday, April 19, 2024)"
    assert (han.doc_type, han.date, han.jurisdiction) == ("debate", "2024-04-19", "CA")
    assert han.identifiers["bills"] == "C-29; C-83" and han.identifiers["publication_id"] == "12693081"
    assert han.links[0] == Link("debates_bill", "https://www.parl.ca/legisinfo/en/bill/44-1/c-29")
    [ev], _ = run(spider, spider.parse_publication,
                  "https://www.ourcommons.ca/Content/Committee/441/SRSR/Evidence/EV12324877/SRSREV53-E.XML")
    assert ev.title == "Standing Committee on Science and Research, Evidence, Number 053 (Wednesday, September 20, 2023)"
    assert (ev.doc_type, ev.date, ev.identifiers["committee"]) == ("committee_evidence", "2023-09-20", "SRSR")
    assert ev.relevance == 0.362 and ev.ai_terms == ["ai"]  # witnesses on AI research security
    [old], _ = run(spider, spider.parse_publication, "https://www.ourcommons.ca/Content/House/431/Debates/044/HAN044-E.XML")
    assert old.title == "House of Commons Debates, 43rd Parliament, 1st Session, No. 044 (Wednesday, July 22, 2020)"
    assert structure_errors(spider) == 0
