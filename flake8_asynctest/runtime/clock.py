"""A virtual clock for a selector event loop.

``loop.time()`` returns virtual time. Time moves in two ways:

* ``await clock.advance(seconds)`` steps through the timer heap, running each timer
  on its due time (timers scheduled by those timers included);
* when the loop has nothing to do but wait for a timer (no callback ready, no I/O
  ready), the selector's ``select(timeout)`` is replaced by a zero-timeout poll and a
  jump of the clock (autojump): ``await asyncio.sleep(3600)`` takes microseconds.

Work in threads and child processes finishes in real time, so while a ``run_in_executor``
job is pending or a subprocess started on the loop is running (or when autojump is off)
the loop waits for real and the clock moves by the real time waited:
``wait_for(executor_job, 1)`` and ``wait_for(proc.stdout.readline(), 1)`` never time out
spuriously.

Time never goes backwards on a loop: when the clock is uninstalled ahead of the loop's
real clock, the loop keeps real time plus the difference, so timers scheduled in virtual
time fire after the same delays in real time (a shared loop outlives the clock).
"""

from __future__ import annotations

import asyncio
import math
import time
import weakref
from collections.abc import Callable
from typing import Any

from . import internals
from .helpers import exhaust_callbacks
from .patching import shadow
from .resources import process_running

__unittest = True  # unittest hides this module's frames in failure tracebacks

#: A jump may land this close short of the next timer through float rounding.
_EPSILON = 1e-6


class UnsupportedLoopError(TypeError):
    """The loop has no Python-level selector and timer heap (uvloop, proactor)."""


class VirtualClock:
    """Virtual time for one loop; ``install()`` it, ``uninstall()`` it when done."""

    def __init__(self, loop: asyncio.AbstractEventLoop, *, autojump: bool = True, start: float | None = None) -> None:
        """``start`` defaults to the loop's time; an earlier one suits only a loop with no timers."""
        self.loop = loop
        #: Jump to the next timer when the loop has nothing else to do; may be changed any time.
        self.autojump = autojump
        self._start = start
        self._now = 0.0
        self._executor_jobs: set[asyncio.Future[Any]] = set()
        self._processes: weakref.WeakSet[asyncio.SubprocessTransport] = weakref.WeakSet()
        self._undo: list[Callable[[], None]] = []

    def time(self) -> float:
        """The loop's virtual time."""
        return self._now

    def install(self) -> None:
        """Patch the loop's ``time``, ``run_in_executor`` and its selector's ``select``."""
        loop = self.loop
        selector = internals.selector_of(loop)
        if selector is None:
            raise UnsupportedLoopError(
                f"a virtual clock needs an asyncio selector event loop; "
                f"{type(loop).__module__}.{type(loop).__qualname__} is not supported "
                f"(uvloop and the proactor loop have no Python-level selector to drive)"
            )
        now = loop.time()
        self._now = now if self._start is None else self._start
        if self._now < now and any(not h.cancelled() for h in internals.scheduled_timers(loop)):
            raise ValueError(
                f"VirtualClock(start={self._start}) is behind the loop's time ({now}) and the loop has "
                f"timers scheduled: they would fire late; leave start out to begin at the loop's time"
            )
        real_select = selector.select
        real_run_in_executor = loop.run_in_executor

        def select(timeout: float | None = None) -> list[Any]:
            if timeout is not None and timeout <= 0:
                return real_select(0)
            if self.autojump and timeout is not None and not self._real_work_pending():
                events = real_select(0)
                if not events:
                    self._jump(timeout)
                return events
            started = time.monotonic()
            events = real_select(timeout)
            if not events and timeout is not None:
                self._jump(timeout)
            else:
                waited = time.monotonic() - started
                self._now += waited if timeout is None else min(waited, timeout)
            return events

        def run_in_executor(executor: Any, func: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
            future = real_run_in_executor(executor, func, *args)
            self._executor_jobs.add(future)
            future.add_done_callback(self._executor_jobs.discard)
            return future

        self._undo.append(shadow(selector, "select", select))
        self._undo.append(shadow(loop, "time", self.time))
        self._undo.append(shadow(loop, "run_in_executor", run_in_executor))
        for name in ("subprocess_exec", "subprocess_shell"):
            self._undo.append(shadow(loop, name, self._tracking_processes(getattr(loop, name))))
        # In debug mode asyncio times each callback with loop.time(): under virtual time a
        # step that advances the clock would be logged as taking hours.
        slow = loop.slow_callback_duration
        loop.slow_callback_duration = math.inf
        self._undo.append(lambda: setattr(loop, "slow_callback_duration", slow))

    def uninstall(self) -> None:
        """Give the loop its real clock back, never behind virtual time; safe to call twice."""
        if not self._undo:
            return
        while self._undo:
            self._undo.pop()()
        gained = self._now - self.loop.time()
        if gained > 0:  # left in place: the loop's clock must not go back, ever
            current = vars(self.loop).get("time")
            if isinstance(current, _ShiftedClock):
                current.offset += gained
            else:
                shadow(self.loop, "time", _ShiftedClock(self.loop.time, gained))

    async def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``, running every timer due on its due time."""
        if seconds < 0:
            raise ValueError(f"cannot advance the clock by a negative time ({seconds})")
        target = self._now + seconds
        await exhaust_callbacks(self.loop)
        while True:
            due = self._next_timer()
            if due is None or due > target:
                break
            self._now = max(self._now, due)
            await asyncio.sleep(0)  # the loop moves the due timers to its ready queue
            await exhaust_callbacks(self.loop)  # runs them and what they schedule now
        self._now = max(self._now, target)
        await exhaust_callbacks(self.loop)

    def _real_work_pending(self) -> bool:
        """True while work outside the loop (a thread, a child process) may still wake it."""
        return bool(self._executor_jobs) or any(process_running(p) for p in self._processes)

    def _tracking_processes(self, start: Callable[..., Any]) -> Callable[..., Any]:
        async def start_and_track(*args: Any, **kwargs: Any) -> tuple[asyncio.SubprocessTransport, Any]:
            transport, protocol = await start(*args, **kwargs)
            self._processes.add(transport)
            return transport, protocol

        return start_and_track

    def _next_timer(self) -> float | None:
        """When the next live timer is due (the heap's head, unless it was cancelled)."""
        timers = internals.scheduled_timers(self.loop)
        if timers and not timers[0].cancelled():
            return timers[0].when()
        return min((h.when() for h in timers if not h.cancelled()), default=None)

    def _jump(self, timeout: float) -> None:
        """Move to the end of a wait of ``timeout``: exactly onto the next timer if it is due."""
        target = self._now + timeout
        timers = internals.scheduled_timers(self.loop)
        if timers and timers[0].when() <= target + _EPSILON:
            target = max(target, timers[0].when())
        self._now = target


class _ShiftedClock:
    """A loop's clock moved forward by what virtual time gained on it."""

    def __init__(self, clock: Callable[[], float], offset: float) -> None:
        self.clock = clock
        self.offset = offset

    def __call__(self) -> float:
        return self.clock() + self.offset
