"""One export table per analysis view: search results, comparison, crosswalk, diff."""
from __future__ import annotations

from datetime import date

from corpus.citation import Citation, Versions, cite, cite_passage
from corpus.models import Document
from index.compare import Comparison, cited
from index.crosswalk import Crosswalk
from index.diff import Diff
from index.provisions import Provision
from index.results import SearchResult
from search_api.exports.table import ExportRow, ExportTable, Redline


def cite_unit(document: Document, unit: Provision, versions: Versions) -> Citation:
    first, last = unit.pages
    return cite(document, versions.get(unit.passages[0].version_id if unit.passages else None), unit.locator,
                first, last, unit.passage_ids, unit.language)


def _today() -> str:
    return f"Exported from ailex on {date.today().isoformat()}."


def search_table(result: SearchResult, versions: Versions, description: str = "") -> ExportTable:
    rows = [ExportRow({
        "rank": h.rank, "similarity": None if h.similarity is None else round(h.similarity, 4),
        "jurisdiction": h.document.jurisdiction, "title": h.document.title, "locator": h.passage.locator,
        "page": h.passage.page_start, "language": h.passage.language, "text": " ".join(h.passage.text.split()),
        "passage_id": h.passage.id, "document_id": h.document.id,
    }, {"": [cite_passage(h.document, h.passage, versions.get(h.passage.version_id))]}) for h in result.hits]
    return ExportTable(
        title=f"Search: {result.query}",
        columns=[("rank", "#"), ("jurisdiction", "Jurisdiction"), ("title", "Document"), ("locator", "Provision"),
                 ("text", "Passage"), ("similarity", "Similarity"), ("language", "Language"), ("page", "Page"),
                 ("passage_id", "Passage id"), ("document_id", "Document id")],
        rows=rows, long_text={"text"}, filename="ailex-search",
        intro=[f"Query: “{result.query}” ({result.mode} ranking{'; ' + description if description else ''}); "
               f"{len(result.hits)} of {result.total} passages.", _today()],
    )


def compare_table(result: Comparison) -> ExportTable:
    rows = [ExportRow({
        "jurisdiction": m.jurisdiction, "score": round(m.score, 5), "title": m.document.title,
        "locator": m.passage.locator, "page": m.passage.page_start or "", "date": m.document.date,
        "doc_type": m.document.doc_type, "status": m.document.status, "language": m.passage.language,
        "source_url": m.document.source_url, "retrieved": cited(m).retrieved, "text": " ".join(m.passage.text.split()),
        "passage_id": m.passage.id, "document_id": m.document.id,
    }, {"": [cited(m)]}) for m in result.matches]
    intro = [f"Provision compared: “{' '.join(result.query.split())[:500]}”."]
    if result.source is not None:
        intro.append(f"Compared from: {cited(result.source).text()}")
    if result.missing:
        intro.append(f"No good match in: {', '.join(result.missing)}.")
    return ExportTable(
        title="Comparison across jurisdictions",
        columns=[("jurisdiction", "Jurisdiction"), ("title", "Document"), ("locator", "Provision"), ("text", "Passage"),
                 ("score", "Score"), ("page", "Page"), ("date", "Date"), ("doc_type", "Type"), ("status", "Status"),
                 ("language", "Language"), ("source_url", "Official source"), ("retrieved", "Retrieved"),
                 ("passage_id", "Passage id"), ("document_id", "Document id")],
        rows=rows, long_text={"text"}, filename="ailex-compare", intro=intro + [_today()],
    )


def crosswalk_table(cw: Crosswalk, versions: Versions) -> ExportTable:
    rows = []
    for r in cw.rows:
        to = r.counterparts
        rows.append(ExportRow({
            "from_locator": r.unit.locator, "from_text": r.unit.text, "match": r.match,
            "to_locator": " | ".join(c.unit.locator for c in to),
            "to_text": "\n\n".join(c.unit.text for c in to),
            "similarity": round(to[0].similarity, 4) if to else None,
            "score": round(to[0].score, 4) if to else None,
        }, {"from": [cite_unit(cw.source, r.unit, versions)], "to": [cite_unit(cw.target, c.unit, versions) for c in to]}))
    s = cw.summary()
    return ExportTable(
        title=f"Crosswalk: {cw.source.title} → {cw.target.title}",
        columns=[("from_locator", f"{cw.source.jurisdiction} provision"), ("from_text", "Text"), ("match", "Match"),
                 ("to_locator", f"{cw.target.jurisdiction} counterpart"), ("to_text", "Text"),
                 ("similarity", "Similarity"), ("score", "Score")],
        rows=rows, roles=["from", "to"], long_text={"from_text", "to_text"}, filename="ailex-crosswalk",
        intro=[f"From: {cw.source.title} ({cw.source.jurisdiction}, {cw.source.language}). To: {cw.target.title} "
               f"({cw.target.jurisdiction}, {cw.target.language}).",
               f"Units: {cw.units}; alignment: {'in order (one text)' if cw.align == 'order' else 'best match (two laws)'}. "
               f"{s['equivalent']} equivalent, {s['partial']} partial, {s['none']} without counterpart; coverage "
               f"{s['coverage']:.0%}. Units of the second document nothing maps to: {len(cw.unmatched)}"
               + (f" ({', '.join(u.label or u.locator for u in cw.unmatched[:40])}{' …' if len(cw.unmatched) > 40 else ''})."
                  if cw.unmatched else "."),
               "Match classes are computed from the passages' vectors (multilingual embeddings): a reading aid, "
               "not a legal equivalence.", _today()],
    )


def diff_table(d: Diff, versions: Versions, include_unchanged: bool = False) -> ExportTable:
    rows = []
    for u in d.units:
        if u.status == "unchanged" and not include_unchanged:
            continue
        rows.append(ExportRow({
            "from_locator": u.old.locator if u.old else "", "to_locator": u.new.locator if u.new else "",
            "status": u.status, "similarity": u.similarity, "redline": Redline(u.redline),
        }, {"from": [cite_unit(d.old.document, u.old, versions)] if u.old else [],
            "to": [cite_unit(d.new.document, u.new, versions)] if u.new else []}))
    s = d.summary()
    return ExportTable(
        title=f"Changes: {d.old.label} → {d.new.label}",
        columns=[("from_locator", "Before"), ("to_locator", "After"), ("status", "Change"),
                 ("similarity", "Similarity"), ("redline", "Redline")],
        rows=rows, roles=["from", "to"], filename="ailex-diff",
        intro=[f"Before: {d.old.label}. After: {d.new.label}. Language compared: {d.language}.",
               ", ".join(f"{n} {k}" for k, n in s.items()) + " provision units"
               + ("" if include_unchanged else " (unchanged units are not listed)") + ".", _today()],
    )
