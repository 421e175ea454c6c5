"""Every access to a private CPython name goes through this module.

The runtime checks need state that asyncio and unittest do not expose publicly
(the timer heap, the ready queue, the selector, a task's "exception retrieved"
flag, the test outcome). Each accessor raises :class:`PrivateAPIError`, naming the
attribute and the Python version, instead of silently checking nothing if a
future Python moves it. ``tests/runtime/test_internals.py`` asserts they all exist.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import site
import sys
import sysconfig
import unittest
import warnings
from asyncio.selector_events import BaseSelectorEventLoop
from collections.abc import Callable, Iterable
from typing import Any

#: Frames in these directories are never "where it was created": the user's code called them.
ASYNCIO_DIR = os.path.dirname(asyncio.__file__) + os.sep
RUNTIME_DIR = os.path.dirname(__file__) + os.sep


class PrivateAPIError(RuntimeError):
    """A private CPython name this package relies on is missing."""


def _get(obj: object, name: str) -> Any:
    try:
        return getattr(obj, name)
    except AttributeError:
        owner = obj if isinstance(obj, type) else type(obj)
        raise PrivateAPIError(
            f"flake8_asynctest.runtime relies on {owner.__module__}.{owner.__qualname__}.{name}, "
            f"which Python {sys.version.split()[0]} does not have; the runtime checks cannot "
            f"work on this Python: please report it"
        ) from None


# --- unittest ------------------------------------------------------------------------

#: Methods of IsolatedAsyncioTestCase that flake8_asynctest.runtime.TestCase overrides or calls.
CASE_HOOKS = ("_callSetUp", "_callTestMethod", "_callTearDown", "_callCleanup")


def require_case_hooks() -> None:
    """Fail at import time if IsolatedAsyncioTestCase no longer has the hooks we override."""
    for name in CASE_HOOKS:
        _get(unittest.IsolatedAsyncioTestCase, name)


def case_loop(case: unittest.IsolatedAsyncioTestCase) -> asyncio.AbstractEventLoop:
    """The loop of the test's asyncio.Runner (created on first use)."""
    runner = _get(case, "_asyncioRunner")
    if runner is None:
        raise RuntimeError("the test's event loop exists only while the test runs")
    return runner.get_loop()


def case_part_failed(case: unittest.TestCase) -> bool:
    """True when a subTest failed in the test part (setUp, test, tearDown, cleanup) running now.

    unittest resets the outcome's flag at the start of every part, so this only sees the
    current part: TestCase records each part's result as it ends.
    """
    outcome = _get(case, "_outcome")
    return outcome is not None and not _get(outcome, "success")


# --- asyncio loop ----------------------------------------------------------------------


def is_asyncio_loop(loop: asyncio.AbstractEventLoop) -> bool:
    """True for asyncio's own loops, whose timer heap and ready queue we can read.

    Other loops (uvloop) keep them in C: checks that need them do not apply there.
    """
    return isinstance(loop, asyncio.BaseEventLoop)


def scheduled_timers(loop: asyncio.AbstractEventLoop) -> list[asyncio.TimerHandle]:
    """The loop's timer heap (cancelled handles included), as the loop holds it."""
    return _get(loop, "_scheduled")


def ready_callbacks(loop: asyncio.AbstractEventLoop) -> Iterable[asyncio.Handle]:
    """Callbacks queued to run on the loop's next iteration."""
    return _get(loop, "_ready")


def selector_of(loop: asyncio.AbstractEventLoop):  # -> selectors.BaseSelector | None
    """The selector of a selector event loop, None for other loops (uvloop, proactor)."""
    if not isinstance(loop, BaseSelectorEventLoop):
        return None
    return _get(loop, "_selector")


def selector_callbacks(loop: asyncio.AbstractEventLoop) -> list[tuple[int, str, Any, Any]]:
    """(fd, "reader" or "writer", file object, handle) registered on a selector loop."""
    selector = selector_of(loop)
    if selector is None:
        return []
    found = []
    # The selector's own fd -> key dict: get_map()'s Mapping view costs more than the check.
    for key in list(_get(selector, "_fd_to_key").values()):
        data = key.data
        if not (isinstance(data, tuple) and len(data) == 2):
            raise PrivateAPIError(
                f"flake8_asynctest.runtime expects asyncio's selector keys to hold a "
                f"(reader, writer) pair of handles; Python {sys.version.split()[0]} stores "
                f"{data!r}: please report it"
            )
        for kind, handle in zip(("reader", "writer"), data):
            if handle is not None and not handle.cancelled():
                found.append((key.fd, kind, key.fileobj, handle))
    return found


def handle_callback(handle: asyncio.Handle) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    """The callback and arguments a Handle will run."""
    return _get(handle, "_callback"), _get(handle, "_args")


# --- tasks and futures ---------------------------------------------------------------


def exception_unretrieved(future: asyncio.Future) -> bool:
    """True if the future holds an exception nobody retrieved (asyncio would log it on GC)."""
    return bool(_get(future, "_log_traceback"))


def live_tasks(loop: asyncio.AbstractEventLoop) -> list[asyncio.Task]:
    """Every task of ``loop`` still alive, finished ones too (``asyncio.all_tasks()`` skips those).

    Covers tasks built with ``asyncio.Task(coro)``, which no ``create_task`` hook sees.
    """
    tasks = asyncio.tasks
    registry = _get(tasks, "_scheduled_tasks") if sys.version_info >= (3, 12) else _get(tasks, "_all_tasks")
    # The WeakSet's own set of references: its iterator (a generator with a guard) costs more.
    references = _get(registry, "data")
    for _ in range(1000):  # a collection may change the set while we copy it, as in all_tasks()
        try:
            alive = [ref() for ref in list(references)]
        except RuntimeError:
            continue
        return [t for t in alive if t is not None and t.get_loop() is loop]
    return []


def awaited_future(task: asyncio.Task) -> asyncio.Future | None:
    """The future a pending task is blocked on."""
    return _get(task, "_fut_waiter")


def handle_context(handle: asyncio.Handle) -> contextvars.Context:
    """The context a Handle's callback runs in (a copy of its creator's)."""
    return _get(handle, "_context")


#: The frame of ``Handle._run`` is the loop running a callback: nothing above it made it.
HANDLE_RUN_CODE = _get(asyncio.Handle, "_run").__code__

#: Methods a selector loop registers every reader and writer through (transports too).
SELECTOR_REGISTRATION = ("_add_reader", "_add_writer")


def _library_dirs() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    dirs = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths}
    dirs.update(getattr(site, "getsitepackages", list)())
    dirs.add(site.getusersitepackages())
    # Longest first, so that site-packages wins over the standard library it lies in.
    return tuple(sorted((os.path.join(d, "") for d in dirs if d), key=len, reverse=True))


#: The standard library and installed packages: code that is not the user's.
LIBRARY_DIRS = _library_dirs()


def short_path(filename: str) -> str:
    """A path relative to the working directory, or to its library directory, else as given."""
    cwd = os.getcwd() + os.sep
    if filename.startswith(cwd):
        return filename[len(cwd) :]
    for directory in LIBRARY_DIRS:
        if filename.startswith(directory):
            return filename[len(directory) :]
    return filename


# --- warnings ------------------------------------------------------------------------


def unawaited_coroutine_hook() -> Callable[[Any], None]:
    """The function CPython calls when a coroutine is destroyed without being awaited."""
    return _get(warnings, "_warn_unawaited_coroutine")


def set_unawaited_coroutine_hook(hook: Callable[[Any], None]) -> None:
    unawaited_coroutine_hook()  # fail loudly rather than install a hook nobody calls
    warnings._warn_unawaited_coroutine = hook  # type: ignore[attr-defined]


def warning_filters_changed() -> None:
    """Tell the warnings machinery its filter list was edited in place (as filterwarnings() does)."""
    _get(warnings, "_filters_mutated")()


def missing_private_names() -> list[str]:
    """Private names used by this package that the running Python lacks (for tests and CI)."""
    loop = asyncio.new_event_loop()
    try:
        task = loop.create_task(asyncio.sleep(0))
        handle = loop.call_later(1, print)
        probes: list[tuple[object, str]] = [
            *((unittest.IsolatedAsyncioTestCase, name) for name in CASE_HOOKS),
            (unittest.IsolatedAsyncioTestCase("run"), "_asyncioRunner"),
            (unittest.TestCase("run"), "_outcome"),
            (unittest.case._Outcome(), "success"),  # type: ignore[attr-defined]
            (loop, "_scheduled"),
            (loop, "_ready"),
            (loop, "_selector"),
            (loop._selector, "_fd_to_key"),
            (handle, "_callback"),
            (handle, "_args"),
            (handle, "_context"),
            *((loop, name) for name in SELECTOR_REGISTRATION),
            (task, "_log_traceback"),
            (task, "_fut_waiter"),
            (asyncio.tasks, "_scheduled_tasks" if sys.version_info >= (3, 12) else "_all_tasks"),
            (warnings, "_warn_unawaited_coroutine"),
            (warnings, "_filters_mutated"),
        ]
        missing = [
            f"{getattr(obj, '__name__', type(obj).__name__)}.{name}" for obj, name in probes if not hasattr(obj, name)
        ]
        handle.cancel()
        loop.run_until_complete(task)
        return missing
    finally:
        loop.close()
