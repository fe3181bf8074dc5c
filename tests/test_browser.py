"""The real pages in headless Chromium (Debian's chromium + chromium-driver, driven by Selenium):
search, click a facet, back and forward, remove the chip, compare across countries, export CSV,
copy a citation, open a document, the corpus view, 360 px without horizontal scroll, keyboard only.

Screenshots of every step go to test-artifacts/screenshots/ (`python -m tests.screenshots`
makes the README's from a real-model index)."""
from __future__ import annotations

import csv
import shutil
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.browser import (
    ROOT, chromium, console_errors, has_horizontal_scroll, missing_browser, screenshot, serve, set_viewport, wait_for,
)

pytestmark = pytest.mark.slow
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
QUERY = "use of facial recognition technology by law enforcement"


@pytest.fixture(scope="module")
def site(small_corpus_template, tmp_path_factory):
    problem = missing_browser()
    if problem:  # CI installs it (.ci/run); a silent skip would hide that the pages were never tried
        pytest.fail(problem, pytrace=False)
    data = tmp_path_factory.mktemp("browser") / "data"
    shutil.copytree(small_corpus_template, data)
    with serve(data) as base:
        yield base


@pytest.fixture(scope="module")
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(site, downloads):
    with chromium(downloads) as driver:
        yield driver


@pytest.fixture(autouse=True)
def desktop(browser):
    set_viewport(browser, 1280, 900)


def shot(driver, name: str, full_page: bool = True) -> None:
    screenshot(driver, ARTIFACTS / f"{name}.png", full_page=full_page)


def css(driver, selector: str):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def query(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def result_titles(driver) -> list[str]:
    return [e.text for e in css(driver, ".result h3 a")]


def test_search_facet_chip_compare_export_document(browser, site, downloads):
    from selenium.webdriver.common.keys import Keys

    d = browser
    d.get(site + "/")
    box = css(d, "#q")[0]
    assert d.switch_to.active_element == box  # the query box has the focus on arrival
    shot(d, "01-home", full_page=False)

    # search: the form's empty fields do not end up in the URL
    box.send_keys(QUERY + Keys.ENTER)
    wait_for(d, lambda d: css(d, ".results .doc-group"))
    assert sorted(query(d.current_url)) == [("q", QUERY)]
    before = result_titles(d)
    assert before and css(d, ".result mark") and css(d, ".facet a")
    shot(d, "02-results")

    # a facet narrows the search and becomes a chip
    facet = css(d, '.facet a[data-facet="jurisdiction"]')[-1]
    value = facet.get_attribute("data-value")
    facet.click()
    wait_for(d, lambda d: ("jurisdiction", value) in query(d.current_url))
    assert {e.text for e in css(d, ".result .badge.jur abbr")} == {value}
    chips = css(d, "a.chip")
    assert len(chips) == 1 and value in chips[0].text
    assert css(d, '.facet a[aria-current="true"]')[0].get_attribute("data-value") == value
    shot(d, "03-facet-and-chip")

    # back and forward move between the two searches
    d.back()
    wait_for(d, lambda d: "jurisdiction" not in d.current_url)
    assert result_titles(d) == before and not css(d, "a.chip")
    d.forward()
    wait_for(d, lambda d: ("jurisdiction", value) in query(d.current_url))
    assert len(css(d, "a.chip")) == 1

    # removing the chip gives the first search back
    css(d, "a.chip")[0].click()
    wait_for(d, lambda d: not css(d, "a.chip"))
    assert sorted(query(d.current_url)) == [("q", QUERY)] and result_titles(d) == before

    # "more passages from this document" opens in place
    more = css(d, "details.more summary")
    if more:
        more[0].click()
        assert css(d, "details.more[open] li")

    # compare across countries from the first passage
    first_id = css(d, ".doc-group")[0].get_attribute("id").removeprefix("r-")
    css(d, ".result a.compare")[0].click()
    wait_for(d, lambda d: "/compare" in d.current_url)
    assert ("passage_id", first_id) in query(d.current_url)
    rows = css(d, "table.compare tbody tr")
    jurisdictions = [e.text for e in css(d, "table.compare th[scope=row] .code")]
    assert rows and len(jurisdictions) == len(set(jurisdictions)) == len(rows)
    shot(d, "04-compare")

    # copy a citation (the button is made visible by /static/app.js)
    button = css(d, "button[data-copy]")[0]
    assert button.is_displayed()
    button.click()
    wait_for(d, lambda d: css(d, ".status-msg")[0].text)

    # export CSV: the downloaded file holds the table's rows
    css(d, "#csv-export")[0].click()
    deadline = time.monotonic() + 20
    while not list(downloads.glob("*.csv")) and time.monotonic() < deadline:
        time.sleep(0.2)
    files = list(downloads.glob("*.csv"))
    assert files, "the CSV was not downloaded"
    with open(files[0], newline="", encoding="utf-8") as f:
        exported = list(csv.DictReader(f))
    assert [r["jurisdiction"] for r in exported] == jurisdictions
    assert all(r["citation"] and r["text"] for r in exported)
    shutil.copy(files[0], ARTIFACTS.parent / "compare.csv")

    # open the best match's document at its passage
    link = css(d, "table.compare td.passage .doc a")[0]
    title, href = link.text, link.get_attribute("href")
    link.click()
    wait_for(d, lambda d: "/documents/" in d.current_url)
    assert css(d, "h1")[0].text == title
    anchor = urlsplit(href).fragment
    assert css(d, f"li#{anchor}") and d.execute_script("return location.hash") == f"#{anchor}"
    assert css(d, ".passages > li") and css(d, ".meta-list dt")
    shot(d, "05-document")

    # similar legislation elsewhere leads to another document
    similar = css(d, ".similar > li > a")
    if similar:
        similar[0].click()
        wait_for(d, lambda d: css(d, "h1") and css(d, "h1")[0].text != title)

    d.get(site + "/corpus")
    assert css(d, "svg.bar rect") and css(d, ".chart table")
    shot(d, "06-corpus")
    assert console_errors(d) == []  # no CSP violation, no failed asset, no script error on the way


@pytest.mark.parametrize("path", ["/?q=" + QUERY.replace(" ", "+"), "/compare?q=facial+recognition", "/corpus", "/new", "/"])
def test_360px_wide_has_no_horizontal_scroll(browser, site, path):
    set_viewport(browser, 360, 780)
    browser.get(site + path)
    assert not has_horizontal_scroll(browser), f"{path} scrolls sideways at 360 px"
    name = {"/corpus": "corpus", "/new": "new", "/": "home"}.get(path, path.split("?")[0].strip("/") or "results")
    shot(browser, f"07-mobile-{name}")


def test_document_360px(browser, site):
    browser.get(site + "/?q=" + QUERY.replace(" ", "+"))
    href = css(browser, ".result h3 a")[0].get_attribute("href")
    set_viewport(browser, 360, 780)
    browser.get(href)
    assert not has_horizontal_scroll(browser)
    shot(browser, "07-mobile-document", full_page=False)


def test_keyboard_only(browser, site):
    """Tab reaches the skip link, the query box, the facets, the results; Enter follows a facet."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    d = browser
    d.get(site + "/?q=" + QUERY.replace(" ", "+"))
    d.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
    seen = []
    for _ in range(80):
        ActionChains(d).send_keys(Keys.TAB).perform()
        el = d.switch_to.active_element
        seen.append((el.tag_name, el.get_attribute("id") or "", el.get_attribute("class") or "",
                     el.get_attribute("data-facet") or ""))
        # every focused control shows where the focus is
        assert d.execute_script("var s = getComputedStyle(arguments[0]); return s.outlineStyle !== 'none' "
                                "&& parseFloat(s.outlineWidth) > 0", el), seen[-1]
        if seen[-1][3] == "jurisdiction":
            break
    assert seen[0][2] == "skip"
    assert ("input", "q", "", "") in seen
    assert any(tag == "summary" for tag, *_ in seen)  # the options are reachable
    assert seen[-1][3] == "jurisdiction", "Tab never reached a facet"
    value = d.switch_to.active_element.get_attribute("data-value")
    ActionChains(d).send_keys(Keys.ENTER).perform()
    wait_for(d, lambda d: ("jurisdiction", value) in query(d.current_url))
    shot(d, "08-keyboard-facet", full_page=False)


def test_crosswalk_and_changes_pages(browser, site, downloads):
    """Issue 15: the crosswalk page and the Changes tab work without scripts errors, fit 360 px, and the
    Word download is a Word file."""
    import json
    from urllib.request import urlopen

    def first(q: str, jurisdiction: str) -> str:
        hit = json.load(urlopen(f"{site}/api/search?q={q}&jurisdiction={jurisdiction}&lang=en&k=1"))["results"][0]
        return hit["document"]["id"]

    cn, md = first("generative+artificial+intelligence", "CN"), first("facial+recognition", "US-MD")
    d = browser
    d.get(f"{site}/crosswalk?from={cn}&to={md}")
    assert len(css(d, "table.crosswalk tbody tr")) == 24
    css(d, ".match-filter a")[-1].click()  # "No counterpart": the URL holds the filter
    wait_for(d, lambda d: ("match", "none") in query(d.current_url))
    assert {r.get_attribute("class") or "" for r in css(d, "table.crosswalk tbody tr")} <= {"match-none", ""}
    before = set(downloads.iterdir())
    next(a for a in css(d, "ul.actions a") if a.text == "Download Word").click()
    wait_for(d, lambda d: [p for p in set(downloads.iterdir()) - before if p.suffix == ".docx"], 30)
    shot(d, "09-crosswalk")
    d.get(f"{site}/documents/{md}?tab=changes")
    assert "one version" in css(d, "#changes-h")[0].find_element("xpath", "..").text
    assert console_errors(d) == []
    set_viewport(d, 360, 780)
    for path in (f"/crosswalk?from={cn}&to={md}", f"/documents/{md}?tab=changes", "/crosswalk"):
        d.get(site + path)
        assert not has_horizontal_scroll(d), f"{path} scrolls sideways at 360 px"
    shot(d, "09-mobile-crosswalk")


def test_landscape_cell_opens_the_evidence_and_reads_at_360px(browser, site):
    """Issue 14: the matrix (sticky headers, shaded cells), a cell opens the passages of its
    jurisdiction and concept with the evidence marked, the concept pages, 360 px by scrolling."""
    d = browser
    d.get(site + "/landscape")
    wait_for(d, lambda d: css(d, "table.matrix"))
    assert css(d, "table.matrix thead th")[1].value_of_css_property("position") == "sticky"
    assert css(d, "table.matrix tbody th")[0].value_of_css_property("position") == "sticky"
    shaded = css(d, "table.matrix td[class^='s'] a")
    assert shaded
    shot(d, "09-landscape")
    target = next(a for a in shaded if "whistleblowers" in a.get_attribute("href"))
    assert ("jurisdiction", "US-CA") in query(target.get_attribute("href"))
    target.click()
    wait_for(d, lambda d: css(d, "mark.ev"))
    assert ("concept", "whistleblowers") in query(d.current_url)
    assert css(d, "a.cchip.on") and css(d, "p.evidence")
    assert all("US-CA" in e.text for e in css(d, ".result .badge.jur"))
    shot(d, "10-landscape-cell")
    d.get(site + "/concepts/biometric-identification")
    assert css(d, "section.practice") and css(d, "p.cite")
    assert console_errors(d) == []
    set_viewport(d, 360, 780)
    for path in ("/landscape", "/concepts", "/?concept=whistleblowers"):
        d.get(site + path)
        assert not has_horizontal_scroll(d), f"{path} scrolls sideways at 360 px"
    d.get(site + "/landscape")
    wrap = css(d, ".matrix-wrap")[0]
    assert d.execute_script("return arguments[0].scrollWidth > arguments[0].clientWidth", wrap)  # the matrix scrolls
    shot(d, "11-landscape-360", full_page=False)
