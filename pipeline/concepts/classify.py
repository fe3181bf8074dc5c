"""Tagging passages with AI-policy concepts from their text and the vectors already embedded.

What a tag means (tests/data/CONCEPTS_GUIDELINE.md): the passage's provision regulates or
addresses the concept; naming it in passing is not enough. Precise legal terms, written per
language in the taxonomy, find the candidates (a concept whose terms match neither the passage nor
its heading is never tagged: recall ~0.88 on the labelled set); a logistic model shared by all
concepts, with one bias per concept, then decides whether a candidate passage is *about* the
concept, from 16 features of the (passage, concept) pair (FEATURES below): how many terms match,
how many distinct ones, in how many of its sentences and whether in the first; whether the heading
or the article's title names the concept; how close the passage and its best sentence are to the
concept's definition (read from the vectors the index holds, z-scored per concept; zero in the
lexical-only variant); the signs of a passing mention (pipeline/concepts/mentions.py: the matches
that sit in a reference to another act, in a name, in a long enumeration); how many other concepts
the passage names and this concept's share of the matches (a passage naming ten concepts is a
list); and whether the unit is boilerplate (footnotes listing acts, a table of contents).

Figures (README "Concepts and the landscape", tests/concepts_baseline.json): grouped 5-fold
cross-validation on the labelled set and a fresh sample labelled after the classifier was frozen.
Tried and not kept because the figures did not move (within ±0.005 F1 across fold seeds): nearest
labelled neighbours of the passage and of its matching sentence (positives and hard negatives of
the training folds), a learned weighting of the passage and sentence vectors against the
definition, per-concept weights, gradient boosting, smoothed per-term precision.

The definitions are encoded once per taxonomy version as queries; passages are never re-encoded.
The evidence of a tag is the sentence window (index/units.py numbering) with the most term
matches, ties broken by the window's similarity to the definition."""
from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from corpus.models import Record
from corpus.text import base_language
from pipeline.concepts import mentions
from pipeline.concepts.taxonomy import Taxonomy
from pipeline.windows import sentence_windows

MODEL_PATH = Path(__file__).with_name("model.json")
FEATURES = (
    "matches",  # log(1 + term matches in the text)
    "heading",  # a term matches the locator (the headings above the passage)
    "distinct",  # log(1 + distinct terms matched)
    "sentences",  # share of the passage's sentence windows with a match
    "definition",  # cosine of the passage vector to the definition (z-scored per concept)
    "best_sentence",  # best cosine of a sentence window to the definition (z-scored per concept)
    "first_sentence",  # a term matches the first sentence window
    "density",  # log(1 + matches per 100 words)
    "title",  # a term matches the title of the article ("Article 14 — Human oversight")
    "in_reference",  # share of the matches in a reference to another act ("without prejudice to …")
    "in_name",  # share of the matches in a name (a cited act's title, a body's name)
    "in_enumeration",  # share of the matches in a long enumeration
    "only_mentions",  # every match is in a reference or a name
    "concepts_named",  # log(1 + concepts whose terms match the passage)
    "concept_share",  # this concept's share of all the concept term matches in the passage
    "boilerplate",  # footnotes listing other acts, a table of contents, a list of acronyms
)
N_FEATURES = len(FEATURES)
SEMANTIC = (4, 5)  # feature columns that need vectors; zero in the lexical-only variant
# locators of units that list rather than provide (their terms are names, not subjects)
BOILERPLATE = re.compile(r"^(signatures|table of contents|contents|acronyms|abbreviations|sommaire|inhalt|"
                         r"inhaltsverzeichnis|índice|indice|inhoud|목차|目录|目錄)\b", re.I)
LEXICAL_VARIANT = "lexical"
EVIDENCE_CHARS = 600  # a passage with no sentence windows is its own evidence, cut here


@dataclass(frozen=True)
class PassageText:
    passage_id: int
    text: str
    locator: str
    language: str  # 'en', 'zh-cn', … ('' or 'und': every language's terms apply)


@dataclass(frozen=True)
class Tag:
    passage_id: int
    concept: str
    score: float
    window: int  # 0: the passage itself, n: its n-th sentence window (index/units.py)
    evidence: str


class ModelVariant(Record):
    """One fitted model: shared feature weights over standardised features, a bias per concept,
    one decision threshold (chosen by inner cross-validation, pipeline/concepts/evaluate.py)."""

    features: list[str] = list(FEATURES)  # the model refuses features it was not fitted on
    weights: list[float]
    bias: dict[str, float]
    threshold: float
    sim_mean: dict[str, list[float]] = {}  # per concept: mean and std of the two semantic features
    sim_std: dict[str, list[float]] = {}
    feature_mean: list[float] = [0.0] * N_FEATURES  # then every feature is standardised
    feature_std: list[float] = [1.0] * N_FEATURES


class ConceptModel(Record):
    taxonomy_version: str
    taxonomy_fingerprint: str
    labelled_sha: str  # the labelled set it was fitted on
    variants: dict[str, ModelVariant]  # encoder name -> variant; LEXICAL_VARIANT for any encoder

    def variant(self, encoder_name: str) -> tuple[str, ModelVariant]:
        for name, v in self.variants.items():
            if tuple(v.features) != FEATURES:
                raise ValueError(f"concept model variant {name!r} was fitted on other features: run `ailex concepts train`")
        if encoder_name in self.variants:
            return encoder_name, self.variants[encoder_name]
        return LEXICAL_VARIANT, self.variants[LEXICAL_VARIANT]

    def save(self, path: Path = MODEL_PATH) -> None:
        Path(path).write_text(self.model_dump_json(indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> "ConceptModel":
        return cls.model_validate_json(Path(path).read_text(encoding="utf-8"))


# the spelled-out name of AI in the corpus's languages → the abbreviation their acts use
_AI_SPELLED_OUT = re.compile(r"artificial intelligence|intelligence artificielle|inteligência artificial|inteligencia "
                             r"artificial|intelligenza artificiale|künstliche[nr]? intelligenz|kunstmatige intelligentie")
_AI_ABBREVIATION = {"artif": "ai", "intel": "ia", "künst": "ki", "kunst": "ai"}


class Terms:
    """The taxonomy's terms compiled once, by concept and language. Matching is case-insensitive
    by lower-casing both sides (terms use no upper-case escapes: the loader checks): Python's
    IGNORECASE scans about half as fast, and scanning is most of the tagging time."""

    def __init__(self, taxonomy: Taxonomy):
        self.ids = taxonomy.ids
        langs = sorted({lang for c in taxonomy.concepts for lang in c.terms})
        self._by_lang = {lang: [[_Term(t) for t in c.terms.get(lang, [])] for c in taxonomy.concepts] for lang in langs}
        # a passage of an unknown language is matched with every language's terms
        self._any = [[p for lang in langs for p in self._by_lang[lang][k]] for k in range(len(self.ids))]

    def patterns(self, language: str) -> list[list["_Term"]]:
        return self._by_lang.get(base_language(language), self._any)

    def named(self, text: str, language: str) -> list[str]:
        """The concepts whose terms `text` (a query) holds, in its language (every language's terms
        when it is unknown): "surveillance humaine des systèmes d'IA" names human-oversight. A
        query spelling out "artificial intelligence" names what one writing "AI" does (the terms
        are written as acts abbreviate: "prohibited (AI )?practices")."""
        low = _AI_SPELLED_OUT.sub(lambda m: _AI_ABBREVIATION[m.group(0)[:5]], text.lower())
        return [cid for cid, terms in zip(self.ids, self.patterns(language)) if any(t.search(low) for t in terms)]


class _Term:
    """One term pattern. A leading word boundary is checked in Python rather than by the regex:
    a pattern that starts with a literal is searched by the regex engine's fast literal scan,
    about 3x faster than one that starts with an assertion."""

    def __init__(self, term: str):
        term = term.lower()
        self.left_boundary = term.startswith("\\b") and term[2:3].isalnum()
        self.pattern = re.compile(term[2:] if self.left_boundary else term)

    def finditer(self, text: str):
        for m in self.pattern.finditer(text):
            if self.left_boundary and m.start() > 0 and (text[m.start() - 1].isalnum() or text[m.start() - 1] == "_"):
                continue
            yield m

    def search(self, text: str) -> bool:
        return next(self.finditer(text), None) is not None


def description_text(concept) -> str:
    """What is encoded for a concept: its label and the in-scope part of its definition."""
    return f"{concept.label.en}: {concept.definition.split(' Out of scope')[0]}"


def descriptions_fingerprint(taxonomy: Taxonomy) -> str:
    return hashlib.sha256("\n".join(description_text(c) for c in taxonomy.concepts).encode()).hexdigest()


def description_vectors(taxonomy: Taxonomy, encoder) -> np.ndarray:
    """(concepts, dim): each definition encoded once as a query (e5 'query:' prompt)."""
    return np.asarray(encoder.encode_queries([description_text(c) for c in taxonomy.concepts]), np.float32)


@lru_cache(maxsize=8192)
def _windows(text: str) -> tuple[str, ...]:
    return tuple(sentence_windows(text))


def article_title(locator: str) -> str:
    """The title of the deepest heading that has one ("… › Article 14 — Human oversight › (1)")."""
    titled = [part.split(" — ", 1)[1] for part in locator.split(" › ") if " — " in part]
    return titled[-1] if titled else ""


def lexical(terms: Terms, p: PassageText) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features per concept with the semantic columns left at zero, term matches per concept and
    window, candidate mask: the concept's terms match the text or the heading) for one passage.
    Windows are the passage's sentence windows (or the passage itself when it is one sentence)."""
    windows = _windows(p.text) or (p.text,)
    pats = terms.patterns(p.language)
    text, locator = p.text.lower(), p.locator.lower()
    title = article_title(locator)
    n_words = max(len(p.text.split()), 1)
    feats = np.zeros((len(pats), N_FEATURES), np.float32)
    per_window = np.zeros((len(pats), len(windows)), np.int32)
    candidate = np.zeros(len(pats), bool)
    counts = np.zeros(len(pats), np.float32)
    for k, plist in enumerate(pats):
        if not plist:
            continue
        heading = bool(locator) and any(pat.search(locator) for pat in plist)
        spans = [(m.start(), m.end(), m.group(0)) for pat in plist for m in pat.finditer(text)]
        candidate[k] = heading or bool(spans)
        feats[k, 1] = float(heading)
        if not spans:
            continue
        for n, w in enumerate(windows):
            lw = w.lower()
            per_window[k, n] = sum(1 for pat in plist for _ in pat.finditer(lw))
        sign = mentions.signs(p.text, text, [(a, b) for a, b, _ in spans])
        counts[k] = len(spans)
        feats[k, 0] = math.log1p(len(spans))
        feats[k, 2] = math.log1p(len({t for _, _, t in spans}))
        feats[k, 3] = float((per_window[k] > 0).mean())
        feats[k, 6] = float(per_window[k, 0] > 0)
        feats[k, 7] = math.log1p(len(spans) / n_words * 100)
        feats[k, 8] = float(bool(title) and any(pat.search(title) for pat in plist))
        feats[k, 9] = sign.reference / sign.matches
        feats[k, 10] = sign.name / sign.matches
        feats[k, 11] = sign.enumeration / sign.matches
        feats[k, 12] = float(sign.bare == 0)
    feats[:, 13] = math.log1p(int((counts > 0).sum()))
    feats[:, 14] = counts / max(counts.sum(), 1.0)
    feats[:, 15] = float(bool(BOILERPLATE.match(p.locator.strip())))
    return feats, per_window, candidate


def features(terms: Terms, passages: list[PassageText], unit_vectors: list[tuple[np.ndarray, np.ndarray]] | None,
             desc: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], list[np.ndarray | None]]:
    """(passages, concepts, N_FEATURES) raw features, the candidate mask (passages, concepts), the
    term matches per window, and each passage's window similarities to the definitions (None
    without vectors)."""
    X = np.zeros((len(passages), len(terms.ids), N_FEATURES), np.float32)
    cand = np.zeros((len(passages), len(terms.ids)), bool)
    matches, window_sims = [], []
    for i, p in enumerate(passages):
        X[i], per_window, cand[i] = lexical(terms, p)
        matches.append(per_window)
        if unit_vectors is None or desc is None:
            window_sims.append(None)
            continue
        pvec, wvecs = unit_vectors[i]
        X[i, :, 4] = desc @ pvec
        ws = (wvecs @ desc.T).T if len(wvecs) else (desc @ pvec)[:, None]  # concepts x windows
        X[i, :, 5] = ws.max(1)
        window_sims.append(ws)
    return X, cand, matches, window_sims


def normalise(X: np.ndarray, variant: ModelVariant, ids: list[str]) -> np.ndarray:
    """Semantic columns z-scored per concept (each definition has its own similarity scale), then
    every column standardised; without the concept's statistics the semantic columns are 0."""
    out = X.astype(np.float32, copy=True)
    sem = list(SEMANTIC)
    for k, cid in enumerate(ids):
        if cid in variant.sim_mean:
            mean, std = np.asarray(variant.sim_mean[cid]), np.asarray(variant.sim_std[cid])
            out[:, k, sem] = (X[:, k, sem] - mean) / np.maximum(std, 1e-6)
        else:
            out[:, k, sem] = 0.0
    out = (out - np.asarray(variant.feature_mean, np.float32)) / np.maximum(np.asarray(variant.feature_std, np.float32), 1e-6)
    if not variant.sim_mean:
        out[:, :, sem] = 0.0
    return out


def scores(X: np.ndarray, cand: np.ndarray, variant: ModelVariant, ids: list[str]) -> np.ndarray:
    """(passages, concepts) probabilities from raw features; 0 for non-candidates."""
    Z = normalise(X, variant, ids) @ np.asarray(variant.weights, np.float32)
    Z += np.asarray([variant.bias.get(cid, -20.0) for cid in ids], np.float32)  # no bias: never tagged
    return np.where(cand, 1.0 / (1.0 + np.exp(-Z)), 0.0)


def _evidence(p: PassageText, k: int, per_window: np.ndarray, window_sims: np.ndarray | None) -> tuple[int, str]:
    windows = _windows(p.text)
    if not windows:
        return 0, p.text[:EVIDENCE_CHARS]
    rank = per_window[k].astype(np.float32) * 10.0
    if window_sims is not None and window_sims.shape[1] == len(windows):
        rank = rank + window_sims[k]
    n = int(np.argmax(rank))
    return n + 1, windows[n]


def fingerprint_of(taxonomy: Taxonomy, variant_name: str, variant: ModelVariant) -> str:
    """Tags computed by the same taxonomy file, model variant and weights are interchangeable."""
    key = json.dumps([taxonomy.fingerprint, variant_name, variant.model_dump()], sort_keys=True)
    return hashlib.sha256(key.encode()).hexdigest()[:16]


class Classifier:
    """Tags passages with the concepts of one taxonomy, given a fitted model and an encoder name."""

    def __init__(self, taxonomy: Taxonomy, model: ConceptModel, encoder_name: str, desc: np.ndarray | None):
        self.taxonomy = taxonomy
        self.terms = Terms(taxonomy)
        self.variant_name, self.variant = model.variant(encoder_name)
        # the semantic features need the definitions' vectors; without them, lexical only
        if desc is None and self.variant_name != LEXICAL_VARIANT:
            self.variant_name, self.variant = LEXICAL_VARIANT, model.variants[LEXICAL_VARIANT]
        self.desc = desc if self.variant_name != LEXICAL_VARIANT else None

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.taxonomy, self.variant_name, self.variant)

    def tag(self, passages: list[PassageText],
            unit_vectors: list[tuple[np.ndarray, np.ndarray]] | None = None) -> list[Tag]:
        if not passages:
            return []
        vectors = unit_vectors if self.desc is not None else None
        X, cand, matches, window_sims = features(self.terms, passages, vectors, self.desc)
        S = scores(X, cand, self.variant, self.terms.ids)
        tags = []
        for i, k in zip(*np.nonzero(S >= self.variant.threshold)):
            window, evidence = _evidence(passages[i], int(k), matches[i], window_sims[i])
            tags.append(Tag(passages[i].passage_id, self.terms.ids[k], round(float(S[i, k]), 4), window, evidence))
        return tags
