"""`ailex index`: embed the passages the current snapshot lacks and publish a new snapshot.

Incremental by default: passages already indexed stay, retired ones are removed, new ones
are embedded (or taken from the embedding cache, keyed by text hash and model, so unchanged
text is never embedded twice). `rebuild=True` starts from an empty index."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from corpus.settings import Settings
from corpus.store import Store, text_sha
from corpus.text import searchable
from index import ann, snapshots
from index.faiss_index import FaissIndex
from index.lexical import LexicalIndex
from index.manifest import Manifest, library_versions
from index.metadata import PassageColumns
from index.units import units
from pipeline.encoders import Encoder, load_encoder

log = logging.getLogger(__name__)


@dataclass
class IndexReport:
    folder: Path | None
    count: int  # passages
    added: int  # vectors (passages and sentence windows)
    removed: int
    embedded: int  # vectors computed now (the rest came from the cache)
    seconds: float
    up_to_date: bool = False


def _load_previous(settings: Settings, encoder: Encoder) -> FaissIndex | None:
    folder = snapshots.current(settings.index_dir)
    if folder is None:
        return None
    try:
        manifest = Manifest.read(folder)
    except (OSError, ValueError) as exc:
        log.warning("previous index unreadable (%s): rebuilding", exc)
        return None
    if manifest.model != encoder.name or manifest.dim != encoder.dim:
        log.info("model changed (%s → %s): rebuilding the index", manifest.model, encoder.name)
        return None
    if manifest.sentence_vectors != settings.sentence_vectors:
        log.info("AILEX_SENTENCE_VECTORS changed: rebuilding the index")
        return None
    return FaissIndex.load(folder, settings.threads)


def _fit_kind(index: FaissIndex | None, units: int, settings: Settings, dim: int) -> tuple[FaissIndex, str]:
    """The previous index when its kind still suits `units` vectors, else a new empty one of the
    right kind (its vectors then come from the embedding cache: a rebuild, but no re-embedding)."""
    kind = ann.choose_kind(units, settings.index_exact_max, index.kind if index is not None else None)
    if index is None:
        event = f"new {kind} index for {units} vectors"
    elif index.kind == ann.EXACT and kind == ann.EXACT_FP16:
        event = f"rebuilt: {units} vectors, {index.kind} -> {kind} (exact vectors now stored as fp16)"
    elif index.kind != kind:
        event = f"rebuilt: {units} vectors, {index.kind} -> {kind} (AILEX_INDEX_EXACT_MAX={settings.index_exact_max})"
    elif index.needs_retrain(units):
        event = (f"rebuilt: retrained {kind} at {units} vectors (trained on {index.params.get('trained_on')}, "
                 f"grown past {ann.RETRAIN_GROWTH:g}x)")
    else:
        return index, f"incremental update of {kind}"
    if index is not None:
        log.info("index %s", event)
    return FaissIndex.create(dim, units, kind, threads=settings.threads), event


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


def update_index(
    settings: Settings,
    store: Store,
    encoder: Encoder | None = None,
    rebuild: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> IndexReport:
    """Bring the index up to date with the store's active passages and publish it atomically."""
    started = time.monotonic()
    encoder = encoder or load_encoder(settings)
    rows = store.passage_table()
    unit_text: dict[int, str] = {}
    lexical_rows: list[tuple[int, str]] = []  # the locator is searchable too
    for p in store.passages():
        unit_text.update(units(p.id, p.text, settings.sentence_vectors, p.locator))
        lexical_rows.append((p.id, searchable(p.locator, p.text)))
    wanted = np.fromiter(unit_text, np.int64, len(unit_text))
    index = None if rebuild else _load_previous(settings, encoder)
    index, event = _fit_kind(index, len(wanted), settings, encoder.dim)
    have = index.ids()
    stale = np.setdiff1d(have, wanted)
    missing = np.setdiff1d(wanted, have)
    if not rebuild and snapshots.current(settings.index_dir) and not len(stale) and not len(missing):
        return IndexReport(snapshots.current(settings.index_dir), len(rows), 0, 0, 0,
                           time.monotonic() - started, up_to_date=True)

    removed = index.remove(stale)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, len(missing))

    vectors, embedded = embed_texts(store, encoder, [unit_text[int(u)] for u in missing], settings.batch_size, tick)
    index.add(missing, vectors)

    build_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    tmp = snapshots.new_folder(settings.index_dir, build_id)
    index.save(tmp)
    PassageColumns.from_rows(rows).save(tmp)
    LexicalIndex.build(lexical_rows).save(tmp)
    Manifest(
        build_id=build_id, index_kind=index.kind, model=encoder.name, dim=encoder.dim, count=len(rows),
        units=len(index), sentence_vectors=settings.sentence_vectors,
        built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        build_seconds=round(time.monotonic() - started, 3), added=len(missing), removed=removed,
        versions=library_versions(), index_params=index.describe(), index_event=event,
    ).write(tmp)
    folder = snapshots.publish(settings.index_dir, tmp, build_id)
    return IndexReport(folder, len(rows), len(missing), removed, embedded, time.monotonic() - started)
