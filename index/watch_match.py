"""Watches against what a published snapshot brought: new passages × saved searches, and new
versions or linked documents of followed documents.

Runs after every publish (`notify_watches`, registered in index/ingest.py) and on `ailex watch
run`. Each watch is matched only against passages with ids above its mark (`seen_through`): the
passages the snapshot holds that earlier runs did not see. Nothing is re-encoded: the passage and
sentence vectors are the snapshot's own (its exact index, or, for an IVF index too big to load for
a few passages, the embedding cache the build just filled), and a watch's query vector was encoded
once, when it was made. Apart from an exact index's file, the run reads what grows with the new
passages only: their rows and the snapshot's passage ids and document table.

What counts as a match, per watch mode (the same cutoff and words as a search):
- semantic: the passage's best vector (itself or one of its sentences) has cosine >= the cutoff
  (the watch's `min_score`, else AILEX_MIN_SCORE, else the model's calibrated cutoff; with none of
  them, a watch has no cutoff to stop at, so it matches by words only);
- keyword: the passage holds every content word of the query;
- hybrid (default): either.
Quoted phrases are required word for word and `title:` terms narrow to documents, as in search;
filters and concepts narrow first. A copy of a passage in another document of the same
jurisdiction and type (another format or reading of the same act) is not reported: its first copy
was; a copy elsewhere (a state bill taking over a model bill's section) is news and is reported.

Then each matching passage is compared with the earlier passages of its document: the same text
there means nothing new (a re-extraction, a re-crawled unchanged page: not reported); the same
locator with other text means `changed` (reported with the diff link); otherwise `new`. The
store's unique key per watch (document, locator, text hash) makes reporting idempotent."""
from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import time
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from corpus.crawl_state import CrawlState
from corpus.models import Passage
from corpus.settings import Settings
from corpus.store import Store, text_sha
from corpus.text import content_words, searchable, tokens
from corpus.watches import MatchDraft, Watch, WatchError, WatchExists, WatchMatch, WatchSpec, WatchStore
from index.hubness import Hubness
from index import ann, factory, snapshots
from index.doc_table import DocumentTable
from index.manifest import Manifest
from index.metadata import FILENAME as COLUMNS_FILE
from index.metadata import Filters, PassageColumns, PassageRow
from index.query import parse_query
from index.units import passage_ids, units
from pipeline.encoders import Encoder, EncoderError, load_encoder

log = logging.getLogger(__name__)

# Per-passage concept tags the concept layer (issue 14) stores in each snapshot. Read by
# `passage_concepts` only, so connecting the real file format is a change in one function.
CONCEPT_TAGS = "concept_tags.json"
PASSAGE_CHUNK = 2000  # new passages scored at a time (1000 watches x ~12k units of float32: ~50 MB)
FILTER_COLUMNS = ("language", "jurisdiction", "doc_type", "status")


@dataclass
class WatchRun:
    """What one run did."""

    build_id: str = ""
    watches: int = 0
    new_passages: int = 0  # passages above the lowest mark, looked at
    match_ids: list[int] = field(default_factory=list)  # matches recorded by this run (nothing already known)
    by_kind: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    delivery: dict | None = None  # what delivery did (None: not attempted in this run, or in the background)

    def matches(self, store: Store) -> list[WatchMatch]:
        return WatchStore(store).matches_by_ids(self.match_ids)

    def summary(self) -> dict:
        return {"build_id": self.build_id, "watches": self.watches, "new_passages": self.new_passages,
                "matches": len(self.match_ids), "by_kind": self.by_kind, "seconds": round(self.seconds, 3),
                "delivery": self.delivery}


# -- the snapshot, read lightly --------------------------------------------------------------
def snapshot_passage_ids(folder: Path) -> np.ndarray:
    """The passage ids a snapshot holds, ascending (one array of its filter columns' file)."""
    with np.load(Path(folder) / COLUMNS_FILE) as data:
        return np.sort(data["ids"].astype(np.int64))


def current_mark(settings: Settings, store: Store) -> int:
    """Where a new watch starts: the highest passage id of the served snapshot (or of the store,
    before the first index), so it reports what comes after, not the corpus it was made on."""
    folder = snapshots.current(settings.index_dir)
    if folder is not None:
        ids = snapshot_passage_ids(folder)
        return int(ids[-1]) if len(ids) else 0
    return int(store.db.execute("SELECT COALESCE(MAX(id), 0) FROM passages").fetchone()[0])


def passage_concepts(folder: Path | None, ids) -> dict[int, set[str]]:
    """The concept ids the snapshot's concept layer tagged on each passage of `ids` (passages
    without tags are absent). Reads `CONCEPT_TAGS` when the snapshot has it: a JSON object
    {"passages": {"<passage id>": ["concept-id" or {"id": "concept-id", …}, …]}} (or that mapping
    alone); {} when the snapshot carries no tags (then concept watches match nothing)."""
    path = Path(folder) / CONCEPT_TAGS if folder is not None else None
    if path is None or not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    tags = data.get("passages", data) if isinstance(data, dict) else {}
    out: dict[int, set[str]] = {}
    for pid in ids:
        found = tags.get(str(int(pid)))
        if found:
            out[int(pid)] = {t["id"] if isinstance(t, dict) else str(t) for t in found}
    return out


def known_concepts(folder: Path | None) -> set[str] | None:
    """The concept ids a watch may name: the taxonomy's ids as the snapshot's tag file lists them
    (`"concepts": [...]`); None when unknown (then any well-formed id is accepted)."""
    path = Path(folder) / CONCEPT_TAGS if folder is not None else None
    if path is None or not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    listed = data.get("concepts") if isinstance(data, dict) else None
    if not listed:
        return None
    return {c["id"] if isinstance(c, dict) else str(c) for c in listed}


# -- making watches ----------------------------------------------------------------------------
def check_watch(spec: WatchSpec, folder: Path | None, store: Store) -> None:
    """Refuse, with a readable WatchError, a watch that could never match: an unknown followed
    document, a query without words, filter values or concepts the corpus does not know."""
    if spec.kind == "document":
        try:
            store.get_document(spec.document_id)
        except KeyError:
            raise WatchError(f"document_id: there is no document {spec.document_id!r} in the corpus") from None
        return
    parsed = parse_query(spec.query)
    if not tokens(" ".join([parsed.text, *parsed.title_terms])):
        raise WatchError(f"query: {spec.query!r} has no words to match")
    problems = []
    wanted = {c: getattr(spec, c) for c in FILTER_COLUMNS if getattr(spec, c)}
    if wanted:
        if folder is None:
            raise WatchError("filters: there is no index yet to check filter values against: run `ailex index` "
                             "first, or make the watch without filters")
        columns = PassageColumns.load(folder, list(DocumentTable.load(folder)))
        for column, values in wanted.items():
            for value in values:
                # known = selects at least one passage, with the search filters' own matching rules
                if not columns.mask(Filters(**{column: [value]})).any():
                    known = ", ".join(columns.values(column)[:40])
                    problems.append(f"{column}: {value!r} is not in the corpus (known: {known})")
    known = known_concepts(folder)
    if known is not None:
        unknown = [c for c in spec.concepts if c not in known]
        if unknown:
            problems.append(f"concepts: unknown {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    if problems:
        raise WatchError("; ".join(problems))


@dataclass(frozen=True)
class _QueryParts:
    text: str  # what the query vector is computed from: the same text a search ranks by
    phrases: tuple[tuple[str, ...], ...]  # index terms of each quoted phrase
    words: tuple[str, ...]  # index terms of the content words
    title_terms: tuple[str, ...]


@lru_cache(maxsize=8192)  # a long-running process (ingest worker, server) parses each watch's query once
def _query_parts(query: str) -> _QueryParts:
    parsed = parse_query(query)
    return _QueryParts(
        text=parsed.text or " ".join(parsed.title_terms),
        phrases=tuple(t for t in (tuple(tokens(ph)) for ph in parsed.phrases) if t),
        words=tuple(dict.fromkeys(tokens(" ".join(content_words(parsed.words))))) if parsed.words else (),
        title_terms=tuple(parsed.title_terms))


def _query_text(query: str) -> str:
    return _query_parts(query).text


def create_watch(settings: Settings, store: Store, spec: WatchSpec, encoder: Encoder | None = None) -> Watch:
    """Check `spec`, encode its query once (saved searches), and store it, starting after the
    passages the served snapshot holds. Raises WatchError (or WatchExists) with the reason."""
    folder = snapshots.current(settings.index_dir)
    check_watch(spec, folder, store)
    watches = WatchStore(store)
    try:
        watches.get(spec.name)
        raise WatchExists(f"name: a watch named {spec.name!r} already exists (remove it first)")
    except KeyError:
        pass
    vector, model, cutoff = None, "", 0.0
    if spec.kind == "search":
        encoder = encoder or load_encoder(settings)
        model, cutoff = encoder.name, float(getattr(encoder, "min_score", 0.0))
        if spec.mode == "semantic" and effective_cutoff(settings, spec.min_score, cutoff) is None:
            raise WatchError(f"min_score: {model} has no calibrated similarity cutoff and AILEX_MIN_SCORE is not set: "
                             "give the watch a min_score (a semantic watch without one would report every passage)")
        vector = np.asarray(encoder.encode_queries([_query_text(spec.query)])[0], np.float32).tobytes()
    return watches.add(spec, current_mark(settings, store), vector, model, cutoff)


# -- matching -----------------------------------------------------------------------------------
def _digest(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()


def _passage_tokens(p: Passage) -> str:
    """The passage's index terms as one spaced string (what phrase checks look in, as search does)."""
    return f" {' '.join(tokens(searchable(p.locator, p.text)))} "


@dataclass
class _Batch:
    """New passages being matched, with everything the watches ask of them, computed once."""

    ids: np.ndarray  # ascending
    rows: dict[int, Passage]
    columns: PassageColumns  # filter columns over these passages only
    documents: DocumentTable
    reportable: np.ndarray  # False for copies of a passage of the same jurisdiction and document type
    vectors: np.ndarray  # (units, dim), passage vectors and sentence vectors
    owner: np.ndarray  # unit -> position in ids
    penalty: np.ndarray | None = None  # per unit: the snapshot's hubness correction, subtracted as search does
    token_text: dict[int, str] = field(default_factory=dict)
    postings: dict[str, np.ndarray] | None = None  # term -> positions of the passages holding it
    concepts: dict[int, set[str]] | None = None

    def tokens_of(self, pid: int) -> str:
        t = self.token_text.get(pid)
        if t is None:
            t = self.token_text[pid] = _passage_tokens(self.rows[pid])
        return t

    def with_all(self, terms: list[str]) -> np.ndarray:
        """Mask over the batch: passages holding every one of `terms` (a small term index of the
        batch, built on first use, so 1,000 keyword watches cost array ANDs, not string scans)."""
        if self.postings is None:
            positions: dict[str, list[int]] = defaultdict(list)
            for n, pid in enumerate(self.ids.tolist()):
                for term in set(self.tokens_of(pid).split()):
                    positions[term].append(n)
            self.postings = {t: np.array(v, np.int64) for t, v in positions.items()}
        mask = np.ones(len(self.ids), bool)
        for term in terms:
            hit = np.zeros(len(self.ids), bool)
            hit[self.postings.get(term, np.zeros(0, np.int64))] = True
            mask &= hit
        return mask

    def best_scores(self, queries: np.ndarray) -> np.ndarray:
        """(watches, passages): each passage's best cosine over its units, per query vector."""
        best = np.full((len(queries), len(self.ids)), -1.0, np.float32)
        if not len(self.owner):
            return best
        scores = queries @ self.vectors.T  # units are grouped by passage, in passage order
        if self.penalty is not None:
            scores -= self.penalty[None, :]  # the similarity search reports (index/hubness.py)
        starts = np.flatnonzero(np.r_[True, self.owner[1:] != self.owner[:-1]])
        best[:, self.owner[starts]] = np.maximum.reduceat(scores, starts, axis=1)
        return best


def _load_vectors(store: Store, folder: Path, manifest: Manifest,
                  rows: list[Passage]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The stored unit vectors of `rows` (each passage's own, then its sentence windows'), as the
    snapshot's search scores them. Returns (vectors, owner position in `rows` per unit, unit ids).

    An exact index (every corpus up to AILEX_INDEX_EXACT_MAX vectors) is read from the snapshot:
    one file load plus one lookup per unit. Above that the index is IVF, gigabytes to load for a
    thousand passages, so the vectors come from the embedding cache the build just filled (text
    hashes of the units: cost grows with the new passages only)."""
    pids = np.array([p.id for p in rows], np.int64)
    if manifest.index_kind != ann.IVF_SQ8:
        index = factory.load(folder)
        uids = np.sort(index.ids())
        uids = uids[np.isin(passage_ids(uids), pids)]
        vectors = np.stack([index.vector(int(u)) for u in uids]) if len(uids) else np.zeros((0, manifest.dim), np.float32)
        return vectors.astype(np.float32, copy=False), np.searchsorted(pids, passage_ids(uids)), uids
    unit_list = [(n, uid, text_sha(text)) for n, p in enumerate(rows) for uid, text in units(p, manifest.sentence_vectors)]
    cached = store.cached_embeddings(manifest.model, sorted({sha for *_, sha in unit_list}))
    keep = [(n, uid, sha) for n, uid, sha in unit_list if sha in cached]  # a unit missing from both cannot match by meaning
    vectors = np.stack([np.frombuffer(cached[sha], np.float32) for *_, sha in keep]) if keep else \
        np.zeros((0, manifest.dim), np.float32)
    return vectors, np.array([n for n, *_ in keep], np.int64), np.array([uid for _, uid, _ in keep], np.int64)


def _batch(store: Store, folder: Path, manifest: Manifest, documents: DocumentTable, ids: np.ndarray,
           with_vectors: bool) -> _Batch:
    found = store.passages_by_ids(ids.tolist())
    ids = np.array(sorted(found), np.int64)
    rows = [found[int(i)] for i in ids]
    columns = PassageColumns.build((PassageRow(p.id, p.document_id, p.language) for p in rows), {}, list(documents))
    if with_vectors:
        vectors, owner, uids = _load_vectors(store, folder, manifest, rows)
        hubness = Hubness.load(folder)
        penalty = hubness.penalty(uids) if hubness is not None else None
    else:
        vectors, owner, penalty = np.zeros((0, manifest.dim), np.float32), np.zeros(0, np.int64), None
    return _Batch(ids, found, columns, documents, _reportable(store, documents, rows), vectors, owner, penalty=penalty)


def _reportable(store: Store, documents: DocumentTable, rows: list[Passage]) -> np.ndarray:
    """Which passages are news: all but copies (pipeline/dedupe.py links) of a passage in a
    document of the same jurisdiction and type, i.e. the same act in another format or reading."""
    copies = [p for p in rows if p.duplicate_of is not None]
    originals = store.passages_by_ids([p.duplicate_of for p in copies]) if copies else {}

    def kind(doc_id: str) -> tuple[str, str] | None:
        return (documents.get(doc_id).jurisdiction, documents.get(doc_id).doc_type) if doc_id in documents else None

    same = {p.id for p in copies if p.duplicate_of in originals
            and kind(originals[p.duplicate_of].document_id) == kind(p.document_id)}
    return np.array([p.id not in same for p in rows], bool)


@dataclass
class _Plan:
    """One saved search, prepared once per run."""

    watch: Watch
    cutoff: float
    vector: np.ndarray | None
    phrases: tuple[tuple[str, ...], ...]
    lexical: bool  # keyword and hybrid modes: a passage with all the words (and phrases) matches
    words: list[str]  # the query's content words (phrases are checked word for word apart)
    filters: Filters
    title_docs: set[str] | None


def effective_cutoff(settings: Settings, min_score: float | None, model_cutoff: float) -> float | None:
    """The similarity a passage needs: the watch's own, else AILEX_MIN_SCORE, else the model's
    calibrated one. None when there is none (a model without calibration, AILEX_MIN_SCORE=0): a
    search still ranks and cuts at k, but a watch has no k, so it then matches by words only."""
    if min_score is not None:
        return min_score
    if settings.min_score:
        return settings.min_score
    return model_cutoff or None


def _plans(settings: Settings, watches: list[Watch], manifest: Manifest, documents: DocumentTable,
           ws: WatchStore, encoder: Encoder | None) -> list[_Plan]:
    out = []
    for w in watches:
        vector, model_cutoff = None, 0.0
        if w.query_vector is not None and w.query_model == manifest.model:
            vector = np.frombuffer(w.query_vector, np.float32)
            model_cutoff = w.model_cutoff
        elif w.mode != "keyword":  # made under another model: encode the query once more, with the snapshot's
            try:
                encoder = encoder or load_encoder(settings)
            except EncoderError as exc:
                log.warning("watch %s: no encoder to re-encode its query (%s): matching by words only", w.name, exc)
            if encoder is not None and encoder.name == manifest.model:
                vector = np.asarray(encoder.encode_queries([_query_text(w.query)])[0], np.float32)
                model_cutoff = float(getattr(encoder, "min_score", 0.0))
                ws.set_vector(w.id, vector.tobytes(), encoder.name, model_cutoff)
            elif encoder is not None:
                log.warning("watch %s: the index was built with %s but the encoder is %s: matching by words only",
                            w.name, manifest.model, encoder.name)
        cutoff = effective_cutoff(settings, w.min_score, model_cutoff)
        parts = _query_parts(w.query)
        title_docs = set(documents.with_title(parts.title_terms)) if parts.title_terms else None
        out.append(_Plan(
            watch=w, cutoff=cutoff if cutoff is not None else 1.0,
            vector=vector if w.mode != "keyword" and cutoff is not None else None,
            phrases=parts.phrases, lexical=w.mode != "semantic", words=list(parts.words),
            filters=Filters(language=w.language, jurisdiction=w.jurisdiction, doc_type=w.doc_type, status=w.status,
                            date_from=w.date_from, date_to=w.date_to),
            title_docs=title_docs,
        ))
    return out


def _search_matches(plans: list[_Plan], batch: _Batch, folder: Path) -> dict[int, list[tuple[int, float | None]]]:
    """(passage id, similarity) per watch id, over one batch of new passages."""
    out: dict[int, list[tuple[int, float | None]]] = defaultdict(list)
    if not plans or not len(batch.ids):
        return out
    ids = batch.ids
    dense = [p for p in plans if p.vector is not None]
    best = batch.best_scores(np.stack([p.vector for p in dense])) if dense else None
    row_of = {id(p): n for n, p in enumerate(dense)}
    masks: dict[str, np.ndarray] = {}
    for plan in plans:
        w = plan.watch
        allowed = batch.reportable & (ids > w.seen_through)
        key = repr(plan.filters)
        if key not in masks:
            masks[key] = batch.columns.mask(plan.filters)
        allowed &= masks[key]
        if plan.title_docs is not None:
            allowed &= np.array([batch.rows[int(i)].document_id in plan.title_docs for i in ids], bool)
        if w.concepts:
            if batch.concepts is None:
                batch.concepts = passage_concepts(folder, ids.tolist())
            wanted = set(w.concepts)
            allowed &= np.array([bool(batch.concepts.get(int(i), set()) & wanted) for i in ids], bool)
        if not allowed.any():
            continue
        scores = best[row_of[id(plan)]] if plan.vector is not None else None
        hit = np.zeros(len(ids), bool)
        if scores is not None:
            hit |= scores >= plan.cutoff
        if plan.lexical and plan.words:
            hit |= batch.with_all(plan.words)
        elif plan.lexical and plan.phrases:  # only phrases: holding them is the whole condition
            hit |= allowed
        hit &= allowed
        where = np.flatnonzero(hit)
        shown = [None] * len(where) if scores is None else np.round(scores[where], 5).tolist()
        for pid, score in zip(ids[where].tolist(), shown):
            if plan.phrases and not all(f" {' '.join(ph)} " in batch.tokens_of(pid) for ph in plan.phrases):
                continue
            out[w.id].append((pid, score))
    return out


class _History:
    """What a document held just before a passage's extraction: the text hashes, the passage per
    locator and the version of the previous set of passages. A set is what one extraction wrote
    (contiguous ids, `seq` from 0), so a set starts at the latest row of the document with seq 0."""

    def __init__(self, store: Store):
        self.store = store
        self._starts: dict[str, list[int]] = {}  # per document: the first id of each set, ascending
        self._sets: dict[tuple[str, int], tuple[set[str], dict[str, sqlite3.Row], int | None]] = {}

    def before(self, p: Passage) -> tuple[set[str], dict[str, sqlite3.Row], int | None]:
        starts = self._starts.get(p.document_id)
        if starts is None:
            starts = self._starts[p.document_id] = [r[0] for r in self.store.db.execute(
                "SELECT id FROM passages WHERE document_id=? AND seq=0 ORDER BY id", (p.document_id,))]
        at = bisect_right(starts, p.id) - 1  # the set holding p, and the one before it
        start = starts[at] if at >= 0 else p.id
        key = (p.document_id, start)
        if key not in self._sets:
            rows = [] if at < 1 else self.store.db.execute(
                "SELECT id, version_id, locator, text_sha FROM passages WHERE document_id=? AND id>=? AND id<? "
                "ORDER BY id", (p.document_id, starts[at - 1], start)).fetchall()
            by_locator: dict[str, sqlite3.Row] = {}
            for r in rows:
                by_locator.setdefault(r["locator"], r)  # a long article cut in parts: compare with its first part
            self._sets[key] = ({r["text_sha"] for r in rows}, by_locator, rows[0]["version_id"] if rows else None)
        return self._sets[key]


def _classify(found: dict[int, list[tuple[int, float | None]]], rows: dict[int, Passage],
              history: _History) -> dict[int, list[MatchDraft]]:
    """Matches as drafts with their idempotence key; passages whose text the document already
    held are dropped (nothing new in them). A passage's verdict is worked out once, however many
    watches it matched."""
    verdicts: dict[int, MatchDraft | None] = {}
    out: dict[int, list[MatchDraft]] = {}
    for watch_id, hits in found.items():
        drafts = []
        for pid, score in hits:
            if pid not in verdicts:
                verdicts[pid] = _verdict(rows[pid], history)
            verdict = verdicts[pid]
            if verdict is not None:
                drafts.append(MatchDraft(*verdict[:-1], score))
        if drafts:
            out[watch_id] = drafts
    return out


def _verdict(p: Passage, history: _History) -> MatchDraft | None:
    shas, by_locator, _ = history.before(p)
    if p.text_sha in shas:
        return None  # this text was in the document already: re-extracted or re-crawled, not new
    prev = by_locator.get(p.locator) if p.locator else None
    return MatchDraft(key=_digest("passage", p.document_id, p.locator, p.text_sha), kind="changed" if prev else "new",
                      document_id=p.document_id, version_id=p.version_id, passage_id=p.id,
                      previous_passage_id=prev["id"] if prev else None,
                      previous_version_id=prev["version_id"] if prev else None)


def _document_matches(watches: list[Watch], rows: dict[int, Passage], store: Store,
                      history: _History) -> dict[int, list[MatchDraft]]:
    """Followed documents: a new version with new text, or new passages of a linked document."""
    by_doc: dict[str, list[Passage]] = defaultdict(list)
    for p in rows.values():
        by_doc[p.document_id].append(p)
    out: dict[int, list[MatchDraft]] = {}
    crawl = CrawlState(store) if watches else None
    for w in watches:
        drafts = []
        followed = [p for p in by_doc.get(w.document_id, []) if p.id > w.seen_through]
        by_version: dict[int, list[Passage]] = defaultdict(list)
        for p in followed:
            by_version[p.version_id].append(p)
        for version_id, passages in sorted(by_version.items()):
            shas, _, prev_version = history.before(min(passages, key=lambda p: p.id))
            fresh = [p for p in sorted(passages, key=lambda p: p.id) if p.text_sha not in shas]
            if fresh:  # a version with the same text (a re-rendered file) tells nothing new
                drafts.append(MatchDraft(key=f"version:{version_id}", kind="version", document_id=w.document_id,
                                         version_id=version_id, passage_id=fresh[0].id,
                                         previous_version_id=prev_version if prev_version != version_id else None))
        for rel in crawl.related_documents(w.document_id):
            linked = sorted((p for p in by_doc.get(rel["id"], []) if p.id > w.seen_through), key=lambda p: p.id)
            if linked:
                drafts.append(MatchDraft(key=f"linked:{rel['id']}", kind="linked", document_id=rel["id"],
                                         version_id=linked[0].version_id, passage_id=linked[0].id))
        if drafts:
            out[w.id] = drafts
    return out


def run_watches(settings: Settings, store: Store, folder: Path | None = None, encoder: Encoder | None = None,
                deliver: bool = True) -> WatchRun:
    """Match every watch against the passages of the snapshot `folder` (default: the served one)
    above its mark, record what is new (once per watch and content), move the marks, and, with
    `deliver`, send what is pending (e-mail digests, webhooks)."""
    started = time.perf_counter()
    clock = {"t": started}
    run = WatchRun()

    def lap(step: str) -> None:  # seconds per step, summed over batches of new passages
        now = time.perf_counter()
        run.timings[step] = round(run.timings.get(step, 0.0) + now - clock["t"], 4)
        clock["t"] = now

    ws = WatchStore(store)
    watches = ws.list()
    run.watches = len(watches)
    folder = folder or snapshots.current(settings.index_dir)
    if not watches or folder is None:
        return run
    manifest = Manifest.read(folder)
    run.build_id = manifest.build_id
    ids = snapshot_passage_ids(folder)
    lowest = min(w.seen_through for w in watches)
    new = ids[ids > lowest]
    run.new_passages = len(new)
    top = int(ids[-1]) if len(ids) else 0
    searches = [w for w in watches if w.kind == "search"]
    follows = [w for w in watches if w.kind == "document"]
    documents = DocumentTable.load(folder)
    plans = _plans(settings, searches, manifest, documents, ws, encoder)
    lap("prepare")
    history = _History(store)
    found: dict[int, list[MatchDraft]] = defaultdict(list)
    need_vectors = any(p.vector is not None for p in plans)
    for start in range(0, len(new), PASSAGE_CHUNK):
        batch = _batch(store, folder, manifest, documents, new[start:start + PASSAGE_CHUNK], need_vectors)
        lap("read")
        for watch_id, drafts in _classify(_search_matches(plans, batch, folder), batch.rows, history).items():
            found[watch_id] += drafts
        for watch_id, drafts in _document_matches(follows, batch.rows, store, history).items():
            found[watch_id] += drafts
        lap("match")
    channels = {w.id: [c for c, on in (("email", w.email), ("webhook", w.webhook_url)) if on] for w in watches}
    # every watch's mark moves, matched or not: these passages have been looked at
    recorded = ws.record({w.id: found.get(w.id, []) for w in watches}, top, manifest.build_id, channels)
    run.match_ids, run.by_kind = recorded.ids, recorded.by_kind
    lap("record")
    if deliver:
        from index.watch_delivery import deliver_pending

        run.delivery = deliver_pending(settings, store)
        lap("deliver")
    run.seconds = time.perf_counter() - started
    if run.match_ids:
        log.info("watches: %d new matches over %d new passages in %.2f s", len(run.match_ids), len(new), run.seconds)
    return run


def notify_watches(settings: Settings, store: Store, report) -> dict:
    """The after-publish step (index/ingest.py): match what the new snapshot brought, record it,
    then deliver in the background, so a slow or failing mail server or webhook never holds up
    indexing (or an ingest worker's writer lock). What is not delivered stays pending."""
    run = run_watches(settings, store, report.folder, deliver=False)
    if WatchStore(store).pending():
        from index.watch_delivery import deliver_in_background

        deliver_in_background(settings, store)
        run.delivery = {"background": True}
    return run.summary()

