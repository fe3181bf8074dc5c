"""kill -9 during import, extraction and indexing, then a re-run: no corrupt store, no
half-written index served, no duplicate passages (slow: real subprocesses)."""
from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.conftest import write_csv

pytestmark = pytest.mark.slow

DOCS = (
    "us-ca/SB53_2025_chaptered.txt",
    "us-md/HB338_2024_facial_recognition.md",
    "us-tn/ELVIS_Act_HB2091_SB2096.pdf",
    "un/A-RES-78-265.pdf",
    "br/PL2338_2023_Senado.pdf",
    "cn/genai_interim_measures_cac.htm",
)
KILLS = 6


def ailex(env, *args, timeout=300):
    return subprocess.run([sys.executable, "-m", "cli.main", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


def check_consistent(data_dir):
    db = sqlite3.connect(data_dir / "ailex.sqlite")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    dups = db.execute("""SELECT document_id, seq, COUNT(*) FROM passages WHERE active=1
                         GROUP BY 1, 2 HAVING COUNT(*) > 1""").fetchall()
    assert dups == []
    pointer = data_dir / "index" / "CURRENT"
    if pointer.exists():  # whatever CURRENT names is complete
        folder = data_dir / "index" / "builds" / pointer.read_text().strip()
        assert (folder / "manifest.json").exists() and (folder / "vectors.faiss").exists()
    db.close()


def test_kill_9_at_random_points_then_rerun(tmp_path, shared, corpus_rows):
    csv_path = write_csv(tmp_path / "docs.csv", [dict(corpus_rows[p], path=str(shared / "corpus" / p)) for p in DOCS])
    data = tmp_path / "data"
    env = {**os.environ, "AILEX_DATA_DIR": str(data), "AILEX_ENCODER": "fake", "PYTHONPATH": os.getcwd()}
    rng = random.Random(1234)
    for n in range(KILLS):
        step = ("import", str(csv_path)) if n % 2 == 0 else ("index",)
        proc = subprocess.Popen([sys.executable, "-m", "cli.main", *step], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 4.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        if (data / "ailex.sqlite").exists():
            check_consistent(data)
    assert ailex(env, "import", str(csv_path)).returncode == 0
    assert ailex(env, "index").returncode == 0
    check_consistent(data)

    clean = tmp_path / "clean"
    env_clean = {**env, "AILEX_DATA_DIR": str(clean)}
    assert ailex(env_clean, "import", str(csv_path)).returncode == 0
    assert ailex(env_clean, "index").returncode == 0

    def summary(d):
        db = sqlite3.connect(d / "ailex.sqlite")
        out = db.execute("""SELECT d.source_key, COUNT(p.id) FROM documents d LEFT JOIN passages p
                            ON p.document_id = d.id AND p.active = 1 GROUP BY 1 ORDER BY 1""").fetchall()
        db.close()
        return out

    assert summary(data) == summary(clean)  # the killed-and-resumed corpus equals a clean run
    import json

    status = json.loads(ailex(env, "status", "--json").stdout)
    assert status["index"]["count"] == status["passages"]
