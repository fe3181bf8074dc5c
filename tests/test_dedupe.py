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
    assert link_duplicates(store) == 0  # incremental: nothing new to compare, the link stays
    assert store.passages(ids[1])[0].duplicate_of == first.id

    # a third copy is compared with what was compared before, and points at the canonical passage
    doc = store.upsert_document(DocumentMeta(source_key="a.pdf", title="AI Act", jurisdiction="EU", doc_type="act", language="en"))
    version, _ = store.add_version(doc.id, (text + "pdf").encode(), "application/pdf", "a.pdf")
    store.replace_passages(version, [PassageDraft(seq=0, text=text + "  ", language="en", locator="Article 16")])
    ids.append(doc.id)
    assert link_duplicates(store) == 1 and store.passages(ids[2])[0].duplicate_of == first.id

    # the canonical copy is retired (a new version of its document): the copies are compared again
    version, _ = store.add_version(ids[0], b"changed", "text/plain", "a.txt")
    store.replace_passages(version, [PassageDraft(seq=0, text="Something else entirely, about penalties and fines "
                                                  "for infringements of this Regulation.", language="en")])
    assert link_duplicates(store) == 1
    second, third = store.passages(ids[1])[0], store.passages(ids[2])[0]
    assert second.duplicate_of is None and third.duplicate_of == second.id


def test_incremental_linking_matches_linking_everything_at_once(store):
    """Documents arriving one at a time get the links one comparison of the whole corpus gives."""
    from corpus.models import PassageDraft

    docs = ["eu/ai_act/AI_Act-EN.txt", "eu/ai_act/AI_Act-EN_eurlex.html", "eu/ai_act/AI_Act-FR.txt"]
    all_rows = []
    for path in docs:
        doc = store.upsert_document(DocumentMeta(source_key=path, title=path, jurisdiction="EU", doc_type="act", language="en"))
        version, _ = store.add_version(doc.id, path.encode(), "text/plain", path)
        store.replace_passages(version, [PassageDraft(seq=d.seq, text=d.text, language=d.language) for d in passages(path)])
        link_duplicates(store)  # one run per arriving document
        all_rows = [(p.id, p.document_id, p.language, p.text) for p in store.passages()]
    at_once = find_duplicates(all_rows)
    stored = {p.id: p.duplicate_of for p in store.passages() if p.duplicate_of is not None}
    assert stored == at_once and len(stored) > 100
