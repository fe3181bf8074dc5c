"""Crash safety while serving: the API keeps answering from the previous index while a rebuild
runs, and while rebuilds are killed with kill -9 at random points; whatever CURRENT names is
always complete, a freshly started API loads it, and a re-run finishes the work (slow: real
subprocesses, bounded to KILLS kills of at most ~2 s each)."""
from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ROOT, write_csv

pytestmark = pytest.mark.slow

KILLS = 4
MORE_DOCS = ("us-tn/ELVIS_Act_HB2091_SB2096.pdf", "un/A-RES-78-265.pdf", "us-ca/SB942_2024_chaptered.pdf")


def _complete(data) -> str:
    from index import snapshots

    folder = snapshots.current(data / "index")
    assert folder is not None and (folder / "manifest.json").exists() and (folder / "vectors.faiss").exists()
    return folder.name


def _client(settings):
    from pipeline.encoders import FakeEncoder
    from search_api.app import create_app

    return TestClient(create_app(settings, encoder=FakeEncoder()))


def test_previous_index_answers_while_rebuilds_run_and_are_killed(tmp_path, settings, small_corpus_template, shared,
                                                                  corpus_rows):
    data = settings.data_dir
    shutil.copytree(small_corpus_template, data)
    from corpus.importer import import_csv
    from corpus.store import Store
    from pipeline.process import process_pending

    store = Store(data)  # more documents in the store than in the index: a rebuild has work to do
    import_csv(store, write_csv(tmp_path / "more.csv", [dict(corpus_rows[p], path=str(shared / "corpus" / p))
                                                        for p in MORE_DOCS]))
    process_pending(store, settings)
    passages = store.counts()["passages"]
    store.close()

    env = {**os.environ, "AILEX_DATA_DIR": str(data), "AILEX_ENCODER": "fake", "PYTHONPATH": str(ROOT)}
    rng = random.Random(77)
    first = _complete(data)
    with _client(settings) as api:
        before = api.get("/api/search", params={"q": "artificial intelligence", "k": 5}).json()
        assert before["results"]
        answered = 0
        for n in range(KILLS + 1):
            proc = subprocess.Popen([sys.executable, "-m", "cli.main", "index", "--rebuild"], env=env, cwd=ROOT,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            stop = time.monotonic() + (rng.uniform(0.3, 2.0) if n < KILLS else 120)
            while time.monotonic() < stop and proc.poll() is None:  # the served index answers all along
                r = api.get("/api/search", params={"q": rng.choice(["facial recognition", "deepfake", "AI"]), "k": 5})
                assert r.status_code == 200 and r.json()["results"], r.text
                answered += 1
            if n < KILLS:
                proc.send_signal(signal.SIGKILL)
            assert proc.wait(timeout=120) in (0, -signal.SIGKILL)
            _complete(data)  # never a half-written index behind CURRENT
        assert answered > 0
        # the running server follows CURRENT: it now serves the last published build
        served = api.get("/api/search", params={"q": "artificial intelligence", "k": 5}).json()

    assert _complete(data) != first  # the last rebuild ran to the end and was published
    with _client(settings) as fresh:  # a restarted API serves the same index, which has every passage
        health = fresh.get("/healthz").json()
        again = fresh.get("/api/search", params={"q": "artificial intelligence", "k": 5}).json()
        assert [h["passage_id"] for h in again["results"]] == [h["passage_id"] for h in served["results"]]
        r = fresh.get("/api/search", params={"q": "voice likeness", "k": 5, "jurisdiction": "US-TN"})
        assert r.status_code == 200 and r.json()["results"]
    status = subprocess.run([sys.executable, "-m", "cli.main", "status", "--json"], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    import json

    assert json.loads(status.stdout)["index"]["count"] == passages, health
