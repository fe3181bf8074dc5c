"""Where the query shows in a passage: term spans to mark and the best-matching sentence."""
from __future__ import annotations

import re

_WORD = re.compile(r"\w+", re.UNICODE)
PREFIX = 5  # 'recognition' marks 'recognised'; short words must match whole
STOPWORDS = frozenset(
    "the a an of and or to in on for by with from at as is are be this that which shall may any its their "
    "le la les de des du et ou en un une pour par sur au aux est sont dans "
    "der die das den dem des und oder zu im in für von mit ist sind ein eine "
    "el los las y o del por con para es son una un "
    "il lo gli della delle e per con sono una "
    "o os as e do da dos das em para por com um uma".split()
)


def query_terms(query: str) -> set[str]:
    return {w.casefold() for w in _WORD.findall(query) if w.casefold() not in STOPWORDS and (len(w) > 2 or w.isupper())}


def _matches(word: str, terms: set[str]) -> bool:
    w = word.casefold()
    return w in terms or (len(w) >= PREFIX and any(len(t) >= PREFIX and t[:PREFIX] == w[:PREFIX] for t in terms))


def term_spans(text: str, query: str) -> list[tuple[int, int]]:
    """Character spans of words in `text` that match a query term (exactly or by prefix)."""
    terms = query_terms(query)
    if not terms:
        return []
    return [(m.start(), m.end()) for m in _WORD.finditer(text) if _matches(m.group(), terms)]


def best_sentence_by_terms(sentences: list[str], query: str) -> str | None:
    terms = query_terms(query)
    scored = [(sum(_matches(w, terms) for w in _WORD.findall(s)), -n, s) for n, s in enumerate(sentences)]
    best = max(scored, default=None)
    return best[2] if best and best[0] > 0 else None
