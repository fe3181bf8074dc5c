"""Sentence windows: the small retrieval units embedded beside each passage.

A ~150-word passage vector dilutes any one sentence in it, so a query that paraphrases a
single provision (the usual case: "comparable to Article 50(2)") loses to look-alike
passages elsewhere. Embedding each sentence too, and scoring a passage by its best unit,
keeps passages citable while matching at sentence precision. Lines that carry no provision text
(footnotes, contents, signatures: `pipeline/units.py`) get no window: they stay in the passage, but
a query never matches them alone."""
from __future__ import annotations

from pipeline.chunk import sentences, words
from pipeline.units import junk_kind, provision_lines

MAX_WORDS = 60  # longer sentences (enumerations without full stops) are cut at clause ends
MIN_WORDS = 5  # shorter pieces ("(a)", "Article 5") join the next sentence
LEAD_IN_WORDS = 25  # a shorter piece ending with ":" introduces a list and joins its first item
MAX_WINDOWS = 1023  # unit ids keep 10 bits for the window number (see index/units.py)


def _cut(sentence: str) -> list[str]:
    if words(sentence) <= MAX_WORDS:
        return [sentence]
    out, buf = [], []
    for token in sentence.split():
        buf.append(token)
        if len(buf) >= MAX_WORDS * 0.6 and token.endswith((";", ",", ":")) or len(buf) >= MAX_WORDS:
            out.append(" ".join(buf))
            buf = []
    if buf:
        if out and len(buf) < MIN_WORDS:
            out[-1] += " " + " ".join(buf)
        else:
            out.append(" ".join(buf))
    return out


def sentence_windows(text: str, unit_type: str = "") -> list[str]:
    """The passage's sentences (merged when tiny, cut when huge), junk lines left out; [] when it is
    one sentence. `unit_type` is the passage's (an annex's list of acts is its content, not junk)."""
    pieces: list[str] = []
    for line in provision_lines(text, unit_type):
        line = line.strip()
        if line:
            for s in sentences(line):
                # a citation run inside a line ("…; La Trobe University, Submission 186, p. 1;") is junk too
                if junk_kind(s, unit_type) is None:
                    pieces.extend(_cut(s))
    merged: list[str] = []
    carry = ""
    for piece in pieces:
        piece = f"{carry} {piece}".strip() if carry else piece
        # a list's lead-in ("Providers of high-risk AI systems shall:") says what the list is about,
        # not what it requires: alone it matches every query on its subject, so it joins its first item
        if words(piece) < MIN_WORDS or (piece.endswith(":") and words(piece) < LEAD_IN_WORDS):
            carry = piece
            continue
        carry = ""
        merged.append(piece)
    if carry:
        if merged:
            merged[-1] += " " + carry
        else:
            merged.append(carry)
    return merged[:MAX_WINDOWS] if len(merged) > 1 else []
