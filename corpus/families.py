"""Document families: the formats, translations, readings and versions of one act, from metadata.

The AI Act is in the sample corpus eleven times over: the Official Journal text as TXT in six
languages, the EUR-Lex HTML in two, the OJ PDF, a consolidated version, the Parliament's
first-reading position (P9_TA(2024)0138) and a Council text amending it (PE-CONS 30/26). A search
that shows the same provision from several of them crowds out everything else, so documents are
grouped into families from what their metadata says, not from how similar their text is:

- identifiers: EU act numbers ("Regulation (EU) 2024/1689", CELEX 32024R1689, ELI reg/2024/1689),
  EU procedure numbers (2021/0106(COD)), bill numbers within a jurisdiction ("Bill C-27", "SB 1047",
  "PL 2338/2023"), US congress/bill type/number identifiers;
- document links the crawlers recorded between versions of one text (text versions, the other
  chamber's dossier, the PDF of a page: `document_links` in corpus/crawl_state.py);
- titles within a jurisdiction: a title segment two documents share ("生成式人工智能服务管理暂行办法",
  "Interim Measures for the Administration of Generative Artificial Intelligence Services"), or a
  run of five or more content words ("laying down harmonised rules on artificial intelligence"),
  unless their identifiers say they are different acts.

Each member gets a role (final text, consolidated version, format, translation, reading, position,
amendment) and `authority_key` orders members from the most authoritative copy of a provision to
the least: final text over position, original over translation, the query's language first when
it decides. Pure functions over records: the index stage stores a document's family id with each
snapshot's document table; the API reads the members from here."""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from pydantic import Field

from corpus.models import Document, Record
from corpus.text import STOPWORDS, has_cjk

ROLES = ("final", "consolidated", "format", "translation", "reading", "position", "amendment")
# lower is more authoritative: a provision's copy in the final text wins over the same words in
# the Parliament's position; an unofficial translation only over nothing
_ROLE_RANK = {role: n for n, role in enumerate(ROLES)}
# official print first, then the publisher's markup, then conversions
_FORMAT_RANK = {"pdf": 0, "html": 1, "xml": 1, "txt": 2, "md": 2}
VERSION_RELATIONS = frozenset({"text", "text_version", "text_versions", "version_of", "other_chamber", "publication_of",
                               "alternative", "pdf", "consolidated", "corrigendum"})


class FamilyMember(Record):
    document_id: str
    title: str
    role: str = Field(description="final, consolidated, format, translation, reading, position or amendment")
    language: str = ""
    doc_type: str = ""
    format_rank: int = Field(3, description="0 official print, 1 markup, 2 plain-text conversion, 4 scan")


class Family(Record):
    id: str = Field(description="Stable: named after the identifier that groups the family, e.g. eu-act-2024-1689.")
    key: str = Field(description="What groups it: an act, procedure or bill number, a shared title, or the document alone.")
    members: list[FamilyMember] = Field(default_factory=list, description="Most authoritative first.")

    def member(self, document_id: str) -> FamilyMember | None:
        return next((m for m in self.members if m.document_id == document_id), None)


# -- identifiers ------------------------------------------------------------------------------
_EU_ACT = re.compile(r"\((?:EU|UE|EG|CE|EC|EEG|CEE|EWG|EEC|EGKS)\)\s*(?:No\.?|n[.°º]?\s?o?\.?|nr\.?|Nr\.?)?\s*(\d{4})/(\d{1,4})\b")
_CELEX = re.compile(r"CELEX[:%3A]+\d(\d{4})[RLDF](\d{4})", re.I)
_ELI = re.compile(r"/eli/(?:reg|dir|dec|reg_impl|reg_del)/(\d{4})/(\d{1,4})\b")
_PROCEDURE = re.compile(r"\b(\d{4})/(\d{4})\s?\((COD|CNS|APP|NLE|INI|INL|BUD|RSP)\)|\b(COD|CNS|APP|NLE)\((\d{4})\)(\d{4})")
_BILL = re.compile(
    r"\b(?:Bill|Projet de loi|Projeto de Lei(?:\s+n[º°o.]?)?|PL)\s+(?:n[º°o.]\s*)?([A-Z]{0,2}-?\d{1,5}(?:/\d{4})?)\b"
    r"|\b(SB|AB|HB|SF|HF|LB|LD|HR|H\.R\.|S\.)\s?(\d{1,5}(?:-\d{1,4})?)\b")
_FORMAT_NOTE = re.compile(
    r"\((?:[^()]*\b(?:translation|traduction|scanned|print|text layer|encrypted|PDF|HTML|XML|chaptered|enrolled|amended|"
    r"signed|vetoed|first reading|second reading|consolidated|committee alternative bill|incl\.)[^()]*)\)"
    r"|—\s*(?:Official Journal PDF|EUR-Lex HTML|first reading XML|first reading|geconsolideerde tekst|consolidated text)\s*$",
    re.I)
_MIN_RUN = 5  # content words two titles must share in a row to name one act ("laying down harmonised rules on artificial intelligence")


def _act_keys(d: Document) -> set[str]:
    text = " ".join([d.title, d.source_url, *d.identifiers.values()])
    keys = {f"EU act {int(y)}/{int(n)}" for y, n in _EU_ACT.findall(d.title)}
    keys |= {f"EU act {int(y)}/{int(n)}" for y, n in _CELEX.findall(text)}
    keys |= {f"EU act {int(y)}/{int(n)}" for y, n in _ELI.findall(text)}
    return keys if d.jurisdiction == "EU" else set()


def _procedure_keys(d: Document) -> set[str]:
    text = " ".join([d.title, d.identifiers.get("procedure", ""), d.identifiers.get("reference", "")])
    out = set()
    for y1, n1, _t1, _t2, y2, n2 in _PROCEDURE.findall(text):
        out.add(f"{d.jurisdiction} procedure {y1 or y2}/{n1 or n2}")
    return out


def _bill_keys(d: Document) -> set[str]:
    out = {f"{d.jurisdiction} bill {(a or (b + c)).replace(' ', '').replace('.', '').upper()}"
           for a, b, c in _BILL.findall(d.title)}
    ids = d.identifiers
    if ids.get("bill_type") and ids.get("bill_number"):
        out.add(f"{d.jurisdiction} bill {ids.get('congress', '')}-{ids['bill_type'].upper()}{ids['bill_number']}")
    return out


def _title_segments(d: Document) -> set[str]:
    """The title's parts ("A — B"), without notes on the format or the reading: each names the act."""
    title = _FORMAT_NOTE.sub(" ", d.title)
    title = re.sub(r"\s*—\s*(?:Official Journal PDF|EUR-Lex HTML)\b.*$", "", title)
    out = set()
    for part in re.split(r"\s+—\s+|\s+/\s+", title):
        part = re.sub(r"\s+", " ", _FORMAT_NOTE.sub(" ", part)).strip(" .,:;()（）").casefold()
        if (has_cjk(part) and len(part) >= 8) or len(part.split()) >= 5:
            out.add(part)
    return out


def _content_words(title: str) -> list[str]:
    return [w for w in re.findall(r"[^\W\d_]+", _FORMAT_NOTE.sub(" ", title).casefold()) if w not in STOPWORDS]


def _shares_run(a: list[str], b: list[str], n: int = _MIN_RUN) -> bool:
    grams = {tuple(a[i:i + n]) for i in range(len(a) - n + 1)}
    return any(tuple(b[i:i + n]) in grams for i in range(len(b) - n + 1))


# -- roles ------------------------------------------------------------------------------------
_CONSOLIDATED = re.compile(r"consolidat|geconsolideerd|konsolidiert|consolidad|consolidat", re.I)
_POSITION = re.compile(r"\bposition\b|legislative resolution|résolution législative|Standpunkt|\bP\d_TA\(", re.I)
_TRANSLATION = re.compile(r"translation|traduction|Übersetzung|traducción|traduzione|tradução|vertaling", re.I)
_AMENDING = re.compile(r"\bamend|wijziging|modifiant|modification|Änderung|modifica|alteração|omnibus", re.I)
_READING = re.compile(r"reading|lecture|Lesung|lectura|lettura|leitura|committee alternative|\benrolled\b|\bamended\b", re.I)


def _extension(d: Document) -> str:
    m = re.search(r"\.(pdf|html?|xml|txt|md)\b", d.source_key.lower())
    return {"htm": "html"}.get(m.group(1), m.group(1)) if m else ""


def _format_rank(d: Document) -> int:
    """The official print first, then the publisher's markup, then conversions; a scan last."""
    if "scanned" in d.title.casefold():
        return 4
    return _FORMAT_RANK.get(_extension(d), 3)


def _role(d: Document, keys: set[str]) -> str:
    if d.doc_type in ("resolution", "position") or _POSITION.search(d.title):
        return "position"
    if _TRANSLATION.search(d.title):
        return "translation"
    if _CONSOLIDATED.search(d.title):
        return "consolidated"
    if d.doc_type in ("bill", "amendment") and _AMENDING.search(d.title) and any(k.startswith("EU act") for k in keys):
        return "amendment"  # another act changing this one (PE-CONS 30/26 amends Regulation 2024/1689)
    if d.doc_type in ("bill", "amendment") or _READING.search(d.title):
        return "reading"
    return "final"


def authority_key(member: FamilyMember, query_language: str = "") -> tuple:
    """Sort key: the most authoritative copy first. Final text over consolidated, format copies,
    translations, readings, positions and amendments; within a role, the query's language first
    (it decides when the act is authentic in every language, as EU acts are), then the official
    print over markup over plain-text conversions."""
    lang = (member.language or "").split("+")
    same_language = 0 if query_language and any(l.split("-")[0] == query_language.split("-")[0] for l in lang) else 1
    return (_ROLE_RANK.get(member.role, len(ROLES)), same_language, member.format_rank, member.document_id)


def most_authoritative(members: Sequence[FamilyMember], query_language: str = "") -> FamilyMember:
    """The member whose copy of a provision a result should show (the others go to `also_in`)."""
    return min(members, key=lambda m: authority_key(m, query_language))


# -- grouping ---------------------------------------------------------------------------------
class _Union:
    def __init__(self, items: Iterable[str]):
        self.parent = {i: i for i in items}

    def find(self, x: str) -> str:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def build_families(documents: Sequence[Document], links: Iterable = ()) -> dict[str, Family]:
    """{document id: its family} for every document (a document with no relative is a family of one).
    `links` are DocumentLink records (from_key, to_key, relation) between source keys."""
    docs = {d.id: d for d in documents}
    union = _Union(docs)
    strong: dict[str, set[str]] = {}
    by_key: dict[str, list[str]] = defaultdict(list)
    for d in documents:
        strong[d.id] = _act_keys(d) | _procedure_keys(d) | _bill_keys(d)
        for key in strong[d.id]:
            by_key[key].append(d.id)
        for segment in _title_segments(d):
            by_key[f"{d.jurisdiction} title {segment}"].append(d.id)
    for ids in by_key.values():
        for other in ids[1:]:
            if _compatible(strong, ids[0], other):
                union.join(ids[0], other)
    by_source = {d.source_key: d.id for d in documents}
    for link in links:
        a, b = by_source.get(link.from_key), by_source.get(link.to_key)
        if a and b and link.relation in VERSION_RELATIONS:
            union.join(a, b)
    # titles sharing a run of content words, within a jurisdiction, when identifiers do not object
    by_jurisdiction: dict[str, list[Document]] = defaultdict(list)
    for d in documents:
        by_jurisdiction[d.jurisdiction].append(d)
    for group in by_jurisdiction.values():
        words = {d.id: _content_words(d.title) for d in group}
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if union.find(a.id) != union.find(b.id) and _compatible(strong, a.id, b.id) \
                        and _shares_run(words[a.id], words[b.id]):
                    union.join(a.id, b.id)
    groups: dict[str, list[str]] = defaultdict(list)
    for doc_id in docs:
        groups[union.find(doc_id)].append(doc_id)
    out: dict[str, Family] = {}
    for ids in groups.values():
        family = _family([docs[i] for i in ids], strong)
        for i in ids:
            out[i] = family
    return out


def _compatible(strong: dict[str, set[str]], a: str, b: str) -> bool:
    """Two documents whose act or bill numbers are all different are different acts, whatever their titles."""
    ka = {k for k in strong[a] if " act " in k or " bill " in k}
    kb = {k for k in strong[b] if " act " in k or " bill " in k}
    return not ka or not kb or bool(ka & kb)


def _family(members: list[Document], strong: dict[str, set[str]]) -> Family:
    keys = sorted(set.intersection(*(strong[d.id] or {""} for d in members)) - {""}) if len(members) > 1 else []
    shared = [k for k in sorted({k for d in members for k in strong[d.id]},
                                key=lambda k: (-sum(k in strong[d.id] for d in members), k))]
    key = (keys or shared or [""])[0]
    if not key:
        first = min(members, key=lambda d: d.id)
        key = f"{first.jurisdiction} title {first.title}" if len(members) > 1 else f"document {first.id}"
    slug = re.sub(r"[^a-z0-9]+", "-", key.casefold()).strip("-")
    if len(slug) > 48 or not slug.isascii() or key.startswith(("document ",)) or " title " in key:
        slug = f"{members[0].jurisdiction.lower()}-family-{hashlib.sha1(min(d.id for d in members).encode()).hexdigest()[:8]}"
    roles = {d.id: _role(d, strong[d.id]) for d in members}
    # one final text per language: the others are that text in another format (TXT, HTML, PDF)
    finals: dict[str, list[Document]] = defaultdict(list)
    for d in members:
        if roles[d.id] == "final":
            finals[d.language].append(d)
    for same_language in finals.values():
        best = min(same_language, key=lambda d: (_format_rank(d), d.id))
        for d in same_language:
            if d.id != best.id:
                roles[d.id] = "format"
    out = [FamilyMember(document_id=d.id, title=d.title, role=roles[d.id], language=d.language, doc_type=d.doc_type,
                        format_rank=_format_rank(d)) for d in members]
    out.sort(key=authority_key)
    return Family(id=slug, key=key, members=out)


def with_families(documents: Sequence[Document], links: Iterable = ()) -> list[Document]:
    """The documents with their `family` id filled in (what a snapshot's document table stores)."""
    families = build_families(documents, links)
    return [d.model_copy(update={"family": families[d.id].id}) for d in documents]


def store_families(store) -> dict[str, Family]:
    """The families of every document in `store`, with the links its crawls recorded."""
    from corpus.crawl_state import CrawlState

    return build_families(store.documents(), CrawlState(store).links())
