"""The small text definitions every stage shares: scripts, words, index terms, unit strings.

One definition of each: extraction, chunking, language detection, duplicate detection, the
lexical index, query parsing and highlighting all import these, so a change to what counts as
Chinese, or as a word, happens in one place. It lives in `corpus` because every stage may
import `corpus` (crawlers, pipeline, index, search_api)."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# -- scripts -----------------------------------------------------------------------------
# Character ranges, as regex class bodies. Han includes the compatibility ideographs; Hangul
# includes the conjoining and compatibility jamo (old Korean prints use them).
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
KANA = "\u3040-\u30ff"
HANGUL = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"
CJK = HAN + KANA + HANGUL  # scripts written without spaces between words (Korean: between phrases)

CJK_CHAR = re.compile(f"[{CJK}]")
# Han and kana run on without spaces; Korean puts spaces between phrases, so counts words normally
UNSPACED_CHAR = re.compile(f"[{HAN}{KANA}]")
HAN_CHAR = re.compile(f"[{HAN}]")
KANA_CHAR = re.compile(f"[{KANA}]")
HANGUL_CHAR = re.compile(f"[{HANGUL}]")


def is_cjk(char: str) -> bool:
    return bool(char) and CJK_CHAR.match(char) is not None


def has_cjk(text: str, within: int = 200) -> bool:
    """Whether the start of `text` holds Han, kana or Hangul (a cheap test on long texts)."""
    return CJK_CHAR.search(text[:within]) is not None


# -- words -------------------------------------------------------------------------------
WORD = re.compile(r"\w+", re.UNICODE)  # a word as a reader sees it: letters, digits, underscore

STOPWORDS = frozenset(
    "the a an of and or to in on for by with from at as is are be this that which shall may any its their "
    "le la les de des du et ou en un une pour par sur au aux est sont dans "
    "der die das den dem des und oder zu im in für von mit ist sind ein eine "
    "el los las y o del por con para es son una un "
    "il lo gli della delle e per con sono una "
    "o os as e do da dos das em para por com um uma".split()
)


def words(text: str) -> list[str]:
    """The words of `text` as written (highlighting and query parsing keep the surface form)."""
    return WORD.findall(text)


def content_words(items: Iterable[str]) -> list[str]:
    """`items` without stopwords, unless stopwords are all there is ("the of" still searches)."""
    items = list(items)
    return [w for w in items if w.casefold() not in STOPWORDS] or items


def fold(word: str) -> str:
    """Case-folded, diacritics removed ("Réel" → "reel", "Straße" → "strasse")."""
    word = word.casefold()
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


_TERM = re.compile(rf"([{CJK}]+)|([^\W_{CJK}]+)")


def tokens(text: str) -> list[str]:
    """Index terms: folded words; runs of Han, kana and Hangul become character bigrams.

    An unspaced Chinese sentence would otherwise be one token no query ever equals, and Korean
    attaches particles to words (인공지능의, 인공지능은): bigrams let those languages' words meet.
    The lexical index, keyword queries and duplicate detection all count words this way."""
    out: list[str] = []
    for cjk, word in _TERM.findall(unicodedata.normalize("NFC", text)):
        if word:
            out.append(fold(word))
        elif len(cjk) == 1:
            out.append(cjk)
        else:
            out.extend(cjk[i : i + 2] for i in range(len(cjk) - 1))
    return out


# -- the strings stages share -------------------------------------------------------------
def searchable(locator: str, text: str) -> str:
    """A passage as it is embedded and indexed: its locator first, because headings name the
    topic ("Article 5 — Prohibited AI practices") that the article body often never repeats."""
    return f"{locator}\n{text}" if locator else text


# every character str.strip() and str.split() treat as space, spelled out for regular expressions
# that other dialects read too (an OpenAPI `pattern`): ECMA's \s leaves out U+001C-U+001F and U+0085
PY_SPACE = "\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"


# characters XML 1.0 cannot hold (lxml refuses them, so Word and Atom writers fail on them):
# control characters from a query or an extracted page, lone surrogates, U+FFFE/U+FFFF
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """`text` with every character XML cannot hold replaced by a space."""
    return NOT_XML.sub(" ", text)


def base_language(language: str) -> str:
    """"fr" of "fr", "fr-CA" or "fr+en" (a bilingual print): what language filters and copies compare."""
    return (language or "").split("-")[0].split("+")[0].lower()


def split_values(values: Iterable[str] | None) -> list[str]:
    """Filter values given repeated and/or comma-separated (`--lang fr,de --lang it`)."""
    return [v.strip() for item in values or [] for v in str(item).split(",") if v.strip()]


# -- file kinds ------------------------------------------------------------------------------
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "text/html",
    ".xml": "application/xml",
}


def extension(filename: str) -> str:
    """".pdf" for "Act.PDF"; "" when the name has none."""
    name = filename.lower()
    dot = name.rfind(".")
    return name[dot:] if dot >= 0 else ""


def content_type_for(filename: str) -> str:
    """The content type to store a file under: ours for the formats extraction reads, else the
    system's table, else application/octet-stream."""
    import mimetypes

    return CONTENT_TYPES.get(extension(filename)) or mimetypes.guess_type(filename)[0] or "application/octet-stream"
