"""Ctrl-C and SIGTERM: the run ends promptly and cleanly, in every process, never mid-write.

A signal raises ``Interrupted`` (a ``SystemExit``: no ``except Exception`` swallows it, and a pool
worker that it ends exits quietly with 130 or 143). It is also recorded, because code that catches
everything can still turn it into something else (an interrupt inside libcst surfaced as a
``KeyError``): ``raise_if_received`` turns it back. Inside ``deferred()`` (a file being written)
the signal only waits for the block to end.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(SystemExit):
    """The run was stopped by a signal; ``code`` is the exit status a shell expects (128 + signal)."""

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name


class _State:
    received: int | None = None  # the first signal
    deferring = 0  # depth of deferred() blocks
    forward_to: int | None = None  # a worker tells the main process, so that the whole run stops
    parent_stopping: Any = None  # ...unless the main process is the one stopping it (shared flag)
    working = False  # a worker is in our own code (not in the pool's queue code)


def _handle(signum: int, frame: object) -> None:
    if _State.forward_to is not None:
        _in_worker(signum)
        return
    if _State.received is None:
        _State.received = signum
        if not _State.deferring:
            raise Interrupted(signum)


def _in_worker(signum: int) -> None:
    """A pool worker raises only in our own code (``working()``): raised inside the pool's queue
    code, the exception could leave a lock taken or a message half read. Ended by the main
    process while it waits in the queue, it has nothing of ours to finish and leaves at once;
    signalled otherwise, it tells the main process, which ends the pool, and stops at its next
    safe point."""
    ended_by_parent = bool(_State.parent_stopping is not None and _State.parent_stopping.value)
    first = _State.received is None
    _State.received = _State.received or signum
    if first and not ended_by_parent:
        os.kill(_State.forward_to, signum)  # type: ignore[arg-type]
    if not _State.working:
        if ended_by_parent:
            os._exit(128 + signum)
        return
    if not _State.deferring and (first or ended_by_parent):
        raise Interrupted(signum)


def _unraisable(previous: Any) -> Any:
    """``sys.unraisablehook`` that keeps quiet once a signal came: an ``Interrupted`` raised where
    Python cannot pass it on (a weakref callback of the import machinery), or what it turned into in
    code torn down on the way out (a libcst generator's KeyError), is recorded and raised again at the
    next safe point; it must not also print a traceback."""

    def hook(unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, Interrupted) and _State.received is None:
            previous(unraisable)

    return hook


def announce(stop: Interrupted) -> int:
    """Say on stderr that the run was interrupted; the exit status for it."""
    print(f"flake8-asynctest: interrupted by {stop.name}", file=sys.stderr)
    return int(stop.code)  # type: ignore[call-overload]


def raise_if_received() -> None:
    """Raise ``Interrupted`` if a signal came, even if what it raised was caught and lost."""
    if _State.received is not None and not _State.deferring:
        raise Interrupted(_State.received)


@contextmanager
def handled() -> Iterator[None]:
    """SIGINT and SIGTERM raise ``Interrupted`` in this block (the handlers before are restored).
    Outside the main thread (a program running us in a thread of its own) signals stay its own."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, _handle) for signum in SIGNALS}
    previous_hook, sys.unraisablehook = sys.unraisablehook, _unraisable(sys.unraisablehook)
    _State.received = None
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        sys.unraisablehook = previous_hook


def in_worker(parent: int, stopping: Any) -> None:
    """In a pool worker: a signal ends the worker and, passed on to ``parent``, the run, unless
    ``stopping.value`` says the parent is the one ending the pool. Signals held back while the
    worker started (``held``) arrive now."""
    _State.received = None
    _State.deferring = 0
    _State.forward_to = parent
    _State.parent_stopping = stopping
    sys.unraisablehook = _unraisable(sys.unraisablehook)  # a process of its own: never restored
    for signum in SIGNALS:
        signal.signal(signum, _handle)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)


@contextmanager
def held() -> Iterator[None]:
    """SIGINT and SIGTERM wait in this block (where the platform can hold them), and so they do in
    the threads and processes it starts, until those let them through."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


@contextmanager
def working() -> Iterator[None]:
    """A pool worker's own code: a signal may raise here (see ``_in_worker``)."""
    _State.working = True
    try:
        raise_if_received()
        yield
    finally:
        _State.working = False
    raise_if_received()


@contextmanager
def deferred() -> Iterator[None]:
    """A signal arriving in this block takes effect when the block ends, not in the middle of it."""
    _State.deferring += 1
    try:
        yield
    finally:
        _State.deferring -= 1
    raise_if_received()
