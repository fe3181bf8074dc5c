"""Debates cut into speeches and question papers into questions (pipeline/speeches.py), on the recorded
Hansards (Australia's Senate, Canada's House of Commons) and a South African question paper."""
from __future__ import annotations

from collections import Counter

from pipeline.extract import extract
from pipeline.sandbox import Job, extract_and_chunk
from pipeline.speeches import segment

AU = "snapshot-2/bodies/au/parlinfo_senate_2026-03-04_hansard.xml"
ZA = "snapshot-2/bodies/za/parliament_question_paper_529998_1.pdf"
CA = "snapshot/bodies/ca/ourcommons_openparliament/Hansard_44-1-303-en.xml"


def chunked(shared, path, content_type, doc_type="", date=""):
    outcome = extract_and_chunk(Job(str(shared / path), content_type, path.rsplit("/", 1)[-1], "en", 160,
                                    doc_type=doc_type, date=date))
    assert outcome.status.value == "extracted", outcome.reason
    return outcome.drafts


def test_senate_hansard_is_cut_into_speeches_named_by_senator_and_date(shared):
    drafts = chunked(shared, AU, "text/xml; charset=utf-8", "debate", "2026-03-04")
    assert extract((shared / AU).read_bytes(), "text/xml", "x.xml").method == "xml:hansard-au"
    speeches = Counter(d.locator for d in drafts)
    assert len(drafts) == 606 and len(speeches) == 190
    ai = [d for d in drafts if "talk briefly about artificial intelligence" in d.text]
    assert [d.locator for d in ai] == [
        "Statements by Senators › Petrol Prices, Artificial Intelligence › Senator David Pocock (IND), 4 March 2026"]
    assert "water demand for data centres" in ai[0].text
    # presiding officers by office, then name; the day opens with the start of business
    assert drafts[0].locator == "Start of business › 4 March 2026"
    assert any(loc.endswith("The President (Senator Sue Lines), 4 March 2026") for loc in speeches)
    assert "Motions › Online Safety Act 2021 › Division, 4 March 2026" in speeches
    # every passage stays within one speech, and every speech names its date
    assert all(loc.endswith("4 March 2026") for loc in speeches)


def test_commons_hansard_is_cut_into_interventions(shared):
    drafts = chunked(shared, CA, "text/xml", "debate")
    speeches = list(dict.fromkeys(d.locator for d in drafts))
    assert speeches[0] == ("Government Orders › National Council for Reconciliation Act › "
                           "Mr. Mark Gerretsen (Kingston and the Islands, Lib.), 19 April 2024")
    assert speeches[1] == ("Government Orders › National Council for Reconciliation Act › "
                           "Ms. Leah Gazan (Winnipeg Centre, NDP), 19 April 2024")


def test_question_paper_is_cut_into_questions_named_by_member_minister_and_date(shared):
    drafts = chunked(shared, ZA, "application/pdf", "question", "2013-08-08")
    questions = Counter(d.locator for d in drafts)
    first = [loc for loc in questions if "Question 1971" in loc]
    assert first == ["Questions for Written Reply › Question 1971: Mr P J Groenewald (FF Plus) to the Minister of "
                     "Public Enterprises, 8 August 2013"]
    assert "Medupi power plant" in next(d.text for d in drafts if d.locator == first[0])
    # questions reprinted under an earlier day's heading carry that day
    assert ("Questions for Written Reply › Question 1966: Mrs M A A Njobe (Cope) to the Minister of Tourism, "
            "2 August 2013") in questions
    assert questions["Index of questions"] > 0
    assert sum(loc.startswith("Questions for Written Reply › Question ") for loc in questions) >= 50
    # the same file as another document type is left to the usual structure
    assert not any("Question 1971" in d.locator for d in chunked(shared, ZA, "application/pdf", "other"))


def test_segment_leaves_documents_without_questions_alone(shared):
    extraction = extract(b"1. Mr X (DA) to ask the Minister of Police: why?\nNothing else.", "text/plain", "q.txt")
    assert segment(extraction, "question", "2013-01-01") is extraction
    assert not any(b.locator for b in extraction.blocks)  # one question is no question paper
