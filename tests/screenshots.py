"""Regenerate the README screenshots (docs/screenshots/*.png) from a built index.

    .venv/bin/python -m tests.screenshots                      # AILEX_DATA_DIR (default: data), after `make demo`
    .venv/bin/python -m tests.screenshots --data-dir /path/to/data --out docs/screenshots

Serves the real app over that data folder (with the model the index was built with), drives
Debian's headless Chromium through search → facet → comparison → document → corpus → crosswalk
(Brazil's PL 2338 against the AI Act) → changes (the EP position against the Regulation) → what's new →
landscape → a landscape cell → a concept page → 360 px,
and writes palette-quantised PNGs (each under 300 KB)."""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote_plus

from pipeline.encoders import FakeEncoder
from tests.browser import ROOT, chromium, missing_browser, screenshot, serve, set_viewport, shrink_png, wait_for

DEFAULT_QUERY = "ban on real-time remote biometric identification in public spaces"
FAKE_MODEL = FakeEncoder.name


def index_model(data_dir: Path) -> str | None:
    from index import snapshots
    from index.manifest import Manifest

    folder = snapshots.current(data_dir / "index")
    return Manifest.read(folder).model if folder else None


def document_ids(data_dir: Path) -> dict[str, str]:
    """The sample corpus's AI Act (English), Brazil's PL 2338 and the EP position, by source file."""
    from corpus.store import Store

    files = {"en": "ai_act/AI_Act-EN.txt", "br": "PL2338_2023", "ep": "EP_P9_TA-2024-0138"}
    store = Store(data_dir)
    try:
        docs = store.documents()
    finally:
        store.close()
    return {k: d.id for k, f in files.items() for d in docs if f in d.source_key}


def take(data_dir: Path, out: Path, query: str, compare_query: str) -> list[Path]:
    from selenium.webdriver.common.by import By

    model = index_model(data_dir)
    if model is None:
        raise SystemExit(f"no index in {data_dir}: run `make demo` (ailex import, ailex index) first")
    if model == FAKE_MODEL:
        print(f"warning: {data_dir} was indexed with the fake encoder: results will not be meaningful", file=sys.stderr)
    encoder = "fake" if model == FAKE_MODEL else "sentence-transformers"
    out.mkdir(parents=True, exist_ok=True)
    written = []

    def save(driver, name: str, full_page: bool = False, max_height: int = 1400) -> None:
        path = screenshot(driver, out / f"{name}.png", full_page=full_page, max_height=max_height)
        written.append(shrink_png(path))

    def css(driver, selector):
        return driver.find_elements(By.CSS_SELECTOR, selector)

    with tempfile.TemporaryDirectory() as downloads, serve(data_dir, encoder=encoder, timeout=300) as base, \
            chromium(Path(downloads)) as d:
        set_viewport(d, 1280, 1000)
        d.get(f"{base}/?q={quote_plus(query)}")
        wait_for(d, lambda d: css(d, ".results .doc-group"), 120)
        save(d, "search", full_page=True)
        languages = [a for a in css(d, '.facet a[data-facet="language"]') if a.get_attribute("aria-current") is None]
        if len(languages) > 1:
            languages[1].click()
            wait_for(d, lambda d: css(d, "a.chip"))
            save(d, "search-facet", full_page=True)
        d.get(f"{base}/compare?q={quote_plus(compare_query)}")
        wait_for(d, lambda d: css(d, "table.compare, .notice"), 120)
        save(d, "compare", full_page=True)
        link = css(d, "table.compare td.passage .doc a")
        if link:
            d.get(link[0].get_attribute("href"))
            save(d, "document", full_page=True)
        d.get(f"{base}/corpus")
        save(d, "corpus", full_page=True)
        ids = document_ids(data_dir)
        if "br" in ids and "en" in ids:  # issue 15: Brazil's bill against the AI Act, article by article
            d.get(f"{base}/crosswalk?from={ids['br']}&to={ids['en']}")
            wait_for(d, lambda d: css(d, "table.crosswalk, .notice"), 120)
            save(d, "crosswalk", full_page=True)
        if "ep" in ids and "en" in ids:  # … and what the Parliament's position changed in the Regulation
            d.get(f"{base}/documents/{ids['en']}?tab=changes&against={ids['ep']}")
            wait_for(d, lambda d: css(d, "ol.changes, .notice"), 120)
            save(d, "changes", full_page=True)
        d.get(f"{base}/new")
        save(d, "new", full_page=True)
        # issue 14: the landscape, one of its cells opened, a concept page
        d.get(f"{base}/landscape")
        wait_for(d, lambda d: css(d, "table.matrix, .notice"), 120)
        save(d, "landscape", full_page=True, max_height=1600)
        cell = [a for a in css(d, "table.matrix td a") if "concept=whistleblowers" in (a.get_attribute("href") or "")
                and "jurisdiction=US-CA" in (a.get_attribute("href") or "")]
        if cell:
            d.get(cell[0].get_attribute("href"))
            wait_for(d, lambda d: css(d, ".results .doc-group, .notice"), 120)
            save(d, "landscape-cell", full_page=True)
        d.get(f"{base}/concepts/biometric-identification")
        save(d, "concept", full_page=True)
        set_viewport(d, 360, 780)
        d.get(f"{base}/?q={quote_plus(query)}")
        save(d, "mobile", full_page=True, max_height=1600)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("AILEX_DATA_DIR", ROOT / "data")))
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--query", default=DEFAULT_QUERY)
    parser.add_argument("--compare-query", default="labelling of deepfakes and AI-generated content")
    args = parser.parse_args(argv)
    problem = missing_browser()
    if problem:
        raise SystemExit(problem)
    for path in take(args.data_dir.resolve(), args.out, args.query, args.compare_query):
        print(f"{path} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
