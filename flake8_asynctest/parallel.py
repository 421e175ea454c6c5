"""Checking a list of files: in this process, or spread over a pool of processes for big trees.

The results come back in the order of the list whatever the number of processes, and each file is
checked by the same function with the same plan, so ``-jN`` prints exactly what ``-j1`` prints.
A small run stays in this process: starting a pool would cost more than it saves.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence

from .checker import check_source, collect_if_due
from .config import Plan
from .report import Diagnostic, FileReport, diagnostics

POOL_MIN_FILES = 50  # below this, a pool's start-up is not paid back


def default_jobs() -> int:
    """The CPUs this process may run on (a container's share, not the host's count)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def check_file(path: str, plan: Plan) -> FileReport:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        return unreadable(path, error.strerror or str(error))
    result = check_source(data, path, plan.settings_for(path))
    collect_if_due()
    return FileReport(path, diagnostics(result.findings, result.source), failed=result.unreadable)


def unreadable(path: str, reason: str) -> FileReport:
    return FileReport(path, [Diagnostic(0, 0, "E902", f"E902 {reason}", 1)], failed=True)


def check_files(paths: Sequence[str], plan: Plan, jobs: int) -> Iterator[FileReport]:
    """Each file's report, in the order of ``paths``."""
    if jobs <= 1 or len(paths) < POOL_MIN_FILES:
        for path in paths:
            yield check_file(path, plan)
        return
    yield from _in_pool(paths, plan, min(jobs, len(paths)))


def _in_pool(paths: Sequence[str], plan: Plan, jobs: int) -> Iterator[FileReport]:
    import multiprocessing

    # fork starts a worker in milliseconds with every module already imported; elsewhere (macOS,
    # Windows) each worker imports the checker itself.
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else None)
    chunksize = max(1, min(32, len(paths) // (jobs * 8)))
    with context.Pool(jobs, initializer=_start_worker, initargs=(plan,)) as pool:
        yield from pool.imap(_check_in_worker, paths, chunksize)


_worker_plan: Plan | None = None


def _start_worker(plan: Plan) -> None:
    import signal

    global _worker_plan
    _worker_plan = plan
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle


def _check_in_worker(path: str) -> FileReport:
    assert _worker_plan is not None
    return check_file(path, _worker_plan)
