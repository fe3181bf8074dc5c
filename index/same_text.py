"""Whether two documents are one text (versions, formats, translations) or two different laws.

Crosswalks align one text's versions and translations in order (Article 12 ↔ Article 12) and
match different laws by content, so they need to know which case they face. Today the answer
comes from what the documents say about themselves: the act's own number in its official URL
(CELEX, ELI) or title ("Regulation (EU) 2024/1689", "Bill C-27", "PL 2338/2023") and the
identifiers a crawler recorded. When document families exist (formats, readings, translations
linked in the store) `same_text` should ask them first; callers only use this function."""
from __future__ import annotations

import re

from corpus.models import Document

_CELEX = re.compile(r"CELEX(?::|%3A)\d(?P<year>\d{4})(?P<kind>[A-Z])0*(?P<num>\d{1,4})", re.I)
_ELI = re.compile(r"/eli/(?P<kind>reg|dir|dec)(?:_impl|_del)?/(?P<year>\d{4})/(?P<num>\d{1,4})", re.I)
# "Regulation (EU) 2024/1689", "Verordnung (EU) 2024/1689", "Règlement (UE) n° 2024/1689"
_EU_ACT = re.compile(r"\((?:EU|UE|EG|CE|EE|EÚ)\)\s*(?:No\.?\s*|n[°ºo.]\s*|Nr\.\s*)?(?P<year>\d{4})/(?P<num>\d{1,4})\b")
# bill numbers as parliaments write them: "Bill C-27", "SB 24-205", "HB 338", "PL 2338/2023", "nº 2338/2023"
_BILL = re.compile(r"\b(?P<kind>Bill|Projet de loi|Projeto de Lei|PL|SB|HB|AB|S\.|H\.R\.)\s*(?:n[ºo°.]\s*)?"
                   r"(?P<num>[A-Z]?-?\d{1,5}(?:[-/]\d{2,4})?)\b")
_BILL_KIND = {"bill": "", "projet de loi": "", "projeto de lei": "pl", "pl": "pl"}  # C-27 is C-27 in either language
# a number that follows one of these words is the act being amended, not the document's own
_AMENDING = re.compile(r"\b(amending|amendment|modifiant|modifica|modificação|wijziging|Änderung|zur Änderung|altera)\b", re.I)


def official_numbers(doc: Document) -> set[str]:
    """The document's own official numbers, normalised ("eu:2024/1689", "ca:bill:c-27")."""
    out: set[str] = set()
    jur = doc.jurisdiction.lower()
    for m in list(_CELEX.finditer(doc.source_url)) + list(_ELI.finditer(doc.source_url)):
        out.add(f"{jur}:{m['year']}/{int(m['num'])}")
    title = doc.title
    amended_from = m.start() if (m := _AMENDING.search(title)) else len(title)
    for m in _EU_ACT.finditer(title):
        if m.start() < amended_from:
            out.add(f"{jur}:{m['year']}/{int(m['num'])}")
    for m in _BILL.finditer(title):
        if m.start() < amended_from:
            kind = _BILL_KIND.get(m["kind"].lower(), m["kind"].lower().rstrip("."))
            out.add(f"{jur}:bill:{kind}{m['num'].lower().lstrip('-')}")
    for key, value in doc.identifiers.items():
        if value and key.lower() in ("bill", "bill_number", "number", "celex", "reference", "procedure"):
            out.add(f"{jur}:{key.lower()}:{' '.join(str(value).lower().split())}")
    return out


def _title_segments(title: str) -> set[str]:
    """Title parts of four words or more, without parentheses: the Chinese original and its
    English translation both carry "Interim Measures for the Administration of …"."""
    plain = re.sub(r"\([^)]*\)|（[^）]*）", " ", title)
    parts = (" ".join(p.casefold().split()) for p in re.split(r"\s+[—–]\s+", plain))
    return {p for p in parts if len(p.split()) >= 4}


def same_text(a: Document, b: Document) -> bool:
    """True when `a` and `b` are versions, formats or translations of one text (same jurisdiction,
    a shared official number). Two different laws, or a law and the act amending it, are not."""
    if a.id == b.id:
        return True
    if a.jurisdiction.lower() != b.jurisdiction.lower():
        return False
    return bool(official_numbers(a) & official_numbers(b)) or bool(_title_segments(a.title) & _title_segments(b.title))
