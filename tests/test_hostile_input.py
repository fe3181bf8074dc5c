"""Bad input, nothing lost: hostile files through the real import → process path, and the
per-document limits (time, memory, crash) of the extraction sandbox."""
from __future__ import annotations

import os
import resource
import signal
import time

import pytest

from corpus.models import DocumentMeta, ProcessingStatus
from pipeline.sandbox import Job, Outcome, run_jobs
from tests.conftest import write_csv
from tests.hostile_files import CP1252_HTML, make_hostile

S = ProcessingStatus


# -- the sandbox's limits, with workers that misbehave on purpose ---------------------------
# (module-level functions: the child imports this module by name to run them)
def _echo(job: Job, memory_mb: int) -> Outcome:
    return Outcome(S.extracted, job.filename)


def _slow_then_echo(job: Job, memory_mb: int) -> Outcome:
    time.sleep(float(job.language))
    return Outcome(S.extracted, job.filename)


def _hang(job: Job, memory_mb: int) -> Outcome:
    while True:
        time.sleep(1)


def _hog(job: Job, memory_mb: int) -> Outcome:
    chunks = []
    while True:  # grows until the address-space limit stops it
        chunks.append(bytearray(64 * 1024 * 1024))


def _segfault(job: Job, memory_mb: int) -> Outcome:
    os.kill(os.getpid(), signal.SIGSEGV)
    return Outcome(S.extracted, "unreachable")


def _job(name: str, delay: float = 0.0) -> Job:
    return Job(path="/dev/null", content_type="text/plain", filename=name, language=str(delay), chunk_words=160)


def test_time_limit_kills_a_hanging_document_and_the_batch_goes_on():
    started = time.monotonic()
    out = list(run_jobs([_job("a"), _job("b")], timeout_s=2, memory_mb=0, workers=2, worker=_hang))
    assert [(o.status, o.reason) for o in out] == [(S.failed, "extraction exceeded 2 s")] * 2
    assert time.monotonic() - started < 30


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_memory_limit_fails_the_document_not_the_batch():
    before = _rss_mb()
    out = list(run_jobs([_job("hog")], timeout_s=60, memory_mb=512, worker=_hog))
    assert out[0].status == S.failed and out[0].reason.startswith("extraction exceeded 512 MB"), out[0].reason
    # the hog grew in its child, never here (the high-water mark would also count earlier tests)
    assert _rss_mb() - before < 100


def test_a_crashing_parser_fails_its_document_alone():
    out = list(run_jobs([_job("crash")], timeout_s=30, memory_mb=0, worker=_segfault))
    assert out[0].status == S.failed and "died" in out[0].reason and str(-signal.SIGSEGV) in out[0].reason


def test_results_come_back_in_job_order_whatever_finishes_first():
    jobs = [_job("first", 1.5), Outcome(S.failed, "refused before extraction"), _job("third", 0.0), _job("fourth", 0.2)]
    out = list(run_jobs(jobs, timeout_s=30, memory_mb=1024, workers=2, worker=_slow_then_echo))
    assert [o.reason for o in out] == ["first", "refused before extraction", "third", "fourth"]


def test_stopping_early_leaves_no_child_behind():
    import multiprocessing

    gen = run_jobs([_job("quick"), _job("slow", 60), _job("slower", 60)], timeout_s=120, memory_mb=0, workers=3,
                   worker=_slow_then_echo)
    assert next(gen).reason == "quick"
    gen.close()  # the caller stops early (or is interrupted) while two children still run
    assert not [p for p in multiprocessing.active_children() if p.name.startswith("ailex-extract")]


@pytest.mark.slow
def test_a_real_pdf_bomb_hits_the_time_and_the_memory_limit(tmp_path):
    from tests.hostile_files import slow_pdf

    path = tmp_path / "slow.pdf"
    path.write_bytes(slow_pdf())
    job = Job(str(path), "application/pdf", "slow.pdf", "en", 160)
    started = time.monotonic()
    [timed_out] = run_jobs([job], timeout_s=3, memory_mb=2048)
    assert (timed_out.status, timed_out.reason) == (S.failed, "extraction exceeded 3 s")
    assert time.monotonic() - started < 15
    [too_big] = run_jobs([job], timeout_s=120, memory_mb=256)
    assert too_big.status == S.failed and too_big.reason.startswith("extraction exceeded 256 MB"), too_big.reason


# -- hostile files through the real import → process path ------------------------------------
EXPECTED = {  # name → (status, a piece of the reason)
    "truncated_pdf": (S.failed, "unreadable PDF"),
    "truncated_header_only_pdf": (S.failed, "unreadable PDF"),
    "broken_xref_pdf": (S.extracted, ""),  # pypdf rebuilds the xref table: the text is recovered
    "encrypted_pdf": (S.encrypted, "password"),
    "nested_arrays_pdf": (S.failed, "unreadable PDF"),
    "flate_bomb_pdf": (S.failed, "LimitReachedError"),
    "page_cycle_pdf": (S.failed, "cyclic"),
    "html_cp1252_no_charset": (S.extracted, ""),
    "html_cp1252_declared_utf8": (S.extracted, ""),
    "xml_billion_laughs": (S.failed, "amplification"),
    "xml_xxe": (S.extracted, ""),
    "xml_xxe_dtd": (S.extracted, ""),
    "binary_as_html": (S.failed, "binary content"),
    "empty_pdf": (S.empty, "empty"),
    "empty_html": (S.empty, "empty"),
    "whitespace_txt": (S.empty, "empty"),
    "too_big_for_processing": (S.failed, "exceeds AILEX_MAX_FILE_MB"),
}
GOOD = ("us-md/HB338_2024_facial_recognition.md", "us-ca/SB53_2025_chaptered.txt")


@pytest.mark.slow
def test_hostile_corpus_each_document_ends_with_a_status_and_reason(tmp_path, settings, store, shared, corpus_rows):
    files = make_hostile(tmp_path / "hostile", shared)
    rows = [dict(corpus_rows[p], path=str(shared / "corpus" / p), source_key="") for p in GOOD]
    for name, (path, _) in files.items():
        if name != "html_cp1252_declared_utf8":  # this one comes with an HTTP header, like from a crawl
            rows.append({**rows[0], "path": str(path), "title": name, "source_key": f"hostile:{name}", "sha256": ""})
    big_real_pdf = shared / "corpus" / "ca" / "C-27_first_reading_EN_FR.pdf"  # 1.3 MB > the 1 MB set below
    rows.append({**rows[0], "path": str(big_real_pdf), "title": "too_big_for_processing",
                 "source_key": "hostile:too_big_for_processing", "sha256": ""})

    from corpus.importer import import_csv

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = import_csv(store, write_csv(tmp_path / "hostile.csv", rows), max_bytes=settings.max_file_mb * 1024 * 1024)
    # the 500 MB file is refused from its size, unread: this process did not grow by anything like it
    assert [(p.rsplit("/", 1)[-1], r) for p, r in report.errors] == [
        ("huge.pdf", "file of 524288000 bytes exceeds AILEX_MAX_FILE_MB (200 MB)")]
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before < 200 * 1024  # KB
    doc = store.upsert_document(DocumentMeta(source_key="hostile:html_cp1252_declared_utf8", title="html_cp1252_declared_utf8",
                                             jurisdiction="FR", doc_type="bill", language="fr"))
    store.add_version(doc.id, CP1252_HTML, "text/html; charset=utf-8", "wrong_charset.html")

    from pipeline.process import process_pending

    limited = settings.model_copy(update={"max_file_mb": 1, "extract_timeout_s": 60, "extract_memory_mb": 1536})
    started = time.monotonic()
    result = process_pending(store, limited)
    assert time.monotonic() - started < 120
    assert result.processed == len(rows) - 1 + 1  # every imported version (huge.pdf never was) + the crawled one

    by_title = {d.title: d for d in store.documents()}
    got = {name: (by_title[name].processing_status, by_title[name].reason) for name in EXPECTED}
    for name, (status, fragment) in EXPECTED.items():
        assert got[name][0] == status and fragment in got[name][1], (name, got[name])
        if status != S.extracted:
            assert got[name][1], name  # a reason for every document that did not make it
    for path in GOOD:  # the good documents of the same batch are extracted
        good = by_title[corpus_rows[path]["title"]]
        assert good.processing_status == S.extracted and store.passages(good.id)

    texts = {d.title: " ".join(p.text for p in store.passages(d.id)) for d in by_title.values()}
    assert all("root:" not in t and "lollol" not in t for t in texts.values())  # no entity was ever resolved
    for name in ("html_cp1252_no_charset", "html_cp1252_declared_utf8"):
        assert "Données à caractère personnel" in texts[name] and "\ufffd" not in texts[name], texts[name][:200]
    assert "harmonised rules for artificial intelligence" in texts["broken_xref_pdf"]
    assert "harmonised rules for artificial intelligence" in texts["xml_xxe"]


def test_crawler_xml_parsing_resolves_no_entity():
    """The crawler reads XML responses for relevance (parsel): no external entity, no expansion bomb."""
    from scrapy.http import XmlResponse

    from crawlers.spiders.base import text_of
    from tests.hostile_files import BILLION_LAUGHS, XXE, XXE_DTD

    for body in (XXE, XXE_DTD, BILLION_LAUGHS):
        started = time.monotonic()
        text = text_of(XmlResponse("https://example.org/a.xml", body=body, headers={"Content-Type": "application/xml"}))
        assert "root:" not in text and "lollol" not in text and time.monotonic() - started < 5
