"""`ailex schedule`: run configured crawls on cron-like schedules.

Config (TOML, AILEX_CRAWL_SCHEDULE, default crawl_schedule.toml):

    [[jobs]]
    name = "eu"                        # used in logs
    spiders = ["europarl", "eurlex"]   # or all = true
    cron = "0 3 * * *"                 # minute hour day-of-month month day-of-week (UTC)
    args = { sittings = "2024-04-24" } # optional spider arguments
    index = true                       # update the index after the crawl (default true)
    # replay = ["../shared/snapshot", "../shared/snapshot-2"]  # optional: answer from recordings (testing)

Each due job runs as its own `ailex crawl …` process: a failing spider or a crash is logged
(exit code, output file) and the scheduler goes on with the next job.
"""
from __future__ import annotations

import logging
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from crawlers.spiders import SPIDERS

log = logging.getLogger(__name__)


class ScheduleError(Exception):
    pass


# -- cron ------------------------------------------------------------------------
_RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]


def _field(spec: str, lo: int, hi: int) -> set[int]:
    out: set[int] = set()
    for part in spec.split(","):
        step = 1
        if "/" in part:
            part, s = part.split("/", 1)
            step = int(s)
            if step < 1:
                raise ValueError("step must be >= 1")
        if part == "*":
            a, b = lo, hi
        elif "-" in part:
            a, b = (int(x) for x in part.split("-", 1))
        else:
            a = b = int(part)
            if step != 1:
                b = hi
        if a < lo or b > hi or a > b:
            raise ValueError(f"{part!r} outside {lo}-{hi}")
        out.update(range(a, b + 1, step))
    return out


@dataclass(frozen=True)
class Cron:
    spec: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    dom_any: bool
    dow_any: bool

    @classmethod
    def parse(cls, spec: str) -> "Cron":
        parts = spec.split()
        if len(parts) != 5:
            raise ScheduleError(f"cron {spec!r}: need 5 fields (minute hour day month weekday)")
        try:
            sets = [_field(p, lo, hi) for p, (lo, hi) in zip(parts, _RANGES)]
        except ValueError as exc:
            raise ScheduleError(f"cron {spec!r}: {exc}") from exc
        weekdays = {d % 7 for d in sets[4]}  # 7 is Sunday too
        return cls(spec, *(frozenset(s) for s in sets[:4]), frozenset(weekdays), parts[2] == "*", parts[4] == "*")

    def matches(self, t: datetime) -> bool:
        if t.minute not in self.minutes or t.hour not in self.hours or t.month not in self.months:
            return False
        dom, dow = t.day in self.days, (t.isoweekday() % 7) in self.weekdays
        if self.dom_any or self.dow_any:  # classic cron: both restricted means either may match
            return dom and dow
        return dom or dow


# -- config ----------------------------------------------------------------------
@dataclass
class Job:
    name: str
    spiders: list[str]
    cron: Cron
    args: dict[str, str] = field(default_factory=dict)
    index: bool = True
    replay: list[str] = field(default_factory=list)  # recording folders (testing)

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "cli.main", "crawl", *self.spiders]
        for k, v in self.args.items():
            cmd += ["--arg", f"{k}={v}"]
        if not self.index:
            cmd.append("--no-index")
        for folder in self.replay:
            cmd += ["--replay", folder]
        return cmd


def load_jobs(path: Path) -> list[Job]:
    if not path.exists():
        raise ScheduleError(f"schedule config not found: {path} (see crawlers/schedule.py for the format)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScheduleError(f"{path}: {exc}") from exc
    jobs = []
    for i, raw in enumerate(data.get("jobs") or []):
        name = str(raw.get("name") or f"job{i + 1}")
        spiders = list(SPIDERS) if raw.get("all") else [str(s) for s in raw.get("spiders") or []]
        if not spiders:
            raise ScheduleError(f"{path}: job {name!r} lists no spiders (spiders = [...] or all = true)")
        if "cron" not in raw:
            raise ScheduleError(f"{path}: job {name!r} has no cron")
        replay = raw.get("replay") or []
        replay = [str(r if Path(r).is_absolute() else (path.parent / r).resolve())
                  for r in ([replay] if isinstance(replay, str) else replay)]
        jobs.append(Job(name, spiders, Cron.parse(str(raw["cron"])), {str(k): str(v) for k, v in (raw.get("args") or {}).items()},
                        bool(raw.get("index", True)), replay))
    if not jobs:
        raise ScheduleError(f"{path}: no [[jobs]]")
    return jobs


# -- running ---------------------------------------------------------------------
def run_job(job: Job, log_dir: Path, env: dict | None = None) -> int:
    """Run one job in a child process; its output goes to log_dir/<job>-<time>.log. Returns the exit code."""
    log_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = log_dir / f"{job.name}-{stamp}.log"
    started = time.monotonic()
    log.info("job %s: starting %s", job.name, " ".join(job.command()[2:]))
    with open(out, "wb") as f:
        try:
            code = subprocess.run(job.command(), stdout=f, stderr=subprocess.STDOUT, env=env, check=False).returncode
        except OSError as exc:
            f.write(f"could not start: {exc}\n".encode())
            code = 127
    level = logging.INFO if code == 0 else logging.ERROR
    log.log(level, "job %s: exit %s after %.1fs (output: %s)", job.name, code, time.monotonic() - started, out)
    return code


def run_forever(jobs: list[Job], log_dir: Path, tick: float = 20.0) -> None:  # pragma: no cover - loops
    last: dict[str, str] = {}
    log.info("scheduler: %d job(s): %s", len(jobs), ", ".join(f"{j.name} [{j.cron.spec}]" for j in jobs))
    while True:
        now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
        for job in jobs:
            key = now.isoformat()
            if job.cron.matches(now) and last.get(job.name) != key:
                last[job.name] = key
                try:
                    run_job(job, log_dir)
                except Exception:  # noqa: BLE001 - the scheduler must survive anything a job does
                    log.exception("job %s crashed the runner", job.name)
        time.sleep(tick)
