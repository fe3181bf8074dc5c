"""Hubness correction: vectors that sit close to every query stop outranking real answers.

In a high-dimensional embedding space some vectors are "hubs": near many queries at once, whatever
those queries ask (footnote citations, lists of cited acts, a Taiwanese article that is close to
every English sentence about AI). Cross-domain similarity local scaling (CSLS, Conneau et al.
2018, "Word translation without parallel data") corrects for it: each vector's mean similarity
to its K nearest neighbours among a reference sample of queries, r(x), measures how hub-like it
is, and the query-time score becomes cos(q, x) − r(x)/2 (CSLS is 2·cos − r(x) − r(q); r(q) is the
same for every candidate of one query). Here the correction is centred on the corpus's mean r, so
an ordinary vector keeps its cosine and the calibrated relevance cutoff keeps its meaning: hubs
lose, anti-hubs gain a little.

The reference sample is sentences of the corpus itself, encoded as queries (the model encodes
queries and passages differently), spread over documents and languages, drawn once and kept in
the snapshot; each publish computes r only for the vectors it adds. A vector's own passage is
left out of its neighbours, so the sample's sentences do not rate themselves."""
from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.snapshots import read_arrays
from index.units import passage_ids

FILENAME = "hubness.npz"
FORMAT = 1
REFERENCE_SIZE = 1000  # pseudo-queries: enough for stable K-NN means, ~5-10 s to encode once
NEIGHBOURS = 10  # K of CSLS (Conneau et al. use 10)
WEIGHT = 0.5  # the r(x)/2 of CSLS
BATCH = 4096  # vectors scored against the reference sample at a time (bounded memory)


class Hubness:
    def __init__(self, unit_ids: np.ndarray, r: np.ndarray, reference: np.ndarray, reference_passages: np.ndarray):
        order = np.argsort(unit_ids, kind="stable")
        self.unit_ids = np.asarray(unit_ids, np.int64)[order]
        self.r = np.asarray(r, np.float32)[order]
        self.reference = np.asarray(reference, np.float32)
        self.reference_passages = np.asarray(reference_passages, np.int64)
        self.mean = float(self.r.mean()) if len(self.r) else 0.0

    def penalty(self, unit_ids: np.ndarray) -> np.ndarray:
        """What to subtract from the cosines of these units (0 for units it does not know)."""
        if not len(self.unit_ids):
            return np.zeros(len(unit_ids), np.float32)
        at = np.searchsorted(self.unit_ids, unit_ids).clip(0, len(self.unit_ids) - 1)
        known = self.unit_ids[at] == unit_ids
        return np.where(known, WEIGHT * (self.r[at] - self.mean), 0.0).astype(np.float32)

    # -- building ---------------------------------------------------------------------------
    def scores(self, unit_ids: np.ndarray, vectors: np.ndarray) -> np.ndarray:
        """r(x): mean cosine of each vector to its K nearest reference queries outside its own passage."""
        out = np.zeros(len(unit_ids), np.float32)
        if not len(self.reference) or not len(unit_ids):
            return out
        k = min(NEIGHBOURS, len(self.reference))
        own = passage_ids(unit_ids)
        for start in range(0, len(unit_ids), BATCH):
            sims = np.asarray(vectors[start : start + BATCH], np.float32) @ self.reference.T
            sims[own[start : start + BATCH, None] == self.reference_passages[None, :]] = -np.inf
            top = -np.partition(-sims, k - 1, axis=1)[:, :k]
            out[start : start + BATCH] = np.where(np.isfinite(top), top, 0.0).mean(axis=1)
        return out

    def update(self, keep: np.ndarray, unit_ids: np.ndarray, vectors: np.ndarray) -> "Hubness":
        """This correction for the units in `keep`, plus r of the new (unit id, vector) rows."""
        held = np.isin(self.unit_ids, keep)
        return Hubness(np.concatenate([self.unit_ids[held], np.asarray(unit_ids, np.int64)]),
                       np.concatenate([self.r[held], self.scores(np.asarray(unit_ids, np.int64), vectors)]),
                       self.reference, self.reference_passages)

    def save(self, folder: Path) -> None:
        np.savez(Path(folder) / FILENAME, format=np.int64(FORMAT), unit_ids=self.unit_ids, r=self.r,
                 reference=self.reference, reference_passages=self.reference_passages)

    @classmethod
    def load(cls, folder: Path) -> "Hubness | None":
        data = read_arrays(Path(folder) / FILENAME, FORMAT)
        if data is None:
            return None
        return cls(data["unit_ids"], data["r"], data["reference"], data["reference_passages"])


def reference_sample(sentences: Sequence[tuple[int, str, str]], size: int = REFERENCE_SIZE) -> list[tuple[int, str]]:
    """(passage id, sentence) pseudo-queries drawn from (passage id, language, sentence) rows: every
    language gets a share in proportion to the square root of its size (so small languages are
    represented), and within a language the draw is by a hash of the text, so it is the same on
    every machine and does not depend on the order of the rows."""
    by_lang: dict[str, list[tuple[str, int, str]]] = defaultdict(list)
    for pid, lang, text in sentences:
        if len(text.split()) >= 5 or len(text) >= 20:
            by_lang[lang.split("-")[0]].append((hashlib.sha1(text.encode("utf-8")).hexdigest(), pid, text))
    if not by_lang:
        return []
    weights = {lang: len(rows) ** 0.5 for lang, rows in by_lang.items()}
    total = sum(weights.values())
    out: list[tuple[int, str]] = []
    for lang, rows in sorted(by_lang.items()):
        share = max(1, round(size * weights[lang] / total))
        out += [(pid, text) for _, pid, text in sorted(rows)[:share]]
    return out
