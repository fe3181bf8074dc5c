"""`make bench`: run every benchmark once on this machine and keep the raw figures.

Each script prints its markdown table and writes JSON under bench-results/; BENCHMARKS.md
quotes those tables with the command that reproduces each. Not part of `make test`."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

OUT = Path("bench-results")
RUNS = [
    ("embedding", ["tests/benchmarks/bench_embed.py", str(OUT / "embed.json")]),
    ("api-load", ["tests/benchmarks/bench_load.py", "--build-small", str(OUT / "load-small"), "--seconds", "60",
                  "--clients", "32", "--json", str(OUT / "load.json")]),
    ("distributed", ["tests/benchmarks/bench_distributed.py", "--json", str(OUT / "distributed.json")]),
]


def main() -> int:
    OUT.mkdir(exist_ok=True)
    failed = []
    for name, args in RUNS:
        print(f"\n## {name}: python {' '.join(args)}\n", flush=True)
        if subprocess.run([sys.executable, *args]).returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
