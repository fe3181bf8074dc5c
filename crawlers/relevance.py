"""How much a document is about AI policy: a multilingual term list and a score in [0, 1].

Spiders walk general listings (every bill, every sitting); each parsed document gets a score
from its title and text, and the corpus pipeline stores only documents at or above
AILEX_CRAWL_MIN_RELEVANCE. Documents reached from a relevant parent (the committee report of an
AI bill) inherit the parent's score, so a procedure's papers stay together.

Weights: 1.0 for terms that name AI itself, 0.6 for AI techniques and uses, 0.3 for adjacent
terms (algorithms, automated processing) that matter in context but not alone.
Terms are matched case-insensitively on word boundaries after accent folding.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

AI_TERMS: dict[str, dict[str, float]] = {
    "en": {
        "artificial intelligence": 1.0, "ai act": 1.0, "ai system": 1.0, "ai systems": 1.0,
        "ai model": 1.0, "ai models": 1.0, "general-purpose ai": 1.0, "generative ai": 1.0, "ai": 0.6,
        "machine learning": 0.6, "deep learning": 0.6, "neural network": 0.6, "neural networks": 0.6,
        "large language model": 0.6, "large language models": 0.6, "foundation model": 0.6,
        "foundation models": 0.6, "chatbot": 0.6, "chatbots": 0.6, "deepfake": 0.6, "deepfakes": 0.6,
        "facial recognition": 0.6, "automated decision-making": 0.6, "automated decision": 0.6,
        "algorithmic": 0.3, "algorithm": 0.3, "algorithms": 0.3, "automated processing": 0.3,
        "biometric identification": 0.3,
    },
    "fr": {
        "intelligence artificielle": 1.0, "systeme d'ia": 1.0, "systemes d'ia": 1.0, "ia generative": 1.0,
        "ia": 0.6, "apprentissage automatique": 0.6, "apprentissage profond": 0.6,
        "reseau de neurones": 0.6, "reseaux de neurones": 0.6, "reconnaissance faciale": 0.6,
        "hypertrucage": 0.6, "decision individuelle automatisee": 0.6, "decision automatisee": 0.6,
        "algorithme": 0.3, "algorithmes": 0.3, "algorithmique": 0.3, "traitement automatise": 0.3,
    },
    "de": {
        "kunstliche intelligenz": 1.0, "ki-system": 1.0, "ki-systeme": 1.0, "ki-verordnung": 1.0,
        "ki": 0.6, "maschinelles lernen": 0.6, "neuronale netze": 0.6, "gesichtserkennung": 0.6,
        "automatisierte entscheidung": 0.6, "algorithmus": 0.3, "algorithmen": 0.3,
    },
    "es": {
        "inteligencia artificial": 1.0, "sistema de ia": 1.0, "sistemas de ia": 1.0, "ia generativa": 1.0,
        "aprendizaje automatico": 0.6, "reconocimiento facial": 0.6, "modelos de lenguaje": 0.6,
        "decisiones automatizadas": 0.6, "decision automatizada": 0.6, "algoritmo": 0.3, "algoritmos": 0.3,
        "algoritmico": 0.3, "algoritmica": 0.3, "reconocimiento biometrico": 0.3,
    },
    "it": {
        "intelligenza artificiale": 1.0, "apprendimento automatico": 0.6, "riconoscimento facciale": 0.6,
        "algoritmo": 0.3, "algoritmi": 0.3,
    },
    "pt": {  # (issue 17) Brazil's Câmara and Senado: PL 2338/2023 speaks of "sistemas de inteligência artificial"
        "inteligencia artificial": 1.0, "sistema de inteligencia artificial": 1.0,
        "sistemas de inteligencia artificial": 1.0, "ia generativa": 1.0, "aprendizagem automatica": 0.6,
        "aprendizado de maquina": 0.6, "aprendizado automatico": 0.6, "reconhecimento facial": 0.6,
        "decisao automatizada": 0.6, "decisoes automatizadas": 0.6, "algoritmo": 0.3, "algoritmos": 0.3,
        "algoritmica": 0.3, "reconhecimento biometrico": 0.3,
    },
    "nl": {
        "kunstmatige intelligentie": 1.0, "machinaal leren": 0.6, "gezichtsherkenning": 0.6,
        "algoritme": 0.3, "algoritmes": 0.3,
    },
}

TITLE_WEIGHT = 2.0  # a term in the title counts this much
TEXT_WEIGHT = 0.25  # each occurrence in the text counts this much (at most TEXT_CAP per term)
TEXT_CAP = 5
TEXT_LIMIT = 400_000  # characters of text scanned


ACRONYMS = {"ai", "ia", "ki"}  # matched only in capitals ("j'ai" is not AI)
TITLE_ONLY = {"ia", "ki"}  # in running text "IA" is also Iowa, "KI" a chemistry symbol: titles only


def fold(text: str, lower: bool = True) -> str:
    """Lowercase, strip accents, unify apostrophes and dashes, squeeze spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.lower() if lower else text
    text = text.replace("\u2019", "'").replace("\u2010", "-").replace("\u2011", "-")
    return re.sub(r"\s+", " ", text)


def _merged() -> dict[str, float]:
    merged: dict[str, float] = {}
    for terms in AI_TERMS.values():
        for term, weight in terms.items():
            merged[fold(term)] = max(weight, merged.get(fold(term), 0.0))
    return merged


WEIGHTS = _merged()


def _alternation(terms: list[str]) -> re.Pattern:
    """One pass over the text: longest terms first, so "ai act" wins over "ai" at the same place.
    Word boundaries keep "said", "via", "kind" out."""
    alts = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    return re.compile(r"(?<![\w-])(" + alts + r")(?![\w-])")


# acronyms match in capitals only, so "j'ai" is not AI while "l'IA" is
_WORDS = _alternation([t for t in WEIGHTS if t not in ACRONYMS])
_ACRONYMS = _alternation([t.upper() for t in WEIGHTS if t in ACRONYMS])


def _counts(title: str, text: str) -> tuple[set[str], dict[str, int]]:
    in_title = {m.lower() for m in _WORDS.findall(fold(title))} | {m.lower() for m in _ACRONYMS.findall(fold(title, lower=False))}
    counts: dict[str, int] = {}
    if text:
        for m in _WORDS.findall(fold(text)):
            counts[m] = counts.get(m, 0) + 1
        for m in _ACRONYMS.findall(fold(text, lower=False)):
            if m.lower() not in TITLE_ONLY:
                counts[m.lower()] = counts.get(m.lower(), 0) + 1
    return in_title, counts


@dataclass(frozen=True)
class Relevance:
    score: float
    terms: list[str] = field(default_factory=list)

    def at_least(self, other: float) -> "Relevance":
        return self if self.score >= other else Relevance(round(other, 3), [*self.terms, "(inherited)"])


def score(title: str, text: str = "") -> Relevance:
    """Score a document from its title and (optionally) its text."""
    in_title, counts = _counts(title or "", (text or "")[:TEXT_LIMIT])
    raw, found = 0.0, []
    for term in sorted(in_title | set(counts)):
        raw += WEIGHTS[term] * (TITLE_WEIGHT * (term in in_title) + TEXT_WEIGHT * min(counts.get(term, 0), TEXT_CAP))
        found.append(term)
    return Relevance(round(1.0 - math.exp(-raw), 3), found)
