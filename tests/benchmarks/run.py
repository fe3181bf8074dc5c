"""`make bench`: run every benchmark on this machine and rewrite BENCHMARKS.md from what they measured.

    .venv/bin/python -m tests.benchmarks.run                 # everything, full size (~1 h on 2 cores)
    .venv/bin/python -m tests.benchmarks.run --only load,scale
    .venv/bin/python -m tests.benchmarks.run --quick --check # the CI smoke run (tests/test_bench_smoke.py)

Each script writes its section (OUT/<name>.md) and raw figures (OUT/<name>.json); this runner
puts a header (machine, versions, date), the issue #8 targets against what was measured, and
the sections together. A section whose script failed keeps a line saying so, never stale
figures. `--check` compares each ratio the scripts report (always two figures measured in the
same run) with tests/benchmarks/smoke_baseline.json and fails only on a 3x regression: absolute
times depend on the machine and its load, ratios much less.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.common import DEFAULT_OUT, machine_info  # noqa: E402

HERE = Path(__file__).resolve().parent
BASELINE = HERE / "smoke_baseline.json"
REGRESSION = 3.0


def benches(out: Path, quick: bool) -> list[tuple[str, list[str]]]:
    """(name, argv) in run order. The load test serves the index the ingest run built."""
    data = out / "ingest-data"
    if quick:
        return [
            ("ingest", ["bench_ingest.py", "--quick", "--keep", str(data)]),
            ("load", ["bench_load.py", "--build-small", str(out / "load-small"), "--quick"]),
            ("scale", ["bench_scale.py", "--quick"]),
            ("embed", ["bench_embed.py", "--quick"]),
            ("peer", ["bench_peer.py", "--quick"]),
            ("watches", ["bench_watches.py", "--quick"]),
        ]
    return [
        ("ingest", ["bench_ingest.py", "--keep", str(data)]),
        ("embed", ["bench_embed.py"]),
        ("load", ["bench_load.py", "--data", str(data), "--encoder", "onnx"]),
        ("scale", ["bench_scale.py"]),
        ("peer", ["bench_peer.py"]),
        ("distributed", ["bench_distributed.py"]),
        ("publish", ["bench_publish.py", "--data", str(data), "--synthetic", "1000000"]),  # issue 19: ~75 min at 1M
        ("crosswalk", ["bench_crosswalk.py", "--data", str(data)]),  # issue 15: needs the real-model index
        ("watches", ["bench_watches.py", "--data", str(data)]),
        ("concepts", ["bench_concepts.py", "--data", str(data)]),  # issue 14: needs the real-model index
    ]


def run_all(out: Path, quick: bool, only: set[str] | None) -> dict[str, dict]:
    status: dict[str, dict] = {}
    for name, argv in benches(out, quick):
        if only and name not in only:
            continue
        (out / f"{name}.md").unlink(missing_ok=True)  # never report a previous run's figures as this one's
        cmd = [sys.executable, str(HERE / argv[0]), *argv[1:], "--out", str(out)]
        print(f"\n=== {name}: {' '.join(cmd[1:])}", flush=True)
        started = time.monotonic()
        rc = subprocess.run(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}).returncode
        status[name] = {"rc": rc, "seconds": round(time.monotonic() - started, 1), "argv": argv}
        print(f"=== {name}: exit {rc} after {status[name]['seconds']} s", flush=True)
    return status


def load_json(out: Path, name: str) -> dict | None:
    try:
        return json.loads((out / f"{name}.json").read_text())
    except (OSError, ValueError):
        return None


def ratios(out: Path, names) -> dict[str, float]:
    found = {}
    for name in names:
        data = load_json(out, name) or {}
        for key, value in (data.get("ratios") or {}).items():
            if isinstance(value, (int, float)) and value == value:
                found[f"{name}.{key}"] = float(value)
    return found


def check(measured: dict[str, float]) -> list[str]:
    """Ratios that regressed by more than REGRESSION against the baseline (direction from the baseline)."""
    baseline = json.loads(BASELINE.read_text())
    problems = []
    for key, spec in baseline.items():
        if key.startswith("_"):
            continue
        if key not in measured:
            problems.append(f"{key}: not measured (the benchmark failed or stopped reporting it)")
            continue
        value, base = measured[key], float(spec["baseline"])
        if spec["better"] == "higher" and value < base / REGRESSION:
            problems.append(f"{key}: {value:.3g}, baseline {base:.3g} (higher is better): more than {REGRESSION:g}x worse")
        if spec["better"] == "lower" and value > base * REGRESSION:
            problems.append(f"{key}: {value:.3g}, baseline {base:.3g} (lower is better): more than {REGRESSION:g}x worse")
    return problems


def header(info: dict, status: dict[str, dict], out: Path, names: list[str]) -> str:
    v = info["versions"]
    total = sum(s["seconds"] for s in status.values())
    when = []
    for name in names:
        data = load_json(out, name) or {}
        if data.get("measured_at"):
            load = (data.get("machine") or {}).get("load_average") or [float("nan")]
            when.append(f"{name} {data['measured_at'][:16].replace('T', ' ')} (load {load[0]:.1f})")
    return "\n".join([
        "# Benchmarks",
        "",
        "Written by `make bench` (`.venv/bin/python -m tests.benchmarks.run`), which runs every benchmark script "
        "below and assembles their sections; each section gives the command that reproduces it alone, and when it "
        "was measured and under what load is listed here. Every ratio compares two figures measured in the same "
        "run of one script. Raw figures: `bench-results/*.json` (not committed).",
        "",
        f"- **Machine**: {info['cpu']}, {info['cores']} cores ({', '.join(info['simd']) or 'no AVX2'}), "
        f"{info['memory_gb']} GB RAM, no GPU; Python {info['python']}",
        f"- **Versions**: " + ", ".join(f"{k} {val}" for k, val in v.items()),
        f"- **Run**: {time.strftime('%Y-%m-%d')}" + (f", {total / 60:.0f} min in all" if total else "")
        + "; sections written (1-min load average then, on 2 cores): " + ", ".join(when),
        "",
    ])


def section(out: Path, name: str, status: dict[str, dict]) -> str:
    md = out / f"{name}.md"
    if name in status and status[name]["rc"] != 0:
        return f"## {name}\n\nThe benchmark failed in this run (exit {status[name]['rc']}): no figures.\n"
    return md.read_text() if md.exists() else f"## {name}\n\nNot run.\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke sizes (CI); implies not writing BENCHMARKS.md")
    ap.add_argument("--only", help="comma-separated benchmark names (ingest, embed, load, scale, peer, distributed, watches)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true", help=f"fail on a {REGRESSION:g}x ratio regression against "
                    f"{BASELINE.name}")
    ap.add_argument("--write", type=Path, default=None, help="where to write the report [BENCHMARKS.md unless --quick]")
    ap.add_argument("--report-only", action="store_true",
                    help="run nothing: rewrite the report from the sections already in --out (each states when and "
                    "under what load it was measured)")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    only = set(args.only.split(",")) if args.only else None
    status = {} if args.report_only else run_all(args.out, args.quick, only)
    names = [n for n, _ in benches(args.out, args.quick) if not only or n in only]
    write = args.write or (None if args.quick else ROOT / "BENCHMARKS.md")
    if write:
        from tests.benchmarks.summary import targets

        parts = [header(machine_info(), status, args.out, names), targets(args.out),
                 *[section(args.out, n, status) for n in names]]
        write.write_text("\n".join(p.rstrip() + "\n" for p in parts))
        print(f"\nwrote {write}")
    failed = [n for n, s in status.items() if s["rc"] != 0]
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    if args.check:
        measured = ratios(args.out, names)
        print(json.dumps(measured, indent=2))
        problems = check(measured)
        for p in problems:
            print(f"REGRESSION {p}", file=sys.stderr)
        return 1 if problems or failed else 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
