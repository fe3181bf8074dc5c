"""Per-passage language with langdetect, seeded so that the same text always gets the same tag."""
from __future__ import annotations

import re

from langdetect import DetectorFactory, LangDetectException
from langdetect import detector_factory

from corpus.text import HAN_CHAR, HANGUL_CHAR, KANA_CHAR, has_cjk

DetectorFactory.seed = 0

# langdetect's cost grows with the text; a passage's first ~400 characters settle its language.
MAX_CHARS = 400


def detect_langs(text: str):
    """langdetect's ranked guesses, reading at most MAX_CHARS characters (seeded: deterministic)."""
    detector_factory.init_factory()
    detector = detector_factory._factory.create()
    detector.set_max_text_length(MAX_CHARS)
    detector.append(text)
    return detector.get_probabilities()

# Below this many letters langdetect guesses; the declared language is a better answer.
MIN_LETTERS = 40

# Characters that differ between simplified and traditional script, to settle zh-cn vs zh-tw.
_SIMPLIFIED = set("这个们国发说时对会来过还为与经关开无产动样现进点学实应条务数据际术规则风险监管义权")
_TRADITIONAL = set("這個們國發說時對會來過還為與經關開無產動樣現進點學實應條務數據際術規則風險監管義權")
_LETTER = re.compile(r"[^\W\d_]", re.U)


def normalize(code: str) -> str:
    """Metadata codes to langdetect's: "EN" → "en", "zh-CN" → "zh-cn", "en+fr" → "en" (first listed)."""
    code = (code or "").strip().lower().replace("_", "-")
    code = code.split("+")[0].split(",")[0].strip()
    if code in ("zh-hans", "zh-sg"):
        return "zh-cn"
    if code in ("zh-hant", "zh-hk", "zh-mo"):
        return "zh-tw"
    return code


def chinese_variant(text: str) -> str | None:
    simplified = sum(ch in _SIMPLIFIED for ch in text)
    traditional = sum(ch in _TRADITIONAL for ch in text)
    if simplified == traditional:
        return None
    return "zh-cn" if simplified > traditional else "zh-tw"


def detect(text: str, fallback: str = "", prefer: set[str] | frozenset[str] = frozenset()) -> str:
    """The language code of `text`, or `fallback` (normalised) when the text is too short to tell.

    `prefer` (the document's declared languages) wins over an unsure first guess that is not
    among them, when langdetect lists it as a candidate: short French headings are not Catalan.
    """
    fallback = normalize(fallback)
    letters = len(_LETTER.findall(text))
    if letters < MIN_LETTERS and not (has_cjk(text) and letters >= 12):
        return fallback or "und"
    script = _cjk_script(text)
    if script == "zh":
        return chinese_variant(text) or (fallback if fallback.startswith("zh") else "zh-cn")
    if script:
        return script
    try:
        guesses = detect_langs(text)
    except LangDetectException:
        return fallback or "und"
    best = guesses[0]
    if prefer and best.lang not in prefer and best.prob < 0.9:
        preferred = [g for g in guesses if g.lang in prefer and g.prob >= 0.05]
        if preferred:
            best = preferred[0]
    lang = best.lang
    if lang.startswith("zh"):
        lang = chinese_variant(text) or (fallback if fallback.startswith("zh") else lang)
    if best.prob < 0.5 and fallback and best.lang not in prefer:
        return fallback
    return lang




def _cjk_script(text: str) -> str | None:
    """Han, Hangul and Kana tell Chinese, Korean and Japanese apart better than langdetect's n-grams
    (which calls Traditional Chinese "ko" on some passages)."""
    han, hangul, kana = len(HAN_CHAR.findall(text)), len(HANGUL_CHAR.findall(text)), len(KANA_CHAR.findall(text))
    letters = len(_LETTER.findall(text))
    if hangul and hangul >= 0.3 * letters:
        return "ko"
    if kana and kana >= 0.1 * letters and han + kana >= 0.3 * letters:
        return "ja"
    if han and han >= 0.3 * letters:
        return "zh"
    return None


def share(text: str, lang: str) -> float:
    """Probability langdetect gives `lang` for `text` (0 when it doesn't list it)."""
    try:
        return next((g.prob for g in detect_langs(text) if g.lang == lang), 0.0)
    except LangDetectException:
        return 0.0
