"""Debates and questions: cut Hansard records into speeches and question papers into questions.

What an officer cites from a debate is who said what, when: each speech (or question, answer,
intervention) becomes a run of blocks whose locator names the debate, the speaker and the date,
e.g. "Statements by Senators › Petrol Prices, Artificial Intelligence › Senator David Pocock (IND),
4 March 2026"; each parliamentary question becomes one unit named for its number, the asking
member, the minister asked and the date. The chunker keeps consecutive blocks with one locator
together (pipeline/structure.py, markup segmentation), so a passage never mixes two speakers.

Two entry points, each called from one hook:
- `hansard_blocks(root)`: Hansard XML (Parliament of Australia's ParlInfo `<hansard>`, House of
  Commons of Canada `<Hansard>`), from the XML extractor (pipeline/extract/xml.py);
- `segment(extraction, doc_type, date)`: question papers of any format (PDF, text), after
  extraction and before chunking (pipeline/sandbox.py); it leaves other documents as they are.
"""
from __future__ import annotations

import re
from datetime import date as Date

from pipeline.extract import Block, Extraction
from pipeline.structure import SEP


def clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def human_date(iso: str) -> str:
    """'2026-03-04' → '4 March 2026' (as the locator shows it); other values unchanged."""
    try:
        d = Date.fromisoformat(iso[:10])
    except (TypeError, ValueError):
        return iso or ""
    return f"{d.day} {d:%B %Y}"


def heading_case(title: str) -> str:
    """Hansard prints debate titles in capitals: 'STATEMENTS BY SENATORS' → 'Statements by Senators'."""
    title = clean(title)
    if not title or not title.isupper():
        return title
    small = {"by", "of", "and", "the", "to", "in", "on", "for", "a", "an", "at"}
    words = title.lower().split()
    return " ".join(w if i and w in small else w[:1].upper() + w[1:] for i, w in enumerate(words))


def locator(context: list[str], speaker: str, day: str) -> str:
    who = ", ".join(x for x in (speaker, human_date(day)) if x)
    return SEP.join([c for c in context if c] + ([who] if who else []))


def hansard_blocks(root) -> tuple[list[Block], str] | None:
    """Blocks of a Hansard XML record, one run per speech; None when `root` is no Hansard we know."""
    name = root.tag if isinstance(root.tag, str) else ""
    if name == "hansard" and root.find("session.header") is not None:
        return _parlinfo(root), "xml:hansard-au"
    if name == "Hansard" and root.find("HansardBody") is not None:
        return _ourcommons(root), "xml:hansard-ca"
    return None


# -- Parliament of Australia (ParlInfo Hansard XML) --------------------------------------------------
_AU_NAME = re.compile(r"^(?P<last>[^,]+), (?P<title>Sen|Mr|Mrs|Ms|Miss|Dr|Hon)\.? (?P<first>[^()]+?)(?: \((?P<office>[^)]+)\))?$")
_AU_OFFICE = re.compile(r"^(?P<office>[A-Z][A-Z -]+), The$")
_AU_SPEECH = ("speech", "question", "answer", "petition", "motionnospeech")


def au_speaker(talker) -> str:
    """'Pocock, Sen David' + party IND → 'Senator David Pocock (IND)'; 'Lines, Sen Sue (The PRESIDENT)' →
    'The President (Senator Sue Lines)'; 'ACTING DEPUTY PRESIDENT, The' → 'The Acting Deputy President'."""
    if talker is None:
        return ""
    raw = clean(talker.findtext("name[@role='metadata']") or talker.findtext("name") or "").rstrip("—-– ")
    party = clean(talker.findtext("party"))
    if m := _AU_NAME.match(raw):
        title = {"Sen": "Senator"}.get(m["title"], m["title"])
        person = f"{title} {clean(m['first'])} {clean(m['last'])}"
        if m["office"]:
            office = clean(m["office"])
            office = office[:4] + office[4:].title() if office.startswith("The ") else office.title()
            return f"{office} ({person})"
        return f"{person} ({party})" if party and party != "N/A" else person
    if m := _AU_OFFICE.match(raw):
        return f"The {m['office'].title()}"
    return re.sub(r"\s+interjecting$", "", raw)


def _paragraphs(el) -> list[str]:
    """The paragraphs of a speech (its talk.text and the continuations and interjections inside it)."""
    out = []
    for p in el.iter("p"):
        if any(a.tag == "p" for a in p.iterancestors()):
            continue  # nested <p>: its text is part of the outer one
        text = clean("".join(p.itertext()))
        if text:
            out.append(text)
    return out


def _parlinfo(root) -> list[Block]:
    day = clean(root.findtext("session.header/date"))
    blocks: list[Block] = []

    def visit(el, context: list[str]) -> None:
        for child in el:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag == "debate" or tag.startswith("subdebate."):
                info = child.find("debateinfo" if tag == "debate" else "subdebateinfo")
                title = heading_case(info.findtext("title") if info is not None else "")
                visit(child, context + [title])
            elif tag in _AU_SPEECH:
                speaker = au_speaker(child.find("talk.start/talker"))
                loc = locator(context, speaker, day)
                blocks.extend(Block(text=t, locator=loc) for t in _paragraphs(child))
            elif tag == "division":
                loc = locator(context, "Division", day)
                texts = [clean(" ".join(child.find(part).itertext())) for part in ("division.header", "division.result")
                         if child.find(part) is not None]
                blocks.extend(Block(text=t, locator=loc) for t in texts if t)
            elif tag == "business.start":
                blocks.extend(Block(text=t, locator=locator(["Start of business"], "", day)) for t in _paragraphs(child))

    visit(root.find("chamber.xscript") if root.find("chamber.xscript") is not None else root, [])
    return blocks


# -- House of Commons of Canada (Hansard and committee evidence XML) ---------------------------------
def _ourcommons(root) -> list[Block]:
    info = {e.get("Name"): clean("".join(e.itertext())) for e in root.iter("ExtractedItem")}
    y, m, d = (info.get(k, "") for k in ("MetaDateNumYear", "MetaDateNumMonth", "MetaDateNumDay"))
    day = f"{y}-{int(m):02d}-{int(d):02d}" if y and m.isdigit() and d.isdigit() else ""
    blocks: list[Block] = []
    order, subject = "", ""
    for el in root.find("HansardBody").iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "OrderOfBusinessTitle":
            order, subject = heading_case("".join(el.itertext())), ""
        elif tag == "SubjectOfBusinessTitle":
            subject = heading_case("".join(el.itertext()))
        elif tag == "Intervention":
            who = el.find("PersonSpeaking")
            speaker = clean("".join(who.itertext())).rstrip(": ") if who is not None else ""
            loc = locator([order, subject], speaker, day)
            for para in el.iter("ParaText"):
                text = clean("".join(para.itertext()))
                if text:
                    blocks.append(Block(text=text, locator=loc))
    return blocks


# -- question papers ---------------------------------------------------------------------------------
# "1971. Mr P J Groenewald (FF Plus) to ask the Minister of Public Enterprises:†" (South Africa's National
# Assembly; Westminster papers read alike)
_QUESTION = re.compile(
    r"^(?P<num>\d{1,5})\.\s+(?P<member>(?:Mr|Mrs|Ms|Miss|Dr|Prof|Adv|Rev|Prince|Inkosi|Inkosikazi|Nkosi|Dame|Sir|Lord|"
    r"Baroness|Senator|Hon)\.?\s[^()]{1,80}?)\s*\((?P<party>[^)]{1,30})\)\s+to\s+as\s?k\s+th\s?e\s+(?P<to>[^:?]{3,160}?)\s*[:?]")
_DAY_HEADING = re.compile(r"^(MONDAY|TUESDAY|WEDNESDAY|THURSDAY|FRIDAY|SATURDAY|SUNDAY),\s+(\d{1,2})\s+([A-Za-z]+)\s+(\d{4})\s*$")
_SECTION = re.compile(r"^QUESTIONS?\s+FOR\s+(ORAL|WRITTEN)\s+REPLY\b.*$", re.I)
_INDEX_ENTRY = re.compile(r"^\d{1,5}\.\s.{3,120}\(p\s*\d+\)\s*[—–-]")


def _heading_date(match: re.Match) -> str:
    try:
        from datetime import datetime

        return datetime.strptime(f"{match[2]} {match[3].title()} {match[4]}", "%d %B %Y").date().isoformat()
    except ValueError:
        return ""


def segment(extraction: Extraction, doc_type: str = "", date: str = "") -> Extraction:
    """Question papers: give every block the locator of the question it belongs to. Other documents,
    and question papers where no question is recognised (fewer than two), are returned unchanged."""
    if doc_type != "question" or any(b.locator for b in extraction.blocks):
        return extraction
    if sum(1 for b in extraction.blocks if _QUESTION.match(clean(b.text))) < 2:
        return extraction
    current_day, section, loc = date, "", "Question paper"
    blocks = []
    for block in extraction.blocks:
        text = clean(block.text)
        if m := _DAY_HEADING.match(text):
            current_day = _heading_date(m) or current_day
        elif m := _SECTION.match(text):
            section = heading_case(m.group(0).upper())
        elif _INDEX_ENTRY.match(text):
            loc = "Index of questions"
        elif m := _QUESTION.match(text):
            asked = f"Question {m['num']}: {clean(m['member'])} ({clean(m['party'])}) to the {clean(m['to'])}"
            loc = locator([section], asked, current_day)
        blocks.append(Block(text=block.text, page=block.page, heading=block.heading, language=block.language,
                            locator=loc, title=block.title, column=block.column))
    extraction.blocks = blocks
    extraction.method = f"{extraction.method}+questions" if extraction.method else "questions"
    return extraction
