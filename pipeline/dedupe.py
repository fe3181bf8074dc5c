"""Link duplicate and near-duplicate passages across documents so search can collapse them.

The same act imported as TXT, HTML and PDF is cut at slightly different places, so exact
hashes are not enough: each passage is compared on word 5-gram shingles (a deterministic
quarter of them) with earlier passages of other documents in the same language. A passage
whose shingles are mostly (≥ NEAR) found in one earlier passage points at that passage's
canonical passage (the earliest of its group).
"""
from __future__ import annotations

import zlib
from collections import Counter, defaultdict

from corpus.text import tokens

SHINGLE = 5
SAMPLE_MOD = 4  # keep shingles whose crc32 % SAMPLE_MOD == 0: deterministic, 4× less work
NEAR = 0.7
MIN_SHINGLES = 4  # below this a passage is too short to call a near-duplicate


def shingles(text: str) -> set[int]:
    words = tokens(text)
    if len(words) < SHINGLE:
        return {zlib.crc32(" ".join(words).encode())} if words else set()
    grams = (" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1))
    hashed = {zlib.crc32(g.encode()) for g in grams}
    sampled = {h for h in hashed if h % SAMPLE_MOD == 0}
    return sampled if len(sampled) >= MIN_SHINGLES else hashed


def find_duplicates(passages: list[tuple[int, str, str, str]]) -> dict[int, int]:
    """`passages` are (id, document_id, language, text); returns {duplicate id: canonical id}."""
    links: dict[int, int] = {}
    exact: dict[tuple[str, str], tuple[int, str]] = {}
    index: dict[tuple[str, int], list[int]] = defaultdict(list)
    owner: dict[int, str] = {}
    for pid, doc, lang, text in sorted(passages):
        owner[pid] = doc
        normal = " ".join(tokens(text))
        if not normal:
            continue
        first = exact.get((lang, normal))
        if first is not None and first[1] != doc:
            links[pid] = links.get(first[0], first[0])
            continue
        exact.setdefault((lang, normal), (pid, doc))
        grams = shingles(text)
        if len(grams) >= MIN_SHINGLES:
            hits: Counter[int] = Counter()
            for g in grams:
                for other in index.get((lang, g), ()):
                    if owner[other] != doc:
                        hits[other] += 1
            if hits:
                best, shared = max(hits.items(), key=lambda kv: (kv[1], -kv[0]))
                if shared / len(grams) >= NEAR:
                    links[pid] = links.get(best, best)
                    continue
        for g in grams:
            index[(lang, g)].append(pid)
    return links


def link_duplicates(store) -> int:
    """Recompute `passages.duplicate_of` over all active passages; returns how many are linked."""
    rows = [(p.id, p.document_id, p.language, p.text) for p in store.passages()]
    links = find_duplicates(rows)
    store.set_duplicates(links)
    return len(links)
