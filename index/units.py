"""Retrieval units: what the vector index actually holds.

Each passage contributes its own vector (window 0) and, with sentence vectors on, one
vector per sentence window (1…1023). A unit id packs both into one int64, so mapping a
FAISS hit back to its passage is a shift, with no lookup table to keep in sync."""
from __future__ import annotations

import numpy as np

from corpus.models import Passage
from corpus.text import searchable
from pipeline.windows import sentence_windows

# Bump when what a unit holds changes (sentence windows cut differently, a text prefix added): the
# next `ailex index` then recomputes every passage's units (vectors of unchanged texts still come
# from the embedding cache). Recorded in each snapshot's manifest.
UNITS_VERSION = 2
WINDOW_BITS = 10
WINDOW_MASK = (1 << WINDOW_BITS) - 1
MAX_PASSAGE_ID = (1 << (63 - WINDOW_BITS)) - 1  # the largest passage id a unit id can hold


def unit_id(passage_id: int, window: int) -> int:
    return (int(passage_id) << WINDOW_BITS) | window


def passage_ids(unit_ids: np.ndarray) -> np.ndarray:
    return np.asarray(unit_ids, np.int64) >> WINDOW_BITS


def units(passage: Passage, sentence_vectors: bool) -> list[tuple[int, str]]:
    """(unit id, text to embed) of one passage: the one definition every path that embeds uses
    (index build, ingest workers warming the cache), so they meet in the embedding cache. The
    passage vector reads its locator too ("Article 5 — Prohibited AI practices"): headings name
    the topic that the article body often never repeats."""
    out = [(unit_id(passage.id, 0), searchable(passage.locator, passage.text))]
    if sentence_vectors:
        out += [(unit_id(passage.id, n), w) for n, w in enumerate(sentence_windows(passage.text), start=1)]
    return out
