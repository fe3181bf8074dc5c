"""Find the units officers cite (recitals, chapters, articles, paragraphs, annexes) in blocks.

Headings are recognised by the numbering conventions of each drafting tradition, not by
layout, so the same rules serve text, PDF and markup extractions. A unit's `path` is its
citable locator, e.g. ["Chapter II", "Article 5 — Prohibited AI practices"].
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from corpus.text import CJK, has_cjk, is_cjk
from pipeline.extract import Block

SEP = " › "

# Levels: a heading truncates the current path to the levels above it.
PART, CHAPTER, GROUP, ARTICLE, SUBARTICLE = 0, 1, 2, 3, 4

_CJK_NUM = "一二三四五六七八九十百千零〇两"
_SPACED_CJK = re.compile(f"(?<=[{CJK}])\\s+(?=[{CJK}])")
_ROMAN = r"[IVXLC]+"

_ARTICLE_WORDS = r"Article|ARTICLE|Artikel|ARTIKEL|Artículo|ARTÍCULO|Articolo|ARTICOLO|Artigo|ARTIGO|Artykuł|Άρθρο"
_ARTICLE = re.compile(
    rf"^(?P<word>{_ARTICLE_WORDS})\s+(?P<num>\d+[a-z]?|premier|primo)(?P<suf>\s*(?:\.o|\.º|º|°|er)(?=\s|$))?(?P<rest>.*)$",
    re.S,
)
_ART_ABBR = re.compile(r"^(?P<word>Art\.)\s*(?P<num>\d+)(?P<suf>\s*[º°o])?\s*\.?(?=\s|$)(?P<rest>.*)$", re.S)
_US_SECTION = re.compile(r"^(?P<word>SECTION|Section|SEC\.|Sec\.)\s*(?P<num>\d+[A-Za-z]?)\s*\.(?P<rest>(?:\s.*)?)$", re.S)
_EU_GROUP = re.compile(
    r"^(?P<word>SECTION|SECTIE|AFDELING|ABSCHNITT|Abschnitt|SECCIÓN|SEZIONE|SECÇÃO|Seção|Secção|TITLE|TITRE|TITEL|TÍTULO|TITOLO)\s+(?P<num>\d+|[IVXLC]+)$"
)
_CHAPTER = re.compile(
    rf"^(?P<word>CHAPTER|Chapter|CHAPITRE|Chapitre|KAPITEL|Kapitel|CAPÍTULO|Capítulo|CAPO|Capo|HOOFDSTUK|Hoofdstuk)\s+(?P<num>{_ROMAN}|\d+)(?![.\d]*\d)\.?(?P<rest>(?:\s.*)?)$",
    re.S,
)
_PART = re.compile(rf"^(?P<word>PART|Part|PARTIE|Partie|TEIL|Teil|PARTE|Parte|DEEL)\s+(?P<num>{_ROMAN}|\d+)(?![.\d]*\d)\.?(?P<rest>(?:\s.*)?)$", re.S)
_ANNEX = re.compile(
    rf"^(?P<word>ANNEX|Annex|ANNEXE|Annexe|ANHANG|Anhang|ANEXO|Anexo|ALLEGATO|Allegato|BIJLAGE|Bijlage)(?:\s+(?P<num>{_ROMAN}|\d+|[A-Z]))?(?P<rest>\s*)$"
)
# "제23조(집적화)" opens an article; "제23조제1항에 따른 …" and "제23조에 따라" refer to one
_KO_ARTICLE = re.compile(r"^제\s*(?P<num>\d+)\s*조(?:의\s*(?P<sub>\d+))?(?=[\s(]|$)\s*(?:\((?P<title>[^)]{1,40})\))?(?P<rest>.*)$", re.S)
_KO_ADDENDA = re.compile(r"^부\s*칙(?:\s*[<〈(][^>〉)]{0,40}[>〉)])?$")  # supplementary provisions: their articles count from 1 again
_KO_CHAPTER = re.compile(r"^제\s*(?P<num>\d+)\s*(?P<kind>장|절|편)\s*(?P<rest>.*)$", re.S)
_ZH_ARTICLE = re.compile(rf"^第\s*(?P<num>[{_CJK_NUM}\d]+)\s*(?P<kind>条|條)\s*(?P<rest>.*)$", re.S)
_ZH_CHAPTER = re.compile(rf"^第\s*(?P<num>[{_CJK_NUM}\d]+)\s*(?P<kind>章|节|節|编|編)\s*(?P<rest>.*)$", re.S)
# Chinese reports number their headings "一、概述" and "（一）人工智能风险挑战引发全球关注" (outside laws,
# where "（一）" numbers the items of an article); the first may carry the second on its line.
_ZH_REPORT_CHAPTER = re.compile(rf"^(?P<num>[{_CJK_NUM}]{{1,3}})、\s*(?P<title>[^。；，]{{1,30}}?)(?:\s+(?P<sub>（[{_CJK_NUM}]{{1,3}}）[^。；]{{1,40}}))?$")
_ZH_REPORT_SECTION = re.compile(rf"^（(?P<num>[{_CJK_NUM}]{{1,3}})）\s*(?P<title>[^。；，]{{1,40}})$")
# Front matter a document names in words: its contents and preface (unflagged in many PDFs)
_FRONT_MATTER = re.compile(
    r"^(?:(?:Table of )?Contents|Sommaire|Table des matières|Inhaltsverzeichnis|Índice|Indice|Sumário|Inhoudsopgave|"
    r"目\s*录|目\s*錄|图\s*目\s*录|表\s*目\s*录|前\s*言|版权声明|차\s*례|목\s*차)$")
# Korean bills open with the committee's memorandum: "1. 대안의 제안경위", "2. 대안의 제안이유", "3. 대안의 주요내용"
_KO_MEMO = re.compile(r"^\d\.\s*(?:대안의\s*)?(?P<label>제안경위|제안이유|주요내용)\s*(?P<rest>.*)$", re.S)
# Treaty and act abbreviations that follow an article number in a reference ("Article 16 TFEU. In light of …")
_REFERENCE_TAIL = re.compile(r"^(?:TFEU|TEU|TEC|TFUE|TUE|AEUV|EUV|TCE|EC|EU|EEA|ECHR|CFR|GDPR|RGPD|DSGVO|UNCLOS)\b")
# Canadian bills: "9 (1) Every organization …", the marginal note printed before it.
_CA_SECTION = re.compile(r"^(?P<num>\d{1,3}(?:\.\d{1,2})?)\s+(?P<rest>\(1\)\s+\S.*)$", re.S)
_SECTION_WORD = {"fr": "Article", "es": "Artículo", "it": "Articolo", "pt": "Artigo", "de": "Paragraf", "nl": "Artikel"}
# Codified statute sections inside a bill section: Colorado "6-1-1701.", California "22757.11.", Maryland "2–502."
_STATUTE = re.compile(r"^(?P<num>\d{1,2}-\d{1,2}-\d{3,4}(?:\.\d+)?|\d{1,2}[–-]\d{3}(?:\.\d+)?|\d{4,5}(?:\.\d+)?)\.(?:\s+(?P<rest>\S.*))?$", re.S)

_WHEREAS = re.compile(
    r"^(Whereas|considérant ce qui suit|in Erwägung nachstehender Gründe|Considerando lo siguiente|"
    r"considerando quanto segue|Considerando o seguinte|Overwegende hetgeen volgt)\s*:\s*$",
    re.I,
)
_ADOPTED = re.compile(r"(HAVE ADOPTED|ONT ADOPTÉ|HABEN FOLGENDE VERORDNUNG|HAN ADOPTADO|HANNO ADOTTATO|ADOTARAM|HEBBEN DE VOLGENDE)")
# The closing formula ends the enacting terms: signatures and the Official Journal footnotes follow.
_DONE_AT = re.compile(r"^(Done at|Fait à|Geschehen zu|Hecho en|Fatto a|Feito em|Gedaan te) (Brussels|Bruxelles|Brüssel|Bruselas|Bruxelas|Brussel|Strasbourg|Straßburg|Estrasburgo|Strasburgo|Straatsburg)\b")
_RECITAL = re.compile(r"^\((?P<num>\d{1,3})\)(?P<rest>(?:\s.*)?)$", re.S)

# Paragraph numbering inside an article: EU "1.   Text", "(1) Text", "§ 1º Text", "Parágrafo único."
_PARAGRAPH = re.compile(r"^(?:(?P<n1>\d{1,3})\.(?=\s)|\((?P<n2>\d{1,3}[a-z]?)\)(?=\s|$)|§\s*(?P<n3>\d+)\s*[º°o]?|(?P<u>Parágrafo único))")
# US subdivisions: "(a)" is the first level, "(1)" the second.
_LETTER_PARAGRAPH = re.compile(r"^\((?P<a>[a-hj-z]{1,2}|[A-HJ-UW-Z])\)(?=\s|$)")  # not i, v, x: roman numerals
_SUBSECTION = re.compile(r"^(?P<num>\d{1,2}\.\d{1,2})\.\s+(?=[A-Z(])")
# A block that is only an enumerator ("(a)", "(12)", "1.") belongs to the block after it.
ENUMERATOR_ONLY = re.compile(r"^(\(\s*[0-9a-zA-Z]{1,6}\s*\)|[0-9]{1,3}\.|[a-z]\)|[ivx]+\)|—|–|-|•)$")


@dataclass
class Heading:
    level: int
    label: str  # "Article 5", "Art. 3º", "제5조", "Chapter II", "Recital (12)"
    title: str | None = None
    rest: str = ""  # body text printed on the heading line ("Art. 1º Esta Lei …")
    number: int | None = None
    kind: str = "article"


@dataclass
class Unit:
    """Consecutive blocks under one citable unit; `paragraphs[i]` is the paragraph label of block i."""

    kind: str  # "article", "recital", "annex", "section", "preamble", "text"
    path: list[str]
    label: str
    title: str | None = None
    blocks: list[Block] = field(default_factory=list)
    paragraphs: list[str | None] = field(default_factory=list)
    style: str | None = None  # paragraph numbering: "numeric" (1., (1)) or "alpha" ((a), US style)

    @property
    def locator(self) -> str:
        return SEP.join(self.path)


_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _ZH_DIGITS:
            current = _ZH_DIGITS[ch]
        elif ch in "十百千":
            unit = {"十": 10, "百": 100, "千": 1000}[ch]
            total += (current or 1) * unit
            current = 0
        else:
            return None
    return total + current


def _roman(text: str) -> int | None:
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
    if not text or any(c not in values for c in text):
        return None
    total = 0
    for a, b in zip(text, text[1:] + " "):
        v = values[a]
        total += -v if b in values and values[b] > v else v
    return total


def _rest_starts_body(rest: str) -> bool:
    """After "Article 18", a heading continues with nothing or a capitalised body; a reference with "of", "(1)" …"""
    if re.match(r"^\s+\((?:[a-z]{1,3}|\d{1,3})\)\s+\S", rest):
        return True  # "SEC. 5. (a) The provisions …": a numbered body after a space, not "Article 6(1)"
    rest = rest.strip()
    if not rest:
        return True
    if _REFERENCE_TAIL.match(rest):
        return False
    first = rest[0]
    # CJK headings run on into their body; "\u3000"-"\u303f" is CJK punctuation (「, 。)
    return first.isupper() or first in "“\"'‘«–—-:" or is_cjk(first) or "\u3000" <= first <= "\u303f"


def parse_heading(text: str, lang: str = "") -> Heading | None:
    text = text.strip()
    if not text or len(text) > 5000:
        return None
    if m := _ANNEX.match(text):
        label = f"{m['word'].capitalize()} {m['num']}".strip() if m["num"] else m["word"].capitalize()
        return Heading(PART, label, kind="annex", number=_roman(m["num"] or ""))
    if m := _EU_GROUP.match(text):
        kind = "title" if m["word"].upper().startswith("TIT") else "group"
        return Heading(PART if kind == "title" else GROUP, f"{m['word'].capitalize()} {m['num']}", kind=kind)
    if (m := _CHAPTER.match(text)) and _short_title(m["rest"]) and _rest_starts_body(m["rest"]):
        return Heading(CHAPTER, f"{m['word'].capitalize()} {m['num']}", title=_clean_title(m["rest"]), kind="chapter",
                       number=_number(m["num"]))
    if (m := _PART.match(text)) and _short_title(m["rest"]) and _rest_starts_body(m["rest"]):
        return Heading(PART, f"{m['word'].capitalize()} {m['num']}", title=_clean_title(m["rest"]), kind="part",
                       number=_number(m["num"]))
    if (m := _ARTICLE.match(text)) and _rest_starts_body(m["rest"]):
        num = {"premier": 1, "primo": 1}.get(m["num"], None) or int(re.match(r"\d+", m["num"]).group())
        label = f"{m['word'].capitalize()} {m['num']}{(m['suf'] or '').strip()}"
        return Heading(ARTICLE, label, rest=m["rest"].strip(), number=num)
    if (m := _ART_ABBR.match(text)) and _rest_starts_body(m["rest"]):
        label = f"Art. {m['num']}{(m['suf'] or '').strip()}"
        return Heading(ARTICLE, label, rest=m["rest"].strip(), number=int(m["num"]))
    if (m := _US_SECTION.match(text)) and _rest_starts_body(m["rest"]):
        title, rest = _inline_title(m["rest"].strip())
        number = int(re.match(r"\d+", m["num"]).group())
        return Heading(ARTICLE, f"Section {m['num']}", title=title, rest=rest, number=number, kind="section")
    if m := _KO_ARTICLE.match(text):
        label = f"제{m['num']}조" + (f"의{m['sub']}" if m["sub"] else "")
        return Heading(ARTICLE, label, title=m["title"], rest=m["rest"].strip(), number=int(m["num"]))
    if (m := _KO_CHAPTER.match(text)) and _short_title(m["rest"], 12):
        level = {"편": PART, "장": CHAPTER, "절": GROUP}[m["kind"]]
        return Heading(level, f"제{m['num']}{m['kind']}", title=_clean_title(m["rest"]), kind="chapter" if level != GROUP else "group")
    if _KO_ADDENDA.match(text):
        return Heading(PART, "부칙", kind="part")
    if m := _CA_SECTION.match(text):
        word = _SECTION_WORD.get(lang, "Section")
        return Heading(ARTICLE, f"{word} {m['num']}", rest=m["rest"].strip(), number=int(float(m["num"])), kind="ca_section")
    if m := _ZH_ARTICLE.match(text):
        return Heading(ARTICLE, f"第{m['num']}{m['kind']}", rest=m["rest"].strip(), number=chinese_number(m["num"]))
    if (m := _ZH_CHAPTER.match(text)) and _short_title(m["rest"], 30):
        level = {"编": PART, "編": PART, "章": CHAPTER, "节": GROUP, "節": GROUP}[m["kind"]]
        return Heading(level, f"第{m['num']}{m['kind']}", title=_clean_title(m["rest"]), kind="chapter" if level != GROUP else "group",
                       number=chinese_number(m["num"]) if level == CHAPTER else None)
    return None


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() else _roman(text)


def _short_title(rest: str, max_words: int = 16) -> bool:
    rest = rest.strip(" .:—–-")
    return len(rest.split()) <= max_words and not rest.endswith((";", ","))


def _clean_title(rest: str) -> str | None:
    rest = rest.strip(" .:—–-")
    return rest or None


def _inline_title(rest: str) -> tuple[str | None, str]:
    """US style "Section 1. Purpose. Artificial intelligence …": a short Title-Case phrase ends with a period."""
    m = re.match(r"^([A-Z][^.;:]{0,90}?)\.\s+(.*)$", rest, re.S)
    if m:
        words = m.group(1).split()
        caps = [w for w in words if w[0].isupper() or w.lower() in {"and", "of", "the", "for", "in", "to", "on", "a", "with", "or"}]
        if 0 < len(words) <= 10 and len(caps) == len(words):
            return m.group(1).strip(), m.group(2).strip()
    if re.match(r"^[A-Z][^.]{0,90}\.$", rest) and len(rest.split()) <= 10:
        return rest.rstrip("."), ""
    return None, rest


# A first sentence, not a catchline ("This chapter shall become operative …").
_SENTENCE_OPENER = re.compile(r"^(The|This|These|A|An|Any|Each|Every|If|In|On|For|Nothing|Notwithstanding|Except|Beginning|Unless|When|It)\b")


def _statute_title(rest: str) -> tuple[str | None, str]:
    """Codified sections open with a catchline: "6-1-1702. Developer duty … - required documentation. (1) …"."""
    m = re.match(r"^([A-Z][^.;:]{2,160}?)\.\s+(.*)$", rest, re.S)
    if m and len(m.group(1).split()) <= 16 and not _SENTENCE_OPENER.match(m.group(1)):
        return m.group(1).strip(), m.group(2).strip()
    return _inline_title(rest)


def looks_like_title(text: str) -> bool:
    """A heading title line: short, not numbered, not ending a sentence or a clause."""
    text = text.strip()
    if not text or len(text.split()) > 32 or len(text) > 300:
        return False
    if ENUMERATOR_ONLY.match(text) or _PARAGRAPH.match(text) or parse_heading(text):
        return False
    return not text.endswith((".", ";", ",", ":", "。", "；"))


def paragraph_label(text: str, style: str | None = None) -> str | None:
    """The paragraph a block opens, if any. `style` "alpha" means the unit numbers its first level (a), (b) …"""
    if style == "alpha":
        m = _LETTER_PARAGRAPH.match(text)
        return f"({m['a']})" if m else None
    if m := _SUBSECTION.match(text):
        return m["num"]
    if m := _PARAGRAPH.match(text):
        if m["n1"] or m["n2"]:
            return f"({m['n1'] or m['n2']})"
        if m["n3"]:
            return f"§ {m['n3']}"
        return m["u"]
    return None


def _unit_paragraph(unit: Unit, text: str) -> str | None:
    """Paragraph label of a block in `unit`; the unit's first numbered block decides the numbering style."""
    if unit.kind not in ("article", "section", "subarticle", "annex"):
        return None
    if unit.style is None:
        if _LETTER_PARAGRAPH.match(text):
            unit.style = "alpha"
        elif paragraph_label(text):
            unit.style = "numeric"
    return paragraph_label(text, unit.style)


def merge_enumerators(blocks: list[Block]) -> list[Block]:
    """EU texts print "(a)" on its own line before the point: join it to the text it numbers."""
    out: list[Block] = []
    pending: Block | None = None
    for block in blocks:
        text = block.text.strip()
        if pending is not None:
            if block.heading or parse_heading(text) or ENUMERATOR_ONLY.match(text) or _front_matter_heading(text):
                out.append(pending)
                pending = None
            else:
                out.append(_joined(pending, block))
                pending = None
                continue
        if ENUMERATOR_ONLY.match(text) and not block.heading:
            pending = block
        else:
            out.append(block)
    if pending is not None:
        out.append(pending)
    return out


def _joined(enumerator: Block, block: Block) -> Block:
    return Block(
        text=f"{enumerator.text.strip()} {block.text.strip()}",
        page=enumerator.page if enumerator.page is not None else block.page,
        heading=False,
        language=block.language or enumerator.language,
        locator=block.locator or enumerator.locator,
        title=block.title,
    )


def segment(blocks: list[Block], lang: str = "") -> list[Unit]:
    """Group blocks into citable units, in reading order. `lang` picks the unit word where it varies."""
    if any(b.locator for b in blocks):
        return _segment_by_markup(blocks)
    blocks = merge_enumerators(blocks)
    units: list[Unit] = []
    path: dict[int, str] = {}
    unit = Unit(kind="preamble", path=[], label="")
    in_recitals = False
    last_article: int | None = None
    last_chapter: int | None = None
    annex: str | None = None
    last_recital: int | None = None
    i = 0

    container_titles: dict[int, str] = {}  # level → title of the chapter/section holding the current unit

    def start(kind: str, label: str, title: str | None, level: int | None) -> Unit:
        nonlocal unit
        if unit.blocks:
            units.append(unit)
        entry = f"{label} — {title}" if title and kind in ("article", "section", "annex", "subarticle") else label
        if level is not None:
            for lv in [k for k in path if k >= level]:
                del path[lv]
                container_titles.pop(lv, None)
            path[level] = entry
            if title and kind not in ("article", "section", "annex", "subarticle"):
                # letter-spaced CJK headings ("总 则") read as one word
                container_titles[level] = _SPACED_CJK.sub("", title)
            unit_path = [path[k] for k in sorted(path)]
            if kind in ("article", "section", "subarticle") and not title and container_titles:
                # an article with no title of its own ("Art. 14") is named by the section it sits in
                # ("Seção II — Risco Excessivo"): the locator says what it is about, and the passage
                # vector, which reads the locator, carries that topic
                near = max(container_titles)
                unit_path = [f"{path[k]} — {container_titles[k]}" if k == near else path[k] for k in sorted(path)]
        else:
            unit_path = [entry]
        unit = Unit(kind=kind, path=unit_path, label=label, title=title)
        return unit

    while i < len(blocks):
        block = blocks[i]
        text = block.text.strip()
        if _WHEREAS.match(text):
            in_recitals = True
            unit.blocks.append(block)
            unit.paragraphs.append(None)
            i += 1
            continue
        heading = parse_heading(text, lang)
        if heading is not None and heading.level == ARTICLE and not heading.rest and i > 0 \
                and _REFERENCE_LEAD.search(blocks[i - 1].text.strip()):
            heading = None  # "… in accordance with" / "Article 49": a wrapped title's reference, not a new article
        if in_recitals and heading is not None and heading.level == ARTICLE and heading.number != 1:
            heading = None  # recitals end at "HAVE ADOPTED" and Article 1: "Article 16 TFEU" here is a reference
        if in_recitals and heading is None and (m := _RECITAL.match(text)) and (last_recital is None or int(m["num"]) == last_recital + 1):
            # Recitals run 1, 2, 3 …: another "(5)" here is a footnote of the printed page.
            last_recital = int(m["num"])
            start("recital", f"Recital ({m['num']})", None, None)
            unit.blocks.append(block)
            unit.paragraphs.append(None)
            i += 1
            continue
        if heading and heading.level == ARTICLE and last_article is not None and heading.number is not None:
            # Numbering must move forward (or restart at 1 for a new act): anything else is a cross-reference.
            if not (heading.number > last_article or heading.number == 1):
                heading = None
        if heading is not None and heading.kind == "chapter" and heading.number is not None and last_chapter is not None \
                and not path.get(ARTICLE, "").startswith("Section "):
            # chapters move forward one at a time (or restart at 1 for a new act); a skip is a
            # cross-reference ("… see Chapter 5."), unless the extractor saw a heading's type
            forward = heading.number == last_chapter + 1 or heading.number == 1
            if not forward and (heading.number <= last_chapter or not block.heading):
                heading = None
        if heading is None and in_recitals and _ADOPTED.search(text):
            in_recitals = False
        # a US bill section ("SECTION 1. In Colorado Revised Statutes, add part 17 …") holds statute text;
        # an EU "SECTION 2" is a group of articles (its own level), not a bill section
        in_bill_section = path.get(ARTICLE, "").startswith("Section ")
        if heading is not None and heading.kind in ("part", "chapter") and heading.level < ARTICLE and in_bill_section:
            # "PART 17" inside "SECTION 1. … add part 17 …": the statute text the bill section inserts
            heading = Heading(SUBARTICLE, heading.label, title=heading.title, kind="subarticle")
        if heading is None and (m := _STATUTE.match(text)) and in_bill_section:
            title, rest = _statute_title(m["rest"] or "")
            heading = Heading(SUBARTICLE + 1, m["num"], title=title, rest=rest, kind="subarticle")
        if heading is None and _DONE_AT.match(text) and unit.kind == "article":
            path.clear()
            annex = None
            start("closing", "Signatures", None, None)
            unit.blocks.append(block)
            unit.paragraphs.append(None)
            i += 1
            continue
        if heading is None and not path and not in_recitals and (front := _front_matter_heading(text)) is not None:
            # headings a report or a bill's cover names in words or numbers, flagged or not
            label, sub, rest = front
            start("text", label, None, None)
            if sub:
                unit.path.append(sub)
            if rest:
                unit.blocks.append(Block(text=rest, page=block.page, language=block.language))
                unit.paragraphs.append(None)
            i += 1
            continue
        if heading is None and _generic_heading(block, unit, path, in_recitals):
            # Reports and policy papers: their own headings are the best locator there is; a
            # heading printed over two lines ("5. A regulatory framework to keep pace" / "with a
            # rapidly advancing technology") is one heading.
            title = text
            while i + 1 < len(blocks) and _continues_heading(title, blocks[i + 1]):
                i += 1
                title = f"{title} {blocks[i].text.strip()}"
            start("text", title, None, None)
            i += 1
            continue
        if heading is None:
            unit.blocks.append(block)
            unit.paragraphs.append(_unit_paragraph(unit, text))
            if unit.paragraphs[-1] is None and len(unit.paragraphs) > 1:
                unit.paragraphs[-1] = unit.paragraphs[-2]
            i += 1
            continue
        in_recitals = False
        title = heading.title
        i += 1
        if heading.kind == "ca_section" and len(unit.blocks) > 1 and looks_like_title(unit.blocks[-1].text):
            title = unit.blocks.pop().text.strip()  # the marginal note printed above the section
            unit.paragraphs.pop()
            heading.kind = "section"
        if title is None and not heading.rest and i < len(blocks) and looks_like_title(blocks[i].text):
            title = blocks[i].text.strip()
            i += 1
        if heading.level == ARTICLE:
            last_article = heading.number if heading.number is not None else last_article
        if heading.kind == "chapter" and heading.number is not None:
            last_chapter = heading.number
        kind = heading.kind if heading.kind in ("article", "section", "annex", "subarticle") else "section" if heading.kind == "ca_section" else "text"
        if heading.kind == "annex":
            last_article = None
            annex = heading.label
        elif heading.level == PART:
            annex = None
        new = start(kind, heading.label, title, heading.level)
        if annex and kind == "text":
            new.kind, new.label = "annex", annex  # "Section 1" of an annex is still part of that annex
        if heading.rest:
            new.blocks.append(Block(text=heading.rest, page=block.page, language=block.language))
            new.paragraphs.append(_unit_paragraph(new, heading.rest))
    if unit.blocks:
        units.append(unit)
    return units


def _generic_heading(block: Block, unit: Unit, path: dict[int, str], in_recitals: bool) -> bool:
    """A heading the extractor flagged (markup or type size) outside any legal structure."""
    text = block.text.strip()
    return (
        block.heading
        and not path
        and not in_recitals
        and unit.kind in ("preamble", "text")
        and 1 <= len(text.split()) <= 20
        and len(text) <= 200
        and not ENUMERATOR_ONLY.match(text)
        and not text.startswith(("•", "▪", "-", "–", "*"))
    )


def _front_matter_heading(text: str) -> tuple[str, str | None, str] | None:
    """(label, sub-heading, body) of a heading that reports and bill covers write out: "目 录",
    "一、概述 （一）人工智能风险挑战引发全球关注", "2. 대안의 제안이유인공지능은 …"."""
    if _FRONT_MATTER.match(text):
        return re.sub(r"\s+", "" if has_cjk(text) else " ", text), None, ""
    if m := _ZH_REPORT_CHAPTER.match(text):
        return f"{m['num']}、{m['title'].strip()}", (m["sub"] or "").strip() or None, ""
    if m := _ZH_REPORT_SECTION.match(text):
        return f"（{m['num']}）{m['title'].strip()}", None, ""
    if m := _KO_MEMO.match(text):
        return m["label"], None, m["rest"].strip()
    return None


_REFERENCE_LEAD = re.compile(r"\b(?:with|to|in|of|under|by|see|from|à|au|aux|de|du|des|gemäß|nach|mit|in|del|al|con|di|dell['’]|da|do|dos|em|van|met)$", re.I)
_RUNS_ON = re.compile(r"\b(?:and|or|of|to|for|the|with|on|in|a|an|by|from|at|et|de|du|des|la|le|und|der|die|des|für)$", re.I)


def _continues_heading(title: str, block: Block) -> bool:
    """The next block is the second line of a heading: flagged too and starting lowercase, or the
    heading's line ended on a word that needs one more ("… approach to")."""
    nxt = block.text.strip()
    if not block.heading or not nxt or len(nxt.split()) > 12 or parse_heading(nxt) or ENUMERATOR_ONLY.match(nxt):
        return False
    return nxt[0].islower() or bool(_RUNS_ON.search(title))


def _segment_by_markup(blocks: list[Block]) -> list[Unit]:
    """The extractor already named each block's unit from the markup: keep consecutive runs together."""
    units: list[Unit] = []
    for block in blocks:
        loc = block.locator or ""
        para = None
        if SEP + "(" in loc:
            loc, _, tail = loc.rpartition(SEP)
            para = tail
        if not units or units[-1].locator != loc:
            parts = loc.split(SEP) if loc else []
            last = parts[-1] if parts else ""
            kind = "recital" if last.startswith("Recital") else _markup_kind(parts)
            units.append(Unit(kind=kind, path=parts, label=last.split(" — ")[0], title=block.title))
        units[-1].blocks.append(block)
        units[-1].paragraphs.append(para)
    return units


_MARKUP_SECTION = re.compile(r"^(?:Section|Article|Artikel|Paragraf|Rule|Regulation)\s+\d")


def _markup_kind(parts: list[str]) -> str:
    """The unit kind of a locator the markup gave ("Part 1 › Section 5 — Definitions", "Schedule 2")."""
    for part in reversed(parts):
        heading = parse_heading(part.split(" — ")[0])
        if heading is not None and heading.kind == "annex":
            return "annex"
        if heading is not None and heading.level >= ARTICLE:
            return "section" if heading.kind in ("section", "ca_section") else "article"
    if parts and re.match(r"^(?:Schedule|SCHEDULE|Annex|ANNEX)\b", parts[0]):
        return "annex"
    if any(_MARKUP_SECTION.match(part) for part in parts):
        return "section"
    return "text" if parts else "preamble"
