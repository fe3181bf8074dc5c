"""The documents as one snapshot knows them: metadata for results, `title:` search and filters.

Saved with each snapshot (`documents.json`, a few hundred bytes a document), so a query reads
document metadata from the same published state as the vectors and passage columns: an edit
in the store shows once the next snapshot is published, never half-way through."""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from corpus.models import Document

FILENAME = "documents.json"


class DocumentTable:
    def __init__(self, documents: Iterable[Document]):
        self._by_id = {d.id: d for d in documents}

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Document]:
        return iter(self._by_id.values())

    def __contains__(self, doc_id: str) -> bool:
        return doc_id in self._by_id

    def get(self, doc_id: str) -> Document:
        """The document's metadata in this snapshot; KeyError when it holds no such document."""
        return self._by_id[doc_id]

    def with_title(self, terms: Iterable[str]) -> list[str]:
        """Ids of documents whose title contains every term (case-insensitive)."""
        terms = [t.casefold() for t in terms if t]
        if not terms:
            return []
        return [d.id for d in self._by_id.values() if all(t in d.title.casefold() for t in terms)]

    def save(self, folder: Path) -> None:
        rows = [d.model_dump(mode="json") for d in self._by_id.values()]
        (Path(folder) / FILENAME).write_text(json.dumps(rows, ensure_ascii=False))

    @classmethod
    def load(cls, folder: Path) -> "DocumentTable":
        path = Path(folder) / FILENAME
        if not path.exists():
            raise ValueError(f"{folder} holds no document table (written by an older ailex): run `ailex index`")
        return cls(Document.model_validate(row) for row in json.loads(path.read_text()))
