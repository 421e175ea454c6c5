"""Checking a list of files: in this process, or spread over a pool of processes for big trees.

The results come back in the order of the list whatever the number of processes, and each file is
checked by the same function with the same plan, so ``-jN`` prints exactly what ``-j1`` prints.
A small run stays in this process: starting a pool would cost more than it saves.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from .checker import FileResult, check_source, collect_if_due
from .config.plan import Plan
from .fixes.options import FixOptions
from . import interrupts
from .interrupts import in_worker, raise_if_received
from .report import Diagnostic, FileReport, diagnostics
from .settings import Settings

# A pool's start-up (tens of milliseconds) is paid back from about this much work: many files, or a
# few big ones (CPython's 36-file test_asyncio, 1 MB, checks in 0.17 s with two processes, 0.26 s in one).
POOL_MIN_FILES = 50
POOL_MIN_BYTES = 256 * 1024


def default_jobs() -> int:
    """The CPUs this process may run on (a container's share, not the host's count)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def check_file(path: str, plan: Plan, fixing: FixOptions | None = None) -> FileReport:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        return unreadable(path, error.strerror or str(error))
    return check_data(path, data, plan, fixing)


def check_data(path: str, data: bytes, plan: Plan, fixing: FixOptions | None = None) -> FileReport:
    """Check (and fix) ``data`` as the content of ``path``: a file's, or standard input's."""
    settings = plan.settings_for(path)
    result = check_source(data, path, settings)
    found = None
    fixed: Counter[str] = Counter()
    diff = failure = ""
    if fixing is not None and not result.unreadable and fixing.wants(result.findings):
        if fixing.mode == "add-noqa":
            result, fixed, failure = _add_noqa(path, data, result, settings)
        else:
            from .fixes.apply import fix_file

            found = diagnostics(result.findings, result.source)  # fixing uses the check up: report it first
            outcome = fix_file(path, data, result, settings, fixing)
            fixed, diff, failure = outcome.codes, outcome.diff, outcome.failure
            if outcome.result is not None:
                result, found = outcome.result, None
    collect_if_due()
    if found is None:
        found = diagnostics(result.findings, result.source)
    report = FileReport(path, found, failed=result.unreadable, noqa_file=result.noqa_file)
    report.fixed, report.diff, report.not_fixed = fixed, diff, failure
    return report


def _add_noqa(path: str, data: bytes, result: FileResult, settings: Settings) -> tuple[FileResult, Counter[str], str]:
    """The file with a noqa comment on each finding's line, written; what remains, what was
    silenced, and why the file was left as it was, if it was."""
    from .fixes.files import NotWritten, rewrite
    from .fixes.noqa import add_noqa

    def change(content: bytes) -> tuple[bytes, tuple[FileResult, Counter[str]]]:
        checked = result if content is data else check_source(content, path, settings)
        new, added = add_noqa(content, checked.findings)
        return new, ((check_source(new, path, settings) if added else checked), added)

    try:
        remaining, added = rewrite(path, data, change)
    except Exception as error:  # the file must stay as it was, and the run go on
        raise_if_received()
        reason = str(error) if isinstance(error, NotWritten) else f"{type(error).__name__}: {error}"
        return result, Counter(), reason
    return remaining, added, ""


def unreadable(path: str, reason: str) -> FileReport:
    return FileReport(path, [Diagnostic(0, 0, "E902", f"E902 {reason}", 1)], failed=True)


def check_files(
    paths: Sequence[str], plan: Plan, jobs: int, fixing: FixOptions | None = None
) -> Generator[FileReport, None, None]:
    """Each file's report, in the order of ``paths`` (each file fixed by the process that checks it)."""
    if jobs <= 1 or len(paths) < 2 or (len(paths) < POOL_MIN_FILES and _size(paths) < POOL_MIN_BYTES):
        for path in paths:
            report = check_file(path, plan, fixing)
            raise_if_received()
            yield report
        return
    yield from _in_pool(paths, plan, min(jobs, len(paths)), fixing)


def _size(paths: Sequence[str]) -> int:
    total = 0
    for path in paths:
        try:
            total += os.stat(path).st_size
        except OSError:
            pass
    return total


def _in_pool(paths: Sequence[str], plan: Plan, jobs: int, fixing: FixOptions | None) -> Iterator[FileReport]:
    import multiprocessing

    # fork starts a worker in milliseconds with every module already imported; elsewhere (macOS,
    # Windows) each worker imports the checker itself.
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else None)
    chunksize = max(1, min(32, len(paths) // (jobs * 8)))
    stopping = context.Value("b", 0, lock=False)  # set when this process ends the pool, as it always does
    # A worker starts with SIGINT and SIGTERM held back until it handles them itself: one arriving
    # while it forks would meet this process's handler in the child and be lost there. The pool's
    # own thread, which replaces a worker that died, is started here and keeps them held too.
    pool = None
    try:
        with interrupts.held():  # a signal held back here arrives as the block ends: the pool is made
            pool = context.Pool(jobs, initializer=_start_worker, initargs=(plan, fixing, os.getpid(), stopping))
        # chunked here: with chunks of its own, imap returns its iterator, whose next() has a timeout
        chunks = [paths[start : start + chunksize] for start in range(0, len(paths), chunksize)]
        results = pool.imap(_check_in_worker, chunks)
        for _ in chunks:
            yield from _next(results)
    except BaseException:  # interrupted, here or in the caller (closing us), or an error
        stopping.value = 1  # before any worker is told to end: it must not wait for a safe point
        if pool is not None:
            _end_now(pool)
        raise
    else:
        stopping.value = 1
        with interrupts.held():  # the work is done: a signal now waits until the workers are gone
            with _signalling_stragglers(pool):
                pool.terminate()


def _next(results: Any) -> list[FileReport]:
    """The next chunk's reports, waited for in short steps. A signal landing just before this thread
    blocks on the pool's lock only marks its handler as due, run when the wait ends; if the signal
    was a worker's, telling us it stopped, the wait would never end (its reports never come)."""
    import multiprocessing

    while True:
        try:
            return results.next(_RESEND)
        except multiprocessing.TimeoutError:
            pass


def _end_now(pool: Any) -> None:
    """End an interrupted pool's workers and wait for them: a worker writing a file finishes it
    first, one waiting in the pool's queue leaves at once. The pool's own ending is skipped: it
    waits on the queue a worker may have left half read, and would hang."""
    import multiprocessing.connection
    from multiprocessing.pool import TERMINATE

    # the pool's thread replaces a worker that ends: stop it first (CPython's Pool, 3.8 to 3.14)
    pool._worker_handler._state = TERMINATE
    pool._change_notifier.put(None)
    pool._worker_handler.join(_GRACE)
    workers = list(pool._pool)
    deadline = time.monotonic() + _GRACE
    alive = _signal_alive(workers)
    while alive and time.monotonic() < deadline:
        multiprocessing.connection.wait([w.sentinel for w in alive], _RESEND)
        alive = _signal_alive(alive)
    for worker in multiprocessing.active_children():  # past the grace, or forked as the pool ended
        worker.kill()
        worker.join()
    pool._terminate.cancel()  # no finaliser at exit either


@contextmanager
def _signalling_stragglers(pool: Any) -> Iterator[None]:
    """While the pool ends its workers, SIGTERM again those still alive once it has signalled them.

    A signal that lands just before a worker blocks on the queue's lock only marks the handler as
    due (CPython runs it when the wait is interrupted): the wait never is, and the pool's ending
    would wait for that worker for ever. The next signal interrupts the wait."""
    done = threading.Event()

    def resend() -> None:
        while not done.wait(_RESEND):
            if not pool._worker_handler.is_alive():  # past it, no worker is replaced any more
                _signal_alive(list(pool._pool))

    thread = threading.Thread(target=resend, name="flake8_asynctest-pool-ending", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def _signal_alive(workers: list[Any]) -> list[Any]:
    """SIGTERM each worker that has not exited (none is reaped: the pool does that); those."""
    import multiprocessing.connection

    exited = multiprocessing.connection.wait([w.sentinel for w in workers], 0)
    alive = [w for w in workers if w.sentinel not in exited]
    for worker in alive:
        try:
            os.kill(worker.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    return alive


_RESEND = 0.1  # seconds between two SIGTERMs to a worker that has not ended, or two looks for a signal
_GRACE = 10.0  # seconds an interrupted worker has to finish the file it is writing
_worker: tuple[Plan, FixOptions | None] | None = None


def _start_worker(plan: Plan, fixing: FixOptions | None, parent: int, stopping: object) -> None:
    global _worker
    _worker = (plan, fixing)
    in_worker(parent, stopping)  # a signal to any process of the run ends the whole run


def _check_in_worker(paths: Sequence[str]) -> list[FileReport]:
    assert _worker is not None
    reports = []
    for path in paths:
        with interrupts.working():
            reports.append(check_file(path, *_worker))
    return reports
