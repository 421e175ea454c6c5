"""Watch one event loop during one test and report what the test left behind.

:class:`LoopMonitor` is shared by the unittest ``TestCase`` and the pytest plugin:
``start()`` snapshots the loop and installs the hooks the enabled checks need,
``finish()`` (after every user cleanup, while the loop is not running) returns the
report, ``stop()`` undoes every hook.

On a loop that outlives the test (pytest's module- or session-scoped loops) what existed
before the test is not its leak, and neither is what that goes on creating during the
test (a module fixture's periodic task makes a new timer at each sleep): with
``shared=True`` only what was created in the test's own context counts. Every task,
timer and callback runs in a copy of its creator's context, so the :data:`OWNER` mark,
set in the context the test and its fixtures run in, tells the test's work from the rest.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import logging
import sys
import warnings
import weakref
from collections.abc import Callable, Mapping
from typing import Any

from . import internals
from .patching import shadow
from .resources import ResourceWatch
from .sites import SITE, Frame, Site, SiteBook, site_from_frames

__unittest = True  # unittest hides this module's frames in failure tracebacks

#: Loop iterations given to cleanups (a ``task.cancel()`` needs one or two) before checking.
SETTLE_ITERATIONS = 20
#: A timer due this soon (seconds) after the test's end is in flight, not left behind:
#: it runs before the checks (a ``call_later(0.001, ...)`` the test did not wait for).
IN_FLIGHT = 0.01
#: Frames recorded per coroutine so an unawaited one can say where it was created.
ORIGIN_DEPTH = 8
#: Lines shown per check; the rest are counted.
MAX_LINES = 10

#: The monitor of the test that the code running now belongs to (``shared=True`` only).
OWNER: contextvars.ContextVar[LoopMonitor | None] = contextvars.ContextVar("flake8_asynctest_owner", default=None)

#: Objects frozen before this module was imported: CPython 3.12 freezes a few hundred
#: tuples at startup, which unfreezing harmlessly hands back to the collector.
_FROZEN_AT_IMPORT = gc.get_freeze_count()

_SLOW_CALLBACK_MESSAGE = "Executing %s took %.3f seconds"  # asyncio.base_events' log format

#: asyncio's reports of exceptions that are not lost: a transport's error is handed to its
#: protocol's connection_lost() (and a TLS handshake's to the caller waiting on it); the
#: rest are server diagnostics, some only in debug mode, for errors nobody could act on.
_HANDED_ON = (
    "Fatal ",
    "SSL handshake failed",
    "SSL error in data received",
    "Error calling eof_received()",
    "Error on transport creation for incoming connection",
    "socket.accept() out of system resource",
    "Accept failed on a socket",
    "Error on reading from the event loop self pipe",
    "Read error on pipe transport while closing",
    "Pipe accept failed",
)

#: Checks that read asyncio's own loop internals, so do not apply to uvloop.
_ASYNCIO_LOOP_ONLY = frozenset({"active_handles", "active_selector_callbacks", "slow_callbacks"})

_HINT = {
    "pending_tasks": "cancel and await them (e.g. in asyncTearDown or a cleanup)",
    "active_handles": "cancel the TimerHandle returned by call_later()/call_at()",
    "active_selector_callbacks": "remove_reader()/remove_writer(), or close the transport",
    "unawaited_coroutines": "await it, or pass it to asyncio.create_task()",
    "lost_exceptions": "await the task or read task.exception()",
    "unclosed_resources": "close it (and await wait_closed()), or terminate the process and await proc.wait()",
    "slow_callbacks": "move blocking work to loop.run_in_executor()",
    "unused_loop": "make the test method a coroutine, or run the loop in it",
}


class LoopMonitor:
    """Records a loop's state at the start of a test and what the test left at its end."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        checks: Mapping[str, bool],
        silence_hint: str = "decorate the test with @fail_on({})",
        *,
        shared: bool = False,
    ) -> None:
        self.loop = loop
        self.checks = frozenset(name for name, on in checks.items() if on)
        if not internals.is_asyncio_loop(loop):
            self.checks -= _ASYNCIO_LOOP_ONLY
        self.shared = shared
        self._silence_hint = silence_hint
        self._problems: dict[str, list[str]] = {}
        self._unawaited: list[tuple[str, Frame | None]] = []
        self._undo: list[Callable[[], None]] = []
        # What the loop held before the test (weakly: not kept alive for it). A new loop holds
        # nothing: an empty set then, whose WeakSet would cost more than the rest of start().
        self._tasks_before: weakref.WeakSet[asyncio.Task] | frozenset[asyncio.Task] = frozenset()
        self._timers_before: weakref.WeakSet[asyncio.TimerHandle] | frozenset[asyncio.TimerHandle] = frozenset()
        self._io_before: set[tuple[int, str]] = set()
        # Tasks that finished as they were created (3.12+ eager tasks): in no task registry.
        self._done_at_birth: list[weakref.ref[asyncio.Task]] = []
        self._foreign: weakref.WeakSet[asyncio.Task] = weakref.WeakSet()  # shared loops: made outside the test
        self._sites = SiteBook()
        self._resources = ResourceWatch(loop, self._sites)
        self._frozen = False  # the heap older than the test is frozen
        self._collecting = False  # the collector is running (finalisers may report now)
        self._promoted = False  # a collection moved some of the test's objects to the oldest generation

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        """Snapshot the loop and install the hooks the enabled checks need."""
        loop, checks = self.loop, self.checks
        if self.shared:
            token = OWNER.set(self)
            self._undo.append(lambda: OWNER.reset(token))
        if checks & {"pending_tasks", "lost_exceptions"}:
            tasks = internals.live_tasks(loop)
            if tasks:
                self._tasks_before = weakref.WeakSet(tasks)
        if "active_handles" in checks:
            timers = internals.scheduled_timers(loop)
            if timers:
                self._timers_before = weakref.WeakSet(timers)
        if "active_selector_callbacks" in checks:
            self._io_before = {(fd, kind) for fd, kind, _, _ in internals.selector_callbacks(loop)}
        if checks & {"lost_exceptions", "pending_tasks"}:
            self._install_exception_handler()
        if checks & {"lost_exceptions", "pending_tasks", "active_handles", "active_selector_callbacks"}:
            self._install_task_tracking()
        if "active_handles" in checks:
            self._install_timer_sites()
        if "active_selector_callbacks" in checks and internals.selector_of(loop) is not None:
            self._install_selector_sites()
        if "unawaited_coroutines" in checks:
            self._install_unawaited_hook()
        if checks & {"unawaited_coroutines", "lost_exceptions", "pending_tasks"}:
            gc.callbacks.append(self._on_collection)
            self._undo.append(lambda: gc.callbacks.remove(self._on_collection))
        if checks & {"unawaited_coroutines", "lost_exceptions"} and _may_freeze():
            # Objects older than the test are moved out of the collector's sight, so
            # finish()'s collection only walks what the test allocated (cheap even in a
            # huge heap) and never takes an unrelated old object's finaliser for a leak.
            gc.freeze()
            self._frozen = True
            self._undo.append(gc.unfreeze)
        if "slow_callbacks" in checks:
            self._install_slow_callback_log()
        if "unclosed_resources" in checks:
            self._resources.start()
            self._undo.append(self._resources.stop)

    def finish(self) -> str:
        """Let cleanups settle, then return the report ('' when nothing was left behind).

        Called between two runs of the loop, never from inside it: the loop runs again
        only if callbacks are ready or the test's timers are about to fire.
        """
        if self.loop.is_running():
            raise RuntimeError("LoopMonitor.finish() must be called while its loop is not running")
        timers = self._settle()
        # Held across the collection: a pending task referenced only by a cycle is then
        # reported with its coroutine and creation site, not as "destroyed while pending".
        tasks = [t for t in internals.live_tasks(self.loop) if t not in self._tasks_before and self._owns_task(t)]
        pending = [t for t in tasks if not t.done()]
        if self.checks & {"unawaited_coroutines", "lost_exceptions"}:
            # A coroutine or task in a reference cycle reports only when collected. With the
            # old heap frozen, what the test allocated is in the young generations unless a
            # collection promoted it; a full collection would also reset the collector's
            # count of long-lived objects to the few the test left (it then errs towards
            # full collections of the whole heap once it is unfrozen).
            gc.collect(2 if self._promoted or not self._frozen else 1)
        if "pending_tasks" in self.checks:
            for task in sorted(pending, key=lambda t: t.get_name()):
                self.record("pending_tasks", self._describe_task(task))
        if timers:
            # A pending task's own timer (its sleep, its timeout) is part of that task, which
            # pending_tasks reports or the test chose to allow: not a timer left behind.
            owned = _timers_owned_by(timers, pending) if pending else set()
            for handle in timers:
                if id(handle) not in owned:
                    due = handle.when() - self.loop.time()
                    self.record("active_handles", f"timer due in {due:.3f} s: {self._describe_handle(handle)}")
        processes: set[int] = set()  # fds of the processes reported: not reported again as readers
        if "unclosed_resources" in self.checks:
            for line in self._resources.findings(processes):
                self.record("unclosed_resources", line)
        if "active_selector_callbacks" in self.checks:
            for fd, kind, fileobj, handle in internals.selector_callbacks(self.loop):
                if (fd, kind) not in self._io_before and fd not in processes and self._owns_handle(handle):
                    self.record(
                        "active_selector_callbacks", f"{kind} on fd {fd} ({fileobj!r}): {self._describe_handle(handle)}"
                    )
        if "lost_exceptions" in self.checks:
            # Every task alive (those built directly with asyncio.Task(coro) too), and eager
            # tasks that failed as they were created.
            eager = [t for t in (ref() for ref in self._done_at_birth) if t is not None and self._owns_task(t)]
            for task in sorted(set(tasks).union(eager), key=lambda t: t.get_name()):
                if task.done() and not task.cancelled() and internals.exception_unretrieved(task):
                    task.exception()  # mark it retrieved: reported here, not again on stderr
                    self.record(
                        "lost_exceptions",
                        "Task exception was never retrieved: "
                        + self._describe_task(task)
                        + _describe_exception(task.exception()),
                    )
        return self.report()

    def stop(self) -> None:
        """Remove every hook ``start()`` installed; safe to call more than once.

        Unawaited coroutines recorded but never reported (the test failed for another
        reason) are warned about as Python would have, at the line that created them.
        """
        while self._undo:
            self._undo.pop()()
        unreported, self._unawaited = self._unawaited, []
        for name, origin in unreported:
            _warn_unawaited(name, origin)

    # --- results -----------------------------------------------------------------------

    def record(self, check: str, line: str) -> None:
        """Add a problem found by a check (ignored when the check is off)."""
        if check in self.checks:
            self._problems.setdefault(check, []).append(line)

    def report(self) -> str:
        """The failure message for everything recorded so far, '' if nothing."""
        self._unawaited = []  # reported here: no RuntimeWarning as well
        if not self._problems:
            return ""
        parts = ["flake8_asynctest runtime checks failed:"]
        for check, lines in self._problems.items():
            parts.append(f"{check}: {len(lines)} found; {_HINT[check]}")
            parts.extend(f"  - {line}" for line in lines[:MAX_LINES])
            if len(lines) > MAX_LINES:
                parts.append(f"  ... and {len(lines) - MAX_LINES} more")
        names = ", ".join(f"{check}=False" for check in self._problems)
        parts.append(f"(if this is intended, {self._silence_hint.format(names)})")
        return "\n".join(parts)

    # --- what belongs to the test ------------------------------------------------------

    def _owns_task(self, task: asyncio.Task) -> bool:
        return not self.shared or task not in self._foreign

    def _owns_handle(self, handle: asyncio.Handle) -> bool:
        return not self.shared or internals.handle_context(handle).get(OWNER) is self

    def _owns(self, culprit: Any) -> bool:
        if isinstance(culprit, asyncio.Task):
            return self._owns_task(culprit)
        if isinstance(culprit, asyncio.Handle):
            return self._owns_handle(culprit)
        return True

    def _new_timers(self) -> list[asyncio.TimerHandle]:
        """The test's timers still scheduled (none when active_handles is off)."""
        if "active_handles" not in self.checks:
            return []
        return [
            h
            for h in internals.scheduled_timers(self.loop)
            if not h.cancelled() and h not in self._timers_before and self._owns_handle(h)
        ]

    def _settle(self) -> list[asyncio.TimerHandle]:
        """Run what the test set in motion just before it ended: ready callbacks, timers due.

        Returns the test's timers still scheduled after that.
        """
        loop = self.loop
        if not internals.is_asyncio_loop(loop):  # its ready queue cannot be seen: just spin
            loop.run_until_complete(_spin(SETTLE_ITERATIONS))
            return []
        _run_ready(loop)
        timers = self._new_timers()
        horizon = loop.time() + IN_FLIGHT
        in_flight = [h.when() for h in timers if h.when() <= horizon]
        if not in_flight:
            return timers
        loop.run_until_complete(asyncio.sleep(max(0.0, max(in_flight) - loop.time())))
        _run_ready(loop)
        return self._new_timers()

    # --- describing what was found -----------------------------------------------------

    def _created_at(self, obj: Any) -> str:
        site = self._sites.site_of(obj)
        return f", created at {site}" if site is not None else ""

    def _describe_task(self, task: asyncio.Task) -> str:
        created = self._created_at(task)
        if task.done():  # get_coro() of a finished eager task crashes CPython 3.12.1
            return f"task {task.get_name()!r}{created}"
        coro = task.get_coro()
        name = getattr(coro, "__qualname__", repr(coro))
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        state = (
            "" if frame is None else f" suspended at {internals.short_path(frame.f_code.co_filename)}:{frame.f_lineno}"
        )
        return f"task {task.get_name()!r} running {name}(){state}{created}"

    def _describe_handle(self, handle: asyncio.Handle) -> str:
        callback, _ = internals.handle_callback(handle)
        return _describe_callback(callback) + self._created_at(handle)

    def _describe(self, culprit: Any) -> str:
        if isinstance(culprit, asyncio.Task):
            return self._describe_task(culprit)
        if isinstance(culprit, asyncio.Handle):
            return self._describe_handle(culprit)
        return repr(culprit) + self._created_at(culprit)

    # --- hooks -------------------------------------------------------------------------

    def _install_exception_handler(self) -> None:
        loop = self.loop
        previous = loop.get_exception_handler()

        def forward(context: dict[str, Any]) -> None:
            if previous is not None:
                previous(loop, context)
            else:
                loop.default_exception_handler(context)

        def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
            message = context.get("message", "")
            exc = context.get("exception")
            culprit = context.get("task") or context.get("future") or context.get("handle")
            ours = self._owns(culprit)
            lost = ours and exc is not None and not message.startswith(_HANDED_ON) and "lost_exceptions" in self.checks
            if lost and self._collecting and message.startswith("Future exception was never retrieved"):
                # A future collected in a cycle with its owner may be finalised before the
                # owner's __del__ that would retrieve its exception (aiosmtplib's protocol).
                # Freed by reference counting, the owner always goes first: that case counts.
                forward(context)
            elif lost:
                self.record("lost_exceptions", f"{message}: {self._describe(culprit)}" + _describe_exception(exc))
            elif ours and message.startswith("Task was destroyed but it is pending") and "pending_tasks" in self.checks:
                self.record("pending_tasks", f"destroyed while pending: {self._describe(culprit)}")
            else:
                forward(context)

        loop.set_exception_handler(handler)
        self._undo.append(lambda: loop.set_exception_handler(previous))

    def _on_collection(self, phase: str, info: dict[str, int]) -> None:
        """gc callback: is a collection running now, and has one promoted the test's objects?"""
        self._collecting = phase == "start"
        if phase == "stop" and info["generation"] >= 1:
            self._promoted = True

    def _install_task_tracking(self) -> None:
        # loop.create_task is shadowed rather than a task factory set: every task (even one
        # a test's own factory makes) passes through it, and 3.13.0 names every task made
        # by a factory "None".
        loop, done_at_birth, foreign, sites, shared = (
            self.loop,
            self._done_at_birth,
            self._foreign,
            self._sites,
            self.shared,
        )
        real_create_task = loop.create_task
        debug = loop.get_debug()

        def create_task(coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
            site = sites.find()
            context = kwargs.get("context")
            ours = (OWNER.get() if context is None else context.get(OWNER)) is self
            if site is not None and context is None and loop.get_task_factory() is None:
                kwargs["context"] = _context_with_site(site)  # what the task creates inherits it
            task = real_create_task(coro, **kwargs)
            if task.done():
                done_at_birth.append(weakref.ref(task))
            sites.note(task, site)
            if shared and not ours:
                foreign.add(task)
            if debug:
                _drop_own_frames(task)
            return task

        self._undo.append(shadow(loop, "create_task", create_task))

    def _install_timer_sites(self) -> None:
        real_call_at, sites, debug = self.loop.call_at, self._sites, self.loop.get_debug()

        def call_at(when: float, callback: Callable[..., Any], *args: Any, context: Any = None) -> asyncio.TimerHandle:
            handle = real_call_at(when, callback, *args, context=context)
            sites.note(handle, sites.find())
            if debug:  # each asyncio layer drops its own frame (call_later drops the next): so do we
                _drop_own_frames(handle)
            return handle

        self._undo.append(shadow(self.loop, "call_at", call_at))

    def _install_selector_sites(self) -> None:
        # Transports register through the private methods, so shadow those, not add_reader().
        loop, sites = self.loop, self._sites
        for name in internals.SELECTOR_REGISTRATION:
            real = getattr(loop, name)

            def register(fd: Any, callback: Callable[..., Any], *args: Any, _real: Any = real) -> asyncio.Handle:
                site = sites.find()
                handle = _real(fd, callback, *args)
                sites.note(handle, site)
                if site is not None:  # what the callback creates (an accepted connection) inherits it
                    internals.handle_context(handle).run(SITE.set, site)
                return handle

            self._undo.append(shadow(loop, name, register))

    def _install_unawaited_hook(self) -> None:
        previous = internals.unawaited_coroutine_hook()

        def hook(coro: Any) -> None:
            origin = site_from_frames(getattr(coro, "cr_origin", None) or ())  # innermost first
            where = str(origin) if origin else _defined_at(coro)
            self.record(
                "unawaited_coroutines", f"coroutine {coro.__qualname__}() was never awaited, created at {where}"
            )
            # The report is the message; if it is never shown, stop() warns instead.
            self._unawaited.append((coro.__qualname__, origin and (origin.user or origin.library)))

        internals.set_unawaited_coroutine_hook(hook)
        self._undo.append(lambda: internals.set_unawaited_coroutine_hook(previous))
        depth = sys.get_coroutine_origin_tracking_depth()
        if depth < ORIGIN_DEPTH:
            sys.set_coroutine_origin_tracking_depth(ORIGIN_DEPTH)
            self._undo.append(lambda: sys.set_coroutine_origin_tracking_depth(depth))

    def _install_slow_callback_log(self) -> None:
        loop = self.loop
        monitor = self

        class SlowCallbackHandler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                if record.msg == _SLOW_CALLBACK_MESSAGE:
                    monitor.record("slow_callbacks", record.getMessage() + f" (limit {loop.slow_callback_duration} s)")

        logger = logging.getLogger("asyncio")
        handler = SlowCallbackHandler(logging.WARNING)
        logger.addHandler(handler)
        self._undo.append(lambda: logger.removeHandler(handler))
        if not loop.get_debug():  # asyncio only times callbacks in debug mode
            loop.set_debug(True)
            self._undo.append(lambda: loop.set_debug(False))


# --- helpers ---------------------------------------------------------------------------


def _run_ready(loop: asyncio.AbstractEventLoop) -> None:
    """Run loop iterations while callbacks are ready (at most SETTLE_ITERATIONS).

    stop() then run_forever() runs exactly one iteration: no task to create (which in
    debug mode captures stacks), as run_until_complete() would.
    """
    for _ in range(SETTLE_ITERATIONS):
        if not internals.ready_callbacks(loop):
            return
        loop.stop()
        loop.run_forever()


async def _spin(iterations: int) -> None:
    for _ in range(iterations):
        await asyncio.sleep(0)


def _may_freeze() -> bool:
    """False if the program froze objects itself: our gc.unfreeze() would undo that."""
    return gc.get_freeze_count() in (0, _FROZEN_AT_IMPORT)


def _context_with_site(site: Site) -> contextvars.Context:
    context = contextvars.copy_context()
    context.run(SITE.set, site)
    return context


def _drop_own_frames(obj: asyncio.Task | asyncio.Handle) -> None:
    """Keep asyncio's own "created at" (debug mode) from naming our wrappers."""
    frames = getattr(obj, "_source_traceback", None)
    if frames and frames[-1].filename.startswith(internals.RUNTIME_DIR):  # ours is the innermost
        del frames[-1]


def _timers_owned_by(timers: list[asyncio.TimerHandle], tasks: list[asyncio.Task]) -> set[int]:
    """ids of the timers that only exist because a pending task waits on them (reported once)."""
    waited = {id(f) for f in map(internals.awaited_future, tasks) if f is not None}
    task_ids = {id(t) for t in tasks}
    owned = set()
    for handle in timers:
        callback, args = internals.handle_callback(handle)
        # sleep() and 3.11's wait_for() wake the task through the future it awaits;
        # asyncio.timeout() (so wait_for() since 3.12) holds the task it will cancel.
        # Best effort: if Timeout._task moves, the timer is merely reported twice.
        timeout_task = getattr(getattr(callback, "__self__", None), "_task", None)
        if any(id(a) in waited for a in args) or id(timeout_task) in task_ids:
            owned.add(id(handle))
    return owned


def _describe_callback(callback: Any) -> str:
    func = getattr(callback, "func", callback)  # functools.partial
    name = getattr(func, "__qualname__", None) or repr(func)
    code = getattr(getattr(func, "__func__", func), "__code__", None)
    if code is None:
        return f"{name}()"
    return f"{name}() defined at {internals.short_path(code.co_filename)}:{code.co_firstlineno}"


def _describe_exception(exc: BaseException | None) -> str:
    if exc is None:
        return ""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return f"; {type(exc).__name__}: {exc}"
    code = tb.tb_frame.f_code
    return f"; {type(exc).__name__}: {exc} raised at {Frame(code.co_filename, tb.tb_lineno, code.co_name)}"


def _defined_at(coro: Any) -> str:
    code = getattr(coro, "cr_code", None)
    if code is None:
        return "an unknown place"
    return (
        f"an unknown place (its function is defined at {internals.short_path(code.co_filename)}:{code.co_firstlineno})"
    )


def _warn_unawaited(name: str, origin: Frame | None) -> None:
    """The RuntimeWarning CPython would have printed, attributed to the creating line."""
    message = f"coroutine '{name}' was never awaited"
    try:
        if origin is None:
            warnings.warn(message, RuntimeWarning, stacklevel=2)
        else:
            warnings.warn_explicit(message, RuntimeWarning, origin.filename, origin.lineno)
    except RuntimeWarning:  # -W error: the test has failed already, do not fail its teardown too
        pass
