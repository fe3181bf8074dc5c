"""The document list (`GET /api/documents`): filter, sort and page a set of documents.

One function over plain inputs (documents and their counts), so it reads whichever state it is
given: the store today, a published snapshot's document table tomorrow. Filters mean what they
mean in search (`index.metadata`: case-insensitive values, `zh` matches `zh-cn`, a document dated
`2024` overlaps any range touching 2024, undated documents fail any date filter).

Paging is by keyset: the cursor holds the sort and the sort key of the last document shown, so a
document inserted while a client pages never shifts the next page (it shows up only when it sorts
after the cursor) and no document is shown twice."""
from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from corpus.models import Document
from index.metadata import Filters, date_key, value_matches

Sort = Literal["date", "-date", "title", "-title"]
SORTS: tuple[str, ...] = ("date", "-date", "title", "-title")


class BadCursor(ValueError):
    """The cursor was not made by this listing for this sort."""


@dataclass
class DocumentCounts:
    versions: int = 0
    passages: int = 0
    languages: dict[str, int] = field(default_factory=dict)  # passages per language, most first


@dataclass
class ListedDocument:
    document: Document
    counts: DocumentCounts


@dataclass
class DocumentPage:
    total: int  # documents passing the filters, over all pages
    documents: list[ListedDocument]
    next_cursor: str | None  # None on the last page


def _declared_languages(d: Document) -> list[str]:
    return [part.strip().lower() for part in d.language.replace(",", "+").split("+") if part.strip()]


def matches(d: Document, counts: DocumentCounts, f: Filters) -> bool:
    for col in ("jurisdiction", "doc_type", "status"):
        wanted = getattr(f, col)
        if wanted and not value_matches(col, getattr(d, col) or "", wanted):
            return False
    if f.document_id and d.id not in f.document_id:
        return False
    # a document is "in" a language when it is declared in it or holds passages in it (C-27: en+fr)
    if f.language and not any(value_matches("language", lang, f.language)
                              for lang in [*_declared_languages(d), *counts.languages]):
        return False
    if f.empty_period():
        return False
    if f.date_from is not None and date_key(d.date, end=True) < int(f.date_from.strftime("%Y%m%d")):
        return False
    if f.date_to is not None and not 0 < date_key(d.date) <= int(f.date_to.strftime("%Y%m%d")):
        return False
    return True


def documents_with_concepts(snapshot, concept_ids: list[str]) -> set[str]:
    """Ids of the documents with a passage tagged with any of `concept_ids` in `snapshot`
    (UnknownConcept, naming the known ids, for an id its taxonomy lacks)."""
    from index.concept_tags import concept_mask

    passage_ids = concept_mask(snapshot.concepts, concept_ids, None)
    return {snapshot.columns.value_of("document_id", int(p)) for p in passage_ids} - {""}


def sort_key(d: Document, sort: str) -> list:
    """Ascending key in the listing's order (`-title` walks this key backwards); undated last."""
    day = date_key(d.date)
    if sort == "date":
        return [int(day == 0), day, d.id]
    if sort == "-date":
        return [int(day == 0), -day, d.id]
    return [d.title.casefold(), d.id]


def encode_cursor(sort: str, key: list) -> str:
    raw = json.dumps({"s": sort, "k": key}, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> list:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        key = data["k"]
        ok = data["s"] == sort and isinstance(key, list) and [type(v) for v in key] == [type(v) for v in
                                                                                        _KEY_SHAPE[sort]]
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
        ok = False
    if not ok:
        raise BadCursor(f"not a cursor of this listing with sort={sort} (use next_cursor as given)")
    return key


_KEY_SHAPE = {"date": [0, 0, ""], "-date": [0, 0, ""], "title": ["", ""], "-title": ["", ""]}


def list_documents(documents: Iterable[Document], counts: Mapping[str, DocumentCounts], filters: Filters,
                   *, sort: str = "-date", limit: int = 50, cursor: str | None = None,
                   within: set[str] | None = None) -> DocumentPage:
    """The page of `documents` passing `filters` in `sort` order after `cursor`, at most `limit` long.
    `within`: only these document ids (those holding a passage of the `concept` filter, which the
    snapshot's tags answer: `documents_with_concepts`)."""
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}")
    empty = DocumentCounts()
    chosen = [(sort_key(d, sort), d) for d in documents
              if (within is None or d.id in within) and matches(d, counts.get(d.id, empty), filters)]
    backwards = sort == "-title"
    chosen.sort(key=lambda kd: kd[0], reverse=backwards)
    start = 0
    if cursor:
        after = decode_cursor(cursor, sort)
        start = next((n for n, (key, _) in enumerate(chosen) if (key < after if backwards else key > after)),
                     len(chosen))
    page = chosen[start:start + limit]
    more = start + limit < len(chosen)
    return DocumentPage(
        total=len(chosen),
        documents=[ListedDocument(d, counts.get(d.id, empty)) for _, d in page],
        next_cursor=encode_cursor(sort, page[-1][0]) if more and page else None,
    )
