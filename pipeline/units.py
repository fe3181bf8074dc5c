"""What a passage is (an article, a recital, a definition …) and which of its lines carry no
provision text: both decided once, at chunk time, from the structure and the text.

`unit_type` is one of UNIT_TYPES and is stored on the passage (a search filter and facet; ranking
prefers operative provisions with it; crosswalks group by it).

A *junk line* is a line that is there in the document but says nothing a reader would cite: a
footnote or source citation ("94 ARIA, Submission 166, p. 1.", "(7) Regulation (EC) No 765/2008 …
(OJ L 218, 13.8.2008, p. 30)."), a table-of-contents entry ("Introduction ........ 3"), a signature
block ("For the Council", "The President", "R. METSOLA"), a copyright notice. Such lines stay in the
passage text (shown, keyword-searchable) but are not embedded: short, content-free lines sit close
to many queries and outrank real provisions (issue 18: a footnote citation of the Australian report
was the best match of a Portuguese question on AI sandboxes). This module is the one definition of
a junk line; sentence windows (`pipeline/windows.py`) and the index's retrieval units
(`index/units.py`) ask it."""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from corpus.models import Passage

UNIT_TYPES = ("article", "recital", "annex", "definition", "heading", "footnote", "other")
OPERATIVE = frozenset({"article", "definition", "annex"})  # the provisions themselves, not their context

# -- junk lines ------------------------------------------------------------------------------
# A footnote opens with its number: "94 ARIA, …", "(7) Regulation …", "[3] …", "* …".
_MARK = re.compile(r"^(?:\(\d{1,3}\)|\[\d{1,3}\]|\d{1,3}(?=\s)|\(\*\)|\*)\s*(?=\S)")
# Official Journal references in the EU's languages: "OJ L 218", "JO C 517", "ABl. L", "DO L", "GU C", "PB L"
_OJ = re.compile(r"\b(?:OJ|JO|ABl\.|DO|GU|PB|Dz\.\s?U\.)\s?(?:[LC]\b|L,|C,)")
_OJ_TAIL = re.compile(rf"\((?:{_OJ.pattern})[^()]*(?:\([^()]*\)[^()]*)*\)\s*[.;,]?\s*[’'\"”]*\s*$")
# A line that cites an act in full (the lists of cited directives: footnotes of EU texts)
_ACT = (r"(?:Council\s+|Commission\s+)?(?:Implementing\s+|Delegated\s+)?(?:Regulation|Directive|Decision|Framework Decision|"
        r"Règlement|Directive|Décision|Verordnung|Richtlinie|Beschluss|Rahmenbeschluss|Reglamento|Directiva|Decisión|"
        r"Regolamento|Direttiva|Decisione|Regulamento|Diretiva|Decisão|Verordening|Richtlijn|Besluit|Kaderbesluit)")
_ACT_CITATION = re.compile(rf"^(?:\(\d{{1,3}}\)\s*|\d{{1,3}}\s+)?{_ACT}\b")
# Evidence that a numbered line is a source citation rather than a numbered paragraph
_CITES = re.compile(
    r"\bSubmissions?\s*\d|\bCommittee Hansard\b|\bHansard\b|\b[Ii]bid\b|\bop\.\s?cit\b|https?://|\bwww\.\w|"
    r"\b(?:accessed|retrieved|viewed)\s+(?:on\s+)?\d|\[(?:J|R|M|N|C|D|EB/OL|Z)\]|\bdoi:|\bISBN\b"
)
_SUBMISSION = re.compile(r"\bSubmissions?\s*\d+\s*[,;]")
_ACCESSED = re.compile(r"\b(?:accessed|retrieved|viewed|consulté le|abgerufen am|consultado em|consultado el)\b", re.I)
_PAGE_TAIL = re.compile(r"(?:\bpp?\.|\bpag\.|\bpág\.|\bS\.|\bblz\.|\bstr\.)\s?\[?[\divxlc]+\]?(?:\s?[-–]\s?\[?\d+\]?)?\s*\)?\s*[.;]?\s*$")
_MONTHS = (r"January|February|March|April|May|June|July|August|September|October|November|December|"
           r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec")
_DATE_TAIL = re.compile(rf"(?:,\s*(?:\d{{1,2}}\s+)?(?:{_MONTHS})\.?\s+\d{{4}}|,\s*\d{{4}}|\d{{4}}\s*年(?:\s*\d{{1,2}}\s*月)?)\s*[.。]?\s*$")
_URL = re.compile(r"(?:https?://|www\.)\S+")
_URLISH = re.compile(r"^[A-Za-z0-9./%?=&#:~+_-]{6,}$")  # a wrapped piece of a URL on its own line
_CONTENTS = re.compile(r"(?:(?:\.\s?){6,}|…{3,}|·{6,}|_{6,})\s*(?:[\divxlcIVXLC]{1,4}\b|$)")
_COPYRIGHT = re.compile(
    r"^\s*(?:©|\(c\)\s*\d{4}|Copyright\b|Crown copyright)|\bAll rights reserved\b|版权所有|版权属于|版權所有|저작권|"
    r"\bOpen Government Licence\b|\bCreative Commons\b|\bCC BY(?:-[A-Z]{2})*\s\d", re.I)
_SIGNATURE = re.compile(
    r"^(?:For|Par|Pour|Für|Im Namen|Por|Per|Pelo|Pela|Voor|Namens)\s+(?:the\s+|le\s+|la\s+|l['’]|das\s+|den\s+|des\s+|"
    r"el\s+|il\s+|o\s+|a\s+|het\s+|de\s+)?(?:European Parliament|Council|Commission|Parlement européen|Conseil|"
    r"Commission|Europäische[n]? Parlament[s]?|Rate[s]?|Kommission|Parlamento Europeo|Consejo|Comisión|Parlamento europeo|"
    r"Consiglio|Commissione|Parlamento Europeu|Conselho|Comissão|Europees Parlement|Raad|Commissie)\s*$"
    r"|^(?:The|Le|La|Der|Die|El|Il|O|A|De|Het)\s+(?:President|Président|Présidente|Präsident|Präsidentin|Presidente|"
    r"Presidenta|Voorzitter)\s*$"
    r"|^(?:Done|Fait|Geschehen|Hecho|Fatto|Feito|Gedaan)\s+(?:at|à|zu|en|a|em|te)\s+\w+.{0,40}\d{4}\.?\s*$"
    r"|^(?:President of the Senate|Speaker of the House(?: of Representatives)?|Chief Clerk of the (?:Assembly|House)|"
    r"Secretary of the Senate|Governor of the State of \w+|Approved by Governor|Filed with Secretary of State)\b.{0,60}$",
    re.I,
)
# Korean bill covers list the bills a committee alternative merges: "인공지능기본법안 2203072 한민수의원 2024. 8. 22.",
# a bill title alone, the table's header, and each bill's referral history ("소위원회 직접 회부 (공청회 실시, …)")
_BILL_LIST = re.compile(
    r"\d{7}\s*\S{1,12}의원|^의안명\s*의안번호|^[^.。]{2,40}(?:법률안|법안)$|^제\d{3}회\s*국회|회부\s*(?:\([^)]*\))?\s*$"
    r"|^\S{1,6}의원\s+\d{4}\.")
# Canadian statute citations printed under a section: "2002, c. 8, par. 183(1)(r);", "R.S., c. F-7, s. 2"
# (a line may list several: "2000, c. 17, par. 97(1)(b) and (d); 2001, c. 41, ss. 81, 82 and 103; …")
_CHAPTER_CITATION = (r"c\.\s*[\w-]+(?:,\s*(?:s|ss|par|al|art|sch)\.(?:\s*(?:\d+[A-Za-z]?(?:\(\w{1,4}\))*|"
                     r"(?:\(\w{1,4}\))+|and|to|,(?!\s*c\.)))+)?")
_STATUTE_CITATION = re.compile(rf"^(?:(?:\d{{4}}|R\.S\.(?:C\.)?(?:\s\d{{4}})?|S\.C\.\s\d{{4}}),\s*)?{_CHAPTER_CITATION}"
                               rf"(?:,\s*{_CHAPTER_CITATION})*$")


def _statute_citations(line: str) -> bool:
    pieces = [p for p in re.split(r";\s*", line.strip().rstrip(";.,")) if p]
    return bool(pieces) and re.match(r"^(?:\d{4}|R\.S\.|S\.C\.)", pieces[0]) is not None \
        and all(_STATUTE_CITATION.match(p.strip()) for p in pieces)
_SIGNATORY = re.compile(r"^[A-ZÀ-Þ]\.\s?(?:[A-ZÀ-Þ]\.\s?)*[A-ZÀ-Þ][A-ZÀ-Þ'’ -]{2,30}$")  # "R. METSOLA"
WRAP_WORDS = 25  # the longest footnote line judged together with its neighbour
_END = re.compile(r"[.;:!?。；：！？)\]”’\"]\s*$")


def _citation(line: str, unit_type: str) -> bool:
    """A footnote or a source citation (on its own line or at a footnote number)."""
    mark = _MARK.match(line)
    body = line[mark.end():] if mark else line
    if _OJ.match(body):
        return True  # "OJ C 517, 22.12.2021, p. 56." / "(1) JO C 517 du …"
    if _OJ_TAIL.search(line) and (mark or (unit_type != "annex" and _ACT_CITATION.match(line))):
        return True  # a cited act with its OJ reference; in an annex such lists are the provision
    if mark and (_CITES.search(line) or _PAGE_TAIL.search(line) or _DATE_TAIL.search(line)):
        return True  # "94 ARIA, Submission 166, p. 1." / "21 中国信通院：《…》，2021 年 7 月。"
    if _URL.search(line) and _ACCESSED.search(line):
        return True  # a web source with its access date, wherever its footnote number went
    if _SUBMISSION.search(line) and _PAGE_TAIL.search(line) and len(line.split()) <= 20:
        return True  # the same citation whose footnote number went to the line above: "La Trobe University, Submission 186 , p. 1 ;"
    without = _URL.sub(" ", line)
    if without != line and len(re.findall(r"[^\W\d_]{2,}", without)) <= 2:
        return True  # "1 https://… 2 https://…"
    if _URLISH.match(line) and (re.search(r"[/_]|\.\w", line) or line.count("-") >= 3):
        return True  # "declaration-by-countries-attending-the-ai-safety-summit-1-2-november-2023"
    return bool(_PAGE_TAIL.search(line) and len(line.split()) <= 20 and "," in line)  # "Discussion Paper, June 2023, p. 8."


def junk_kind(line: str, unit_type: str = "") -> str | None:
    """Why `line` carries no provision text ("contents", "footnote", "signature", "copyright", "citation"
    of another bill), or None."""
    line = line.strip()
    if not line:
        return None
    if _CONTENTS.search(line):
        return "contents"
    if _COPYRIGHT.search(line):
        return "copyright"
    if _SIGNATURE.match(line) or _SIGNATORY.match(line):
        return "signature"
    if _citation(line, unit_type) or _statute_citations(line):
        return "footnote"
    if _BILL_LIST.search(line):
        return "citation"
    return None


def junk_lines(lines: Sequence[str], unit_type: str = "") -> list[str | None]:
    """`junk_kind` of each line; a footnote wrapped over two lines ("7 Department of Industry …,"
    then "Discussion Paper, June 2023, p. 8.") is judged on the two lines together."""
    kinds = [junk_kind(line, unit_type) for line in lines]
    for i in range(len(lines) - 1):
        first, second = lines[i].strip(), lines[i + 1].strip()
        if (kinds[i] is None) == (kinds[i + 1] is None) or not first or _END.search(first):
            continue
        # the part that is not junk yet must be short: a footnote's first or last line, not a
        # paragraph that happens to run into a footnote on the printed page
        if _words(second if kinds[i] is not None else first) <= WRAP_WORDS and (kinds[i] is not None or _MARK.match(first)):
            joined = junk_kind(f"{first} {second}", unit_type)
            if joined is not None:
                kinds[i] = kinds[i + 1] = joined
    return kinds


def _words(text: str) -> int:
    from pipeline.chunk import words  # the chunker's count (Han and kana: two characters a word); it imports us

    return words(text)


def provision_lines(text: str, unit_type: str = "") -> list[str]:
    """The lines of a passage that carry provision text: what is embedded."""
    if unit_type == "footnote":
        return []
    lines = text.splitlines()
    return [line for line, kind in zip(lines, junk_lines(lines, unit_type)) if kind is None and line.strip()]


def provision_text(text: str, unit_type: str = "") -> str:
    """The passage without its junk lines ("" when nothing is left: not a dense retrieval unit)."""
    lines = provision_lines(text, unit_type)
    if not lines or sum(len(re.findall(r"\w+", line)) for line in lines) < 2:
        return ""
    return "\n".join(lines)


# -- unit types --------------------------------------------------------------------------------
_DEFINITION_TITLE = re.compile(
    r"^(?:Definitions?|Définitions?|Begriffsbestimmungen|Definiciones|Definizioni|Definições|Definities|Definicje|"
    r"Glossary|Interpretation|Defined terms|정의|용어의 정의|定义|定義|用語の定義|用语)\b", re.I)
_DEFINITION_INTRO = re.compile(
    r"following definitions (?:shall )?apply|(?:terms?|expressions?|words?)\b[^.]{0,60}\b(?:have|has) the (?:following )?meanings?"
    r"|the following (?:terms|words) (?:mean|have)|For (?:the )?purposes of this (?:Regulation|Act|Law|Directive|Order|chapter|"
    r"section|part|title|article|subdivision|division)\b[^.:]{0,40}(?:means|:)|(?:^|\s)As used in this (?:chapter|section|part|"
    r"title|Act|article|subdivision|division)\b"
    r"|définitions suivantes|on entend par|Begriffsbestimmungen|bezeichnet (?:der )?Ausdruck|se entenderá por|"
    r"definiciones siguientes|si applicano le (?:seguenti )?definizioni|adotam-se as seguintes definições|entende-se por|"
    r"considera-se|wordt verstaan onder|용어의 뜻은|用语的含义|用語，定義如下|用语含义|所称[^，。]{1,20}(?:是指|，是指)",
    re.I)
_DEFINED = re.compile(
    r"^(?:\(?\w{1,4}[.)]\s*|\d{1,3}[.)]?\s+)?(?:[‘'\"“„«「]\s?[^’'\"”“»」\n]{1,80}\s?[’'\"”“»」])\s*,?\s*(?:\([^)]{1,40}\)\s*)?"
    r"(?:means|includes|has the (?:same )?meaning|refers to|shall mean|:|bezeichnet|ist|sind|bedeutet|significa|designa|"
    r"(?:이)?란|是指|系指|，是指|係指)", re.I)

_CONTENTS_TITLE = re.compile(
    r"^(?:(?:Table of )?Contents|Contents page|Sommaire|Table des matières|Inhalt|Inhaltsverzeichnis|Índice|Indice|Sumário|"
    r"Inhoud|Inhoudsopgave|目\s*录|目\s*錄|目\s*次|图\s*目\s*录|表\s*目\s*录|차\s*례|목\s*차|List of (?:figures|tables|boxes)|"
    # reports' lists of names: an acronym list ("FSO Future Skills Organisation") reads like every query's topic
    r"(?:List of )?(?:Acronyms|Abbreviations)(?: and (?:abbreviations|acronyms))?|Abréviations|Abkürzungen|"
    r"Abkürzungsverzeichnis|Siglas(?: y acrónimos| e abreviaturas)?|Sigles(?: et abréviations)?|Members|Membership)$", re.I)
_PREAMBLE = re.compile(
    r"\b(?:Having regard to|Whereas|vu le|vu la|considérant|gestützt auf|in Erwägung|Visto|Vistos|Considerando|Tendo em conta|"
    r"Gelet op|Overwegende|Recalling|Reaffirming|Recognizing|Recognising|Noting|Acknowledging|Emphasizing|Emphasising|"
    r"Be it enacted|do enact as follows|HAVE ADOPTED|ONT ADOPTÉ|HABEN FOLGENDE|HAN ADOPTADO|HANNO ADOTTATO|ADOTARAM|HEBBEN DE VOLGENDE)\b")
_ANNEX_LABEL = re.compile(r"^(?:ANNEX|Annex|ANNEXE|Annexe|ANHANG|Anhang|ANEXO|Anexo|ALLEGATO|Allegato|BIJLAGE|Bijlage|Schedule|SCHEDULE|부칙표|별표|附件|附表)\b")
_STRUCTURE_KINDS = {"article": "article", "section": "article", "subarticle": "article", "recital": "recital", "annex": "annex"}


def _is_definition(text: str, title: str | None, opening: str = "") -> bool:
    if title and _DEFINITION_TITLE.match(title.strip()):
        return True
    if _DEFINITION_INTRO.search(text) or _DEFINITION_INTRO.search(opening[:OPENING]):
        return True
    return sum(1 for line in text.splitlines() if _DEFINED.match(line.strip())) >= 2


OPENING = 400  # characters of a unit's opening that may announce its definitions for every passage of it


def unit_type(kind: str, path: Sequence[str], title: str | None, text: str, opening: str = "") -> str:
    """The type of a passage of a unit of `kind` (pipeline.structure.Unit.kind) located at `path`;
    `opening` is the start of the unit's text ("Para as finalidades desta Lei, adotam-se as
    seguintes definições:" makes every passage of Art. 4º a definition)."""
    lines = [line for line in text.splitlines() if line.strip()]
    annex = kind == "annex" or bool(path and _ANNEX_LABEL.match(path[0]))
    kinds = junk_lines(lines, "annex" if annex else "")
    if kind == "closing" or (lines and all(kinds)):
        # after "Done at Brussels": the signatures and the Official Journal's footnotes; or nothing but junk
        if lines and all(k == "contents" for k in kinds):
            return "heading"
        return "footnote" if "footnote" in kinds or kind == "closing" else "other"
    if annex:
        return "annex"
    mapped = _STRUCTURE_KINDS.get(kind)
    if mapped == "article":
        return "definition" if _is_definition(text, title or _title_of(path), opening) else "article"
    if mapped:
        return mapped
    label = path[-1] if path else ""
    if _CONTENTS_TITLE.match(label.split(" — ")[0].strip()):
        return "heading"
    if kind == "preamble" and _PREAMBLE.search(text):
        return "recital"
    if label and _DEFINITION_TITLE.match(re.sub(r"^[\d.\s]+", "", label)):
        return "definition"  # a report's glossary
    words = len(re.findall(r"\w+", text))
    if words <= 15 and not re.search(r"[.;:。；]\s*$", text.strip()):
        return "heading"  # a title page line, a heading with nothing under it
    return "other"


def _title_of(path: Sequence[str]) -> str | None:
    """"Article 3 — Definitions" → "Definitions" (the unit's own title is on its last path entry)."""
    for entry in reversed(path):
        if " — " in entry:
            return entry.split(" — ", 1)[1]
    return None


# Locator entries as the chunker writes them, to recover a unit's kind from a stored locator
_LOCATOR_KINDS = (
    (re.compile(r"^Recital \(\d+\)"), "recital"),
    (re.compile(r"^Signatures$"), "closing"),
    (_ANNEX_LABEL, "annex"),
    (re.compile(r"^(?:Article|Artikel|Artículo|Articolo|Artigo|Artykuł|Άρθρο|Art\.|Section|Paragraf)\s+\S|^제\d+조|^第.+[条條]$|"
                r"^\d{1,2}[-–]\d"), "article"),
)


def infer_unit_type(locator: str, text: str) -> str:
    """The unit type of a passage stored before unit types existed, from its locator and text (the
    store's migration uses it; new passages get theirs from the structure at chunk time)."""
    path = [p for p in locator.split(" › ") if p and not p.startswith("(") and not p.startswith("§")]
    kind = "preamble" if not path else "text"
    for entry in path:
        for pattern, found in _LOCATOR_KINDS:
            if pattern.search(entry.split(" — ")[0]):
                kind = found
                break
    return unit_type(kind, path, None, text)


class _UnitTypeStore(Protocol):
    def passages_without_unit_type(self, limit: int = 5000) -> list[Passage]: ...

    def set_unit_types(self, types: dict[int, str]) -> None: ...


def backfill_unit_types(store: _UnitTypeStore) -> int:
    """Give passages stored before unit types existed their type, from their locator and text
    (idempotent; a no-op once done). `ailex process --redo` types them from the structure instead."""
    done = 0
    while batch := store.passages_without_unit_type():
        store.set_unit_types({p.id: infer_unit_type(p.locator, p.text) for p in batch})
        done += len(batch)
    return done
