"""Concept tags stored with each index snapshot (`concepts.npz` + `concepts.json`), and what is
read from them at query time: the concept filter mask, the concepts of a hit, the concept facet
and the jurisdiction × concept landscape.

Tags are computed when the index is built (`write_concept_tags`, called by `update_index` before
the manifest), from the passage and sentence vectors the index already holds, never re-encoding
a passage. Incremental: passage rows are immutable (a new version writes new rows), so the tags
of every passage the previous snapshot tagged with the same classifier are copied; only new
passages are classified. A new taxonomy version (or a refitted model) changes the classifier
fingerprint and the whole corpus is re-tagged from the stored vectors, without re-embedding.
An invalid taxonomy raises `TaxonomyError` before anything is written, so `ailex index` stops
with the reason and the published snapshot stays the previous, fully tagged one."""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from corpus.settings import Settings
from corpus.store import Store
from index import factory, snapshots
from index.base import VectorIndex
from index.manifest import Manifest
from index.metadata import Filters, PassageColumns
from index.units import WINDOW_BITS, unit_id
from index.units import units as retrieval_units
from pipeline.concepts import taxonomy as taxonomy_mod
from pipeline.concepts.classify import (
    LEXICAL_VARIANT, Classifier, ConceptModel, PassageText, description_vectors, descriptions_fingerprint,
    fingerprint_of,
)
from pipeline.encoders import load_encoder
from pipeline.windows import sentence_windows

if TYPE_CHECKING:
    from index.build import IndexReport

log = logging.getLogger(__name__)

FILENAME = "concepts.npz"
META = "concepts.json"
FORMAT = 1
BATCH = 2048  # passages classified per batch (bounds the memory of their vectors)


class UnknownConcept(ValueError):
    """A concept id the taxonomy does not have; the message names the known ids."""

    def __init__(self, unknown: list[str], known: list[str]):
        self.unknown, self.known = unknown, known
        super().__init__(f"unknown concept {', '.join(repr(u) for u in unknown)}; known concepts: {', '.join(known)}")


@dataclass
class ConceptTags:
    meta: dict
    passage_id: np.ndarray  # int64, sorted
    concept: np.ndarray  # int16: index into meta["ids"]
    score: np.ndarray  # float32
    window: np.ndarray  # int16: 0 = the passage, n = its n-th sentence window
    canonical: np.ndarray  # bool: the passage is not a copy of another (landscape counts skip copies)
    classified: np.ndarray  # int64: every passage the classifier looked at (tagged or not)
    desc: np.ndarray | None = None  # the definitions' vectors (reused while definitions and model stay)

    # -- the taxonomy as tagged ---------------------------------------------------------
    @property
    def ids(self) -> list[str]:
        return self.meta["ids"]

    @property
    def taxonomy_version(self) -> str:
        return self.meta["taxonomy_version"]

    @property
    def fingerprint(self) -> str:
        return self.meta["fingerprint"]

    def label(self, concept_id: str) -> str:
        return self.meta["labels"][concept_id]

    def definition(self, concept_id: str) -> str:
        return self.meta["definitions"][concept_id]

    def codes(self, concept_ids: list[str]) -> np.ndarray:
        unknown = [c for c in concept_ids if c not in self._pos]
        if unknown:
            raise UnknownConcept(unknown, self.ids)
        return np.array([self._pos[c] for c in concept_ids], np.int16)

    def __post_init__(self) -> None:
        self._pos = {c: k for k, c in enumerate(self.meta["ids"])}

    # -- per passage -------------------------------------------------------------------
    def passages_with(self, concept_ids: list[str]) -> np.ndarray:
        """Sorted passage ids tagged with any of `concept_ids` (the search filter's mask)."""
        return np.unique(self.passage_id[np.isin(self.concept, self.codes(concept_ids))])

    def of_passage(self, passage_id: int) -> list[tuple[str, float, int]]:
        """(concept id, score, window) of one passage, strongest first."""
        lo, hi = np.searchsorted(self.passage_id, [passage_id, passage_id + 1])
        rows = sorted(range(lo, hi), key=lambda r: -self.score[r])
        return [(self.ids[self.concept[r]], float(self.score[r]), int(self.window[r])) for r in rows]

    def hit_concepts(self, passage_id: int, text: str, unit_type: str = "") -> list[dict]:
        """`[{"id", "label", "score", "evidence"}]` for a search hit; the evidence is the sentence
        window that carries the tag (the passage itself when it has no windows)."""
        out = []
        for cid, score, window in self.of_passage(passage_id):
            out.append({"id": cid, "label": self.label(cid), "score": round(score, 3),
                        "evidence": evidence_text(text, window, unit_type)})
        return out

    def facet(self, passage_ids: np.ndarray) -> dict[str, int]:
        """Concept → how many of `passage_ids` carry it (most first)."""
        sel = np.isin(self.passage_id, passage_ids)
        counts = np.bincount(self.concept[sel], minlength=len(self.ids))
        return {self.ids[k]: int(counts[k]) for k in np.argsort(-counts, kind="stable") if counts[k]}

    def passage_counts(self) -> dict[str, int]:
        """Concept → passages tagged (copies of another passage not counted)."""
        counts = np.bincount(self.concept[self.canonical], minlength=len(self.ids))
        return {c: int(counts[k]) for k, c in enumerate(self.ids)}

    # -- landscape ----------------------------------------------------------------------
    def landscape(self, columns: PassageColumns, filters: Filters, concept_ids: list[str] | None = None) -> list[dict]:
        """One cell per (jurisdiction, concept) with at least one tagged passage that passes
        `filters`: counts of passages and documents, and the best passage's id and score."""
        pos, ok = self._columns_pos(columns)
        sel = ok & self.canonical
        sel &= columns.codes["jurisdiction"][pos] >= 0  # passages of documents without a jurisdiction
        if not filters.is_empty():
            sel &= columns.mask(filters)[pos]
        if concept_ids:
            sel &= np.isin(self.concept, self.codes(concept_ids))
        idx = np.nonzero(sel)[0]
        if not len(idx):
            return []
        jur = columns.codes["jurisdiction"][pos[idx]].astype(np.int64)
        doc = columns.codes["document_id"][pos[idx]].astype(np.int64)
        K = len(self.ids)
        key = jur * K + self.concept[idx]
        order = np.lexsort((-self.score[idx], key))  # by cell, best first
        key_sorted = key[order]
        starts = np.nonzero(np.r_[True, key_sorted[1:] != key_sorted[:-1]])[0]
        ends = np.r_[starts[1:], len(order)]
        cells = []
        for s, e in zip(starts, ends):
            best = idx[order[s]]
            docs = np.unique(doc[order[s:e]])
            cells.append({"jurisdiction": columns.labels["jurisdiction"][int(key_sorted[s] // K)],
                          "concept": self.ids[int(key_sorted[s] % K)], "passages": int(e - s),
                          "documents": int(len(docs)), "best_passage_id": int(self.passage_id[best]),
                          "best_score": round(float(self.score[best]), 4),
                          "best_window": int(self.window[best])})
        return cells

    def _columns_pos(self, columns: PassageColumns) -> tuple[np.ndarray, np.ndarray]:
        cached = getattr(self, "_colpos", None)
        if cached is not None and cached[0] is columns:
            return cached[1], cached[2]
        pos = np.searchsorted(columns.ids, self.passage_id).clip(0, max(len(columns.ids) - 1, 0))
        ok = columns.ids[pos] == self.passage_id if len(columns.ids) else np.zeros(len(pos), bool)
        self._colpos = (columns, pos, ok)
        return pos, ok

    # -- files ---------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        extra = {} if self.desc is None else {"desc": self.desc}
        np.savez(Path(folder) / FILENAME, passage_id=self.passage_id, concept=self.concept, score=self.score,
                 window=self.window, canonical=self.canonical, classified=self.classified, **extra)
        (Path(folder) / META).write_text(json.dumps(self.meta, ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "ConceptTags | None":
        """The snapshot's tags, or None for a snapshot without them (built before concepts)."""
        folder = Path(folder)
        if not (folder / FILENAME).exists() or not (folder / META).exists():
            return None
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            return None
        data = np.load(folder / FILENAME)
        return cls(meta, data["passage_id"], data["concept"], data["score"], data["window"], data["canonical"],
                   data["classified"], data["desc"] if "desc" in data.files else None)


@lru_cache(maxsize=4096)
def _windows(text: str, unit_type: str = "") -> tuple[str, ...]:
    return tuple(sentence_windows(text, unit_type))


def evidence_text(text: str, window: int, unit_type: str = "") -> str:
    """The sentence window `window` of a passage (numbered as index/units.py numbers them: junk
    lines have none, so the passage's unit type is needed to count)."""
    windows = _windows(text, unit_type)
    if 0 < window <= len(windows):
        return windows[window - 1]
    return text if len(text) <= 600 else text[:600].rsplit(" ", 1)[0] + " …"


def concept_mask(tags: "ConceptTags | None", concept_ids: list[str], allowed: np.ndarray | None) -> np.ndarray:
    """Passage ids within `allowed` (None: all) tagged with any of `concept_ids`."""
    if tags is None:
        raise UnknownConcept(concept_ids, [])
    ids = tags.passages_with(concept_ids)
    return ids if allowed is None else np.intersect1d(allowed, ids, assume_unique=True)


# -- building -----------------------------------------------------------------------------
def _classifier(settings: Settings, previous: ConceptTags | None, encoder=None) -> Classifier:
    """The classifier for the snapshot's encoder: the definitions' vectors come from the previous
    snapshot when the same definitions were encoded by the same model (no model load), else the
    encoder encodes them once. Raises TaxonomyError for an invalid taxonomy."""
    tax = taxonomy_mod.load(settings.concept_taxonomy)
    model = ConceptModel.load()
    encoder_name = encoder.name if encoder is not None else _encoder_name(settings)
    name, _ = model.variant(encoder_name)
    desc = None
    if name != LEXICAL_VARIANT:
        key = [descriptions_fingerprint(tax), encoder_name]
        if previous is not None and previous.desc is not None and previous.meta.get("desc_key") == key:
            desc = previous.desc
        else:
            desc = description_vectors(tax, encoder if encoder is not None else load_encoder(settings))
    return Classifier(tax, model, encoder_name, desc)


def _encoder_name(settings: Settings) -> str:
    """The model the index was built with (the manifest names it): no need to load it."""
    current = snapshots.current(settings.index_dir)
    if current is not None:
        try:
            return Manifest.read(current).model
        except (OSError, ValueError):
            pass
    return load_encoder(settings).name


def classifier_fingerprint(settings: Settings, encoder_name: str) -> str:
    tax = taxonomy_mod.load(settings.concept_taxonomy)
    model = ConceptModel.load()
    name, variant = model.variant(encoder_name)
    return fingerprint_of(tax, name, variant)


def tags_current(settings: Settings, folder: Path | None, encoder_name: str) -> bool:
    """Whether the snapshot in `folder` carries the tags the current taxonomy and model would give
    (else an index with no new passages is still republished, re-tagged from its vectors).
    Raises TaxonomyError, so an invalid taxonomy stops `ailex index` even then."""
    fingerprint = classifier_fingerprint(settings, encoder_name)
    if folder is None or not (Path(folder) / META).exists():
        return False
    try:
        return json.loads((Path(folder) / META).read_text(encoding="utf-8")).get("fingerprint") == fingerprint
    except ValueError:
        return False


def unit_vectors(index: VectorIndex, passage_ids: list[int]) -> list[tuple[np.ndarray, np.ndarray]]:
    """(passage vector, sentence-window vectors) of each passage, read from the index."""
    have = np.sort(index.ids())
    pids = np.asarray(passage_ids, np.int64)
    lo = np.searchsorted(have, pids << WINDOW_BITS)
    hi = np.searchsorted(have, (pids + 1) << WINDOW_BITS)
    out = []
    for pid, a, b in zip(pids.tolist(), lo.tolist(), hi.tolist()):
        units = have[a:b].tolist()
        if not units or units[0] != unit_id(pid, 0):
            raise KeyError(f"passage {pid} has no vector in the index")
        first = index.vector(units[0])
        windows = [index.vector(u) for u in units[1:]]
        out.append((first, np.stack(windows) if windows else np.zeros((0, len(first)), np.float32)))
    return out


def write_concept_tags(settings: Settings, store: Store, folder: Path, report: IndexReport,
                       encoder=None, index: VectorIndex | None = None) -> ConceptTags:
    """Before-publish step (index/ingest.py): tag every active passage with concepts and save the
    tags in the snapshot folder being built. Reuses the previous snapshot's tags when the same
    classifier made them (passage rows are immutable), classifies only the other passages."""
    started = time.perf_counter()
    old = ConceptTags.load(report.previous) if report.previous is not None else None
    clf = _classifier(settings, old, encoder)  # raises TaxonomyError before anything is written
    fingerprint = clf.fingerprint
    previous = old if old is not None and old.fingerprint == fingerprint else None
    ids = np.array(store.active_passage_ids(), np.int64)
    rows: list[tuple[int, int, float, int]] = []
    done: set[int] = set()
    if previous is not None:
        keep = np.isin(previous.passage_id, ids)
        rows = list(zip(previous.passage_id[keep].tolist(), previous.concept[keep].tolist(),
                        previous.score[keep].tolist(), previous.window[keep].tolist()))
        done = set(previous.classified.tolist()) & set(ids.tolist())
    todo = [int(i) for i in ids.tolist() if int(i) not in done]
    pos = {c: k for k, c in enumerate(clf.taxonomy.ids)}
    if todo and clf.desc is not None and index is None:
        index = factory.load(folder, settings.threads)  # saved in `folder` before this step
    for start in range(0, len(todo), BATCH):
        batch = store.passages_by_ids(todo[start:start + BATCH])
        # footnote and heading passages have no vector (index/units.py): nothing to tag them from
        texts = [PassageText(p.id, p.text, p.locator, p.language) for p in batch.values()
                 if retrieval_units(p, sentence_vectors=False)]
        vectors = unit_vectors(index, [t.passage_id for t in texts]) if clf.desc is not None else None
        rows += [(t.passage_id, pos[t.concept], t.score, t.window) for t in clf.tag(texts, vectors)]
    rows.sort()
    copies = store.duplicate_map()
    arr = np.array(rows, dtype=np.float64).reshape(-1, 4)
    tags = ConceptTags(
        meta={"format": FORMAT, "taxonomy_version": clf.taxonomy.taxonomy_version,
              "taxonomy_fingerprint": clf.taxonomy.fingerprint, "fingerprint": fingerprint,
              "variant": clf.variant_name, "threshold": clf.variant.threshold, "ids": clf.taxonomy.ids,
              "labels": {c.id: c.label.en for c in clf.taxonomy.concepts},
              "definitions": {c.id: c.definition for c in clf.taxonomy.concepts},
              "desc_key": [descriptions_fingerprint(clf.taxonomy), clf.variant_name] if clf.desc is not None else None,
              "passages": len(ids), "tags": len(rows), "reused_passages": len(done), "classified_passages": len(todo),
              "seconds": round(time.perf_counter() - started, 3)},
        passage_id=arr[:, 0].astype(np.int64), concept=arr[:, 1].astype(np.int16),
        score=arr[:, 2].astype(np.float32), window=arr[:, 3].astype(np.int16),
        canonical=np.array([int(p) not in copies for p in arr[:, 0]], bool),
        classified=ids, desc=clf.desc)
    tags.save(folder)
    log.info("concept tags: %d on %d passages (%d classified, %d reused) in %.2f s",
             len(rows), len(ids), len(todo), len(done), tags.meta["seconds"])
    return tags


write_concept_tags.is_current = tags_current  # type: ignore[attr-defined]  (see index/ingest.py)
