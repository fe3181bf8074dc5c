"""Tagging passages with AI-policy concepts from their text and the vectors already embedded.

Why this design (figures in README "Concepts" and tests/concepts_baseline.json): on the labelled
set, a linear classifier per concept on the frozen multilingual-e5-small vectors reached F1 ~0.43
under grouped cross-validation (40 concepts, 8–66 positives each is too little to learn legal
distinctions from 384 dimensions), and the cosine to the concept's definition ranked well overall
(AUC 0.80) but hardly separated passages that *address* a concept from passages that merely name
it. Precise legal terms, written per language in the taxonomy, find the concept (recall ~0.88);
what remains is deciding whether a passage addresses it. A small logistic model does that over six
features per (passage, concept), shared by all concepts plus one bias per concept:

  0  log(1 + term matches in the text)        3  share of the passage's sentences with a match
  1  a term matches the heading (locator)     4  cosine of the passage vector to the definition
  2  log(1 + distinct terms matched)          5  best cosine of a sentence vector to the definition

(4 and 5 are z-scored with statistics stored in the model, so any encoder can be plugged in; an
encoder the model was not fitted with gets the lexical-only variant.) The definitions are encoded
once per taxonomy version as queries; passages are never re-encoded: their passage and sentence
vectors come from the index. No translation: each language has its own terms, and the definition
vectors live in the multilingual space the passages were embedded in.

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
from pipeline.concepts.taxonomy import Taxonomy
from pipeline.windows import sentence_windows

MODEL_PATH = Path(__file__).with_name("model.json")
N_FEATURES = 6
SEMANTIC = (4, 5)  # feature columns that need vectors; zero in the lexical-only variant
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
    """One fitted stacker: shared feature weights, a bias per concept, one threshold."""

    weights: list[float]
    bias: dict[str, float]
    threshold: float
    sim_mean: dict[str, list[float]] = {}  # per concept: mean and std of features 4 and 5
    sim_std: dict[str, list[float]] = {}


class ConceptModel(Record):
    taxonomy_version: str
    taxonomy_fingerprint: str
    labelled_sha: str  # the labelled set it was fitted on
    variants: dict[str, ModelVariant]  # encoder name -> variant; LEXICAL_VARIANT for any encoder

    def variant(self, encoder_name: str) -> tuple[str, ModelVariant]:
        if encoder_name in self.variants:
            return encoder_name, self.variants[encoder_name]
        return LEXICAL_VARIANT, self.variants[LEXICAL_VARIANT]

    def save(self, path: Path = MODEL_PATH) -> None:
        Path(path).write_text(self.model_dump_json(indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> "ConceptModel":
        return cls.model_validate_json(Path(path).read_text(encoding="utf-8"))


def base_language(language: str) -> str:
    return (language or "").split("-")[0].split("+")[0].lower()


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


def lexical(terms: Terms, p: PassageText) -> tuple[np.ndarray, np.ndarray]:
    """(features 0–3 per concept, term matches per concept and window) for one passage.
    Windows are the passage's sentence windows (or the passage itself when it is one sentence)."""
    windows = _windows(p.text) or (p.text,)
    pats = terms.patterns(p.language)
    text, locator = p.text.lower(), p.locator.lower()
    feats = np.zeros((len(pats), 4), np.float32)
    per_window = np.zeros((len(pats), len(windows)), np.int32)
    for k, plist in enumerate(pats):
        if not plist:
            continue
        heading = bool(locator) and any(pat.search(locator) for pat in plist)
        found = [m.group(0) for pat in plist for m in pat.finditer(text)]
        if not found:
            feats[k, 1] = float(heading)
            continue
        for n, w in enumerate(windows):
            lw = w.lower()
            per_window[k, n] = sum(1 for pat in plist for _ in pat.finditer(lw))
        feats[k] = (math.log1p(len(found)), float(heading), math.log1p(len(set(found))),
                    float((per_window[k] > 0).mean()))
    return feats, per_window


def features(terms: Terms, passages: list[PassageText], unit_vectors: list[tuple[np.ndarray, np.ndarray]] | None,
             desc: np.ndarray | None) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray | None]]:
    """(passages, concepts, 6) raw features, the term matches per window, and each passage's
    window similarities to the definitions (None without vectors)."""
    X = np.zeros((len(passages), len(terms.ids), N_FEATURES), np.float32)
    matches, window_sims = [], []
    for i, p in enumerate(passages):
        lex, per_window = lexical(terms, p)
        X[i, :, :4] = lex
        matches.append(per_window)
        if unit_vectors is None or desc is None:
            window_sims.append(None)
            continue
        pvec, wvecs = unit_vectors[i]
        X[i, :, 4] = desc @ pvec
        ws = (wvecs @ desc.T).T if len(wvecs) else (desc @ pvec)[:, None]  # concepts x windows
        X[i, :, 5] = ws.max(1)
        window_sims.append(ws)
    return X, matches, window_sims


def normalise(X: np.ndarray, variant: ModelVariant, ids: list[str]) -> np.ndarray:
    out = X.copy()
    for k, cid in enumerate(ids):
        if cid in variant.sim_mean:
            mean, std = np.asarray(variant.sim_mean[cid]), np.asarray(variant.sim_std[cid])
            out[:, k, 4:6] = (X[:, k, 4:6] - mean) / np.maximum(std, 1e-6)
        else:
            out[:, k, 4:6] = 0.0
    return out


def scores(X: np.ndarray, variant: ModelVariant, ids: list[str]) -> np.ndarray:
    """(passages, concepts) probabilities from raw features."""
    Z = normalise(X, variant, ids) @ np.asarray(variant.weights, np.float32)
    Z += np.asarray([variant.bias.get(cid, -20.0) for cid in ids], np.float32)  # no bias: never tagged
    return 1.0 / (1.0 + np.exp(-Z))


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
        X, matches, window_sims = features(self.terms, passages, vectors, self.desc)
        S = scores(X, self.variant, self.terms.ids)
        tags = []
        for i, k in zip(*np.nonzero(S >= self.variant.threshold)):
            window, evidence = _evidence(passages[i], int(k), matches[i], window_sims[i])
            tags.append(Tag(passages[i].passage_id, self.terms.ids[k], round(float(S[i, k]), 4), window, evidence))
        return tags
