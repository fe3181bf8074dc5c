"""Build and publish an index snapshot from the store's active passages.

Incremental by default, in every structure: vectors of passages already indexed stay (retired
ones are removed, new ones embedded or taken from the embedding cache, keyed by text hash and
model, so unchanged text is never embedded twice); the filter columns and the lexical index
reuse the previous snapshot's rows and only encode the passages added; duplicate links come
from the store, where `pipeline.dedupe` keeps them incrementally. `rebuild=True` starts from
nothing (the embedding cache still serves every vector it holds).

`ailex index`, imports, crawls, ingest workers and the admin re-index all reach this through
`index/ingest.py`, the one orchestration of the stages."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from corpus.families import store_families
from corpus.models import Passage
from corpus.settings import Settings
from corpus.store import Store, text_sha
from corpus.text import searchable
from index import ann, factory, snapshots
from index.base import VectorIndex
from index.doc_table import DocumentTable
from index.hubness import Hubness, reference_sample
from index.lexical import LexicalIndex
from index.manifest import Manifest, library_versions
from index.metadata import PassageColumns
from index.units import UNITS_VERSION, passage_ids, units
from pipeline.encoders import Encoder, load_encoder

log = logging.getLogger(__name__)
FETCH_CHUNK = 2000  # passages read from the store at a time (texts are only needed for new ones)


@dataclass
class IndexReport:
    folder: Path | None
    count: int  # passages
    added: int  # vectors (passages and sentence windows)
    removed: int
    embedded: int  # vectors computed now (the rest came from the cache)
    seconds: float
    up_to_date: bool = False
    previous: Path | None = None  # the snapshot this one replaced
    new_passages: list[int] = field(default_factory=list)  # passage ids this snapshot added
    retired_passages: list[int] = field(default_factory=list)  # passage ids it no longer holds
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step of the build


@dataclass
class _Previous:
    folder: Path | None = None
    index: VectorIndex | None = None
    columns: PassageColumns | None = None
    lexical: LexicalIndex | None = None
    documents: DocumentTable | None = None
    hubness: Hubness | None = None


def _previous(settings: Settings, encoder: Encoder, rebuild: bool) -> _Previous:
    """What the new snapshot can reuse of the one being served (each part independently: a part
    written by an older ailex is rebuilt, the others still reused)."""
    folder = snapshots.current(settings.index_dir)
    if folder is None:
        return _Previous()
    out = _Previous(folder)
    if rebuild:
        return out
    try:
        manifest = Manifest.read(folder)
    except (OSError, ValueError) as exc:
        log.warning("previous index unreadable (%s): rebuilding", exc)
        return out
    if manifest.model != encoder.name or manifest.dim != encoder.dim:
        log.info("model changed (%s → %s): rebuilding the index", manifest.model, encoder.name)
    elif manifest.sentence_vectors != settings.sentence_vectors:
        log.info("AILEX_SENTENCE_VECTORS changed: rebuilding the index")
    elif manifest.units_version != UNITS_VERSION:
        log.info("retrieval units changed (version %s → %s): rebuilding the index from the embedding cache",
                 manifest.units_version, UNITS_VERSION)
    else:
        out.index = factory.load(folder, settings.threads)
        out.hubness = Hubness.load(folder)  # r(x) is only valid for the vectors it was computed on
    try:
        out.documents = DocumentTable.load(folder)
        out.columns = PassageColumns.load(folder, list(out.documents))
    except (OSError, ValueError) as exc:
        log.info("filter columns rebuilt (%s)", exc)
        out.documents = out.columns = None
    out.lexical = LexicalIndex.load(folder, with_rows=True)
    return out


def _fit_kind(index: VectorIndex | None, units: int, settings: Settings, dim: int) -> tuple[VectorIndex, str, bool]:
    """The previous index when its kind still suits `units` vectors, else a new empty one of the
    right kind (its vectors then come from the embedding cache: a rebuild, but no re-embedding).
    Returns (index, what happened, whether it is the previous one)."""
    kind = ann.choose_kind(units, settings.index_exact_max, index.kind if index is not None else None)
    if index is None:
        event = f"new {kind} index for {units} vectors"
    elif index.kind == ann.EXACT and kind == ann.EXACT_FP16:
        event = f"rebuilt: {units} vectors, {index.kind} -> {kind} (exact vectors now stored as fp16)"
    elif index.kind != kind:
        event = f"rebuilt: {units} vectors, {index.kind} -> {kind} (AILEX_INDEX_EXACT_MAX={settings.index_exact_max})"
    elif index.needs_retrain(units):
        event = (f"rebuilt: retrained {kind} at {units} vectors (trained on {index.describe().get('trained_on')}, "
                 f"grown past {ann.RETRAIN_GROWTH:g}x)")
    else:
        return index, f"incremental update of {kind}", True
    if index is not None:
        log.info("index %s", event)
    return factory.create(kind, dim, units, threads=settings.threads), event, False


def embed_texts(
    store: Store, encoder: Encoder, texts: list[str], batch: int, progress: Callable[[int], None] | None = None
) -> tuple[np.ndarray, int]:
    """Vectors for `texts` (cached ones from the store); returns (vectors, newly embedded)."""
    shas = [text_sha(t) for t in texts]
    cached = store.cached_embeddings(encoder.name, sorted(set(shas)))
    todo: dict[str, str] = {}
    for text, sha in zip(texts, shas):
        if sha not in cached and sha not in todo:
            todo[sha] = text
    if progress and cached:
        progress(sum(1 for s in shas if s in cached))
    # longest first: batches of similar length waste little compute on padding
    order = sorted(todo, key=lambda s: len(todo[s]), reverse=True)
    for start in range(0, len(order), batch):
        chunk = order[start : start + batch]
        vecs = encoder.encode_passages([todo[s] for s in chunk])
        fresh = {s: v.astype(np.float32).tobytes() for s, v in zip(chunk, vecs)}
        store.cache_embeddings(encoder.name, fresh.items())
        cached.update(fresh)
        if progress:
            progress(sum(1 for s in shas if s in fresh))
    if not texts:
        return np.zeros((0, encoder.dim), np.float32), 0
    return np.stack([np.frombuffer(cached[s], np.float32) for s in shas]), len(todo)


def _read(store: Store, ids: Sequence[int]) -> list[Passage]:
    out: list[Passage] = []
    for start in range(0, len(ids), FETCH_CHUNK):
        rows = store.passages_by_ids(ids[start : start + FETCH_CHUNK])
        out.extend(rows[int(i)] for i in ids[start : start + FETCH_CHUNK] if int(i) in rows)
    return out


def unindexed_units(settings: Settings, store: Store) -> list[str]:
    """Texts to embed for the active passages the published snapshot does not hold yet (what an
    ingest worker puts into the embedding cache before it takes the index writer lock)."""
    active = np.array(store.active_passage_ids(), np.int64)
    folder = snapshots.current(settings.index_dir)
    have = np.zeros(0, np.int64)
    if folder is not None:
        try:
            have = np.unique(passage_ids(factory.load(folder, settings.threads).ids()))
        except (OSError, ValueError, FileNotFoundError):
            pass
    todo = np.setdiff1d(active, have, assume_unique=True)
    return [text for p in _read(store, todo.tolist()) for _, text in units(p, settings.sentence_vectors)]


def _hubness(prev: Hubness | None, reused: bool, store: Store, encoder: Encoder, settings: Settings,
             active: np.ndarray, keep_units: np.ndarray, new_units: list[tuple[int, str]],
             new_vectors: np.ndarray, new_rows: dict[int, Passage]) -> Hubness:
    """The hubness correction of the new snapshot: the previous one plus r(x) of the added vectors,
    or, the first time (or after a model change), a reference sample drawn and every vector scored."""
    if prev is not None and reused:
        return prev.update(keep_units, np.array([u for u, _ in new_units], np.int64), new_vectors)
    rows = new_rows if len(new_rows) >= len(active) else {p.id: p for p in _read(store, active.tolist())}
    every = [u for pid in active.tolist() for u in units(rows[pid], settings.sentence_vectors)]
    sentences = [(pid, rows[pid].language, text) for pid in active.tolist()
                 for _, text in (units(rows[pid], True)[1:] or units(rows[pid], False))]
    sample = reference_sample(sentences)
    reference = encoder.encode_queries([t for _, t in sample]) if sample else np.zeros((0, encoder.dim), np.float32)
    empty = Hubness(np.zeros(0, np.int64), np.zeros(0, np.float32), reference, np.array([p for p, _ in sample], np.int64))
    vectors, _ = embed_texts(store, encoder, [t for _, t in every], settings.batch_size)
    return empty.update(np.zeros(0, np.int64), np.array([u for u, _ in every], np.int64), vectors)


def update_index(
    settings: Settings,
    store: Store,
    encoder: Encoder | None = None,
    rebuild: bool = False,
    progress: Callable[[int, int], None] | None = None,
    before_publish: Callable[[Path, "IndexReport"], None] | None = None,
) -> IndexReport:
    """Bring the index up to date with the store's active passages and publish it atomically.
    `before_publish(folder, report)` may add files to the new snapshot before it is published."""
    started = time.monotonic()
    clock = {"t": started}
    timings: dict[str, float] = {}

    def lap(step: str) -> None:
        now = time.monotonic()
        timings[step] = round(now - clock["t"], 4)
        clock["t"] = now

    encoder = encoder or load_encoder(settings)
    prev = _previous(settings, encoder, rebuild)
    active = np.array(store.active_passage_ids(), np.int64)
    families = store_families(store)  # formats, translations, readings of one act (corpus/families.py)
    documents = DocumentTable([d.model_copy(update={"family": families[d.id].id}) for d in store.documents()],
                              {f.id: f for f in families.values()}.values())
    canonical = store.duplicate_map()
    lap("read store")

    # vectors: units of retired passages out, units of passages the index lacks in
    have_units = prev.index.ids() if prev.index is not None else np.zeros(0, np.int64)
    unit_passages = passage_ids(have_units)
    keep_units = np.isin(unit_passages, active)
    stale = have_units[~keep_units]
    vec_new = np.setdiff1d(active, unit_passages[keep_units])
    new_rows = {p.id: p for p in _read(store, vec_new.tolist())}
    new_units = [u for pid in vec_new.tolist() for u in units(new_rows[pid], settings.sentence_vectors)]
    index, event, reused = _fit_kind(prev.index, int(keep_units.sum()) + len(new_units), settings, encoder.dim)
    if not reused:  # a new kind: every passage's vectors, from the embedding cache
        stale, vec_new = np.zeros(0, np.int64), active
        new_rows = {p.id: p for p in _read(store, active.tolist())}
        new_units = [u for pid in active.tolist() for u in units(new_rows[pid], settings.sentence_vectors)]

    # passage columns and lexical rows: the previous snapshot's rows are reused where it has them
    col_new = active if prev.columns is None else np.setdiff1d(active, prev.columns.ids, assume_unique=True)
    lex_new = active if prev.lexical is None or prev.lexical.rows is None else \
        np.setdiff1d(active, prev.lexical.ids, assume_unique=True)
    missing_rows = [int(i) for i in np.union1d(col_new, lex_new) if int(i) not in new_rows]
    new_rows.update((p.id, p) for p in _read(store, missing_rows))
    lap("find changes")

    prev_ids = prev.columns.ids if prev.columns is not None else np.zeros(0, np.int64)
    retired = np.setdiff1d(prev_ids, active, assume_unique=True)
    added = np.setdiff1d(active, prev_ids, assume_unique=True)
    unchanged = (prev.folder is not None and reused and not len(stale) and not len(new_units) and not len(col_new)
                 and getattr(before_publish, "is_current", lambda folder: True)(prev.folder)  # hooks' files still valid
                 and not len(lex_new) and prev.documents is not None and prev.hubness is not None
                 and prev.documents.same_as(documents)
                 and canonical == {int(i): int(c) for i, c in zip(prev.columns.ids, prev.columns.canonical) if c})
    if unchanged:
        return IndexReport(prev.folder, len(active), 0, 0, 0, time.monotonic() - started, up_to_date=True,
                           previous=prev.folder, timings=timings)

    removed = index.remove(stale)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, len(new_units))

    vectors, embedded = embed_texts(store, encoder, [t for _, t in new_units], settings.batch_size, tick)
    index.add(np.array([u for u, _ in new_units], np.int64), vectors)
    lap("embed")

    hubness = _hubness(prev.hubness, reused, store, encoder, settings, active, have_units[keep_units] if reused else
                       np.zeros(0, np.int64), new_units, vectors, new_rows)
    lap("hubness")
    columns = PassageColumns.update(prev.columns, active, [new_rows[int(i)] for i in col_new], canonical, list(documents))
    lap("columns")
    lexical = LexicalIndex.update(prev.lexical, active,
                                  [(int(i), searchable(new_rows[int(i)].locator, new_rows[int(i)].text)) for i in lex_new])
    lap("lexical")

    build_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    tmp = snapshots.new_folder(settings.index_dir, build_id)
    index.save(tmp)
    columns.save(tmp)
    documents.save(tmp)
    lexical.save(tmp)
    hubness.save(tmp)
    lap("save")
    report = IndexReport(None, len(active), len(new_units), removed, embedded, 0.0, previous=prev.folder,
                         new_passages=added.tolist(), retired_passages=retired.tolist(), timings=timings)
    if before_publish is not None:
        before_publish(tmp, report)
        lap("before publish")
    Manifest(
        build_id=build_id, index_kind=index.kind, model=encoder.name, dim=encoder.dim, count=len(active),
        units=len(index), sentence_vectors=settings.sentence_vectors,
        built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        build_seconds=round(time.monotonic() - started, 3), added=len(new_units), removed=removed,
        versions=library_versions(), index_params=index.describe(), index_event=event,
        units_version=UNITS_VERSION, new_passages=len(added), retired_passages=len(retired), timings=timings,
    ).write(tmp)
    report.folder = snapshots.publish(settings.index_dir, tmp, build_id)
    report.seconds = time.monotonic() - started
    return report
