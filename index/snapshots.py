"""Index snapshots on disk: immutable build folders plus an atomically replaced CURRENT pointer.

A reader resolves CURRENT once and loads that folder; a writer builds a new folder beside
it and only then swaps the pointer, so no reader ever sees a half-written index and the
previous snapshot keeps answering while a rebuild runs."""
from __future__ import annotations

import shutil
from pathlib import Path

from corpus.store import atomic_write

POINTER = "CURRENT"
KEEP = 2  # the newest snapshots kept on disk (a server may still hold the previous one)


def current_id(index_dir: Path) -> str | None:
    """The build id CURRENT names (one small read: servers check it on every request)."""
    try:
        return (Path(index_dir) / POINTER).read_text().strip() or None
    except FileNotFoundError:
        return None


def current(index_dir: Path) -> Path | None:
    build = current_id(index_dir)
    if build is None:
        return None
    folder = Path(index_dir) / "builds" / build
    return folder if folder.is_dir() else None


def new_folder(index_dir: Path, build_id: str) -> Path:
    tmp = Path(index_dir) / "builds" / f".{build_id}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    return tmp


def publish(index_dir: Path, tmp: Path, build_id: str) -> Path:
    final = tmp.parent / build_id
    tmp.rename(final)
    atomic_write(Path(index_dir) / POINTER, build_id.encode())
    _prune(index_dir, keep={build_id})
    return final


def _prune(index_dir: Path, keep: set[str]) -> None:
    builds = Path(index_dir) / "builds"
    done = sorted((p for p in builds.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)
    for old in done[:-KEEP]:
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)
    for partial in builds.glob(".*.partial"):  # left by a build that was killed
        if partial.name != f".{next(iter(keep))}.partial":
            shutil.rmtree(partial, ignore_errors=True)


def read_arrays(path: Path, fmt: int):
    """A snapshot file of numpy arrays (`np.savez`) written in format `fmt`, or None when the
    snapshot has none or an older one (the next `ailex index` writes it again)."""
    import numpy as np

    if not Path(path).exists():
        return None
    data = np.load(path)
    return data if int(data["format"]) == fmt else None
