"""The landscape as an export table (CSV, Markdown, Word through the shared writers), with a
citation of each cell's best passage from the one citation formatter (corpus/citation.py)."""
from __future__ import annotations

from datetime import date

from corpus.citation import Versions, cite_passage
from search_api.exports.table import ExportRow, ExportTable


def landscape_table(result: dict, searcher, describe: str = "") -> ExportTable:
    labels = {c["id"]: c["label"] for c in result["concepts"]}
    names = {j["code"]: j["name"] for j in result["jurisdictions"]}
    versions = Versions(searcher.store)
    rows = searcher.store.passages_by_ids([c["best"]["passage_id"] for c in result["cells"]])
    out = []
    for cell in result["cells"]:
        best = cell["best"]
        p = rows[best["passage_id"]]
        doc = searcher.snapshot.documents.get(p.document_id)
        out.append(ExportRow({
            "jurisdiction": cell["jurisdiction"], "jurisdiction_name": names.get(cell["jurisdiction"], ""),
            "concept": cell["concept"], "label": labels.get(cell["concept"], cell["concept"]),
            "passages": cell["passages"], "documents": cell["documents"], "title": doc.title,
            "locator": best["locator"], "evidence": " ".join(best["evidence"].split()), "score": best["score"],
            "passage_id": best["passage_id"], "document_id": best["document_id"],
        }, {"": [cite_passage(doc, p, versions.get(p.version_id))]}))
    return ExportTable(
        title="Landscape: AI-policy concepts by jurisdiction",
        columns=[("label", "Concept"), ("jurisdiction", "Jurisdiction"), ("jurisdiction_name", "Name"),
                 ("passages", "Passages"), ("documents", "Documents"), ("title", "Best passage: document"),
                 ("locator", "Provision"), ("evidence", "Evidence"), ("score", "Score"), ("concept", "Concept id"),
                 ("passage_id", "Passage id"), ("document_id", "Document id")],
        rows=out, long_text={"evidence"}, filename="ailex-landscape",
        intro=[f"Taxonomy version {result['taxonomy_version']}; {len(out)} jurisdiction × concept cells"
               + (f" ({describe})" if describe else "") + ".", f"Exported from ailex on {date.today().isoformat()}."],
    )
