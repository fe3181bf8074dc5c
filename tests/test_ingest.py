"""The one ingest path (index/ingest.py): its contract, and that every entry point uses it."""
from __future__ import annotations

import ast
from pathlib import Path

import numpy as np

from corpus.importer import import_csv
from corpus.models import ProcessingStatus
from index import snapshots
from index.ingest import Ingest
from index.snapshot import open_snapshot
from pipeline.encoders import FakeEncoder

ROOT = Path(__file__).resolve().parents[1]


def test_ingest_contract(settings, store, small_csv, monkeypatch):
    import pipeline.process

    workers_seen = []
    real_run_jobs = pipeline.process.run_jobs

    def spy(jobs, **kwargs):
        workers_seen.append(kwargs.get("workers"))
        return real_run_jobs(jobs, **kwargs)

    monkeypatch.setattr(pipeline.process, "run_jobs", spy)
    published, added_files = [], []

    def before(settings_, store_, folder, report):
        (folder / "extra.json").write_text("{}")  # a capability adding its file to the snapshot
        added_files.append(folder.name)

    def after(settings_, store_, report):
        published.append(report)
        return len(report.new_passages)

    def broken(settings_, store_, report):
        raise RuntimeError("webhook down")

    import_csv(store, small_csv)
    run = Ingest(settings.model_copy(update={"extract_workers": 3}), store, FakeEncoder(),
                 before_publish=[before], after_publish=[after, broken])
    # the steps one by one, as an ingest worker calls them
    processed = run.extract()
    assert processed.processed == 4 and workers_seen == [3]  # AILEX_EXTRACT_WORKERS reaches the sandbox
    assert {d.processing_status for d in store.documents()} == {ProcessingStatus.extracted}
    ahead = run.embed()  # into the embedding cache before publishing (outside any writer lock)
    assert ahead > 0
    report = run.publish()
    assert report.embedded == 0  # the publish found every vector in the cache: the same units were embedded
    folder = snapshots.current(settings.index_dir)
    assert report.folder == folder and (folder / "extra.json").exists() and added_files
    snap = open_snapshot(folder)
    active = store.active_passage_ids()
    assert snap.columns.ids.tolist() == active and snap.lexical.ids.tolist() == active
    assert sorted(published[0].new_passages) == active and not published[0].retired_passages
    assert run.publish().up_to_date and len(published) == 1  # nothing new: no publish, no hooks

    # a changed document: only its passages are new, its old ones retired, the hooks see exactly that
    doc = store.documents()[0]
    old = {p.id for p in store.passages(doc.id)}
    version, _ = store.add_version(doc.id, b"Article 1\nA new text about facial recognition in schools.",
                                   "text/plain", "changed.txt")
    result = run.run()
    assert result.processed.processed == 1 and result.index is not None and not result.index.up_to_date
    new = {p.id for p in store.passages(doc.id)}
    assert set(published[-1].new_passages) == new and set(published[-1].retired_passages) == old
    assert result.after_publish["after"] == len(new)
    assert result.after_publish["broken"].startswith("failed: RuntimeError")  # logged, ingest went on
    snap = open_snapshot(snapshots.current(settings.index_dir))
    assert not old & set(snap.columns.ids.tolist()) and new <= set(snap.columns.ids.tolist())
    assert np.isin(np.array(sorted(new)), snap.lexical.ids).all()


def _calls(package: str) -> dict[str, list[str]]:
    """Which modules call which of the stage functions, by name."""
    watched = {"update_index", "process_versions", "process_pending", "link_duplicates", "embed_texts"}
    found: dict[str, list[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in watched:
                    found.setdefault(name, []).append(str(path.relative_to(ROOT)))
    return found


def test_every_entry_point_goes_through_the_one_ingest_path():
    """No command, route or worker strings the stages together itself: only index/ingest.py calls them
    (and the stage modules their own helpers)."""
    for package in ("cli", "search_api", "crawlers"):
        assert _calls(package) == {}, f"{package} calls stage functions directly: {_calls(package)}"
    index_calls = _calls("index")
    assert set(index_calls.get("update_index", [])) == {"index/ingest.py"}
    assert set(index_calls.get("process_versions", [])) == {"index/ingest.py"}
    assert set(index_calls.get("link_duplicates", [])) == {"index/ingest.py"}
