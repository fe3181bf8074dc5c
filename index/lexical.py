"""BM25 over one snapshot's passages, held in memory: the lexical side of every search mode.

Why not SQLite FTS5: it scores every passage that matches any query word before `ORDER BY rank
LIMIT` can cut (~10-17 ms a query on the sample corpus), and it lives in the store, which
changes between publishes: a keyword query would see passages the snapshot does not hold. This
index is part of the snapshot. A term → postings matrix carries BM25 weights computed when the
snapshot is built (the "eager" scoring of bm25s), so a query only adds up the postings of its
few terms: well under a millisecond.

Incremental: beside the postings, each passage's term counts are kept (one row per passage,
`lexical_rows.npz`, read only when the next snapshot is built). A publish tokenizes only the
passages it adds, reuses the previous rows for the others and recomputes the weights with
array operations; tokenizing every passage in Python was what made a publish take minutes
at a million passages.

Terms are `corpus.text.tokens`: folded words, and character bigrams for Han, kana and Hangul."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from corpus.text import content_words, tokens
from index.query import ParsedQuery
from index.snapshots import read_arrays

FILENAME = "lexical.npz"
ROWS = "lexical_rows.npz"
FORMAT = 2  # bump when tokens or weights change: an older file is rebuilt by the next `ailex index`
K1, B = 1.2, 0.75  # the usual BM25 constants, as FTS5's bm25() uses them


def query_terms(parsed: ParsedQuery) -> list[str]:
    """The distinct terms a query ranks by: its words and its phrases' words, stopwords dropped
    unless they are all it has."""
    words = parsed.words + [w for p in parsed.phrases for w in p.split()]
    return list(dict.fromkeys(tokens(" ".join(content_words(words)))))


def _gather(ptr: np.ndarray, rows: Sequence[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For CSR rows `rows`: (their new row pointer, the positions of their entries in the data)."""
    rows = np.asarray(rows, np.int64)
    lengths = ptr[rows + 1] - ptr[rows] if len(rows) else np.zeros(0, np.int64)
    new_ptr = np.zeros(len(rows) + 1, np.int64)
    np.cumsum(lengths, out=new_ptr[1:])
    starts = np.repeat(ptr[rows] - new_ptr[:-1], lengths) if len(rows) else np.zeros(0, np.int64)
    return new_ptr, starts + np.arange(new_ptr[-1], dtype=np.int64)


class LexicalIndex:
    def __init__(self, ids: np.ndarray, terms: list[str], indptr: np.ndarray, postings: np.ndarray,
                 weights: np.ndarray, rows: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None):
        self.ids = ids  # passage ids, ascending; postings hold positions into this array
        self.terms = terms
        self.vocab = {t: n for n, t in enumerate(terms)}
        self.indptr = indptr
        self.postings = postings
        self.weights = weights
        self.rows = rows  # (row pointer, term ids, counts) per passage: only needed to build the next one

    def __len__(self) -> int:
        return len(self.ids)

    # -- building --------------------------------------------------------------------
    @classmethod
    def build(cls, passages: Iterable[tuple[int, str]]) -> "LexicalIndex":
        """From (passage id, searchable text) pairs (`corpus.text.searchable`: locator and text)."""
        return cls.update(None, np.zeros(0, np.int64), passages)

    @classmethod
    def update(cls, previous: "LexicalIndex | None", keep: np.ndarray,
               new: Iterable[tuple[int, str]]) -> "LexicalIndex":
        """The previous index's rows for the passage ids in `keep`, plus `new` (id, text) rows."""
        terms = list(previous.terms) if previous is not None else []
        vocab = {t: n for n, t in enumerate(terms)}
        new_ids, new_ptr, new_terms, new_tf = [], [0], [], []
        for pid, text in sorted(new):
            counts = Counter(tokens(text))
            new_ids.append(pid)
            for term, n in counts.items():
                new_terms.append(vocab.setdefault(term, len(vocab)))
                new_tf.append(n)
            new_ptr.append(len(new_terms))
        terms += [t for t, n in sorted(vocab.items(), key=lambda kv: kv[1])][len(terms):]
        if previous is not None and previous.rows is not None and len(keep):
            p_ptr, p_terms, p_tf = previous.rows
            at = np.flatnonzero(np.isin(previous.ids, keep))
            k_ptr, k_pos = _gather(p_ptr, at)
            ids = np.concatenate([previous.ids[at], np.array(new_ids, np.int64)])
            ptr = np.concatenate([k_ptr, k_ptr[-1] + np.array(new_ptr[1:], np.int64)])
            row_terms = np.concatenate([p_terms[k_pos], np.array(new_terms, np.int32)])
            row_tf = np.concatenate([p_tf[k_pos], np.array(new_tf, np.float32)])
        else:
            ids = np.array(new_ids, np.int64)
            ptr = np.array(new_ptr, np.int64)
            row_terms = np.array(new_terms, np.int32)
            row_tf = np.array(new_tf, np.float32)
        if len(ids) > 1 and np.any(np.diff(ids) < 0):  # new ids usually come after kept ones; not always
            order = np.argsort(ids, kind="stable")
            ptr, pos = _gather(ptr, order)
            ids, row_terms, row_tf = ids[order], row_terms[pos], row_tf[pos]
        return cls._from_rows(ids, terms, ptr, row_terms, row_tf)

    @classmethod
    def _from_rows(cls, ids: np.ndarray, terms: list[str], ptr: np.ndarray, row_terms: np.ndarray,
                   row_tf: np.ndarray) -> "LexicalIndex":
        """Term-major postings with BM25 weights, from the per-passage rows (array operations only)."""
        n_docs = max(len(ids), 1)
        row_of = np.repeat(np.arange(len(ids), dtype=np.int32), np.diff(ptr)) if len(ids) else np.zeros(0, np.int32)
        lengths = np.bincount(row_of, weights=row_tf, minlength=len(ids)).astype(np.float32)
        df = np.bincount(row_terms, minlength=len(terms)).astype(np.float32)
        # Lucene's form of the IDF: never negative, so a word in most passages still counts a little
        idf = np.log1p((n_docs - df + 0.5) / (df + 0.5))
        avgdl = float(lengths.mean()) if len(ids) and lengths.mean() > 0 else 1.0
        norm = K1 * (1 - B + B * lengths[row_of] / avgdl)
        weights = (idf[row_terms] * row_tf * (K1 + 1) / (row_tf + norm)).astype(np.float32)
        order = np.argsort(row_terms, kind="stable")  # stable: positions stay ascending within a term
        indptr = np.zeros(len(terms) + 1, np.int64)
        np.cumsum(np.bincount(row_terms, minlength=len(terms)), out=indptr[1:])
        return cls(ids, terms, indptr, row_of[order], weights[order], (ptr, row_terms, row_tf))

    # -- persistence ---------------------------------------------------------------
    def save(self, folder: Path) -> None:
        blob = np.frombuffer("\n".join(self.terms).encode("utf-8"), np.uint8)
        np.savez(Path(folder) / FILENAME, format=np.int64(FORMAT), ids=self.ids, terms=blob,
                 indptr=self.indptr, postings=self.postings, weights=self.weights)
        if self.rows is not None:
            ptr, row_terms, row_tf = self.rows
            np.savez(Path(folder) / ROWS, ptr=ptr, terms=row_terms, tf=row_tf)

    @classmethod
    def load(cls, folder: Path, with_rows: bool = False) -> "LexicalIndex | None":
        """The snapshot's lexical index, or None when it has none of this format. The per-passage
        rows are read only `with_rows` (building the next snapshot; a server does not need them)."""
        data = read_arrays(Path(folder) / FILENAME, FORMAT)
        if data is None:
            return None
        blob = data["terms"].tobytes().decode("utf-8")
        terms = blob.split("\n") if blob else []
        rows = None
        if with_rows:
            if not (Path(folder) / ROWS).exists():
                return None
            r = np.load(Path(folder) / ROWS)
            rows = (r["ptr"], r["terms"], r["tf"])
        return cls(data["ids"], terms, data["indptr"], data["postings"], data["weights"], rows)

    # -- search --------------------------------------------------------------------
    def _slices(self, terms: Iterable[str]) -> list[slice] | None:
        """Posting slices of `terms`; None when one of them is in no passage."""
        out = []
        for term in dict.fromkeys(terms):
            t = self.vocab.get(term)
            if t is None or self.indptr[t] == self.indptr[t + 1]:
                return None
            out.append(slice(self.indptr[t], self.indptr[t + 1]))
        return out

    def _inside(self, allowed: np.ndarray) -> np.ndarray:
        """A mask over positions: which passages are in `allowed` (passage ids)."""
        at = np.searchsorted(self.ids, allowed)
        at = at[(at < len(self.ids)) & (self.ids[np.minimum(at, len(self.ids) - 1)] == allowed)]
        inside = np.zeros(len(self.ids), bool)
        inside[at] = True
        return inside

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
            hit &= self._inside(allowed)
        found = np.flatnonzero(hit)
        if len(found) > limit:
            found = found[np.argpartition(-scores[found], limit - 1)[:limit]]
        # ties broken by passage order, so the same query always ranks the same way
        found = found[np.lexsort((found, -scores[found]))]
        return list(zip(self.ids[found].tolist(), scores[found].tolist()))

    def matching(self, terms: list[str], allowed: np.ndarray | None = None) -> np.ndarray:
        """Ids of the passages (within `allowed`) that hold at least one of `terms`, ascending."""
        slices = [slice(self.indptr[t], self.indptr[t + 1]) for t in
                  (self.vocab.get(term) for term in dict.fromkeys(terms)) if t is not None]
        if not slices:
            return np.zeros(0, np.int64)
        hit = np.zeros(len(self.ids), bool)
        hit[np.concatenate([self.postings[s] for s in slices])] = True
        if allowed is not None:
            hit &= self._inside(allowed)
        return self.ids[hit]

    def containing_all(self, terms: list[str], allowed: np.ndarray | None = None) -> np.ndarray:
        """Ids of the passages (within `allowed`) that hold every one of `terms`, ascending."""
        slices = self._slices(terms)
        if not terms or slices is None:
            return np.zeros(0, np.int64)
        slices.sort(key=lambda s: s.stop - s.start)  # rarest first: the intersection shrinks fastest
        pos = self.postings[slices[0]]
        for s in slices[1:]:
            pos = np.intersect1d(pos, self.postings[s], assume_unique=True)
            if not len(pos):
                break
        if allowed is not None and len(pos):
            pos = pos[self._inside(allowed)[pos]]
        return self.ids[np.sort(pos)]
