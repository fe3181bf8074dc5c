"""Where the query shows in a passage: term spans to mark and the best-matching sentence."""
from __future__ import annotations

import re
from functools import lru_cache

from corpus.text import STOPWORDS, words

PREFIX = 5  # 'recognition' marks 'recognised'; short words must match whole


def highlight_terms(query: str) -> set[str]:
    """The query words worth marking: no stopwords, no short lower-case words ("AI" stays)."""
    return {w.casefold() for w in words(query) if w.casefold() not in STOPWORDS and (len(w) > 2 or w.isupper())}


@lru_cache(maxsize=1024)
def _matcher(query: str) -> re.Pattern | None:
    """One regex per query: a word matches a term whole, or (both ≥ PREFIX long) by its first
    PREFIX letters. Compiled once and cached: highlighting runs for every hit of every search,
    and a per-word Python test cost more than the rest of a search."""
    terms = highlight_terms(query)
    if not terms:
        return None
    # casefold ("straße" → "strasse") is what the terms hold; the regex compares case-insensitively,
    # so the plain lower-case forms go in too
    terms |= {w.lower() for w in words(query) if w.casefold() in terms}
    whole = sorted((re.escape(t) for t in terms), key=len, reverse=True)
    prefixes = sorted({re.escape(t[:PREFIX]) + r"\w*" for t in terms if len(t) >= PREFIX})
    return re.compile(r"(?<!\w)(?:" + "|".join(prefixes + whole) + r")(?!\w)", re.IGNORECASE | re.UNICODE)


def term_spans(text: str, query: str) -> list[tuple[int, int]]:
    """Character spans of words in `text` that match a query term (exactly or by prefix)."""
    matcher = _matcher(query)
    return [] if matcher is None else [m.span() for m in matcher.finditer(text)]


def best_sentence_by_terms(sentences: list[str], query: str) -> str | None:
    matcher = _matcher(query)
    if matcher is None:
        return None
    scored = [(len(matcher.findall(s)), -n, s) for n, s in enumerate(sentences)]
    best = max(scored, default=None)
    return best[2] if best and best[0] > 0 else None
