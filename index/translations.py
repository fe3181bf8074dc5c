"""The same provision in the act's other language texts, for a hit's `also_in`.

An officer who finds Article 50 in English cites it in French for a francophone parliament: the
hit lists the act's other language texts' copy of the provision, whether or not the search
retrieved them (the best multilingual vectors of one provision in two languages are not close
enough for both to reach the page). Another language text is a family member (corpus/families.py)
that is the same text (index/same_text.py: a shared official number) in another language, final
or a translation; readings and positions are not (they differ in wording, and search finds them
on their own). The provision is the snapshot's provision key (family, kind, number: the one the
translation pivot of index/retrieve.py uses); within the other text the copy is the passage of
that provision whose vector is closest to the hit's: an article split into paragraphs has one
copy per paragraph, and the vectors tell which paragraph is this one."""
from __future__ import annotations

from corpus.models import Passage
from corpus.text import base_language
from index.retrieve import PassageRows, Retriever
from index.same_text import same_text
from index.snapshot import Snapshot

ROLES = frozenset({"final", "consolidated", "translation"})


def language_copies(snap: Snapshot, rows: PassageRows, passage: Passage, listed: set[str]) -> list[int]:
    """Passage ids of `passage`'s provision in the other language texts of its act, one per
    language, skipping documents already `listed` (the hit's own and its copies')."""
    key = snap.provision_keys(rows).get(passage.id)
    if key is None:
        return []
    by_document: dict[str, list[int]] = {}
    for pid in snap.provision_passages(rows)[key]:
        by_document.setdefault(snap.columns.value_of("document_id", pid), []).append(pid)
    doc = snap.documents.get(passage.document_id)
    languages = {base_language(passage.language)} | {base_language(snap.documents.get(d).language)
                                                      for d in listed if d in snap.documents}
    vector = _vector(snap, passage.id)
    out = []
    for member in snap.documents.family(passage.document_id).members:  # most authoritative first
        language = base_language(member.language)
        candidates = by_document.get(member.document_id)
        if (not candidates or member.role not in ROLES or member.document_id in listed or language in languages
                or not same_text(doc, snap.documents.get(member.document_id))):
            continue
        out.append(_closest(snap, vector, candidates))
        languages.add(language)
    return out


def _vector(snap: Snapshot, pid: int):
    try:
        return Retriever.passage_vector(snap, pid)
    except KeyError:  # a passage with no vector of its own
        return None


def _closest(snap: Snapshot, vector, candidates: list[int]) -> int:
    scored = [(float(vector @ v), pid) for pid in candidates if (v := _vector(snap, pid)) is not None] \
        if vector is not None else []
    return max(scored)[1] if scored else min(candidates)
