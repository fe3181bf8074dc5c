"""Is a term match a passing mention? Signs that a passage only names a concept.

Most wrong concept tags are passages that name "privacy", "fundamental rights" or "the Attorney
General" without being about them (tests/data/CONCEPTS_GUIDELINE.md): the term sits in a
reference to another act ("without prejudice to Regulation (EU) 2016/679"), in the title of a
cited act or a body's name ("Personal Information and Data Protection Tribunal", 《个人信息保护法》),
or in a long enumeration of values at stake ("health, safety, fundamental rights, democracy").
These checks look at the few characters around one match; the classifier weighs how many of a
concept's matches in a passage carry each sign (pipeline/concepts/classify.py). They are signs,
not vetoes: a definition quoting its own term or a list of principles is still about its items.
Covered: the reference phrases of the corpus languages with Latin script; CJK book-title marks."""
from __future__ import annotations

import re
from dataclasses import dataclass

# "in accordance with …", "without prejudice to …" up to the match, within one clause
REFERENCE = re.compile(
    r"(without prejudice to|shall not affect|does not affect|in accordance with|referred to in|pursuant to|"
    r"as defined in|within the meaning of|"
    r"sans préjudice d|n.affecte pas|conformément à|visée? (?:à|au|aux|dans)|au sens d|"
    r"unbeschadet|unberührt|gemäß|im sinne d|"
    r"sin perjuicio d|no afectará|de conformidad con|con arreglo a|a que se refiere|"
    r"fatt[oi] salv[oi]|non pregiudica|conformemente a|ai sensi d|di cui a|"
    r"sem prejuízo d|não afeta|nos termos d|em conformidade com|"
    r"onverminderd|overeenkomstig|als bedoeld in|in de zin van)[^.;:\n]{0,90}$")
# the number of a cited act: "Regulation (EU) 2016/679", "Directive 2014/32/EU", "Lei nº 13.709"
CITED_ACT = re.compile(
    r"(regulation|directive|decision|règlement|décision|verordnung|richtlinie|beschluss|reglamento|directiva|"
    r"decisión|regolamento|direttiva|decisione|regulamento|diretiva|decisão|verordening|richtlijn|besluit)"
    r"\s*(?:\((?:eu|ec|eec|ue|ce|eg|ewg|eeg|cee)\)\s*)?(?:n[o°.º]*\s*|nr\.?\s*)?\d+/\d+")
# a quoted title: 《…》 「…」 (CJK act and programme names)
BOOK_TITLE = re.compile(r"《[^》]{0,80}》|「[^」]{0,80}」")
NAME_HEAD = re.compile(r"\b(act|code|law|tribunal|commissioner|commission|council|institute|office|fund|bureau|board|"
                       r"agency|department|centre|center|loi|gesetz|ley|legge|lei|wet)\b", re.I)
SMALL_WORDS = frozenset("of and the for on in to de la le les des du et der die das und für von del los las y di e "
                        "per da do dos van het en voor a an with".split())
SEPARATORS = re.compile(r"[,;、，；]")


@dataclass
class Signs:
    matches: int = 0
    reference: int = 0  # in a reference to another act or provision
    name: int = 0  # in a name: a cited act's title, a body's name
    enumeration: int = 0  # in a run of at least three list separators
    bare: int = 0  # none of the above

    def add(self, reference: bool, name: bool, enumeration: bool) -> None:
        self.matches += 1
        self.reference += reference
        self.name += name
        self.enumeration += enumeration
        self.bare += not (reference or name)


def _in_title_case_name(text: str, start: int, end: int) -> bool:
    """The match is part of a capitalised name of three words or more with a head word
    ("Personal Information and Data Protection Tribunal", "Gender Policy Council")."""
    core = [w for w in re.findall(r"[^\W\d_]+", text[start:end]) if w.lower() not in SMALL_WORDS]
    if not core or not all(w[0].isupper() for w in core):
        return False
    if text[max(0, start - 60):end + 60].isupper():  # an all-caps statute is not a name
        return False
    count, head = len(core), bool(NAME_HEAD.search(text[start:end]))
    left = re.findall(r"[^\s,;:()“”\"]+", text[max(0, start - 120):start])[::-1]
    right = re.findall(r"[^\s,;:()“”\"]+", text[end:end + 120])
    for tokens in (left, right):
        for token in tokens:
            word = re.sub(r"[^\w'-]", "", token)
            if not word:
                break
            if word.lower() in SMALL_WORDS:
                continue
            if word[0].isupper() and not word.isupper():
                count += 1
                head = head or bool(NAME_HEAD.fullmatch(word))
                continue
            break
    return count >= 3 and head


def signs(text: str, low: str, spans: list[tuple[int, int]]) -> Signs:
    """Mention signs of one concept's term matches (`spans` in `low`, the lower-cased `text`)."""
    out = Signs()
    for start, end in spans:
        clause = max(low.rfind(".", 0, start), low.rfind(";", 0, start), low.rfind("\n", 0, start)) + 1
        reference = REFERENCE.search(low, clause, start) is not None
        name = False
        for m in CITED_ACT.finditer(low, max(0, start - 220), start):
            between = low[m.end():start]
            if "\n" not in between and ". " not in between:
                name = True
        if not name:
            name = any(m.start() <= start and end <= m.end()
                       for m in BOOK_TITLE.finditer(text, max(0, start - 80), min(len(text), end + 80)))
        if not name:
            name = _in_title_case_name(text, start, end)
        around = low[max(0, start - 60):end + 60]
        out.add(reference, name, len(SEPARATORS.findall(around)) >= 3)
    return out
