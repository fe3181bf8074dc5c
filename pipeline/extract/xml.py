"""Legislative XML: the markup names every unit, so each block gets its locator from it.

Dialects: parl.ca bill XML, legislation.gov.uk CLML, USLM (US Code and bills) and
govinfo BILLSTATUS (titles and CRS summaries). Any other XML falls back to its text
elements, in document order. Parsing never resolves entities or touches the network.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from corpus.models import ProcessingStatus
from pipeline.extract import Block, Extraction, ExtractionError
from pipeline.structure import ARTICLE, CHAPTER, GROUP, PART, SEP


def parse(data: bytes):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True, load_dtd=False)
    return etree.fromstring(data, parser=parser)


def local(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class Dialect:
    name: str
    units: dict[str, tuple[int, str]]  # element → (level, label word; "" keeps the number as printed)
    label_tags: tuple[str, ...]
    title_tags: tuple[str, ...]
    para_units: set[str]  # elements whose number is the paragraph label, e.g. "(1)"
    text_tags: set[str]  # elements whose whole text is one block
    skip: set[str] = field(default_factory=set)
    point_units: set[str] = field(default_factory=set)  # numbered points: number printed before their text
    containers: dict[str, str] = field(default_factory=dict)  # unnumbered parts with a fixed locator


PARL_CA = Dialect(
    name="parl.ca",
    units={"Section": (ARTICLE, "Section"), "Schedule": (PART, "")},
    label_tags=("Label",),
    title_tags=("MarginalNote", "TitleText"),
    para_units={"Subsection"},
    point_units={"Paragraph", "Subparagraph", "Clause", "Subclause", "Definition"},
    text_tags={"Text", "LongTitle", "ExplanatoryText"},
    containers={"Summary": "Summary", "Preamble": "Preamble", "ExplanatoryNote": "Explanatory note"},
    skip={"BillHistory", "BillSponsor", "BillRefNumber", "Parliament", "RunningHead", "BillNumber", "Footnote", "MarginalNote", "Label", "TitleText", "HistoricalNote", "ShortTitle", "TableOfProvisions"},
)
USLM = Dialect(
    name="uslm",
    units={
        "title": (PART, "Title"), "subtitle": (PART, "Subtitle"), "division": (PART, "Division"), "part": (CHAPTER, "Part"),
        "chapter": (CHAPTER, "Chapter"), "subchapter": (GROUP, "Subchapter"), "subpart": (GROUP, "Subpart"), "section": (ARTICLE, "Section"),
    },
    label_tags=("num",),
    title_tags=("heading",),
    para_units={"subsection"},
    point_units={"paragraph", "subparagraph", "clause", "subclause", "item"},
    text_tags={"content", "chapeau", "continuation", "text", "p", "longTitle", "officialTitle", "docTitle"},
    containers={"preamble": "Preamble", "preface": "Preface"},
    skip={"meta", "num", "heading", "sourceCredit", "notes", "note", "toc", "layout"},
)
CLML = Dialect(
    name="clml",
    units={"Part": (PART, "Part"), "Chapter": (CHAPTER, "Chapter"), "Pblock": (GROUP, ""), "P1group": (ARTICLE, "{unit}"), "Schedule": (PART, "Schedule")},
    label_tags=("Number", "Pnumber"),
    title_tags=("Title",),
    para_units={"P2"},
    point_units={"P3", "P4"},
    text_tags={"Text"},
    containers={"PrimaryPrelims": "Introductory text", "SecondaryPrelims": "Introductory text", "ExplanatoryNotes": "Explanatory note"},
    skip={"Metadata", "Contents", "Footnotes", "Commentaries", "Number", "Pnumber", "Title", "Resources"},
)


def extract_xml(data: bytes) -> Extraction:
    root = parse(data)
    name = local(root)
    ns = etree.QName(root).namespace or ""
    from pipeline.speeches import hansard_blocks  # (issue 17) debates: one block run per speech

    hansard = hansard_blocks(root)
    if hansard is not None:
        blocks, method = hansard
    elif name == "Bill" and root.find("Identification") is not None:
        blocks = _walk_dialect(root, PARL_CA)
        method = "xml:parl.ca"
    elif "legislation.gov.uk" in ns:
        if not root.xpath("*[local-name()='Primary' or local-name()='Secondary' or local-name()='EURetained']"):
            raise ExtractionError(ProcessingStatus.empty, "CLML record carries metadata only (the text is published elsewhere)")
        blocks = _walk_dialect(root, _clml_for(root))
        method = "xml:clml"
    elif "uslm" in ns:
        blocks = _walk_dialect(root, USLM)
        method = "xml:uslm"
    elif name == "billStatus":
        blocks = _billstatus(root)
        method = "xml:billstatus"
    else:
        blocks = _generic(root)
        method = "xml"
    if not blocks and len("".join(root.itertext()).split()) > 20:
        raise ExtractionError(ProcessingStatus.failed, f"{method}: markup holds text but no block was recognised (structure changed?)")
    return Extraction(blocks=blocks, method=method)


def _clml_for(root) -> Dialect:
    """Sections for Acts, articles for Orders, rules for Rules, regulations otherwise."""
    main_type = " ".join(root.xpath("//*[local-name()='DocumentMainType']/@Value"))
    title = " ".join(t.text or "" for t in root.xpath("//*[local-name()='PrimaryPrelims' or local-name()='SecondaryPrelims']/*[local-name()='Title']"))
    word = "Section" if "Act" in main_type else "Article" if "Order" in title else "Rule" if "Rules" in title else "Regulation"
    units = dict(CLML.units)
    units["P1group"] = (ARTICLE, word)
    units["P1"] = (ARTICLE, word)
    return Dialect(**{**CLML.__dict__, "units": units})


def _child_text(el, tags: tuple[str, ...]) -> str | None:
    for child in el:
        if local(child) in tags:
            text = clean("".join(child.itertext()))
            if text:
                return text
    return None


def _label(word: str, number: str) -> str:
    number = number.strip().strip("*").strip()  # parl.ca stars new or amended provisions
    if not word:
        return number
    us = re.match(r"^(?:SEC(?:TION)?\.?|§)\s*(\S+?)\.?$", number, re.I)
    if us:
        number = us.group(1)
    if number.lower().startswith(word.lower()):
        return number.title() if number.isupper() else number
    return f"{word} {number.rstrip('.')}"


def _paragraph(number: str) -> str:
    number = re.sub(r"[*\s]", "", number).rstrip(".")
    if number.startswith("(") and number.endswith(")"):
        number = number[1:-1].strip("()")
        return f"({number})"
    return number if number.startswith("(") else f"({number})"


def _walk_dialect(root, dialect: Dialect) -> list[Block]:
    blocks: list[Block] = []

    def visit(el, path: dict[int, str], para: str | None, prefix: list[str]):
        name = local(el)
        if not name or name in dialect.skip:
            return
        if name == "Heading" and dialect is PARL_CA:
            _parl_heading(el, path)
            return
        if name in dialect.units and not (name == "P1" and local(el.getparent()) == "P1group"):
            level, word = dialect.units[name]
            number = _child_text(el, dialect.label_tags) or _descendant_number(el, dialect) or ""
            title = _child_text(el, dialect.title_tags)
            label = _label(word, number) if number else (title or word)
            entry = f"{label} — {title}" if title and label != title else label
            path = {k: v for k, v in path.items() if k < level}
            path[level] = entry
            para = None
        elif name in dialect.containers:
            path = {PART: dialect.containers[name]}
            para = None
        elif name in dialect.para_units:
            number = _child_text(el, dialect.label_tags)
            if number:
                para = _paragraph(number)
                prefix = [para]
        elif name in dialect.point_units:
            number = _child_text(el, dialect.label_tags)
            if number:
                prefix = prefix + [number]
        if name in dialect.text_tags:
            text = clean("".join(_texts(el, dialect)))
            if text:
                lead = " ".join(prefix)
                prefix.clear()
                locator = SEP.join(path[k] for k in sorted(path))
                if para:
                    locator = f"{locator}{SEP}{para}" if locator else para
                blocks.append(Block(text=f"{lead} {text}".strip(), locator=locator or None))
            return
        for child in el:
            visit(child, path, para, prefix)

    visit(root, {}, None, [])
    return blocks


def _texts(el, dialect: Dialect):
    """Text of an element without its footnotes and editorial notes."""
    if local(el) in ("FootnoteRef", "Footnote", "note", "footnote"):
        return
    if el.text:
        yield el.text
    for child in el:
        yield from _texts(child, dialect)
        if child.tail:
            yield child.tail


def _descendant_number(el, dialect: Dialect) -> str | None:
    for tag in dialect.label_tags:
        found = el.xpath(f".//*[local-name()='{tag}']")
        if found:
            return clean("".join(found[0].itertext()))
    return None


def _parl_heading(el, path: dict[int, str]) -> None:
    """parl.ca headings are milestones before the sections they head, not containers."""
    try:
        level = max(0, int(el.get("level", "1")) - 1)
    except ValueError:
        level = 0
    label = _child_text(el, ("Label",))
    title = _child_text(el, ("TitleText",))
    if level > GROUP or not (label or title):
        return
    entry = label.title() if label and label.isupper() else label
    entry = f"{entry} — {title}" if entry and title else (entry or title)
    for k in [k for k in path if k >= level]:
        del path[k]
    path[level] = entry


def _billstatus(root) -> list[Block]:
    from pipeline.extract.html import fragment_blocks

    blocks: list[Block] = []
    bill = root.find("bill")
    if bill is None:
        raise ExtractionError(ProcessingStatus.failed, "BILLSTATUS without <bill>")
    title = bill.findtext("title")
    if title:
        blocks.append(Block(text=clean(title), locator="Title", heading=True))
    seen = set()
    for item in bill.xpath("./titles/item"):
        text = clean(item.findtext("title") or "")
        if text and text != title and text not in seen:
            seen.add(text)
            blocks.append(Block(text=text, locator=f"Titles — {clean(item.findtext('titleType') or '')}"))
    for summary in bill.xpath("./summaries/summary | ./summaries/billSummaries/item"):
        html_text = summary.findtext("text") or summary.findtext("cdata/text") or ""
        what = clean(f"{summary.findtext('actionDesc') or ''} {summary.findtext('actionDate') or ''}")
        for block in fragment_blocks(html_text):
            block.locator = f"Summary — {what}" if what else "Summary"
            blocks.append(block)
    return blocks


def _generic(root) -> list[Block]:
    blocks = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        text = clean(el.text or "")
        if len(text) > 1:
            blocks.append(Block(text=text))
    return blocks
