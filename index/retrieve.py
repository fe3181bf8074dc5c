"""Retrieval over one snapshot: which passages qualify, and in what order.

`Retriever` owns the snapshot being served (loaded once per publish, swapped in one step) and
the query-vector cache; every method takes the snapshot explicitly, so one query reads one
snapshot from start to end even when a new one is published meanwhile. It returns a `Ranking`
(passage ids with scores and their dense evidence); `index/results.py` turns that into hits.
Compare, similar documents, crosswalks and watches use the same public methods."""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, NamedTuple, Protocol

import numpy as np

from corpus.models import Passage
from corpus.settings import Settings
from corpus.text import content_words, searchable, tokens
from index import snapshots
from index.lexical import query_terms
from index.identifiers import locator_holds, locator_phrase
from index.metadata import Filters
from index.query import ParsedQuery, parse_query
from index.concept_tags import concept_mask
from index.snapshot import IndexMissing, Snapshot, open_snapshot
from index.units import MAX_PASSAGE_ID, WINDOW_BITS, WINDOW_MASK, unit_id
from pipeline.encoders import Encoder
from pipeline.language import detect as detect_language

log = logging.getLogger(__name__)

Mode = Literal["semantic", "keyword", "hybrid"]
Diversify = Literal["language", "jurisdiction"]
RRF_K = 60  # the constant from Cormack et al.; damps the weight of top ranks
# Measured on the dev eval (cross-lingual, language filter): weight 0.2 cost 0.10 MRR, 0.05 cost
# 0.02, 0 cost nothing; lexical evidence still counts fully within the query's language.
CROSS_LANGUAGE_LEXICAL_WEIGHT = 0.0
GROUP_BEST = 2  # passages fetched per group that the ranking left out
QUOTED = 0.95  # a query this close to a passage of its own language quotes it
CONCEPT_BONUS = 0.02  # rank boost for passages about a concept the query names (not added to similarities)
TRANSLATION_BONUS = 0.05  # rank boost for the provision a quoting query names, in the filtered languages
TOPIC_WORDS = 12  # at most this many words: the query names a topic rather than quoting a passage
LOCATOR_CANDIDATES = 5000  # passages holding a named unit's words whose locators are checked
QUERY_CACHE = 512
PHRASE_CACHE = 20_000  # passages whose token string is kept for phrase checks (rows never change)


class PassageRows(Protocol):
    """Where passage rows are read by id (the store: rows are immutable once written)."""

    def passages_by_ids(self, ids) -> dict[int, Passage]: ...


class DenseHit(NamedTuple):
    passage_id: int
    score: float
    window: int  # 0: the passage's own vector won; n: its n-th sentence


@dataclass
class Ranking:
    ranked: list[tuple[int, float]]  # (passage id, score), best first
    total: int  # passages that qualified (filters, phrases; keyword mode: also the terms)
    dense: dict[int, DenseHit]  # dense evidence per passage, for the cutoff and highlighting
    allowed: np.ndarray | None = None  # the candidate pool the ranking drew from (None: everything)
    # passages words vouch for (they name what the query names, or hold every one of its words):
    # the relevance cutoff on dense similarity does not hide them
    words: set[int] = field(default_factory=set)


@lru_cache(maxsize=4096)
def query_language(query: str) -> str:
    return detect_language(query)


class Retriever:
    def __init__(self, settings: Settings, encoder: Encoder, rows: PassageRows):
        self.settings = settings
        self.encoder = encoder
        self.rows = rows
        self._snapshot: Snapshot | None = None
        self._load_lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self._qcache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._phrase_tokens: OrderedDict[int, str] = OrderedDict()
        self.loads = 0  # snapshots loaded by this retriever (a publish under load must cost one)
        self._terms = None  # the taxonomy's compiled terms, for the concepts a query names

    # -- the snapshot ------------------------------------------------------------------------
    def refresh(self) -> bool:
        """Load the snapshot CURRENT names if it is not the one served. Returns True when it
        switched. Threads that see the new pointer together wait for one load, then use it."""
        build = snapshots.current_id(self.settings.index_dir)
        if build is None or (self._snapshot is not None and self._snapshot.build_id == build):
            return False
        with self._load_lock:
            build = snapshots.current_id(self.settings.index_dir)
            if self._snapshot is not None and self._snapshot.build_id == build:
                return False  # loaded by the thread that held the lock before us
            folder = snapshots.current(self.settings.index_dir)
            if folder is None:
                return False
            snap = open_snapshot(folder)
            if snap.manifest.dim != self.encoder.dim:
                raise IndexMissing(
                    f"index built with {snap.manifest.model} (dim {snap.manifest.dim}) but the encoder is "
                    f"{self.encoder.name} (dim {self.encoder.dim}): run `ailex index --rebuild`"
                )
            # read the act's provision keys (language copies, translation pivot) before swapping in,
            # so no request pays for them
            snap.provision_keys(self.rows)
            snap.provision_passages(self.rows)
            self._snapshot = snap
            self.loads += 1
        log.info("serving index %s (%d passages)", snap.build_id, snap.manifest.count)
        return True

    @property
    def snapshot(self) -> Snapshot:
        if self._snapshot is None:
            self.refresh()
        if self._snapshot is None:
            raise IndexMissing(f"no index in {self.settings.index_dir}: run `ailex index` first")
        return self._snapshot

    # -- vectors -----------------------------------------------------------------------------
    def query_vector(self, query: str) -> np.ndarray:
        with self._cache_lock:
            vec = self._qcache.get(query)
            if vec is not None:
                self._qcache.move_to_end(query)
                return vec
        vec = self.encoder.encode_queries([query])[0]
        with self._cache_lock:
            self._qcache[query] = vec
            if len(self._qcache) > QUERY_CACHE:
                self._qcache.popitem(last=False)
        return vec

    def clear_caches(self) -> None:
        with self._cache_lock:
            self._qcache.clear()

    @staticmethod
    def passage_vector(snap: Snapshot, passage_id: int, window: int = 0) -> np.ndarray:
        """The stored vector of a passage (window 0) or of one of its sentences; KeyError when the
        snapshot does not hold it."""
        if not 0 < passage_id <= MAX_PASSAGE_ID:  # no unit id for it (FAISS would overflow): held nowhere
            raise KeyError(passage_id)
        return snap.index.vector(unit_id(passage_id, window))

    def dense(self, snap: Snapshot, vector: np.ndarray, depth: int, allowed: np.ndarray | None,
              favour: np.ndarray | None = None, bonus: float = 0.0) -> list[DenseHit]:
        """Best passages by their best unit (the passage itself or one of its sentences), scored by
        cosine minus the unit's hubness (index/hubness.py): a unit near every query counts less."""
        per_passage = max(1.0, len(snap.unit_ids) / max(len(snap.columns), 1))
        unit_depth = int(min(len(snap.unit_ids), max(depth * per_passage * 2, 200)))
        scores, ids = snap.index.search(vector[None, :], unit_depth, snap.allowed_units(allowed))
        valid = ids[0] >= 0
        uids, scores = ids[0][valid], scores[0][valid]
        if snap.hubness is not None and len(uids):
            scores = scores - snap.hubness.penalty(uids)
        if favour is not None and len(favour) and len(uids):
            # rank (not score) passages about what the query names a little higher: the similarity
            # reported and cut on stays the vectors' own
            order = np.argsort(-(scores + bonus * np.isin(uids >> WINDOW_BITS, favour)), kind="stable")
            uids, scores = uids[order], scores[order]
        elif snap.hubness is not None and len(uids):
            order = np.argsort(-scores, kind="stable")
            uids, scores = uids[order], scores[order]
        # best first: a passage's first unit is its best one
        _, first = np.unique(uids >> WINDOW_BITS, return_index=True)
        first = np.sort(first)[:depth]
        return [DenseHit(int(u) >> WINDOW_BITS, float(sc), int(u) & WINDOW_MASK)
                for u, sc in zip(uids[first].tolist(), scores[first].tolist())]

    def translated(self, snap: Snapshot, vector: np.ndarray, text: str, allowed: np.ndarray | None) -> np.ndarray | None:
        """When the query is (nearly) a provision of an act in its own language and the filters ask for
        other languages: the passages of that provision in the act's other languages (one family, the
        same provision number). A reader who pastes Article 65(5) in English and asks for German wants
        Article 65 of the German text, whatever other German article the vectors happen to prefer."""
        if allowed is None:
            return None
        lang = query_language(text)
        if lang == "und":
            return None
        cols = snap.columns
        same = cols.ids[cols.mask(Filters(language=[lang.split("-")[0]]))]
        if not len(same) or np.isin(same, allowed).any():
            return None  # the query's language is allowed: no pivot needed
        quoted = [h.passage_id for h in self.dense(snap, vector, 3, same) if h.score >= QUOTED]
        if not quoted:
            return None
        keys = snap.provision_keys(self.rows)
        wanted = {keys[p] for p in quoted if p in keys}
        if not wanted:
            return None
        found = [p for p in allowed.tolist() if keys.get(p) in wanted]
        return np.array(found, np.int64) if found else None

    def about(self, snap: Snapshot, text: str) -> np.ndarray | None:
        """Passages tagged with a concept the query names in its own words (the taxonomy's legal terms
        of the query's language: "surveillance humaine" names human-oversight): the dense ranking
        puts them a little higher. Short queries only: a quoted sentence names many things."""
        if snap.concepts is None or not text or len(text.split()) > TOPIC_WORDS:
            return None
        if self._terms is None:
            from pipeline.concepts.classify import Terms
            from pipeline.concepts.taxonomy import load

            try:
                self._terms = Terms(load(self.settings.concept_taxonomy))
            except Exception:  # an unreadable taxonomy: no favour (ailex index reports it)
                return None
        lang = query_language(text)
        named = [c for c in self._terms.named(text, "" if lang == "und" else lang) if c in set(snap.concepts.ids)]
        if not named:
            return None
        # a question naming several concepts ("transparency obligations for deepfakes") is about
        # them together: passages tagged with only one of them are not favoured
        passages = snap.concepts.passages_with(named[:1])
        for concept in named[1:]:
            passages = np.intersect1d(passages, snap.concepts.passages_with([concept]), assume_unique=True)
        return passages if len(passages) else None

    # -- candidates --------------------------------------------------------------------------
    def candidates(self, snap: Snapshot, parsed: ParsedQuery, filters: Filters) -> np.ndarray | None:
        """Passage ids allowed by the filters, `title:` terms and required phrases (None: all)."""
        if parsed.title_terms:
            titles = snap.documents.with_title(parsed.title_terms)
            filters = filters.replace(document_id=titles or ["\x00none"])
        allowed = snap.columns.allowed_ids(filters)
        if filters.concept:  # issue 14: passages tagged with any of these concepts
            allowed = concept_mask(snap.concepts, filters.concept, allowed)
        for phrase in parsed.phrases:
            allowed = self._with_phrase(snap, phrase, allowed)
        return allowed

    def _with_phrase(self, snap: Snapshot, phrase: str, allowed: np.ndarray | None) -> np.ndarray:
        """Passages (within `allowed`) holding `phrase`: those with all its terms (postings), then
        the terms checked to stand in that order, side by side, in the passage's own text."""
        terms = tokens(phrase)
        found = snap.lexical.containing_all(terms, allowed)
        if not len(found):
            return found
        wanted = f" {' '.join(terms)} "
        missing = [int(p) for p in found if int(p) not in self._phrase_tokens]
        if missing:
            rows = self.rows.passages_by_ids(missing)
            with self._cache_lock:
                for pid, p in rows.items():
                    self._phrase_tokens[pid] = f" {' '.join(tokens(searchable(p.locator, p.text)))} "
                while len(self._phrase_tokens) > PHRASE_CACHE:
                    self._phrase_tokens.popitem(last=False)
        return np.array([p for p in found.tolist() if wanted in self._phrase_tokens.get(p, "")], np.int64)

    # -- ranking -----------------------------------------------------------------------------
    def rank(self, snap: Snapshot, query: str, depth: int, filters: Filters, mode: Mode) -> Ranking:
        parsed = parse_query(query)
        allowed = self.candidates(snap, parsed, filters)
        pool = len(snap.columns) if allowed is None else len(allowed)
        text = parsed.text or " ".join(parsed.title_terms)
        if mode == "keyword":
            ranking = self._keyword(snap, parsed, depth, allowed)
            return self._put_named_first(snap, parsed, ranking)
        vector = self.query_vector(text)
        favour, bonus, vouched = self.about(snap, text), CONCEPT_BONUS, set()
        if favour is None:
            favour, bonus = self.translated(snap, vector, text, allowed), TRANSLATION_BONUS
            # the provision the query quotes, in the asked language: shown even where its vectors
            # are less close than the relevance cutoff asks of a free question
            vouched = set(favour.tolist()) if favour is not None else set()
        dense = {h.passage_id: h for h in self.dense(snap, vector, depth, allowed, favour, bonus)}
        if mode == "semantic":
            return Ranking([(pid, h.score) for pid, h in dense.items()], pool, dense, allowed, vouched & set(dense))
        terms = query_terms(parsed)
        lexical = snap.lexical.search(terms, depth, self._lexical_pool(snap, text, allowed))
        # the whole fused union: truncating here would drop dense-only hits (other languages)
        # that diversification is meant to bring forward
        ranking = Ranking(self._fuse(snap, text, list(dense.values()), lexical), pool, dense, allowed, vouched & set(dense))
        # a passage holding every word of the query is a hit whatever its vector says ("HUDERIA")
        if lexical and terms:
            held = snap.lexical.containing_all(terms, np.array(sorted(pid for pid, _ in lexical), np.int64))
            ranking.words.update(held.tolist())
        return self._put_named_first(snap, parsed, ranking)

    def named(self, snap: Snapshot, parsed: ParsedQuery, allowed: np.ndarray | None) -> list[int]:
        """Passages a short query names (index/identifiers.py): the first passage of each document whose
        title or identifiers hold it ("SB 24-205", "PL 2338"), then the passages whose locator does
        ("Article 50"), within `allowed`."""
        text = " ".join([*parsed.words, *parsed.phrases])
        out: list[int] = []
        cols = snap.columns
        for doc_id in snap.titles.named(text):
            ids = cols.ids[cols.mask(Filters(document_id=[doc_id]))]
            if allowed is not None:
                ids = np.intersect1d(ids, allowed, assume_unique=True)
            if len(ids):
                out.append(int(ids[0]))  # passages are numbered in reading order: the act's opening
        phrase = locator_phrase(text)
        if phrase:
            found = snap.lexical.containing_all(phrase.split(), allowed)[:LOCATOR_CANDIDATES]
            rows = self.rows.passages_by_ids(found.tolist())
            out += [pid for pid in found.tolist() if pid in rows and locator_holds(rows[pid].locator, phrase)]
        return list(dict.fromkeys(out))

    def _put_named_first(self, snap: Snapshot, parsed: ParsedQuery, ranking: Ranking) -> Ranking:
        named = self.named(snap, parsed, ranking.allowed)
        if not named:
            return ranking
        # above any fused score (at most 2/(RRF_K+1): first in both rankings) or BM25 score
        top = max([s for _, s in ranking.ranked[:1]] + [2.0 / (RRF_K + 1)])
        first = [(pid, top + (len(named) - n) * 1e-4) for n, pid in enumerate(named)]
        seen = set(named)
        ranking.ranked = first + [(pid, s) for pid, s in ranking.ranked if pid not in seen]
        ranking.words.update(named)
        return ranking

    def _keyword(self, snap: Snapshot, parsed: ParsedQuery, depth: int, allowed: np.ndarray | None) -> Ranking:
        """BM25 over the passages that hold the required phrases and at least one of the other
        words (every passage of the filters when the query is only `title:` terms)."""
        words = tokens(" ".join(content_words(parsed.words)))
        if not words and not parsed.phrases:  # only title: terms: the documents' passages in reading order
            ids = allowed if allowed is not None else snap.columns.ids
            return Ranking([(int(pid), 0.0) for pid in ids[:depth]], len(ids), {}, allowed)
        pool = snap.lexical.matching(words, allowed) if words else allowed
        ranked = snap.lexical.search(query_terms(parsed), depth, pool)
        total = len(pool) if pool is not None else len(snap.columns)
        return Ranking(ranked, total, {}, allowed)

    def _lexical_pool(self, snap: Snapshot, query: str, allowed: np.ndarray | None) -> np.ndarray | None:
        """Where BM25 evidence can count in hybrid mode: passages in the query's language (fusion
        gives other languages weight CROSS_LANGUAGE_LEXICAL_WEIGHT = 0). Searching only those keeps
        a cross-language filter (English query, French passages) from ranking every French
        passage that shares a word with the query, for nothing (seconds on a big corpus)."""
        lang = query_language(query)
        if lang == "und" or CROSS_LANGUAGE_LEXICAL_WEIGHT > 0:
            return allowed
        cols = snap.columns
        same = cols.ids[cols.mask(Filters(language=[lang.split("-")[0]]))]
        return same if allowed is None else np.intersect1d(allowed, same, assume_unique=True)

    def _fuse(self, snap: Snapshot, query: str, dense: list[DenseHit],
              lexical: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """Reciprocal rank fusion in which lexical evidence counts fully only for passages in
        the query's language: shared words across languages (names, numbers, 'AI') are noise."""
        lang = query_language(query)  # "und" for short queries: then words decide alone
        languages = snap.columns.language_of([pid for pid, _ in lexical])
        fused: dict[int, float] = {}
        for r, h in enumerate(dense):
            fused[h.passage_id] = fused.get(h.passage_id, 0.0) + 1.0 / (RRF_K + r + 1)
        for r, (pid, _) in enumerate(lexical):
            same = lang == "und" or languages.get(pid, "").split("-")[0] == lang.split("-")[0]
            weight = 1.0 if same else CROSS_LANGUAGE_LEXICAL_WEIGHT
            fused[pid] = fused.get(pid, 0.0) + weight / (RRF_K + r + 1)
        return sorted(fused.items(), key=lambda x: -x[1])

    def add_group_bests(self, snap: Snapshot, ranking: Ranking, query: str, diversify: Diversify, mode: Mode) -> None:
        """Make sure every language/jurisdiction in the pool has its best passages among the
        candidates: a partition search per group missing from the ranking. Cross-script
        matches (English → Korean) score below same-script ones and would otherwise never
        reach the page; the relevance cutoff still hides groups with no good match."""
        column = "language" if diversify == "language" else "jurisdiction"
        cols = snap.columns
        # a group counts as present through a passage the vectors found: one found by a shared word
        # alone has no similarity, and the relevance cutoff would hide it
        present = {cols.value_of(column, pid) for pid, _ in ranking.ranked if pid in ranking.dense}
        parsed = parse_query(query)
        text = parsed.text or " ".join(parsed.title_terms)
        vector, favour = self.query_vector(text), self.about(snap, text)
        # fused scores are reciprocal ranks: these rank after everything the fusion kept, best first
        tail = len(ranking.ranked)
        # groups split the pool rank() already drew (filters, phrases, title: applied once), so
        # a jurisdiction filter keeps its meaning and no candidate query runs twice
        pool = cols.ids if ranking.allowed is None else ranking.allowed
        codes = cols.codes[column][np.searchsorted(cols.ids, pool)]
        found: list[DenseHit] = []
        for code in np.unique(codes):
            value = cols.labels[column][code]
            if not value or value in present:
                continue
            found += self.dense(snap, vector, GROUP_BEST, pool[codes == code], favour, CONCEPT_BONUS)
        # in order of similarity (not of the group's name): the page shows the groups in the order
        # their best passage comes, so the closest missing group must come first
        for n, hit in enumerate(sorted(found, key=lambda h: -h.score)):
            ranking.dense[hit.passage_id] = hit
            ranking.ranked.append((hit.passage_id, hit.score if mode == "semantic" else 1.0 / (RRF_K + tail + n + 1)))
