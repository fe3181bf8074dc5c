"""The benchmarks' CI smoke run: every benchmark at its quick size, each ratio it reports (two
figures measured in the same run) against tests/benchmarks/smoke_baseline.json. Fails only on a
3x regression of a ratio or a benchmark that breaks, never on an absolute time."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.benchmarks.common import ROOT
from tests.benchmarks.run import BASELINE, REGRESSION, check

pytestmark = pytest.mark.slow


def test_check_flags_only_a_threefold_regression(tmp_path, monkeypatch):
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"a.faster": {"baseline": 6.0, "better": "higher"},
                                    "b.overhead": {"baseline": 1.5, "better": "lower"}}))
    monkeypatch.setattr("tests.benchmarks.run.BASELINE", baseline)
    assert check({"a.faster": 2.5, "b.overhead": 4.0}) == []  # worse, but less than 3x
    problems = check({"a.faster": 1.9, "b.overhead": 4.6})
    assert len(problems) == 2 and all(f"{REGRESSION:g}x worse" in p for p in problems)
    assert "not measured" in check({"a.faster": 6.0})[0]


def test_quick_benchmarks_keep_their_ratios(shared, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "tests.benchmarks.run", "--quick", "--check", "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=2400)
    assert proc.returncode == 0, f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    baseline = json.loads(BASELINE.read_text())
    for name in {key.split(".")[0] for key in baseline if not key.startswith("_")}:
        assert (tmp_path / f"{name}.md").read_text().startswith("## ")  # each section was written
