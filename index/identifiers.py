"""Exact references a reader types: bill numbers, act numbers, article numbers.

"SB 24-205", "2024/1689", "C-27", "PL 2338", "ELVIS Act", "HUDERIA", "Article 50": a dense model
has no idea what these mean, and BM25 spreads them over every passage that happens to cite them.
A reader typing one wants that act, or that article, first. Two matches, both on whole words in
order: the query against each document's title and identifiers (with the usual abbreviations of
bill types, so "PL 2338" meets "Projeto de Lei nº 2338/2023"), and the query against passage
locators ("Article 50" meets "Chapter IV › Article 50 — Transparency obligations…").

They apply to short queries that name something specific: a number, or a word that few titles
hold. "artificial intelligence" is in every title and names nothing."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from corpus.models import Document
from corpus.text import tokens

MAX_TOKENS = 6  # longer queries describe; shorter ones may name
RARE_TITLE_SHARE = 0.1  # a word in at most this share of titles (and at most RARE_TITLE_MIN) names something
RARE_TITLE_MIN = 3

# bill-type words as they are printed → the abbreviation readers type (whole words, any case)
_ABBREVIATIONS = [
    (r"projetos? de lei(?: complementar)?(?: do senado)?", "pl"),
    (r"propostas? de emenda (?:à|a) constitui[çc][ãa]o", "pec"),
    (r"projets? de loi", "pl"),
    (r"propositions? de loi", "ppl"),
    (r"proyectos? de ley", "pl"),
    (r"senate bill", "sb"),
    (r"house bill", "hb"),
    (r"assembly bill", "ab"),
]
_ABBREVIATION = [(re.compile(rf"\b{p}\b(?:\s+n\.?\s*[ºo°]?\.?)?", re.IGNORECASE), a) for p, a in _ABBREVIATIONS]
_NUMBER_SIGN = re.compile(r"\b(?:n\.?\s*[ºo°]|no\.|nr\.|núm\.|num\.)\s*(?=\d)", re.IGNORECASE)


def identifier_terms(text: str) -> list[str]:
    """`tokens` of `text` after bill types are abbreviated and number signs dropped."""
    for pattern, abbreviation in _ABBREVIATION:
        text = pattern.sub(f" {abbreviation} ", text)
    return tokens(_NUMBER_SIGN.sub(" ", text))


def _padded(terms: Iterable[str]) -> str:
    return f" {' '.join(terms)} "


class TitleMatcher:
    """Which documents a short query names, by their titles and identifiers."""

    def __init__(self, documents: Iterable[Document]):
        self.keys: dict[str, str] = {}
        df: Counter[str] = Counter()
        for d in documents:
            text = " ".join([d.title, *[str(v) for v in d.identifiers.values()]])
            terms = identifier_terms(text)
            self.keys[d.id] = _padded(terms)
            df.update(set(terms))
        self.df = df
        self.rare = max(RARE_TITLE_MIN, int(RARE_TITLE_SHARE * len(self.keys)))

    def named(self, query: str) -> list[str]:
        """Ids of the documents whose title or identifiers hold the query's words, in order, when the
        query names something (a number, or a word few titles hold); [] otherwise."""
        terms = identifier_terms(query)
        if not terms or len(terms) > MAX_TOKENS or not specific(terms, self.df, self.rare):
            return []
        wanted = _padded(terms)
        return [doc_id for doc_id, key in self.keys.items() if wanted in key]


def specific(terms: list[str], df: Counter[str] | None = None, rare: int = 0) -> bool:
    """Whether query terms name something: one holds a digit, or (given title frequencies) is rare."""
    if any(any(c.isdigit() for c in t) for t in terms):
        return True
    return df is not None and any(0 < df.get(t, 0) <= rare for t in terms)


def locator_phrase(query: str) -> str | None:
    """The padded term string to look for in locators, for a short query with a number ("Article 50",
    "Art. 5", "제7조", "Section 22757"); None for anything else."""
    terms = tokens(query)
    if not terms or len(terms) > MAX_TOKENS or not specific(terms):
        return None
    return _padded(terms)


def locator_holds(locator: str, phrase: str) -> bool:
    """Whether a locator names the unit: its terms hold the phrase, followed by a word boundary in
    the numbering ("Article 5" is not "Article 50")."""
    return phrase in _padded(tokens(locator))
