"""The little query language users type: free text, "exact phrases" and title: terms.

    ban on "remote biometric identification" title:"AI Act"

Phrases are required in every mode (a filter before ranking); `title:` narrows to documents
whose title holds the term. Nothing the user types is an operator: words are only words."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from corpus.text import WORD

_TOKEN = re.compile(r'(title:)?"([^"]*)"|(\S+)', re.IGNORECASE)


@dataclass
class ParsedQuery:
    text: str  # what the ranking sees (phrases included, title: terms removed)
    phrases: list[str] = field(default_factory=list)
    title_terms: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)


def parse_query(query: str) -> ParsedQuery:
    parsed = ParsedQuery(text="")
    kept = []
    for title_prefix, phrase, bare in _TOKEN.findall(query):
        if bare.lower().startswith("title:") and len(bare) > 6:
            parsed.title_terms.append(bare[6:])
        elif title_prefix:
            if phrase.strip():
                parsed.title_terms.append(phrase.strip())
        elif phrase or (not bare and phrase == ""):
            toks = WORD.findall(phrase)
            if toks:
                parsed.phrases.append(" ".join(toks))
                kept.append(phrase)
        else:
            parsed.words.extend(WORD.findall(bare))
            kept.append(bare)
    parsed.text = " ".join(kept).strip()
    return parsed
