"""Link duplicate and near-duplicate passages across documents so search can collapse them.

The same act imported as TXT, HTML and PDF is cut at slightly different places, so exact
hashes are not enough: each passage is compared on word 5-gram shingles (a deterministic
quarter of them) with earlier passages of other documents in the same language. A passage
whose shingles are mostly (≥ NEAR) found in one earlier passage points at that passage's
canonical passage (the earliest of its group).

Incremental: the shingles of compared passages are kept in the store (corpus/duplicates.py), so
a run compares only the passages added since the previous one (and those whose canonical copy
was retired), against everything compared before.
"""
from __future__ import annotations

import hashlib
import zlib
from collections import Counter, defaultdict

from corpus.duplicates import DuplicateIndex
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


def _normal_sha(text: str) -> str:
    return hashlib.sha1(" ".join(tokens(text)).encode("utf-8")).hexdigest()


def _link(passages: list[tuple[int, str, str, str]], index: DuplicateIndex | None = None):
    """Compare `passages` ((id, document id, language, text), in id order) with each other and with
    the passages compared before (`index`). Returns (links {copy: canonical}, the shingle rows and
    text-hash rows of the passages that became canonical)."""
    passages = sorted(passages)
    grams_of = {pid: shingles(text) for pid, _, _, text in passages}
    normal_of = {pid: _normal_sha(text) for pid, _, _, text in passages if tokens(text)}
    owners: dict[tuple[str, int], list[int]] = defaultdict(list)
    exact: dict[tuple[str, str], tuple[int, str]] = {}
    doc_of: dict[int, str] = {}
    if index is not None:
        wanted = {(lang, g) for pid, _, lang, _ in passages for g in grams_of[pid]}
        for lang, gram, pid, doc in index.shingle_owners(wanted):
            owners[(lang, gram)].append(pid)
            doc_of[pid] = doc
        for lang, sha, pid, doc in index.exact_owners({(lang, normal_of[pid]) for pid, _, lang, _ in passages
                                                       if pid in normal_of}):
            exact[(lang, sha)] = (pid, doc)
    links: dict[int, int] = {}
    new_shingles: list[tuple[str, int, int]] = []
    new_exact: list[tuple[str, str, int]] = []
    for pid, doc, lang, _text in passages:
        doc_of[pid] = doc
        normal = normal_of.get(pid)
        if normal is None:
            continue
        first = exact.get((lang, normal))
        if first is not None and first[1] != doc:
            links[pid] = links.get(first[0], first[0])
            continue
        if first is None:
            exact[(lang, normal)] = (pid, doc)
            new_exact.append((lang, normal, pid))
        grams = grams_of[pid]
        if len(grams) >= MIN_SHINGLES:
            hits: Counter[int] = Counter()
            for g in grams:
                for other in owners.get((lang, g), ()):
                    if doc_of[other] != doc:
                        hits[other] += 1
            if hits:
                best, shared = max(hits.items(), key=lambda kv: (kv[1], -kv[0]))
                if shared / len(grams) >= NEAR:
                    links[pid] = links.get(best, best)
                    continue
        for g in grams:
            owners[(lang, g)].append(pid)
            new_shingles.append((lang, g, pid))
    return links, new_shingles, new_exact


def find_duplicates(passages: list[tuple[int, str, str, str]]) -> dict[int, int]:
    """`passages` are (id, document_id, language, text); returns {duplicate id: canonical id}."""
    return _link(passages)[0]


def link_duplicates(store) -> int:
    """Compare the passages added since the last run with everything compared before and store
    their links (`passages.duplicate_of`); returns how many were linked now."""
    index = DuplicateIndex(store)
    todo = index.pending()
    if not todo:
        return 0
    links, new_shingles, new_exact = _link(todo, index)
    index.record([pid for pid, *_ in todo], links, new_shingles, new_exact)
    return len(links)
