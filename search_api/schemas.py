"""Response models: the API contract other tools and the search page rely on."""
from __future__ import annotations

from pydantic import BaseModel

from corpus.models import Document, Passage
from index.search import Hit, SearchResult


class DocumentOut(BaseModel):
    id: str
    title: str
    jurisdiction: str
    doc_type: str
    status: str
    language: str
    date: str
    source_url: str
    family: str = ""  # the family of formats, translations, readings and versions it belongs to

    @classmethod
    def from_document(cls, d: Document) -> "DocumentOut":
        return cls(id=d.id, title=d.title, jurisdiction=d.jurisdiction, doc_type=d.doc_type, status=d.status,
                   language=d.language, date=d.date, source_url=d.source_url, family=d.family)


class PassageOut(BaseModel):
    passage_id: int
    seq: int
    text: str
    language: str
    locator: str
    page: int | None
    page_end: int | None
    unit_type: str = ""  # article, recital, annex, definition, heading, footnote or other

    @classmethod
    def from_passage(cls, p: Passage) -> "PassageOut":
        return cls(passage_id=p.id, seq=p.seq, text=p.text, language=p.language, locator=p.locator,
                   page=p.page_start, page_end=p.page_end, unit_type=p.unit_type)


class Copy(BaseModel):
    passage_id: int
    document_id: str
    title: str
    language: str = ""  # the copy's document language: another language text of the act, or the same


class HitConcept(BaseModel):
    """A concept of the taxonomy this passage is tagged with (issue 14)."""

    id: str
    label: str
    score: float  # the classifier's probability that the passage addresses the concept
    evidence: str  # the sentence that carries it


class SearchHit(PassageOut):
    rank: int
    score: float  # what ranked it: cosine (semantic), BM25 (keyword), reciprocal-rank fusion (hybrid)
    similarity: float | None  # cosine of the passage's best vector to the query; null when words alone found it
    best_sentence: str | None
    highlights: list[tuple[int, int]]
    also_in: list[Copy]
    document: DocumentOut
    concepts: list[HitConcept] = []

    @classmethod
    def from_hit(cls, h: Hit) -> "SearchHit":
        return cls(rank=h.rank, score=round(h.score, 5), document=DocumentOut.from_document(h.document),
                   best_sentence=h.best_sentence, highlights=h.highlights,
                   similarity=None if h.similarity is None else round(h.similarity, 5),
                   also_in=[Copy(passage_id=pid, document_id=d.id, title=d.title, language=d.language) for pid, d in h.also_in],
                   concepts=[HitConcept(**c) for c in h.concepts],
                   **PassageOut.from_passage(h.passage).model_dump())


class SearchResponse(BaseModel):
    query: str
    mode: str
    took_ms: float
    total: int
    below_cutoff: int
    results: list[SearchHit]
    facets: dict[str, dict[str, int]]

    @classmethod
    def from_result(cls, r: SearchResult) -> "SearchResponse":
        return cls(query=r.query, mode=r.mode, took_ms=r.took_ms, total=r.total, below_cutoff=r.below_cutoff,
                   results=[SearchHit.from_hit(h) for h in r.hits], facets=r.facets)


class VersionOut(BaseModel):
    id: int
    sha256: str
    content_type: str
    filename: str
    size: int
    fetched_at: str
    processing_status: str
    reason: str
    pages: int | None


class FamilyMemberOut(BaseModel):
    document_id: str
    title: str
    role: str  # final, consolidated, format, translation, reading, position or amendment
    language: str


class DocumentDetail(DocumentOut):
    processing_status: str
    reason: str
    identifiers: dict[str, str]
    family_role: str = ""  # this document's role in its family
    family_members: list[FamilyMemberOut] = []  # the whole family, most authoritative first
    file_url: str | None
    versions: list[VersionOut]
    passages: list[PassageOut]


class DocumentListItem(DocumentOut):
    processing_status: str
    reason: str
    version_count: int
    passage_count: int
    passage_languages: dict[str, int]  # active passages per language, most first
    url: str  # the document's detail: /api/documents/{id}


class DocumentList(BaseModel):
    total: int  # documents passing the filters, over all pages
    sort: str
    limit: int
    documents: list[DocumentListItem]
    next_cursor: str | None  # pass as `cursor` for the next page; null on the last page


class IndexInfo(BaseModel):
    build_id: str
    built_at: str
    count: int
    model: str
    dim: int


class Health(BaseModel):
    status: str
    documents: int
    passages: int
    by_status: dict[str, int]
    index: IndexInfo | None


class CompareContext(PassageOut):
    """The recital (or other explanatory passage) that matched best, when the operative provision
    it explains was chosen instead."""

    score: float
    citation: str


class CompareMatch(PassageOut):
    jurisdiction: str
    score: float
    citation: str
    document: DocumentOut
    context: CompareContext | None = None

    @classmethod
    def from_match(cls, m, retrieved) -> "CompareMatch":
        from index.compare import citation

        context = None
        if getattr(m, "context", None) is not None:
            context = CompareContext(score=round(m.context.score, 5), citation=citation(m.context, retrieved),
                                     **PassageOut.from_passage(m.context.passage).model_dump())
        return cls(jurisdiction=m.jurisdiction, score=round(m.score, 5), citation=citation(m, retrieved),
                   document=DocumentOut.from_document(m.document), context=context,
                   **PassageOut.from_passage(m.passage).model_dump())


class CompareResponse(BaseModel):
    query: str
    took_ms: float
    retrieved: str
    source: CompareMatch | None
    matches: list[CompareMatch]
    no_match: list[str]


class PassagePair(BaseModel):
    score: float
    source: PassageOut
    target: PassageOut


class SimilarDocumentOut(BaseModel):
    document: DocumentOut
    score: float
    pairs: list[PassagePair]


class SimilarResponse(BaseModel):
    document: DocumentOut
    similar: list[SimilarDocumentOut]


class CrawlRunOut(BaseModel):
    spider: str
    run: int
    status: str
    started_at: str
    finished_at: str | None
    replay: bool
    items: int
    new: int
    changed: int
    failed: int
    message: str


class ActionOut(BaseModel):
    date: str
    body: str
    description: str
    stage: str  # introduced, in_committee, reported, passed_first_chamber, passed_second_chamber, enacted, vetoed, withdrawn, archived, other
    source_url: str


class TimelineOut(BaseModel):
    """A document's actions, oldest first (empty when its source exposes no steps)."""
    document_id: str
    actions: list[ActionOut]


class ActivityOut(BaseModel):
    """Parliamentary actions on AI held in the corpus, for one parliament (jurisdiction) and year."""
    jurisdiction: str
    year: str
    bills: int
    committee_reports: int
    resolutions: int
    debates: int
    questions: int


class CorpusOut(BaseModel):
    """What is in the corpus: documents by jurisdiction, language, type and status, and the last crawls."""
    documents: int
    passages: int
    by_jurisdiction: dict[str, int]
    by_language: dict[str, int]
    by_doc_type: dict[str, int]
    by_status: dict[str, int]
    by_processing_status: dict[str, int]
    passages_by_language: dict[str, int]
    index: IndexInfo | None
    last_crawls: list[CrawlRunOut]
    ai_activity: list[ActivityOut] = []  # per parliament and year: bills, committee reports, … on AI
