"""Document families from metadata (corpus/families.py), on the sample corpus's own metadata
(../shared/corpus/documents.csv, as `ailex import` stores it)."""
from __future__ import annotations

import pytest

from corpus.crawl_state import DocumentLink
from corpus.families import FamilyMember, build_families, most_authoritative
from corpus.models import Document, DocumentMeta, utcnow
from corpus.store import document_id_for

AI_ACT = [f"eu/ai_act/AI_Act-{s}" for s in ("EN.txt", "FR.txt", "DE.txt", "ES.txt", "IT.txt", "PT.txt", "EN_OJ.pdf",
                                              "EN_eurlex.html", "NL_eurlex.html", "NL_consolidated_eurlex.html")]
EP_POSITION = "eu/EP_P9_TA-2024-0138_AI_Act_legislative_resolution.pdf"
PE_CONS = "eu/PE-CONS-30-2026-INIT_nl.pdf"


def _document(path: str, row: dict) -> Document:
    meta = DocumentMeta(source_key=path, title=row["title"], jurisdiction=row["jurisdiction"], doc_type=row["doc_type"],
                        status=row["status"], language=row["language"], date=row["date"], source_url=row["source_url"])
    now = utcnow()
    return Document(**meta.model_dump(), id=document_id_for(meta.jurisdiction, path), created_at=now, updated_at=now)


@pytest.fixture(scope="module")
def corpus(corpus_rows) -> dict[str, Document]:
    return {path: _document(path, row) for path, row in corpus_rows.items()}


@pytest.fixture(scope="module")
def families(corpus):
    return build_families(list(corpus.values()))


def _family_of(families, corpus, path):
    return families[corpus[path].id]


def test_the_ai_act_in_every_form_is_one_family(families, corpus):
    family = _family_of(families, corpus, "eu/ai_act/AI_Act-EN.txt")
    members = {m.document_id for m in family.members}
    assert members == {corpus[p].id for p in [*AI_ACT, EP_POSITION, PE_CONS]}
    assert family.id == "eu-act-2024-1689" and family.key == "EU act 2024/1689"
    roles = {m.document_id: m.role for m in family.members}
    assert roles[corpus[EP_POSITION].id] == "position"
    assert roles[corpus[PE_CONS].id] == "amendment"
    assert roles[corpus["eu/ai_act/AI_Act-NL_consolidated_eurlex.html"].id] == "consolidated"
    # one final text per language; the other English copies are the same text in another format
    finals = [m for m in family.members if m.role == "final"]
    assert sorted(m.language for m in finals) == ["de", "en", "es", "fr", "it", "nl", "pt"]
    assert {m.document_id for m in family.members if m.role == "format"} == {
        corpus["eu/ai_act/AI_Act-EN.txt"].id, corpus["eu/ai_act/AI_Act-EN_eurlex.html"].id}
    assert family.members[0].role == "final"  # most authoritative first


@pytest.mark.parametrize(("a", "b"), [
    ("cn/genai_interim_measures_cac.htm", "cn/genai_interim_measures_EN_translation.txt"),
    ("cn/genai_interim_measures_cac.htm", "cn/genai_interim_measures_scanned.pdf"),
    ("ca/C-27_first_reading_EN_FR.pdf", "ca/C-27_E_parl.ca.xml"),
])
def test_translations_and_formats_of_one_text_are_one_family(families, corpus, a, b):
    assert _family_of(families, corpus, a).id == _family_of(families, corpus, b).id
    roles = {m.document_id: m.role for m in _family_of(families, corpus, a).members}
    if "translation" in b:
        assert roles[corpus[b].id] == "translation" and roles[corpus[a].id] == "final"


def test_unrelated_acts_are_not(families, corpus):
    ai_act = _family_of(families, corpus, "eu/ai_act/AI_Act-EN.txt").id
    others = {p: _family_of(families, corpus, p).id for p in corpus if p not in [*AI_ACT, EP_POSITION, PE_CONS]}
    assert ai_act not in others.values()
    # the six California acts and bills are six families; the Chinese measures and the Chinese report two
    assert len({others[p] for p in others if p.startswith("us-ca/")}) == 6
    assert others["cn/AI_risk_governance_report_2024_encrypted.pdf"] != others["cn/genai_interim_measures_cac.htm"]
    assert len(set(others.values())) == len(corpus) - len(AI_ACT) - 2 - 3  # CN measures 3 → 1, C-27 2 → 1


def test_authority_order():
    final_fr = FamilyMember(document_id="a", title="", role="final", language="fr", format_rank=2)
    final_en = FamilyMember(document_id="b", title="", role="final", language="en", format_rank=0)
    position = FamilyMember(document_id="c", title="", role="position", language="en", format_rank=0)
    translation = FamilyMember(document_id="d", title="", role="translation", language="en")
    assert most_authoritative([position, final_fr], "en") == final_fr  # final text over position, whatever the language
    assert most_authoritative([final_fr, final_en], "fr") == final_fr  # the query's language decides between originals
    assert most_authoritative([final_fr, final_en], "") == final_en  # otherwise the official print
    original = FamilyMember(document_id="e", title="", role="final", language="zh-cn", format_rank=1)
    assert most_authoritative([translation, original], "en") == original  # original over translation


def test_document_links_join_versions_and_identifiers_keep_acts_apart(corpus):
    now = utcnow()

    def doc(key, title, **kw):
        return Document(source_key=key, title=title, jurisdiction="US", doc_type=kw.pop("doc_type", "bill"),
                        id=document_id_for("US", key), created_at=now, updated_at=now, **kw)

    bill = doc("https://congress.gov/bill/118/hr/1", "To establish things", identifiers={"congress": "118", "bill_type": "hr", "bill_number": "1"})
    text = doc("https://congress.gov/118/bills/hr1/ih.xml", "Text as introduced")
    other = doc("https://congress.gov/bill/118/hr/2", "To establish things", identifiers={"congress": "118", "bill_type": "hr", "bill_number": "2"})
    links = [DocumentLink(from_key=text.source_key, to_key=bill.source_key, relation="version_of"),
             DocumentLink(from_key=bill.source_key, to_key=other.source_key, relation="committee_report")]
    fams = build_families([bill, text, other], links)
    assert fams[bill.id].id == fams[text.id].id  # linked as a version
    assert fams[other.id].id != fams[bill.id].id  # same title, different bill number; a report link is no version


@pytest.fixture
def client(settings, small_corpus):
    from fastapi.testclient import TestClient

    from pipeline.encoders import FakeEncoder
    from search_api.app import create_app

    with TestClient(create_app(settings, encoder=FakeEncoder())) as c:
        yield c


def test_api_and_page_show_the_family(client, small_corpus):
    doc = next(d for d in small_corpus.documents() if d.jurisdiction == "CN" and d.language == "en")
    body = client.get(f"/api/documents/{doc.id}").json()
    assert body["family"] and body["family_role"] == "translation"
    assert {m["role"] for m in body["family_members"]} == {"final", "translation"}
    page = client.get(f"/documents/{doc.id}").text
    assert "Same act in other forms" in page and "final text" in page
    hit = client.get("/api/search", params={"q": "generative AI services", "k": 3}).json()["results"][0]
    assert hit["document"]["family"]  # from the snapshot's document table
