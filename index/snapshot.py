"""One published index snapshot, loaded: everything a query reads.

A snapshot folder (index/snapshots.py publishes it atomically) holds the vectors, the passage
filter columns with their duplicate links, the document table and the lexical index. A query
reads only these, plus passage rows by id from the store, which never change once written (a
new version writes new rows and retires the old ones): so a result never mixes two states of
the corpus, even while an import or a crawl runs."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from index import factory, snapshots
from index.concept_tags import ConceptTags
from index.base import VectorIndex
from index.doc_table import DocumentTable
from index.hubness import Hubness
from index.identifiers import TitleMatcher
from index.lexical import LexicalIndex
from index.manifest import Manifest
from index.metadata import Filters, PassageColumns
from index.units import passage_ids


class IndexMissing(Exception):
    """No usable snapshot: none published yet, or one written by an older ailex."""


@dataclass
class Snapshot:
    folder: Path
    manifest: Manifest
    index: VectorIndex
    columns: PassageColumns
    documents: DocumentTable
    lexical: LexicalIndex
    unit_ids: np.ndarray  # every vector id in the index (passages and sentence windows)
    hubness: Hubness | None = None  # per-vector correction (index/hubness.py); None: plain cosines
    concepts: ConceptTags | None = None  # concept tags (index/concept_tags.py); None: built before them

    @property
    def build_id(self) -> str:
        return self.manifest.build_id

    _provision_keys: dict | None = None

    def provision_keys(self, rows) -> dict[int, tuple[str, str, str, int]]:
        """{passage id: (family, unit kind, number, series)} for the passages of documents that have
        a family, read once per snapshot from the (immutable) passage rows."""
        if self._provision_keys is None:
            from index.provisions import unit_key

            cols = self.columns
            with_family = [d.id for d in self.documents if (f := self.documents.family(d.id)) is not None
                           and len(f.members) > 1]
            ids = cols.ids[cols.mask(Filters(document_id=with_family))] if with_family else cols.ids[:0]
            keys: dict[int, tuple] = {}
            for start in range(0, len(ids), 2000):
                for pid, p in rows.passages_by_ids(ids[start : start + 2000].tolist()).items():
                    k = unit_key(p).key
                    if k.kind in ("article", "recital", "annex"):
                        keys[pid] = (self.documents.family(p.document_id).id, k.kind, k.number, k.series)
            self._provision_keys = keys
        return self._provision_keys

    _provision_passages: dict | None = None

    def provision_passages(self, rows) -> dict[tuple[str, str, str, int], list[int]]:
        """The other way round: {(family, unit kind, number, series): its passages in every member}."""
        if self._provision_passages is None:
            out: dict[tuple, list[int]] = {}
            for pid, key in self.provision_keys(rows).items():
                out.setdefault(key, []).append(pid)
            self._provision_passages = out
        return self._provision_passages

    @cached_property
    def titles(self) -> TitleMatcher:
        """Which documents a short query names (index/identifiers.py), built once per snapshot."""
        return TitleMatcher(self.documents)

    def allowed_units(self, allowed_passages: np.ndarray | None) -> np.ndarray | None:
        if allowed_passages is None:
            return None
        return self.unit_ids[np.isin(passage_ids(self.unit_ids), allowed_passages)]


def open_snapshot(folder: Path, threads: int = 0) -> Snapshot:
    folder = Path(folder)
    try:
        manifest = Manifest.read(folder)
        documents = DocumentTable.load(folder)
        columns = PassageColumns.load(folder, list(documents), older=True)
    except (OSError, ValueError) as exc:
        raise IndexMissing(f"index {folder.name} cannot be read by this ailex ({exc}): run `ailex index`") from exc
    lexical = LexicalIndex.load(folder)
    if lexical is None:
        raise IndexMissing(f"index {folder.name} has no lexical index of this format: run `ailex index`")
    index = factory.load(folder, threads)
    return Snapshot(folder, manifest, index, columns, documents, lexical, index.ids(), Hubness.load(folder),
                    ConceptTags.load(folder))


def load_current(index_dir: Path, threads: int = 0) -> Snapshot:
    folder = snapshots.current(index_dir)
    if folder is None:
        raise IndexMissing(f"no index in {index_dir}: run `ailex index` first")
    return open_snapshot(folder, threads)
