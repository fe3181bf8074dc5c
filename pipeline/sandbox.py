"""Per-document extraction with a time and a memory limit, in child processes.

A hostile file (a PDF bomb, a billion-laughs XML, a parser stuck in a loop) must not hang or
exhaust the batch. Each document is extracted and chunked in its own child process, forked
from a forkserver that has the parsers already imported (so a child starts in milliseconds):

- memory: the child sets RLIMIT_AS to AILEX_EXTRACT_MEMORY_MB before it reads the file; an
  allocation past it raises MemoryError (or kills the child), and the version gets
  `failed` with "extraction exceeded N MB";
- time: the parent kills a child still running after AILEX_EXTRACT_TIMEOUT_S seconds and the
  version gets `failed` with "extraction exceeded N s";
- a child that dies any other way (a segfault in a C parser) fails its document alone.

Up to AILEX_EXTRACT_WORKERS children run at once; results are handed back in the order the
jobs were given, whatever order they finish in, so the store is written deterministically.
AILEX_EXTRACT_TIMEOUT_S=0 runs extraction in this process, with no limits (debugging).
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import time
import types
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import wait

from corpus.models import PassageDraft, ProcessingStatus

log = logging.getLogger(__name__)

# imported (and langdetect's profiles loaded) once in the forkserver, inherited by every child
PRELOAD = ["pipeline.sandbox_warm"]


@dataclass
class Job:
    path: str  # the stored blob (the child reads it, so big files never cross the pipe)
    content_type: str
    filename: str
    language: str
    chunk_words: int
    doc_type: str = ""  # (issue 17) question papers are cut into questions (pipeline/speeches.py)
    date: str = ""


@dataclass
class Outcome:
    status: ProcessingStatus
    reason: str = ""
    drafts: list[PassageDraft] = field(default_factory=list)
    pages: int | None = None
    seconds: float = 0.0


def extract_and_chunk(job: Job, memory_mb: int = 0) -> Outcome:
    """Read, extract and chunk one file in this process. Never raises for bad input."""
    from pipeline import speeches
    from pipeline.chunk import chunk
    from pipeline.extract import ExtractionError, extract

    started = time.monotonic()
    try:
        with open(job.path, "rb") as f:
            data = f.read()
        extraction = extract(data, job.content_type, job.filename, job.language)
        del data
        extraction = speeches.segment(extraction, job.doc_type, job.date)  # (issue 17) questions
        drafts = chunk(extraction, job.language, job.chunk_words)
    except ExtractionError as exc:
        if isinstance(exc.__cause__, MemoryError):
            return Outcome(ProcessingStatus.failed, _memory_reason(memory_mb))
        if "MemoryError" in exc.reason:  # caught and reported by the extractor (e.g. per PDF page)
            return Outcome(ProcessingStatus.failed, f"{_memory_reason(memory_mb)} ({exc.reason[:500]})")
        return Outcome(exc.status, exc.reason)
    except MemoryError:
        return Outcome(ProcessingStatus.failed, _memory_reason(memory_mb))
    except RecursionError:
        return Outcome(ProcessingStatus.failed, "structure nested too deeply to parse (RecursionError)")
    except Exception as exc:  # a parser bug must not stop the batch; the reason is kept
        log.exception("%s: unexpected error", job.filename)
        return Outcome(ProcessingStatus.failed, f"{type(exc).__name__}: {exc}")
    seconds = time.monotonic() - started
    if not drafts:
        return Outcome(ProcessingStatus.empty, "no text found", pages=extraction.pages, seconds=seconds)
    # parts that could not be read while the rest could (a broken page) are kept as the reason
    warnings = "; ".join(getattr(extraction, "warnings", None) or [])[:2000]
    return Outcome(ProcessingStatus.extracted, warnings, drafts, extraction.pages, seconds)


def _memory_reason(memory_mb: int) -> str:
    return f"extraction exceeded {memory_mb} MB" if memory_mb else "extraction ran out of memory"


def _child(conn, job: Job, memory_mb: int, worker=extract_and_chunk, timeout_s: float = 0.0) -> None:
    """Entry point of one child: limit the address space, work, send the outcome, exit."""
    import resource

    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if timeout_s:
        # backstops for when the parent is gone (kill -9) and cannot enforce the time limit:
        # CPU seconds never outrun wall seconds, so this never fires before the parent's kill
        cpu = int(timeout_s) + 5
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        _die_with_parent()  # the forkserver, which itself dies with the caller (pipeline/sandbox_warm.py)
    try:
        outcome = worker(job, memory_mb)
    except MemoryError:
        outcome = Outcome(ProcessingStatus.failed, _memory_reason(memory_mb))
    try:
        conn.send(outcome)
    except MemoryError:  # the result itself did not fit
        conn.send(Outcome(ProcessingStatus.failed, _memory_reason(memory_mb)))
    finally:
        conn.close()


def _die_with_parent() -> None:
    """Linux: SIGKILL this process when its parent dies (a no-op elsewhere)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(1)
    except (OSError, AttributeError):
        pass


_CONTEXT = None


def _context():
    global _CONTEXT
    if _CONTEXT is None:
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        ctx = multiprocessing.get_context(method)
        if method == "forkserver":
            ctx.set_forkserver_preload(PRELOAD)  # never the caller's __main__
        _CONTEXT = ctx
    return _CONTEXT


@dataclass
class _Running:
    index: int
    process: multiprocessing.Process
    conn: object
    deadline: float


def run_jobs(
    jobs: Iterable[Job | Outcome], *, timeout_s: float, memory_mb: int, workers: int = 1, worker=extract_and_chunk,
) -> Iterator[Outcome]:
    """Outcomes of `jobs` in their order. An `Outcome` given in place of a job is passed through
    (a document refused before extraction, e.g. too large). `worker(job, memory_mb) -> Outcome` is
    what a child runs (a module-level function, importable by name in the child)."""
    if timeout_s <= 0:  # in-process: no limits (debugging, or platforms without fork/spawn)
        for job in jobs:
            yield job if isinstance(job, Outcome) else worker(job, 0)
        return
    ctx = _context()
    pending = list(enumerate(jobs))
    pending.reverse()
    running: dict[int, _Running] = {}
    done: dict[int, Outcome] = {}
    next_out = 0
    window = max(1, workers) * 4  # bound how many finished results wait for a slow earlier one
    try:
        while pending or running or next_out in done:
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
            while pending and len(running) < max(1, workers) and pending[-1][0] < next_out + window:
                index, job = pending.pop()
                if isinstance(job, Outcome):
                    done[index] = job
                    continue
                parent_conn, child_conn = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_child, args=(child_conn, job, memory_mb, worker, timeout_s), daemon=True,
                                   name=f"ailex-extract-{index}")
                _start(proc)
                child_conn.close()
                running[index] = _Running(index, proc, parent_conn, time.monotonic() + timeout_s)
            if not running:
                continue
            now = time.monotonic()
            soonest = min(r.deadline for r in running.values())
            ready = wait([r.conn for r in running.values()], timeout=max(0.0, soonest - now))
            for r in list(running.values()):
                if r.conn in ready:
                    done[r.index] = _collect(r, memory_mb)
                    del running[r.index]
                elif time.monotonic() >= r.deadline:
                    _kill(r)
                    done[r.index] = Outcome(ProcessingStatus.failed, f"extraction exceeded {_secs(timeout_s)} s")
                    del running[r.index]
    finally:  # a caller that stops early (or an interrupt) leaves no child behind
        for r in running.values():
            _kill(r)


_BARE_MAIN = types.ModuleType("__main__")


def _start(proc) -> None:
    """Start a child without making it re-import the caller's __main__ (multiprocessing does that
    for spawn/forkserver children: a script, the CLI or pytest would be re-run in every child).
    The child only needs pipeline.sandbox, which the forkserver has imported already."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = _BARE_MAIN
    try:
        proc.start()
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def _collect(r: _Running, memory_mb: int) -> Outcome:
    try:
        outcome = r.conn.recv()
    except (EOFError, OSError):
        outcome = None
    except Exception as exc:  # noqa: BLE001 - an unpicklable result is this document's failure
        outcome = Outcome(ProcessingStatus.failed, f"extraction result unreadable: {type(exc).__name__}: {exc}")
    r.conn.close()
    r.process.join(timeout=10)
    if r.process.is_alive():
        _kill(r)
    if outcome is None:
        code = r.process.exitcode
        if code is not None and code < 0 and memory_mb and code in (-9,):
            return Outcome(ProcessingStatus.failed, _memory_reason(memory_mb) + " (killed)")
        return Outcome(ProcessingStatus.failed, f"extraction process died (exit code {code})")
    return outcome


def _kill(r: _Running) -> None:
    try:
        r.process.kill()
        r.process.join(timeout=10)
    except (OSError, ValueError):
        pass
    try:
        r.conn.close()
    except OSError:
        pass


def _secs(value: float) -> str:
    return f"{value:g}"


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))
