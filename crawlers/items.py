"""What spiders yield: one `DocumentItem` per document, whatever the source.

Spiders only parse; crawlers.pipelines.CorpusPipeline turns items into corpus records.
`source_url` is the document's canonical URL at its source and becomes the store's source_key.
`body` is the document itself (HTML, XML, PDF bytes) when the spider fetched it; metadata-only
items (an API record whose text lives elsewhere) have no body and are stored without a version.
`actions` is the bill's timeline (corpus.actions.BillAction, any order): stored with the document,
and the document's status follows its latest classified action (crawlers.actions.status_for).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from corpus.actions import BillAction

DOC_TYPES = {
    "bill",  # a bill / proposal / projet or proposition de loi, one of its text versions
    "act",  # adopted legislation (statute, regulation, statutory instrument)
    "procedure",  # a procedure or dossier page: the file that ties a bill's documents together
    "committee_report",
    "committee_evidence",  # committee hearing transcript
    "resolution",  # motion for a resolution, adopted text of a resolution
    "debate",  # plenary debate record (Hansard, CRE): cut into speeches (pipeline/speeches.py)
    "question",  # parliamentary questions (question papers, written questions and answers)
    "amendment",
    "opinion",  # committee or advisory-body opinion
    "summary",  # official summary of a document (OEIL, CRS)
    "other",
}


@dataclass(frozen=True)
class Link:
    """`relation` reads from the item to `url`: the item *has* a `relation` at `url`."""

    relation: str
    url: str


@dataclass
class DocumentItem:
    source_url: str
    title: str
    jurisdiction: str
    doc_type: str
    language: str = ""
    date: str = ""
    status: str = ""
    identifiers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = field(default=None, repr=False)
    content_type: str = ""
    filename: str = ""
    links: list[Link] = field(default_factory=list)
    # AI relevance: set by the spider base from title + text (and a parent's score).
    relevance: float = 0.0
    ai_terms: list[str] = field(default_factory=list)
    # the bill's timeline, when the source exposes its steps (crawlers/actions.py classifies them)
    actions: list[BillAction] = field(default_factory=list)

    def problems(self) -> list[str]:
        out = []
        if not self.source_url.startswith(("http://", "https://")):
            out.append(f"source_url is not an absolute URL: {self.source_url!r}")
        if not self.title.strip():
            out.append("empty title")
        if self.doc_type not in DOC_TYPES:
            out.append(f"unknown doc_type {self.doc_type!r}")
        if self.date and not (len(self.date) in (4, 7, 10) and self.date[:4].isdigit()):
            out.append(f"date is not ISO: {self.date!r}")
        if self.body is not None and not self.content_type:
            out.append("body without content_type")
        if any(not isinstance(a, BillAction) for a in self.actions):
            out.append("actions must be BillAction records")
        return out
