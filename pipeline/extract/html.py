"""HTML: the main content's block elements in document order, headings marked from the markup.

Navigation, banners, footers, scripts and cookie notices are removed first. EUR-Lex Official
Journal classes (oj-ti-art, oj-sti-art, oj-ti-section-*, oj-doc-ti) mark headings and titles.
"""
from __future__ import annotations

import re

from lxml import html as lxml_html

from corpus.models import ProcessingStatus
from pipeline.extract import Block, Extraction, ExtractionError

_DROP_TAGS = {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "template", "svg", "button", "select", "iframe", "head"}
_DROP_ROLES = {"navigation", "banner", "contentinfo", "search", "complementary"}
_DROP_HINT = re.compile(r"cookie|breadcrumb|skip-?link|share|social|menu|navbar|sidebar|site-header|site-footer|print-only", re.I)
_BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "li", "ul", "ol", "dl", "dt", "dd", "td", "th", "tr", "table", "tbody",
    "thead", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "caption", "figcaption", "figure", "br", "hr", "body",
}
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_HEADING_CLASS = re.compile(r"\boj-(ti-art|sti-art|ti-section-\d|doc-ti|ti-grseq-\d)\b|\btitle-article-norm\b|\bstitle-article-norm\b")
_MAIN_IDS = ("docHtml", "document1", "TexteOnly", "textTabContent", "main-content", "content")


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>")


def decode(data: bytes, charset: str | None = None) -> str:
    """HTTP charset, then the page's own <meta>, then UTF-8, then cp1252 (lxml alone would guess Latin-1)."""
    meta = _META_CHARSET.search(data[:4096])
    for encoding in filter(None, (charset, meta.group(1).decode("ascii", "ignore") if meta else None, "utf-8")):
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("cp1252", errors="replace")


def parse(data: bytes, charset: str | None = None):
    text = _XML_DECL.sub("", decode(data, charset).lstrip("\ufeff"))
    parser = lxml_html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
    return lxml_html.fromstring(text, parser=parser)


def extract_html(data: bytes, charset: str | None = None) -> Extraction:
    root = parse(data, charset)
    main = _main(root)
    _strip_chrome(main)
    blocks = list(_walk_blocks(main))
    method = "html"
    marked = root.xpath("//*[contains(concat(' ', @class, ' '), ' oj-ti-art ') or contains(concat(' ', @class, ' '), ' title-article-norm ')]")
    if marked:
        method = "html:eurlex"
        from pipeline.structure import ARTICLE, parse_heading

        found = sum(1 for b in blocks if b.heading and (h := parse_heading(b.text)) is not None and h.level == ARTICLE)
        if found < len(marked) // 2:
            raise ExtractionError(
                ProcessingStatus.failed,
                f"EUR-Lex page marks {len(marked)} article headings but {found} were recognised (page structure changed?)",
            )
    return Extraction(blocks=blocks, method=method)


def _main(root):
    for candidate in root.xpath("//main | //*[@role='main']"):
        if len(candidate.text_content().split()) > 50:
            return candidate
    for id_ in _MAIN_IDS:
        found = root.xpath(f"//*[@id='{id_}']")
        if found and len(found[0].text_content().split()) > 50:
            return found[0]
    articles = root.xpath("//article")
    if articles:
        best = max(articles, key=lambda e: len(e.text_content()))
        if len(best.text_content().split()) > 200:
            return best
    body = root.find("body")
    return body if body is not None else root


def _strip_chrome(root) -> None:
    doomed = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            doomed.append(el)
            continue
        if el.tag in _DROP_TAGS or el.get("role") in _DROP_ROLES or el.get("aria-hidden") == "true":
            doomed.append(el)
            continue
        hint = f"{el.get('class', '')} {el.get('id', '')}"
        if el.tag not in ("body", "main", "article") and _DROP_HINT.search(hint) and len(el.text_content().split()) < 400:
            doomed.append(el)
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()
    _drop_link_lists(root)


_LINKY_TAGS = {"div", "ul", "ol", "table", "tr", "td", "p", "li", "span", "dl", "section"}


def _drop_link_lists(root) -> None:
    """Menus, breadcrumbs and "print / share" bars: short elements whose text is mostly links."""
    doomed = []
    for el in root.iter(*_LINKY_TAGS):
        text = re.sub(r"\s+", "", el.text_content())
        if not text or len(text) > 600:
            continue
        linked = sum(len(re.sub(r"\s+", "", a.text_content())) for a in el.iter("a"))
        if linked / len(text) > 0.6:
            doomed.append(el)
    dropped: set = set()
    for el in doomed:
        if any(a in dropped for a in el.iterancestors()):
            continue
        if el.getparent() is not None:
            dropped.add(el)
            el.drop_tree()


def _walk_blocks(root):
    """Emit one Block per run of inline text between block-level boundaries."""
    buf: list[str] = []
    state = {"heading": False}

    def flush():
        text = re.sub(r"\s+", " ", "".join(buf)).strip()
        buf.clear()
        if text:
            yield Block(text=text, heading=state["heading"])
        state["heading"] = False

    def visit(el):
        tag = el.tag if isinstance(el.tag, str) else ""
        is_block = tag in _BLOCK_TAGS
        is_heading = tag in _HEADING_TAGS or bool(_HEADING_CLASS.search(el.get("class", "") or ""))
        if is_block:
            yield from flush()
        if is_heading:
            state["heading"] = True
        if el.text:
            buf.append(el.text)
        for child in el:
            yield from visit(child)
            if child.tail:
                buf.append(child.tail)
        if tag in ("td", "th") and buf:
            buf.append(" ")
        if is_block or is_heading:
            yield from flush()

    yield from visit(root)
    yield from flush()


def fragment_blocks(markup: str) -> list[Block]:
    """Blocks from an HTML fragment embedded in other data (e.g. a CRS summary in BILLSTATUS)."""
    if not markup.strip():
        return []
    root = lxml_html.fragment_fromstring(markup, create_parent="div")
    return list(_walk_blocks(root))
