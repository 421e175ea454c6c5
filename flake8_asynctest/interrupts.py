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


def _handle(signum: int, frame: object) -> None:
    first = _State.received is None
    if first:
        _State.received = signum
        if _State.forward_to is not None and not (_State.parent_stopping and _State.parent_stopping.value):
            os.kill(_State.forward_to, signum)
    if first and not _State.deferring:
        raise Interrupted(signum)


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
    _State.received = None
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def in_worker(parent: int, stopping: Any) -> None:
    """In a pool worker: a signal ends the worker and, passed on to ``parent``, the run, unless
    ``stopping.value`` says the parent is the one ending the pool."""
    _State.received = None
    _State.deferring = 0
    _State.forward_to = parent
    _State.parent_stopping = stopping
    for signum in SIGNALS:
        signal.signal(signum, _handle)


@contextmanager
def deferred() -> Iterator[None]:
    """A signal arriving in this block takes effect when the block ends, not in the middle of it."""
    _State.deferring += 1
    try:
        yield
    finally:
        _State.deferring -= 1
    raise_if_received()
