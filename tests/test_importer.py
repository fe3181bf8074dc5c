"""`ailex import` on real files: metadata, idempotence, new versions, bad rows reported."""
from __future__ import annotations

import shutil

from tests.conftest import write_csv
from corpus.importer import import_csv


def test_import_reads_metadata_and_is_idempotent(store, small_csv, corpus_rows):
    first = import_csv(store, small_csv)
    assert (first.new, first.changed, first.unchanged, first.errors) == (4, 0, 0, [])
    again = import_csv(store, small_csv)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 4)
    docs = {d.title: d for d in store.documents()}
    row = corpus_rows["us-md/HB338_2024_facial_recognition.md"]
    d = docs[row["title"]]
    assert (d.jurisdiction, d.doc_type, d.status, d.language, d.date) == ("US-MD", "act", "enacted", "en", "2024")
    assert len(store.versions(d.id)) == 1


def test_changed_file_becomes_a_new_version(store, tmp_path, shared, corpus_rows):
    src = shared / "corpus" / "cn/genai_interim_measures_EN_translation.txt"
    copy = tmp_path / "measures.txt"
    shutil.copy(src, copy)
    row = dict(corpus_rows["cn/genai_interim_measures_EN_translation.txt"], path=str(copy), sha256="")
    csv_path = write_csv(tmp_path / "one.csv", [row])
    assert import_csv(store, csv_path).new == 1
    copy.write_text(src.read_text(encoding="utf-8") + "\nArticle 25 These Measures were amended.\n", encoding="utf-8")
    report = import_csv(store, csv_path)
    assert (report.new, report.changed) == (0, 1)
    (doc,) = store.documents()
    assert len(store.versions(doc.id)) == 2


def test_bad_rows_are_reported_and_the_rest_imported(store, tmp_path, shared, corpus_rows):
    good = dict(corpus_rows["us-ca/SB53_2025_chaptered.txt"], path=str(shared / "corpus/us-ca/SB53_2025_chaptered.txt"))
    missing = dict(good, path=str(tmp_path / "nope.pdf"), title="Missing")
    bad_date = dict(good, path=str(shared / "corpus/us-md/HB338_2024_facial_recognition.md"), date="13/06/2024")
    wrong_hash = dict(good, path=str(shared / "corpus/us-md/HB338_2024_facial_recognition.md"), date="2024")
    report = import_csv(store, write_csv(tmp_path / "mixed.csv", [missing, good, bad_date, wrong_hash]))
    assert report.new == 1
    reasons = [reason for _, reason in report.errors]
    assert len(reasons) == 3
    assert "file not found" in reasons[0]
    assert "YYYY" in reasons[1] and "sha256" in reasons[2]
