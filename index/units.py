"""Retrieval units: what the vector index actually holds.

Each passage contributes its own vector (window 0) and, with sentence vectors on, one
vector per sentence window (1…1023). A unit id packs both into one int64, so mapping a
FAISS hit back to its passage is a shift, with no lookup table to keep in sync."""
from __future__ import annotations

import numpy as np

from corpus.models import Passage
from corpus.text import searchable
from pipeline.units import provision_text
from pipeline.windows import sentence_windows

# Bump when what a unit holds changes (sentence windows cut differently, a text prefix added): the
# next `ailex index` then recomputes every passage's units (vectors of unchanged texts still come
# from the embedding cache). Recorded in each snapshot's manifest.
# 2: a list's lead-in joins its first item; 3: junk lines (footnotes, contents, signatures) get no
# window and are left out of the passage vector, footnote and heading passages have no vector;
# 4: a citation run inside a line (a sentence that is a source citation) gets no window either.
UNITS_VERSION = 4
WINDOW_BITS = 10
WINDOW_MASK = (1 << WINDOW_BITS) - 1
MAX_PASSAGE_ID = (1 << (63 - WINDOW_BITS)) - 1  # the largest passage id a unit id can hold
NOT_RETRIEVAL_TYPES = frozenset({"footnote", "heading"})  # found by keyword, never by meaning alone


def unit_id(passage_id: int, window: int) -> int:
    return (int(passage_id) << WINDOW_BITS) | window


def passage_ids(unit_ids: np.ndarray) -> np.ndarray:
    return np.asarray(unit_ids, np.int64) >> WINDOW_BITS


def units(passage: Passage, sentence_vectors: bool) -> list[tuple[int, str]]:
    """(unit id, text to embed) of one passage: the one definition every path that embeds uses
    (index build, ingest workers warming the cache), so they meet in the embedding cache. The
    passage vector reads its locator too ("Article 5 — Prohibited AI practices"): headings name
    the topic that the article body often never repeats.

    A passage made only of footnotes, contents lines, signatures or a heading contributes nothing: it
    stays searchable by keyword, but is no dense retrieval unit (content-free units sit close to
    many queries and outrank real provisions); other passages are embedded without their junk lines."""
    body = "" if passage.unit_type in NOT_RETRIEVAL_TYPES else provision_text(passage.text, passage.unit_type)
    if not body:
        return []
    out = [(unit_id(passage.id, 0), searchable(passage.locator, body))]
    if sentence_vectors:
        out += [(unit_id(passage.id, n), w)
                for n, w in enumerate(sentence_windows(passage.text, passage.unit_type), start=1)]
    return out
