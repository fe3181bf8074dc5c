"""The same act in TXT, HTML and PDF: near-duplicate passages point at one canonical passage."""
from __future__ import annotations

from collections import Counter

from corpus.models import DocumentMeta
from pipeline.dedupe import find_duplicates, link_duplicates
from tests.extraction_cache import page_range_passages, passages


def _rows(docs):
    rows, owner = [], {}
    for doc in docs:
        for d in (page_range_passages(doc, 1, 30, "en") if doc.endswith("OJ.pdf") else passages(doc)):
            pid = len(rows) + 1
            rows.append((pid, doc, d.language, d.text))
            owner[pid] = doc
    return rows, owner


def test_ai_act_formats_collapse_onto_the_text_edition():
    """TXT, EUR-Lex HTML and the first 30 pages of the OJ print; a translation and another act stay apart."""
    docs = ["eu/ai_act/AI_Act-EN.txt", "eu/ai_act/AI_Act-EN_eurlex.html", "eu/ai_act/AI_Act-EN_OJ.pdf", "eu/ai_act/AI_Act-FR.txt", "us/EO14110_FederalRegister.pdf"]
    rows, owner = _rows(docs)
    links = find_duplicates(rows)
    linked = Counter(owner[p] for p in links)
    total = Counter(owner[p] for p, *_ in rows)
    assert linked["eu/ai_act/AI_Act-EN_eurlex.html"] >= 0.95 * total["eu/ai_act/AI_Act-EN_eurlex.html"]
    assert linked["eu/ai_act/AI_Act-EN_OJ.pdf"] >= 0.85 * total["eu/ai_act/AI_Act-EN_OJ.pdf"]
    assert linked["eu/ai_act/AI_Act-EN.txt"] == 0  # the first imported edition is canonical
    assert linked["eu/ai_act/AI_Act-FR.txt"] == 0  # translations are not duplicates
    assert linked["us/EO14110_FederalRegister.pdf"] == 0
    assert all(c not in links for c in links.values())  # chains are resolved to the canonical passage
    assert Counter(owner[c] for c in links.values())["eu/ai_act/AI_Act-EN.txt"] >= 0.98 * len(links)


def test_same_document_repeats_are_not_linked():
    rows = [(1, "a", "en", "Member States shall lay down the rules on penalties applicable to infringements."),
            (2, "a", "en", "Member States shall lay down the rules on penalties applicable to infringements.")]
    assert find_duplicates(rows) == {}


def test_link_duplicates_writes_the_store(store):
    from corpus.models import PassageDraft

    text = "Providers of high-risk AI systems shall ensure that their systems comply with the requirements set out in this Section."
    ids = []
    for key, extra in (("a.txt", ""), ("a.html", " ")):
        doc = store.upsert_document(DocumentMeta(source_key=key, title="AI Act", jurisdiction="EU", doc_type="act", language="en"))
        version, _ = store.add_version(doc.id, (text + extra + key).encode(), "text/plain", key)
        store.replace_passages(version, [PassageDraft(seq=0, text=text + extra, language="en", locator="Article 16")])
        ids.append(doc.id)
    assert link_duplicates(store) == 1
    first, second = (store.passages(doc_id)[0] for doc_id in ids)
    assert first.duplicate_of is None and second.duplicate_of == first.id
    assert link_duplicates(store) == 1  # idempotent
