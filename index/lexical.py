"""BM25 over one snapshot's passages, held in memory: the lexical side of hybrid search.

Why not SQLite FTS5 here: FTS5 scores every passage that matches any query word before
`ORDER BY rank LIMIT` can cut, ~10 ms a query on the 9.5k-passage sample corpus and ~17 ms for
six common English words, a third of a cold hybrid query. This is a term → postings matrix
whose BM25 weights are computed once, when the snapshot is built (the "eager" scoring of
bm25s), so a query only adds up the postings of its few terms: well under a millisecond.

Tokens: Unicode letters and digits, case-folded, diacritics removed (as FTS5's
`unicode61 remove_diacritics 2`). Runs of Han, kana and Hangul become character bigrams:
FTS5 makes an unspaced Chinese sentence one token, which no query ever equals, and Korean
attaches particles to words (인공지능의, 인공지능은), so bigrams are what lets those
languages' words meet.

Keyword mode stays on FTS5: it promises exact boolean matching, phrases and a match count.
The index is a snapshot file (`lexical.npz`); snapshots written before it existed have none and
hybrid search falls back to FTS5 for them."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from corpus.text import content_words, tokens
from index.query import ParsedQuery

FILENAME = "lexical.npz"
FORMAT = 1  # bump when tokens or weights change: older files are then ignored (FTS5 answers)
K1, B = 1.2, 0.75  # the usual BM25 constants, as FTS5's bm25() uses them

def query_terms(parsed: ParsedQuery) -> list[str]:
    """The distinct terms a query ranks by: its words and its phrases' words, stopwords dropped
    unless they are all it has (as `index.query.fts_expression` does for FTS5)."""
    words = parsed.words + [w for p in parsed.phrases for w in p.split()]
    return list(dict.fromkeys(tokens(" ".join(content_words(words)))))


class LexicalIndex:
    def __init__(self, ids: np.ndarray, terms: list[str], indptr: np.ndarray, postings: np.ndarray,
                 weights: np.ndarray):
        self.ids = ids  # passage ids, ascending; postings hold positions into this array
        self.terms = terms
        self.vocab = {t: n for n, t in enumerate(terms)}
        self.indptr = indptr
        self.postings = postings
        self.weights = weights

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def build(cls, passages: Iterable[tuple[int, str]]) -> "LexicalIndex":
        """From (passage id, searchable text) pairs; the text should be what FTS5 indexes
        (locator and passage text), so hybrid and keyword search read the same words."""
        rows = sorted(passages)
        ids = np.array([pid for pid, _ in rows], np.int64)
        vocab: dict[str, int] = {}
        term_ids: list[int] = []
        positions: list[int] = []
        freqs: list[int] = []
        lengths = np.zeros(len(rows), np.float32)
        for pos, (_, text) in enumerate(rows):
            toks = tokens(text)
            lengths[pos] = len(toks)
            for term, n in Counter(toks).items():
                term_ids.append(vocab.setdefault(term, len(vocab)))
                positions.append(pos)
                freqs.append(n)
        term_arr = np.array(term_ids, np.int64)
        pos_arr = np.array(positions, np.int32)
        tf = np.array(freqs, np.float32)
        n_docs = max(len(rows), 1)
        df = np.bincount(term_arr, minlength=len(vocab)).astype(np.float32)
        # Lucene's form of the IDF: never negative, so a word in most passages still counts a little
        idf = np.log1p((n_docs - df + 0.5) / (df + 0.5))
        avgdl = float(lengths.mean()) if len(rows) and lengths.mean() > 0 else 1.0
        norm = K1 * (1 - B + B * lengths[pos_arr] / avgdl)
        weights = (idf[term_arr] * tf * (K1 + 1) / (tf + norm)).astype(np.float32)
        order = np.lexsort((pos_arr, term_arr))
        indptr = np.zeros(len(vocab) + 1, np.int64)
        np.cumsum(np.bincount(term_arr, minlength=len(vocab)), out=indptr[1:])
        terms = [""] * len(vocab)
        for term, n in vocab.items():
            terms[n] = term
        return cls(ids, terms, indptr, pos_arr[order], weights[order])

    # -- persistence ---------------------------------------------------------------
    def save(self, folder: Path) -> None:
        blob = np.frombuffer("\n".join(self.terms).encode("utf-8"), np.uint8)
        np.savez(Path(folder) / FILENAME, format=np.int64(FORMAT), ids=self.ids, terms=blob,
                 indptr=self.indptr, postings=self.postings, weights=self.weights)

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex | None":
        """The snapshot's lexical index, or None when it has none of this format."""
        path = Path(folder) / FILENAME
        if not path.exists():
            return None
        data = np.load(path)
        if int(data["format"]) != FORMAT:
            return None
        blob = data["terms"].tobytes().decode("utf-8")
        terms = blob.split("\n") if blob else []
        return cls(data["ids"], terms, data["indptr"], data["postings"], data["weights"])

    # -- search --------------------------------------------------------------------
    def search(self, terms: list[str], limit: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The best `limit` passages holding any of `terms`, by BM25 (higher is better); with
        `allowed` (passage ids), only among those."""
        slices = [slice(self.indptr[t], self.indptr[t + 1]) for t in
                  (self.vocab.get(term) for term in dict.fromkeys(terms)) if t is not None]
        if not slices or limit <= 0 or (allowed is not None and not len(allowed)):
            return []
        pos = np.concatenate([self.postings[s] for s in slices])
        scores = np.bincount(pos, weights=np.concatenate([self.weights[s] for s in slices]),
                             minlength=len(self.ids))
        hit = np.zeros(len(self.ids), bool)
        hit[pos] = True
        if allowed is not None:
            at = np.searchsorted(self.ids, allowed)
            at = at[(at < len(self.ids)) & (self.ids[np.minimum(at, len(self.ids) - 1)] == allowed)]
            inside = np.zeros(len(self.ids), bool)
            inside[at] = True
            hit &= inside
        found = np.flatnonzero(hit)
        if len(found) > limit:
            found = found[np.argpartition(-scores[found], limit - 1)[:limit]]
        # ties broken by passage order, so the same query always ranks the same way
        found = found[np.lexsort((found, -scores[found]))]
        return list(zip(self.ids[found].tolist(), scores[found].tolist()))
