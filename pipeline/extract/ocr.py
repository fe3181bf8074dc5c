"""OCR for image-only PDFs, used only when the optional `ocr` extra is installed.

Needs pypdfium2 and pytesseract plus the tesseract binary with the language pack of the
document's declared language. Without them the version is stored as needs_ocr.
"""
from __future__ import annotations

from corpus.models import ProcessingStatus
from pipeline.extract import Block, Extraction, ExtractionError

_TESSERACT_LANG = {
    "zh-cn": "chi_sim", "zh-tw": "chi_tra", "ko": "kor", "en": "eng", "fr": "fra", "de": "deu", "es": "spa",
    "it": "ita", "pt": "por", "nl": "nld", "ja": "jpn",
}


# Tesseract needs ~10–30 s a page: longer scans are left as needs_ocr rather than stalling a batch.
MAX_PAGES = 60


def ocr_pdf(data: bytes, pages: int, declared_language: str) -> Extraction:
    if pages > MAX_PAGES:
        raise ExtractionError(ProcessingStatus.needs_ocr, f"no text layer on {pages} pages (over the {MAX_PAGES}-page OCR limit)")
    try:
        import pypdfium2
        import pytesseract
    except ImportError:
        raise ExtractionError(ProcessingStatus.needs_ocr, f"no text layer on {pages} page(s) and no OCR engine installed") from None
    from pipeline.language import normalize

    wanted = [_TESSERACT_LANG.get(normalize(part), "eng") for part in (declared_language or "en").split("+")]
    try:
        available = set(pytesseract.get_languages(config=""))
    except Exception as exc:  # pytesseract present but the tesseract binary is not
        raise ExtractionError(ProcessingStatus.needs_ocr, f"no text layer and tesseract is unusable: {exc}") from None
    missing = [code for code in wanted if code not in available]
    if missing:
        raise ExtractionError(ProcessingStatus.needs_ocr, f"no text layer and tesseract lacks the {'+'.join(missing)} language pack")
    lang = "+".join(dict.fromkeys(wanted))
    document = pypdfium2.PdfDocument(data)
    blocks: list[Block] = []
    for index in range(len(document)):
        image = document[index].render(scale=300 / 72).to_pil()
        text = pytesseract.image_to_string(image, lang=lang)
        blocks.extend(_paragraphs(text, index + 1, lang))
    if not blocks:
        raise ExtractionError(ProcessingStatus.empty, "OCR found no text")
    return Extraction(blocks=blocks, pages=len(document), method="pdf+ocr")


def _paragraphs(text: str, page: int, lang: str) -> list[Block]:
    from pipeline.extract.pdf import _join_lines

    cjk = lang.startswith("chi") or lang == "jpn"
    out = []
    for para in text.split("\n\n"):
        lines = [ln.strip() for ln in para.splitlines() if ln.strip()]
        if not lines:
            continue
        joined = "".join(lines) if cjk else _join_lines(lines)
        if cjk:
            joined = joined.replace(" ", "")  # tesseract spaces out Han characters
        out.append(Block(text=joined, page=page))
    return out
