"""What the HTML pages share: the Jinja2 environment, display names, and the search state
that every link on the search page is built from (the URL holds all of it)."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from fastapi.templating import Jinja2Templates

from corpus.settings import get_settings

from index.metadata import Filters

templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")

LANGUAGE_NAMES = {
    "en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian", "pt": "Portuguese",
    "nl": "Dutch", "ko": "Korean", "ja": "Japanese", "zh": "Chinese", "zh-cn": "Chinese (simplified)",
    "zh-tw": "Chinese (traditional)", "pl": "Polish", "sv": "Swedish", "da": "Danish", "fi": "Finnish",
}
JURISDICTION_NAMES = {
    "EU": "European Union", "BR": "Brazil", "CA": "Canada", "KR": "South Korea", "TW": "Taiwan", "CN": "China",
    "US": "United States (federal)", "US-CA": "California", "US-CO": "Colorado", "US-TN": "Tennessee",
    "US-MD": "Maryland", "US-NY": "New York", "US-TX": "Texas", "GB": "United Kingdom", "UK": "United Kingdom",
    "AU": "Australia", "CL": "Chile", "ZA": "South Africa", "UN": "United Nations", "CoE": "Council of Europe", "CH": "Switzerland", "FR": "France",
    "DE": "Germany", "JP": "Japan", "IN": "India", "SG": "Singapore", "NZ": "New Zealand",
}
FACETS = ("concept", "language", "jurisdiction", "doc_type", "status", "unit_type", "year")  # the order they are shown in
FACET_LABELS = {"language": "Language", "jurisdiction": "Jurisdiction", "doc_type": "Document type",
                "status": "Status", "year": "Year", "document_id": "Document", "concept": "Concept", "unit_type": "Unit type"}
PARAM = {"language": "lang", "jurisdiction": "jurisdiction", "doc_type": "doc_type", "status": "status",
         "document_id": "document", "concept": "concept", "unit_type": "unit_type"}  # Filters field → query parameter
DEFAULTS = {"k": 10, "mode": "hybrid", "diversify": "jurisdiction"}


def language_name(code: str) -> str:
    """'fr' → 'French'; 'en+fr' → 'English + French'; unknown codes stay as they are."""
    return " + ".join(LANGUAGE_NAMES.get(c, c) for c in code.split("+")) if code else "unknown"


def jurisdiction_name(code: str) -> str:
    return JURISDICTION_NAMES.get(code, code)


def jurisdiction_label(code: str) -> str:
    """'EU' → 'European Union (EU)'; unknown codes stay as they are."""
    return f"{JURISDICTION_NAMES[code]} ({code})" if code in JURISDICTION_NAMES else code


FAMILY_ROLES = {"final": "final text", "consolidated": "consolidated version", "format": "same text, other format",
                "translation": "translation", "reading": "bill or reading", "position": "position at a reading",
                "amendment": "amending act"}


def family_role_label(role: str) -> str:
    return FAMILY_ROLES.get(role, role)


def humanize(value: str) -> str:
    """'committee_report' → 'committee report'."""
    return (value or "—").replace("_", " ")


@lru_cache(maxsize=1)
def _concept_labels() -> dict[str, str]:
    from pipeline.concepts.taxonomy import TaxonomyError, load

    try:
        return {c.id: c.label.en for c in load(get_settings().concept_taxonomy).concepts}
    except TaxonomyError:
        return {}


def concept_label(concept_id: str) -> str:
    return _concept_labels().get(concept_id, concept_id)


def value_label(column: str, value: str) -> str:
    if column == "concept":
        return concept_label(value)
    if column == "language":
        return language_name(value)
    if column == "jurisdiction":
        return jurisdiction_label(value)
    return humanize(value)


def query_string(pairs) -> str:
    return urlencode([(k, v) for k, v in pairs if v is not None])


@dataclass(frozen=True)
class SearchState:
    """Everything the search page shows is a function of this, and this is the URL."""

    q: str = ""
    k: int = 10
    mode: str = "hybrid"
    diversify: str = "jurisdiction"
    filters: Filters = field(default_factory=Filters)

    def pairs(self) -> list[tuple[str, str]]:
        out = ([("q", self.q)] if self.q else []) + self.filter_pairs()
        for name, default in DEFAULTS.items():  # defaults stay out of the URL, so links stay short
            if getattr(self, name) != default:
                out.append((name, str(getattr(self, name))))
        return out

    def filter_pairs(self) -> list[tuple[str, str]]:
        out, f = [], self.filters
        for column, param in PARAM.items():
            out += [(param, v) for v in getattr(f, column)]
        if f.date_from:
            out.append(("date_from", f.date_from.isoformat()))
        if f.date_to:
            out.append(("date_to", f.date_to.isoformat()))
        return out

    def api_url(self) -> str:
        """The same search as JSON (the API spreads results only when asked)."""
        return "/api/search?" + query_string([("q", self.q), *self.filter_pairs(), ("k", str(self.k)),
                                              ("mode", self.mode)] + ([("diversify", self.diversify)] if self.diversify else []))

    def url(self, path: str = "/") -> str:
        qs = query_string(self.pairs())
        return f"{path}?{qs}" if qs else path

    def _with(self, **changes) -> "SearchState":
        return replace(self, filters=replace(self.filters, **changes))

    # -- facets ------------------------------------------------------------------
    def year(self) -> str | None:
        """The year the date range selects, when it is exactly one calendar year."""
        f = self.filters
        if f.date_from and f.date_to and f.date_from.year == f.date_to.year \
                and (f.date_from.month, f.date_from.day, f.date_to.month, f.date_to.day) == (1, 1, 12, 31):
            return str(f.date_from.year)
        return None

    def is_selected(self, column: str, value: str) -> bool:
        if column == "year":
            return self.year() == value
        return value.lower() in {v.lower() for v in getattr(self.filters, column)}

    def toggle(self, column: str, value: str) -> str:
        """The URL of this search with `value` added to (or, when already there, removed from) the filter."""
        if column == "year":
            if self.year() == value:
                return self._with(date_from=None, date_to=None).url()
            y = int(value)
            return self._with(date_from=date(y, 1, 1), date_to=date(y, 12, 31)).url()
        current = list(getattr(self.filters, column))
        if self.is_selected(column, value):
            return self._with(**{column: [v for v in current if v.lower() != value.lower()]}).url()
        return self._with(**{column: current + [value]}).url()

    def chips(self, titles: dict[str, str] | None = None) -> list[dict]:
        """Active filters as removable chips: label, value shown, URL without it."""
        out = []
        for column in PARAM:
            for v in getattr(self.filters, column):
                shown = (titles or {}).get(v, v) if column == "document_id" else value_label(column, v)
                out.append({"label": FACET_LABELS[column], "value": shown, "remove": self.toggle(column, v)})
        year = self.year()
        if year:
            out.append({"label": "Year", "value": year, "remove": self.toggle("year", year)})
        else:
            if self.filters.date_from:
                out.append({"label": "From", "value": self.filters.date_from.isoformat(),
                            "remove": self._with(date_from=None).url()})
            if self.filters.date_to:
                out.append({"label": "To", "value": self.filters.date_to.isoformat(),
                            "remove": self._with(date_to=None).url()})
        return out

    def cleared(self) -> str:
        return replace(self, filters=Filters()).url()


def group_by_document(results: list) -> list[tuple[object, list]]:
    """Hits grouped by document, in the order of each document's best hit."""
    groups: dict[str, tuple[object, list]] = {}
    for r in results:
        groups.setdefault(r.document.id, (r.document, []))[1].append(r)
    return list(groups.values())


def segments(text: str, spans) -> list[tuple[str, bool]]:
    """Text cut into (piece, highlighted) runs, so the template marks terms without |safe."""
    out, pos = [], 0
    for a, b in spans:
        if a > pos:
            out.append((text[pos:a], False))
        out.append((text[a:b], True))
        pos = b
    out.append((text[pos:], False))
    return out


def evidence_segments(text: str, evidence: str | None) -> list[tuple[str, bool]]:
    """The passage cut around its evidence sentence (whitespace may differ: windows are built from
    normalised lines), so the template marks the sentence that carries a concept."""
    if evidence:
        import re

        words = evidence.split()
        m = re.search(r"\s+".join(re.escape(w) for w in words), text) if words else None
        if m:
            return segments(text, [(m.start(), m.end())])
    return [(text, False)]


templates.env.globals.update(
    language_name=language_name, jurisdiction_name=jurisdiction_name, family_role_label=family_role_label, jurisdiction_label=jurisdiction_label, humanize=humanize, value_label=value_label,
    segments=segments, facet_labels=FACET_LABELS, concept_label=concept_label, evidence_segments=evidence_segments,
)
