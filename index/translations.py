"""The same provision in the act's other languages, for a hit's `also_in`.

An officer who finds Article 50 in English cites it in French for a francophone parliament: the
hit lists the act's other language texts' copy of the provision, whether or not the search
retrieved them (the best multilingual vectors of one provision in two languages are not close
enough for both to reach the page). Another language text is a family member (corpus/families.py)
that is the same text (index/same_text.py: a shared official number) in another language, final
or a translation; readings and positions are not (they differ in wording, and search finds them
on their own). Within that text the copy is the passage of the same provision unit
(index/provisions.py) whose vector is closest to the hit's: an article split into paragraphs has
one copy per paragraph, and the vectors tell which paragraph is this one.

Unit keys of a document are read once per snapshot, on first use, for the documents of families
with more than one language only."""
from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from corpus.models import Passage
from index.metadata import Filters
from index.provisions import unit_key
from index.same_text import same_text
from index.snapshot import Snapshot
from index.units import unit_id

ROLES = frozenset({"final", "consolidated", "translation"})
KEYED = frozenset({"article", "section", "definition", "recital", "annex"})  # provision units with a number
CACHED_DOCUMENTS = 64


class LanguageCopies:
    def __init__(self, rows):
        self.rows = rows  # the store (passages_by_ids)
        self._keys: OrderedDict[tuple[str, str], dict] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, snap: Snapshot, passage: Passage, listed: set[str]) -> list[int]:
        """Passage ids of `passage`'s provision in the other language texts of its act, one per
        language, skipping documents already `listed` (the hit's own and its copies')."""
        if passage.unit_type not in KEYED:
            return []
        family = snap.documents.family(passage.document_id)
        if family is None or len(family.members) < 2:
            return []
        key = unit_key(passage).key
        if key is None:
            return []
        doc = snap.documents.get(passage.document_id)
        languages = {base(passage.language)} | {base(snap.documents.get(d).language) for d in listed if d in snap.documents}
        vector = _vector(snap, passage.id)
        out = []
        for member in family.members:
            language = base(member.language)
            if member.role not in ROLES or member.document_id in listed or not language or language in languages:
                continue
            other = snap.documents.get(member.document_id)
            if not same_text(doc, other):
                continue
            candidates = self._units(snap, member.document_id).get(key, [])
            if not candidates:
                continue
            out.append(_closest(snap, vector, candidates))
            languages.add(language)
        return out

    def _units(self, snap: Snapshot, doc_id: str) -> dict:
        cache_key = (snap.build_id, doc_id)
        with self._lock:
            if cache_key in self._keys:
                self._keys.move_to_end(cache_key)
                return self._keys[cache_key]
        cols = snap.columns
        ids = cols.ids[cols.mask(Filters(document_id=[doc_id]))]
        units: dict = {}
        for p in self.rows.passages_by_ids(ids.tolist()).values():
            if p.unit_type in KEYED:
                k = unit_key(p).key
                if k is not None:
                    units.setdefault(k, []).append(p.id)
        with self._lock:
            self._keys[cache_key] = units
            while len(self._keys) > CACHED_DOCUMENTS:
                self._keys.popitem(last=False)
        return units


def base(language: str) -> str:
    return (language or "").split("-")[0].split("+")[0].lower()


def _vector(snap: Snapshot, pid: int) -> np.ndarray | None:
    try:
        return snap.index.vector(unit_id(pid, 0))
    except KeyError:
        return None


def _closest(snap: Snapshot, vector: np.ndarray | None, candidates: list[int]) -> int:
    if vector is None or len(candidates) == 1:
        return min(candidates)
    scored = [(float(vector @ v), pid) for pid in candidates if (v := _vector(snap, pid)) is not None]
    return max(scored)[1] if scored else min(candidates)
