"""What every benchmark script shares: repeated timing, min/median/max, machine facts, and the
section files that `tests/benchmarks/run.py` assembles into BENCHMARKS.md.

A benchmark script `bench_<name>.py` takes `--out DIR` (default bench-results) and `--quick`
(the CI smoke size), and ends with `write_section(out, "<name>", markdown, data)`: DIR/<name>.md
is its part of BENCHMARKS.md (a `## ` heading, the command that reproduces it, tables, a short
reading), DIR/<name>.json its raw figures. Ratios are always taken between figures measured in
the same run (interleaved repeats), never against numbers from another day.
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "bench-results"


def summary(values: Iterable[float]) -> dict:
    vals = sorted(float(v) for v in values)
    if not vals:
        return {"n": 0, "min": None, "median": None, "max": None, "values": []}
    return {"n": len(vals), "min": vals[0], "median": statistics.median(vals), "max": vals[-1], "values": vals}


def mmm(s: dict, digits: int = 1) -> str:
    """'min / median / max' of a summary(), for a table cell."""
    if not s.get("n"):
        return "–"
    return " / ".join(f"{s[k]:.{digits}f}" for k in ("min", "median", "max"))


def percentile(values: Iterable[float], q: float) -> float:
    vals = sorted(values)
    if not vals:
        return float("nan")
    i = min(len(vals) - 1, max(0, int(round(q / 100 * (len(vals) - 1)))))
    return vals[i]


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def interleaved(runs: dict[str, Callable[[], float]], repeats: int) -> dict[str, dict]:
    """Run each named measurement `repeats` times, interleaved (a, b, a, b …) so machine load hits
    them alike; each callable returns one figure. Returns {name: summary}."""
    values: dict[str, list[float]] = {name: [] for name in runs}
    for r in range(repeats):
        names = list(runs) if r % 2 == 0 else list(reversed(runs))
        for name in names:
            values[name].append(float(runs[name]()))
    return {name: summary(v) for name, v in values.items()}


def ratio(a: dict, b: dict) -> float:
    """Ratio of the medians a/b."""
    return a["median"] / b["median"] if b.get("median") else float("nan")


def rss_mb() -> float:
    """This process's current resident set size (not its lifetime peak)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def machine_info() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        flags = next((ln.split(":", 1)[1].split() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                      if ln.startswith("flags")), [])
    except OSError:
        flags = []
    simd = [f for f in ("avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8") if f in flags]
    try:
        mem_gb = int(Path("/proc/meminfo").read_text().split()[1]) / 1e6
    except (OSError, ValueError, IndexError):
        mem_gb = float("nan")
    versions = {}
    for pkg in ("faiss-cpu", "onnxruntime", "sentence-transformers", "torch", "numpy", "fastapi", "uvicorn",
                "txtai"):
        try:
            versions[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    return {"cpu": cpu, "cores": os.cpu_count(), "simd": simd, "memory_gb": round(mem_gb, 1),
            "python": platform.python_version(), "versions": versions, "load_average": os.getloadavg()}


def write_section(out: Path, name: str, markdown: str, data: dict) -> None:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.md").write_text(markdown.rstrip() + "\n")
    payload = {"name": name, "machine": machine_info(), "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **data}
    (out / f"{name}.json").write_text(json.dumps(payload, indent=2, default=float))


def table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
