"""EU spiders (European Parliament, EUR-Lex) against recorded responses: exact fields parsed."""
from __future__ import annotations

import pytest

from crawlers.items import Link
from crawlers.spiders.eurlex import EurlexSpider
from crawlers.spiders.europarl import EuroparlSpider, plenary_id, term_of
from tests.crawl_helpers import make_spider, run, structure_errors

ODP = "https://data.europarl.europa.eu/api/v2"
OEIL = "https://oeil.europarl.europa.eu/oeil/en/procedure-file?reference="


def test_ep_helpers():
    assert plenary_id("A9-0163/2024") == "A-9-2024-0163"
    assert plenary_id("RC-B10-0249/2025") == "RC-10-2025-0249"
    assert (term_of("2024-04-24"), term_of("2024-11-14"), term_of("2019-07-15")) == (9, 10, 9)


def test_ep_chain_vote_list_to_report():
    spider = make_spider(EuroparlSpider)
    _, reqs = run(spider, spider.parse_votes, "https://www.europarl.europa.eu/doceo/document/PV-9-2024-04-24-VOT_EN.xml")
    assert len(reqs) == 54  # distinct A9/B9/RC-B9 references voted that day
    assert reqs[0].url == f"{ODP}/plenary-documents/A-9-2024-0163?format=application/ld+json"
    assert reqs[0].cb_kwargs["vote_title"].startswith("Amendments to Parliament’s Rules of Procedure concerning")
    _, (doceo, proc) = run(spider, spider.parse_odp_document, reqs[0].url)
    assert doceo.url == "https://www.europarl.europa.eu/doceo/document/A-9-2024-0163_EN.html"
    assert proc.url == f"{ODP}/procedures/2024-2006?format=application/ld+json"
    _, [oeil] = run(spider, spider.parse_odp_procedure, proc.url)
    assert oeil.url == OEIL + "2024/2006(REG)"
    [report], _ = run(spider, spider.parse_doceo, doceo.url, **doceo.cb_kwargs)
    assert report.title == ("REPORT on amendments to Parliament’s Rules of Procedure concerning the training on "
                            "preventing conflict and harassment in the workplace and on good office management")
    assert (report.doc_type, report.date, report.language, report.jurisdiction) == (
        "committee_report", "2024-04-04", "en", "EU")
    assert report.identifiers == {"document": "A-9-2024-0163", "reference": "A9-0163/2024", "procedure": "2024/2006"}
    assert report.body and report.content_type == "text/html; charset=utf-8"


@pytest.mark.parametrize("ref,title,date,status,links", [
    ("2024/2006(REG)", "EP Rules of Procedure: training on preventing conflict and harassment in the workplace "
     "and on good office management", "2024-04-03", "completed", 4),
    ("2020/2042(INI)", "The impacts of climate change on vulnerable populations in developing countries",
     "2020-04-16", "rejected", 6),
    ("2024/0258(COD)", "Establishing the Reform and Growth Facility for Moldova", "2024-10-09", "completed", 6),
    ("2025/0229(NLE)", "European High Performance Computing Joint Undertaking (EuroHPC)", "2025-07-15", "pending", 3),
])
def test_oeil_procedure_files(ref, title, date, status, links):
    spider = make_spider(EuroparlSpider)
    [item], follow = run(spider, spider.parse_procedure_file, OEIL + ref)
    assert (item.title, item.date, item.status, item.doc_type) == (title, date, status, "procedure")
    assert item.identifiers["procedure"] == ref and item.source_url == OEIL + ref
    assert len(item.links) == links and follow == []  # off-topic: documents not fetched
    assert structure_errors(spider) == 0


def test_oeil_procedure_documents_and_type():
    spider = make_spider(EuroparlSpider, fetch_all="1")
    [item], follow = run(spider, spider.parse_procedure_file, OEIL + "2024/0258(COD)")
    assert item.identifiers["procedure_type"] == "COD - Ordinary legislative procedure (ex-codecision procedure)"
    assert Link("committee_report", "https://www.europarl.europa.eu/doceo/document/A-10-2025-0006_EN.html") in item.links
    assert Link("resolution", "https://www.europarl.europa.eu/doceo/document/TA-10-2025-0022_EN.html") in item.links
    assert Link("opinion", "https://www.europarl.europa.eu/doceo/document/INTA-AD-766713_EN.html") in item.links
    # plenary documents (A-, TA-) go through the Open Data API like those reached from a vote; committee
    # documents (PR, AM, AD) straight to doceo
    assert sorted(r.url for r in follow) == sorted([
        "https://www.europarl.europa.eu/doceo/document/CJ15-PR-766648_EN.html",
        "https://www.europarl.europa.eu/doceo/document/CJ15-AM-766941_EN.html",
        "https://www.europarl.europa.eu/doceo/document/INTA-AD-766713_EN.html",
        "https://www.europarl.europa.eu/doceo/document/CONT-AD-766703_EN.html",
        f"{ODP}/plenary-documents/A-10-2025-0006?format=application/ld+json",
        f"{ODP}/plenary-documents/TA-10-2025-0022?format=application/ld+json",
    ])


def test_eurlex_ai_act_procedure():
    spider = make_spider(EurlexSpider)
    [item], follow = run(spider, spider.parse_procedure, "https://eur-lex.europa.eu/procedure/EN/2021_106")
    assert item.title == ("COM (2021) 206: Proposal for a REGULATION OF THE EUROPEAN PARLIAMENT AND OF THE COUNCIL "
                          "LAYING DOWN HARMONISED RULES ON ARTIFICIAL INTELLIGENCE (ARTIFICIAL INTELLIGENCE ACT) AND "
                          "AMENDING CERTAIN UNION LEGISLATIVE ACTS")
    assert (item.doc_type, item.date, item.status) == ("procedure", "2021-04-22", "pending")  # "Ongoing"
    assert item.identifiers["procedure"] == "2021/0106(COD)"
    assert item.identifiers["procedure_type"] == "Ordinary legislative procedure (COD)"
    assert item.identifiers["rapporteur"] == "Dragoş TUDORACHE; Brando BENIFEI"
    assert "artificial intelligence" in item.identifiers["eurovoc"]
    assert item.relevance == 0.936 and item.ai_terms == ["artificial intelligence"]
    assert len(item.links) == 37
    # AI-relevant: its EP report, adopted text and the Commission proposal are fetched
    assert [r.url for r in follow] == [
        "https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=EP:P9_TA(2024)0138",
        "https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=EP:P9_A(2023)0188",
        "https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=celex:52021PC0206",
    ]
    assert all(r.cb_kwargs["relevance"] == 0.936 for r in follow)


def test_eurlex_completed_procedure():
    spider = make_spider(EurlexSpider)
    [item], follow = run(spider, spider.parse_procedure, "https://eur-lex.europa.eu/procedure/EN/2023_102")
    assert (item.status, item.date, item.identifiers["adopted_act"]) == ("completed", "2023-04-05", "32023D2760")
    assert item.identifiers["procedure"] == "2023/0102(NLE)" and item.relevance == 0.0 and follow == []
    assert Link("committee_report", "https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=EP:P9_A(2023)0369") in item.links


def test_eurlex_document_pages():
    spider = make_spider(EurlexSpider)
    [doc], _ = run(spider, spider.parse_document, "https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=EP:P9_A(2023)0369")
    assert doc.title.startswith("RECOMMENDATION on the draft Council decision on the conclusion of the Agreement "
                                "between the European Union and Montenegro")
    assert (doc.doc_type, doc.date) == ("committee_report", "2023-11-21")
    assert doc.identifiers["procedure"] == "2023/0102(NLE)" and doc.identifiers["form"] == "Report"
    assert doc.links == [Link("procedure", "https://eur-lex.europa.eu/procedure/EN/2023_102")]
    [doc], _ = run(spider, spider.parse_document, "https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=EP:P9_A(2021)0270")
    assert (doc.date, doc.identifiers["procedure"]) == ("2021-09-30", "2020/2167(DEC)")
    assert structure_errors(spider) == 0


def test_structure_change_is_counted_not_silent():
    """A page that lost its structure (an OEIL URL answered with another page) counts a structure error."""
    from tests.crawl_helpers import recorded

    spider = make_spider(EuroparlSpider)
    response = recorded("https://www.europarl.europa.eu/doceo/document/A-9-2024-0163_EN.html")
    wrong = response.replace(url=OEIL + "2099/0001(COD)")
    assert list(spider.parse_procedure_file(wrong)) == []
    assert structure_errors(spider) == 1
    assert "no procedure reference" in spider.structure_messages[0]
