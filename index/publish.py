"""Self-sufficient, versioned index snapshots for API replicas (`ailex index --snapshot DIR`).

A snapshot is a folder `DIR/<build_id>/` laid out like a data folder, so an API process serves it
with the code it always runs:

  ailex.sqlite                  read-only copy of the store (documents, versions, passages and their
                                FTS5 keyword index, document links, crawl runs; without the embedding
                                cache and HTTP validators)
  index/CURRENT, index/builds/<build_id>/   the vectors (FAISS), passage filter columns, index manifest
  SNAPSHOT.json                 build id, counts, every file's size and sha256, and one checksum over them

It is written as `DIR/.<build_id>.partial` and renamed into place when complete (SNAPSHOT.json last),
so a reader never sees half a snapshot: complete = a folder not starting with '.' holding SNAPSHOT.json.
Original files (blobs, for `/api/documents/{id}/file`) are not copied: replicas reach them on shared
storage (AILEX_DATA_DIR/blobs mounted read-only as `<snapshot>/blobs`, or a symlink).
"""
from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from corpus.store import Store, atomic_write
from index import snapshots
from index.manifest import Manifest

FILENAME = "SNAPSHOT.json"
KEEP = 3  # complete snapshots kept in DIR (a replica may still be serving the previous ones)
EMPTY_TABLES = ("embeddings", "http_validators")  # writer-side caches a replica never reads


class SnapshotError(Exception):
    pass


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _checksum(files: dict[str, dict]) -> str:
    lines = "".join(f"{name} {files[name]['sha256']}\n" for name in sorted(files))
    return hashlib.sha256(lines.encode()).hexdigest()


def export_snapshot(store: Store, index_dir: Path, root: Path) -> Path:
    """Publish the index being served plus a read-only copy of the store as `root/<build_id>`.
    Idempotent: an already exported build is returned as is."""
    build = snapshots.current(index_dir)
    if build is None:
        raise SnapshotError(f"no index in {index_dir}: run `ailex index` first")
    manifest = Manifest.read(build)
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    final = root / manifest.build_id
    if (final / FILENAME).exists():
        return final
    tmp = root / f".{manifest.build_id}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "index" / "builds").mkdir(parents=True)
    shutil.copytree(build, tmp / "index" / "builds" / manifest.build_id)
    (tmp / "index" / snapshots.POINTER).write_text(manifest.build_id)
    db = tmp / "ailex.sqlite"
    store.db.execute("VACUUM INTO ?", (str(db),))  # a consistent copy, even while writers go on
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        for table in EMPTY_TABLES:  # emptied, not dropped: the Store's idempotent DDL then writes nothing
            if conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (table,)).fetchone():
                conn.execute(f"DELETE FROM {table}")
        if conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='watches'").fetchone():
            # replicas serve watch feeds; where alerts are sent stays on the writer
            conn.execute("UPDATE watches SET spec = json_set(spec, '$.email', '', '$.webhook_url', '')")
        conn.execute("VACUUM")
        conn.execute("PRAGMA journal_mode=WAL")  # what Store sets: opening the copy changes no byte
        passages = conn.execute("SELECT count(*) FROM passages WHERE active=1").fetchone()[0]
        documents = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    finally:
        conn.close()
    files = {}
    for path in sorted(p for p in tmp.rglob("*") if p.is_file()):
        files[path.relative_to(tmp).as_posix()] = {"size": path.stat().st_size, "sha256": _sha256(path)}
    info = {"build_id": manifest.build_id, "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "model": manifest.model, "dim": manifest.dim, "passages": passages, "documents": documents,
            "vectors": manifest.units, "files": files, "checksum": _checksum(files)}
    atomic_write(tmp / FILENAME, json.dumps(info, indent=2).encode())
    tmp.rename(final)
    prune(root)
    return final


def read_info(folder: Path) -> dict:
    return json.loads((Path(folder) / FILENAME).read_text())


def verify(folder: Path) -> dict:
    """Check every file's size and sha256 and the overall checksum; returns the snapshot info."""
    info = read_info(folder)
    if _checksum(info["files"]) != info["checksum"]:
        raise SnapshotError(f"{folder}: SNAPSHOT.json checksum does not match its file list")
    for name, meta in info["files"].items():
        path = Path(folder) / name
        if not path.is_file() or path.stat().st_size != meta["size"] or _sha256(path) != meta["sha256"]:
            raise SnapshotError(f"{folder}: {name} is missing or differs from SNAPSHOT.json")
    return info


def complete(root: Path) -> list[Path]:
    """Complete snapshots in `root`, oldest first (build ids sort by time)."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and (p / FILENAME).exists()),
                  key=lambda p: p.name)


def newest(root: Path) -> Path | None:
    found = complete(root)
    return found[-1] if found else None


def prune(root: Path, keep: int = KEEP) -> None:
    for old in complete(root)[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
