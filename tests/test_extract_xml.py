"""XML dialects: units and their numbers come from the markup."""
from __future__ import annotations

import pytest

from corpus.models import ProcessingStatus
from pipeline.chunk import chunk
from pipeline.extract import ExtractionError, extract
from tests.extraction_cache import passages


def test_parl_ca_bill_sections_with_marginal_notes():
    drafts = passages("ca/C-27_E_parl.ca.xml")
    locators = [d.locator for d in drafts]
    assert "Summary" in locators and "Preamble" in locators
    assert any("Section 9 — Privacy management program › (1)" in loc for loc in locators)
    fraud = [d for d in drafts if "Section 27 — Prevention, detection or suppression of fraud" in d.locator]
    assert fraud and fraud[0].text.startswith("(1) An organization may disclose")
    assert not any("TABLE OF PROVISIONS" in d.text for d in drafts)
    assert not any("*" in d.locator for d in drafts)
    assert {d.language for d in drafts if d.words > 20} == {"en"}


def test_parl_ca_points_keep_their_numbers():
    text = "\n".join(d.text for d in passages("ca/C-27_E_parl.ca.xml"))
    assert "(a) the protection of personal information;" in text


def test_clml_snapshot(shared):
    data = (shared / "snapshot/bodies/uk/legislation_gov_uk_roddicki/doc_nisr-2015-406.data.xml").read_bytes()
    ex = extract(data, "application/xml", "doc.xml")
    assert ex.method == "xml:clml"
    assert "The Department of the Environment makes the following Regulations" in ex.text
    assert "S.I. 1981/158" not in ex.text  # footnotes are not body text


CLML_BODY = b"""<?xml version="1.0"?>
<Legislation xmlns="http://www.legislation.gov.uk/namespaces/legislation" xmlns:ukm="http://www.legislation.gov.uk/namespaces/metadata">
<ukm:Metadata><ukm:PrimaryMetadata><ukm:DocumentClassification><ukm:DocumentMainType Value="UnitedKingdomPublicGeneralAct"/></ukm:DocumentClassification></ukm:PrimaryMetadata></ukm:Metadata>
<Primary><PrimaryPrelims><Title>Data (Use and Access) Act 2025</Title></PrimaryPrelims><Body>
<Part><Number>Part 1</Number><Title>Access to data</Title>
<P1group><Title>Automated decision-making</Title><P1><Pnumber>80</Pnumber>
<P2><Pnumber>1</Pnumber><P2para><Text>A significant decision may not be taken solely by automated processing.</Text></P2para></P2>
<P2><Pnumber>2</Pnumber><P2para><Text>Subsection (1) does not apply where the data subject consents.</Text></P2para></P2>
</P1></P1group></Part></Body></Primary></Legislation>"""


def test_clml_body_sections_and_subsections():
    ex = extract(CLML_BODY, "application/xml", "act.xml")
    drafts = chunk(ex, "en")
    assert [d.locator for d in drafts] == ["Part 1 — Access to data › Section 80 — Automated decision-making › (1)–(2)"]
    assert drafts[0].text.startswith("(1) A significant decision")


USLM = b"""<?xml version="1.0"?>
<bill xmlns="http://xml.house.gov/schemas/uslm/1.0"><meta><docNumber>9025</docNumber></meta>
<main><longTitle><docTitle>A BILL</docTitle><officialTitle>To require transparency for AI models.</officialTitle></longTitle>
<section><num value="1">SECTION 1.</num><heading>Short title.</heading><content>This Act may be cited as the AI Transparency Act.</content></section>
<section><num value="2">SEC. 2.</num><heading>Disclosure.</heading>
<subsection><num value="a">(a)</num><heading>In general.</heading><content>A developer shall disclose training data sources.</content></subsection>
</section></main></bill>"""


def test_uslm_sections():
    drafts = chunk(extract(USLM, "application/xml", "bill.xml"), "en")
    locs = [d.locator for d in drafts]
    assert "Section 1 — Short title." in locs
    assert "Section 2 — Disclosure. › (a)" in locs
    assert any("A developer shall disclose training data sources." in d.text for d in drafts)


def test_billstatus_titles(shared):
    data = (shared / "snapshot/bodies/us/govinfo_billstatus/BILLSTATUS-117hr1.xml").read_bytes()
    ex = extract(data, "application/xml", "BILLSTATUS-117hr1.xml")
    assert ex.method == "xml:billstatus"
    assert ex.blocks[0].text == "For the People Act of 2021" and ex.blocks[0].locator == "Title"
    assert not any("bioguide" in b.text.lower() for b in ex.blocks)  # sponsors and actions are metadata


def test_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET CONTENT")
    xxe = f"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]><r><p>before &x; after text</p></r>""".encode()
    try:
        ex = extract(xxe, "application/xml", "x.xml")
    except ExtractionError as err:
        assert err.status == ProcessingStatus.failed
        return
    assert "TOP SECRET" not in ex.text


def test_malformed_xml_fails_with_reason():
    with pytest.raises(ExtractionError) as err:
        extract(b"<Bill><Identification></Bill>", "application/xml", "bad.xml")
    assert err.value.status == ProcessingStatus.failed and "mismatch" in err.value.reason


def test_clml_metadata_only_record_is_empty(shared):
    data = (shared / "snapshot/bodies/uk/legislation_gov_uk_roddicki/doc_wsi-2015-2016.data.xml").read_bytes()
    with pytest.raises(ExtractionError) as err:
        extract(data, "application/xml", "doc.xml")
    assert err.value.status == ProcessingStatus.empty
