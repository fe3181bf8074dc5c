"""The HTML pages (/, /compare, /documents/{id}, /corpus) on real documents: facets are links that
narrow the search, chips remove filters, the URL holds the whole state, no inline script or style."""
from __future__ import annotations

import csv
import io
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi.testclient import TestClient

from pipeline.encoders import FakeEncoder
from search_api.app import create_app

QUERY = "use of facial recognition technology by law enforcement"


class Page(HTMLParser):
    """Every element with its attributes, and the text inside elements of interest."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.texts: dict[int, str] = {}
        self._open: list[int] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag in ("a", "textarea", "h1", "label", "th", "abbr", "title"):
            self._open.append(len(self.elements) - 1)
            self.texts[len(self.elements) - 1] = ""

    def handle_endtag(self, tag):
        for n in reversed(self._open):
            if self.elements[n][0] == tag:
                self._open.remove(n)
                break

    def handle_data(self, data):
        for n in self._open:
            self.texts[n] += data

    def find(self, tag: str, **attrs) -> list[tuple[dict, str]]:
        """(attributes, text) of elements with that tag whose attributes contain `attrs`
        (a value of True only asks for the attribute; class matches one of the classes)."""
        out = []
        for n, (t, a) in enumerate(self.elements):
            if t != tag:
                continue
            ok = True
            for k, v in attrs.items():
                k = k.rstrip("_").replace("_", "-")
                if v is True:
                    ok &= k in a
                elif k == "class":
                    ok &= v in (a.get("class") or "").split()
                else:
                    ok &= a.get(k) == v
            if ok:
                out.append((a, " ".join(self.texts.get(n, "").split())))
        return out


def params(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


@pytest.fixture
def client(settings, small_corpus):
    with TestClient(create_app(settings, encoder=FakeEncoder())) as c:
        yield c


def _title_links(page: Page) -> list[dict]:
    """The result titles' links (the link right after each <h3 id="t-…">), in order."""
    out, after_h3 = [], False
    for tag, a in page.elements:
        if tag == "h3" and (a.get("id") or "").startswith("t-"):
            after_h3 = True
        elif tag == "a" and after_h3:
            out.append(a)
            after_h3 = False
    return out


def test_results_are_grouped_by_document_with_their_links(client, small_corpus):
    api = client.get("/api/search", params={"q": QUERY, "k": 20, "diversify": "jurisdiction"}).json()["results"]
    html = client.get("/", params={"q": QUERY, "k": 20}).text
    page = Page(html)
    docs_in_order = list(dict.fromkeys(h["document"]["id"] for h in api))
    assert [a["href"].split("/documents/")[1].split("#")[0] for a in _title_links(page)] == docs_in_order
    per_doc = {d: sum(h["document"]["id"] == d for h in api) for d in docs_in_order}
    for d, n in per_doc.items():
        if n > 1:
            assert f"{n - 1} more passage" in html
    compare_links = [a["href"] for a, _ in page.find("a") if a.get("href", "").startswith("/compare?passage_id=")]
    assert {int(dict(params(h))["passage_id"]) for h in compare_links} == {h["passage_id"] for h in api}
    for d in docs_in_order:
        doc = small_corpus.get_document(d)
        assert page.find("a", href=f"/api/documents/{d}/file")
        if doc.source_url:
            assert page.find("a", href=doc.source_url)
        assert doc.jurisdiction in html and doc.status.replace("_", " ") in html
    assert "<mark>" in html  # query terms are highlighted


def test_facets_are_links_that_narrow_and_chips_remove_them(client, small_corpus):
    first = Page(client.get("/", params={"q": QUERY, "mode": "semantic", "k": 20}).text)
    facet_links = first.find("a", data_facet="jurisdiction")
    assert len(facet_links) >= 2 and not first.find("a", class_="chip")
    # facet counts are the API's facets
    api_facets = client.get("/api/search", params={"q": QUERY, "mode": "semantic", "k": 20}).json()["facets"]
    assert {a["data-value"] for a, _ in facet_links} == set(api_facets["jurisdiction"])
    link, text = facet_links[-1]
    value = link["data-value"]
    assert str(api_facets["jurisdiction"][value]) in text
    state = params(link["href"])
    assert ("q", QUERY) in state and ("mode", "semantic") in state and ("k", "20") in state  # the whole state is kept
    narrowed_html = client.get(link["href"]).text
    narrowed = Page(narrowed_html)
    titles = _title_links(narrowed)
    assert titles and {small_corpus.get_document(a["href"].split("/documents/")[1].split("#")[0]).jurisdiction
                       for a in titles} == {value}
    selected = narrowed.find("a", data_facet="jurisdiction", aria_current="true")
    assert [a["data-value"] for a, _ in selected] == [value]
    chips = narrowed.find("a", class_="chip")
    assert len(chips) == 1 and value in chips[0][1] and chips[0][0]["aria-label"].startswith("Remove filter Jurisdiction")
    # removing the chip (or clicking the selected facet again) gives back the first search's URL
    assert sorted(params(chips[0][0]["href"])) == sorted(params(link["href"].replace(f"&jurisdiction={value}", "")))
    assert sorted(params(chips[0][0]["href"])) == sorted([("q", QUERY), ("mode", "semantic"), ("k", "20")])
    assert selected[0][0]["href"] == chips[0][0]["href"]


def test_year_facet_selects_a_calendar_year(client, small_corpus):
    page = Page(client.get("/", params={"q": QUERY, "k": 20}).text)
    years = page.find("a", data_facet="year")
    assert years
    link = next(a for a, _ in years if a["data-value"] == "2024")
    assert ("date_from", "2024-01-01") in params(link["href"]) and ("date_to", "2024-12-31") in params(link["href"])
    narrowed = Page(client.get(link["href"]).text)
    docs = {a["href"].split("/documents/")[1].split("#")[0] for a in _title_links(narrowed)}
    assert docs and all(small_corpus.get_document(d).date.startswith("2024") for d in docs)
    chips = narrowed.find("a", class_="chip")
    assert [t for _, t in chips] == ["Year: 2024 ×"]
    assert ("date_from", "2024-01-01") not in params(chips[0][0]["href"])


def test_several_values_of_one_filter_and_clear_all(client):
    url = "/?q=facial&jurisdiction=CN&jurisdiction=US-MD&lang=en&date_from=2023-01-01"
    page = Page(client.get(url).text)
    chip_texts = [t for _, t in page.find("a", class_="chip")]
    assert chip_texts == ["Language: English ×", "Jurisdiction: China (CN) ×", "Jurisdiction: Maryland (US-MD) ×",
                          "From: 2023-01-01 ×"]
    # the form carries both jurisdictions (hidden), so a new query keeps them
    assert {a["value"] for a in (a for a, _ in page.find("input", type="hidden", name="jurisdiction"))} == {"CN", "US-MD"}
    clear = page.find("a", class_="clear")
    assert clear and params(clear[0][0]["href"]) == [("q", "facial")]


def test_search_within_one_document(client, small_corpus):
    md = next(d for d in small_corpus.documents() if d.jurisdiction == "US-MD")
    page = Page(client.get("/", params={"q": QUERY, "document": md.id}).text)
    titles = _title_links(page)
    assert titles and {a["href"].split("/documents/")[1].split("#")[0] for a in titles} == {md.id}
    assert [t for _, t in page.find("a", class_="chip")] == [f"Document: {md.title} ×"]


def test_permalink_restores_the_form(client):
    page = Page(client.get("/", params={"q": "deepfake", "mode": "keyword", "k": 20, "diversify": "",
                                        "date_to": "2025-06-30", "status": "enacted"}).text)
    assert page.find("input", id="q", value="deepfake")
    assert page.find("input", id="f-to", value="2025-06-30")
    selected = {(a.get("value")) for a, _ in page.find("option", selected=True)}
    assert {"keyword", "20", "", "enacted"} <= selected


def _assert_clean(html: str) -> Page:
    """No inline script or style (a CSP without 'unsafe-inline' is set), and every control is labelled."""
    page = Page(html)
    assert all(a.get("src", "").startswith("/static/") for a, _ in page.find("script"))
    assert "<script>" not in html and "<style" not in html and " style=" not in html
    assert not any(k.startswith("on") for _, a in page.elements for k in a)  # no onclick= handlers
    labelled = {a.get("for") for a, _ in page.find("label")}
    for tag in ("input", "select", "textarea"):
        for a, _ in page.find(tag):
            if a.get("type") in ("hidden", "submit"):
                continue
            assert a.get("id") in labelled or a.get("aria-label"), f"unlabelled <{tag} {a}>"
    return page


def test_every_page_is_clean_and_labelled(client, small_corpus):
    doc = small_corpus.documents()[0]
    pid = small_corpus.passages(doc.id)[1].id
    for url in ["/", f"/?q={QUERY}&jurisdiction=CN", "/compare", f"/compare?passage_id={pid}",
                f"/compare?q={QUERY}", f"/documents/{doc.id}", "/corpus", "/new", "/documents/nope-0000000000"]:
        r = client.get(url)
        assert r.headers["content-type"].startswith("text/html")
        page = _assert_clean(r.text)
        assert page.find("main", id="main") and page.find("a", class_="skip", href="#main")
        assert 'name="viewport"' in r.text


def test_compare_page_matches_the_api_and_exports_csv(client, small_corpus):
    md = next(d for d in small_corpus.documents() if d.jurisdiction == "US-MD")
    pid = small_corpus.passages(md.id)[3].id
    api = client.get("/api/compare", params={"passage_id": pid}).json()
    html = client.get("/compare", params={"passage_id": pid}).text
    page = Page(html)
    rows = [t for a, t in page.find("th", scope="row")]
    assert [r.split()[0] for r in rows] == [m["jurisdiction"] for m in api["matches"]]
    citations = [t for a, t in page.find("textarea") if a["id"].startswith("cite-") and a["id"] != "cite-all"]
    assert citations == [m["citation"] for m in api["matches"]]
    assert all("readonly" in a for a, _ in page.find("textarea"))
    assert page.find("button", data_copy="cite-all") and page.find("script", src="/static/app.js")
    assert md.title in html  # the passage compared from
    csv_link = page.find("a", id="csv-export")[0][0]["href"]
    assert ("format", "csv") in params(csv_link) and ("passage_id", str(pid)) in params(csv_link)
    exported = list(csv.DictReader(io.StringIO(client.get(csv_link).text)))
    assert [r["jurisdiction"] for r in exported] == [m["jurisdiction"] for m in api["matches"]]
    # ticking jurisdictions narrows the table and the export
    narrowed = Page(client.get("/compare", params={"passage_id": pid, "jurisdiction": "CN"}).text)
    assert [t.split()[0] for _, t in narrowed.find("th", scope="row")] == ["CN"]
    assert narrowed.find("input", type="checkbox", value="CN", checked=True)
    assert ("jurisdiction", "CN") in params(narrowed.find("a", id="csv-export")[0][0]["href"])


def test_compare_page_by_text_and_errors(client):
    page = Page(client.get("/compare", params={"q": QUERY}).text)
    assert page.find("input", id="cq", value=QUERY) and page.find("th", scope="row")
    assert client.get("/compare").status_code == 200  # the empty form
    assert client.get("/compare", params={"passage_id": 999999}).status_code == 404
    assert client.get("/compare", params={"passage_id": 1, "q": "x"}).status_code == 422


def test_document_page(client, small_corpus):
    doc = next(d for d in small_corpus.documents() if d.jurisdiction == "CN" and d.language == "en")
    html = client.get(f"/documents/{doc.id}").text
    page = Page(html)
    assert [t for _, t in page.find("h1")] == [doc.title]
    passages = small_corpus.passages(doc.id)
    anchors = [int(a["id"][2:]) for a, _ in page.find("li") if (a.get("id") or "").startswith("p-")]
    assert anchors == [p.id for p in sorted(passages, key=lambda p: p.seq)]  # reading order
    assert all(p.locator in html for p in passages if p.locator and "&" not in p.locator and "<" not in p.locator)
    assert page.find("a", href=f"/api/documents/{doc.id}/file")
    assert not doc.source_url or page.find("a", href=doc.source_url)
    assert doc.processing_status.value in html and small_corpus.versions(doc.id)[0].filename in html
    similar = client.get(f"/api/documents/{doc.id}/similar").json()["similar"]
    assert similar
    for s in similar:
        assert page.find("a", href=f"/documents/{s['document']['id']}")
    assert client.get(f"/documents/{doc.id}").headers["content-type"].startswith("text/html")


def test_document_page_shows_crawl_links_and_404s(client, small_corpus):
    from corpus.crawl_state import CrawlState, DocumentLink

    docs = {d.language: d for d in small_corpus.documents() if d.jurisdiction == "CN" and d.doc_type == "regulation"}
    original, translation = docs["zh-cn"], docs["en"]
    CrawlState(small_corpus).add_links([DocumentLink(from_key=original.source_key, to_key=translation.source_key,
                                                     relation="translation", spider="test")])
    page = Page(client.get(f"/documents/{original.id}").text)
    assert page.find("a", href=f"/documents/{translation.id}")
    back = client.get(f"/documents/{translation.id}").text
    assert f'href="/documents/{original.id}"' in back and "translation" in back
    missing = client.get("/documents/nope-0000000000")
    assert missing.status_code == 404 and "No such document" in missing.text
    assert client.get("/documents/..%2F..%2Fetc").status_code == 404


def test_corpus_page_and_json(client, small_corpus):
    from corpus.crawl_state import CrawlState

    crawl = CrawlState(small_corpus)
    run = crawl.start_run("eu_parliament")
    crawl.finish_run(run, "structure_error", {"items": 3, "new": 1, "failed": 2}, "no items on the list page")
    body = client.get("/api/corpus").json()
    docs = small_corpus.documents()
    assert body["documents"] == len(docs) and sum(body["by_jurisdiction"].values()) == len(docs)
    assert body["by_jurisdiction"] == {j: sum(d.jurisdiction == j for d in docs) for j in body["by_jurisdiction"]}
    assert sum(body["by_language"].values()) == sum(body["by_doc_type"].values()) == len(docs)
    assert body["passages"] == small_corpus.counts()["passages"] and body["index"]["count"] == body["passages"]
    assert [(r["spider"], r["status"], r["items"], r["failed"]) for r in body["last_crawls"]] == \
        [("eu_parliament", "structure_error", 3, 1 + 1)]
    html = client.get("/corpus").text
    page = Page(html)
    assert "eu_parliament" in html and "structure error" in html and "no items on the list page" in html
    bars = [a for a, _ in page.find("rect")]
    assert bars and max(float(a["width"]) for a in bars) == 100.0
    assert "China (CN)" in html


def test_a_submitted_form_lands_on_the_canonical_url(client):
    """The form submits every field, empty ones too; the page answers with one short canonical URL."""
    r = client.get("/?q=facial+recognition&lang=&jurisdiction=US-MD&doc_type=&status=&date_from=&date_to="
                   "&mode=hybrid&diversify=jurisdiction&k=10", follow_redirects=False)
    assert r.status_code == 303
    assert sorted(params(r.headers["location"])) == [("jurisdiction", "US-MD"), ("q", "facial recognition")]
    assert client.get(r.headers["location"], follow_redirects=False).status_code == 200
    kept = client.get("/?q=x&diversify=&k=20&mode=keyword", follow_redirects=False)
    assert kept.status_code == 200  # already canonical: non-default options stay in the URL


def test_a_hit_links_its_provision_in_the_acts_other_language(client, small_corpus):
    """The Chinese measures and their English translation are one act: an English hit on an
    article links the Chinese text of that article, by language name, and the API says which."""
    q = "providers shall take effective measures to prevent minors from over-relying on generative AI services"
    api = client.get("/api/search", params={"q": q, "k": 10, "lang": "en", "mode": "keyword"}).json()["results"]
    hit = next(h for h in api if h["document"]["jurisdiction"] == "CN")
    chinese = [c for c in hit["also_in"] if c["language"].startswith("zh")]
    assert chinese, hit["also_in"]
    html = client.get("/", params={"q": q, "k": 10, "lang": "en", "mode": "keyword"}).text
    link = Page(html).find("a", href=f"/documents/{chinese[0]['document_id']}#p-{chinese[0]['passage_id']}")
    assert link and "The same provision in" in html, html[html.find("copies") - 200:html.find("copies") + 400]
    # the same article: its number in the Chinese locator ("第十条" for "Article 10")
    copy = small_corpus.passages_by_ids([chinese[0]["passage_id"]])[chinese[0]["passage_id"]]
    from index.provisions import unit_key

    assert unit_key(copy).key == unit_key(small_corpus.passages_by_ids([hit["passage_id"]])[hit["passage_id"]]).key
    assert "未成年人" in copy.text, (hit["locator"], copy.locator)
