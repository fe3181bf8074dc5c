"""The documents as one snapshot knows them: metadata for results, `title:` search and filters.

Saved with each snapshot (`documents.json`, a few hundred bytes a document), so a query reads
document metadata from the same published state as the vectors and passage columns: an edit
in the store shows once the next snapshot is published, never half-way through."""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from corpus.families import Family, FamilyMember
from corpus.models import Document

FILENAME = "documents.json"
FAMILIES = "families.json"


class DocumentTable:
    def __init__(self, documents: Iterable[Document], families: Iterable[Family] = ()):
        self._by_id = {d.id: d for d in documents}
        self._family_of = {m.document_id: f for f in families for m in f.members}

    def same_as(self, other: "DocumentTable") -> bool:
        """The same documents with the same metadata and families (nothing to republish)."""
        return [d.model_dump() for d in self] == [d.model_dump() for d in other] and \
            {k: f.model_dump() for k, f in self._family_of.items()} == {k: f.model_dump() for k, f in other._family_of.items()}

    def family(self, doc_id: str) -> Family | None:
        """The document's family (its formats, translations, readings: corpus/families.py)."""
        return self._family_of.get(doc_id)

    def member(self, doc_id: str) -> FamilyMember | None:
        """The document's place in its family (role, language, format), or None."""
        family = self._family_of.get(doc_id)
        return family.member(doc_id) if family is not None else None

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
        families = {f.id: f for f in self._family_of.values()}
        (Path(folder) / FAMILIES).write_text(json.dumps([f.model_dump(mode="json") for f in families.values()],
                                                        ensure_ascii=False))

    @classmethod
    def load(cls, folder: Path) -> "DocumentTable":
        path = Path(folder) / FILENAME
        if not path.exists():
            raise ValueError(f"{folder} holds no document table (written by an older ailex): run `ailex index`")
        families = Path(folder) / FAMILIES  # absent in snapshots written before families
        return cls((Document.model_validate(row) for row in json.loads(path.read_text())),
                   (Family.model_validate(f) for f in json.loads(families.read_text())) if families.exists() else ())
