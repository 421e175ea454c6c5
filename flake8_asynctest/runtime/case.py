"""``TestCase`` and ``ClockedTestCase``: IsolatedAsyncioTestCase that fails leaky tests.

The checker is registered with ``addCleanup`` *before* ``setUp`` runs. Cleanups run
last-in-first-out, so it runs after every cleanup the test registers (a task cancelled
in a cleanup is not a leak), inside the test's outcome (a failure is an ordinary test
failure), and before ``IsolatedAsyncioTestCase`` closes the loop (which would cancel
leaked tasks silently).
"""

from __future__ import annotations

import asyncio
import inspect
import unittest
from collections.abc import Awaitable
from typing import Any

from . import internals
from .checks import LoopMonitor
from .clock import VirtualClock
from .decorators import resolve_checks
from .helpers import exhaust_callbacks

internals.require_case_hooks()

__unittest = True  # unittest hides this module's frames in failure tracebacks


class TestCase(unittest.IsolatedAsyncioTestCase):
    """IsolatedAsyncioTestCase that fails a test leaving work behind on its loop.

    Choose checks with ``@fail_on(...)``, ``@strict`` or ``@lenient`` on the class or method.
    """

    _asynctest_monitor: LoopMonitor | None = None
    _asynctest_failed = False  # set when setUp, the test, tearDown or a cleanup fails

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The test's event loop (asynctest's ``self.loop``).

        Assignable, because base classes written for IsolatedAsyncioTestCase (aiohttp's
        ``AioHTTPTestCase``, asynctest-era mixins) set ``self.loop`` themselves. The checks
        always watch the test's own loop, whatever is assigned here.
        """
        assigned = vars(self).get("_asynctest_loop")
        return assigned if assigned is not None else internals.case_loop(self)

    @loop.setter
    def loop(self, value: asyncio.AbstractEventLoop) -> None:
        vars(self)["_asynctest_loop"] = value

    def _asynctest_checks(self) -> dict[str, bool]:
        return resolve_checks(type(self), getattr(self, self._testMethodName))

    def _asynctest_start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Prepare the loop before setUp runs."""
        self._asynctest_monitor = LoopMonitor(loop, self._asynctest_checks())
        self._asynctest_monitor.start()

    def _callSetUp(self) -> None:
        self._asynctest_failed = False
        self.addCleanup(self._asynctest_finish)  # registered first, so it runs last
        self._asynctest_watch(self._asynctest_set_up)

    def _asynctest_set_up(self) -> None:
        self._asynctest_start(internals.case_loop(self))
        super()._callSetUp()  # type: ignore[misc]  # private hook, checked by internals

    def _callTestMethod(self, method: Any) -> None:
        monitor = self._asynctest_monitor
        if monitor is None or "unused_loop" not in monitor.checks or inspect.iscoroutinefunction(method):
            return self._asynctest_watch(super()._callTestMethod, method)  # type: ignore[misc]
        ran: list[bool] = []
        probe = monitor.loop.call_soon(ran.append, True)  # runs only if the loop runs
        try:
            self._asynctest_watch(super()._callTestMethod, method)  # type: ignore[misc]
        finally:
            probe.cancel()
        if not ran:
            monitor.record(
                "unused_loop", f"{method.__qualname__} is not a coroutine function and did not run the event loop"
            )

    def _callTearDown(self) -> None:
        self._asynctest_watch(super()._callTearDown)  # type: ignore[misc]

    def _callCleanup(self, function: Any, /, *args: Any, **kwargs: Any) -> None:
        self._asynctest_watch(super()._callCleanup, function, *args, **kwargs)  # type: ignore[misc]

    def _asynctest_watch(self, part: Any, *args: Any, **kwargs: Any) -> None:
        """Run one part of the test, noting whether it failed (or skipped, or failed a subTest)."""
        try:
            part(*args, **kwargs)
        except BaseException:
            self._asynctest_failed = True
            raise
        if internals.case_part_failed(self):
            self._asynctest_failed = True

    def _asynctest_finish(self) -> None:
        # A sync cleanup: runs between two runs of the loop, which it runs again only if
        # callbacks are ready, saving a whole Runner.run() per test.
        monitor = self._asynctest_monitor
        if monitor is None:  # _asynctest_start failed: setUp already reported the error
            return
        try:
            report = "" if self._asynctest_failed else monitor.finish()
        finally:
            monitor.stop()
        if report:
            self.fail(report)

    # --- migration helpers from asynctest ----------------------------------------------

    async def exhaust_callbacks(self, max_iterations: int = 1000) -> None:
        """Run the loop until no callback is ready (asynctest.helpers.exhaust_callbacks)."""
        if not await exhaust_callbacks(max_iterations=max_iterations):
            self.fail(f"callbacks were still ready after {max_iterations} loop iterations")

    async def assertAsyncRaises(self, exception: Any, awaitable: Awaitable[Any]) -> Any:
        """Await ``awaitable`` and assert it raises; returns the assertRaises context."""
        with self.assertRaises(exception) as context:
            await awaitable
        return context

    async def assertAsyncRaisesRegex(self, exception: Any, regex: Any, awaitable: Awaitable[Any]) -> Any:
        """Like assertAsyncRaises, and the message must match ``regex``."""
        with self.assertRaisesRegex(exception, regex) as context:
            await awaitable
        return context

    async def assertAsyncWarns(self, warning: Any, awaitable: Awaitable[Any]) -> Any:
        """Await ``awaitable`` and assert it warns; returns the assertWarns context."""
        with self.assertWarns(warning) as context:
            await awaitable
        return context

    async def assertAsyncWarnsRegex(self, warning: Any, regex: Any, awaitable: Awaitable[Any]) -> Any:
        """Like assertAsyncWarns, and the message must match ``regex``."""
        with self.assertWarnsRegex(warning, regex) as context:
            await awaitable
        return context


class ClockedTestCase(TestCase):
    """TestCase on virtual time: ``await self.advance(s)``; sleeps complete instantly.

    Set ``autojump = False`` on the class for asynctest's manual clock, where time only
    jumps in ``advance()`` (and otherwise flows in real time rather than hanging).
    ``slow_callbacks`` is never checked: under a virtual clock durations are not real.
    """

    autojump: bool = True
    clock: VirtualClock
    _asynctest_debug = False

    def _asynctest_checks(self) -> dict[str, bool]:
        return {**super()._asynctest_checks(), "slow_callbacks": False}

    def _asynctest_start(self, loop: asyncio.AbstractEventLoop) -> None:
        # Debug mode (IsolatedAsyncioTestCase turns it on) captures a stack for every
        # handle and future, which made sleep-heavy tests 15x slower; the checks record
        # creation sites themselves, and debug mode's slow-callback timing means nothing
        # under virtual time.
        self._asynctest_debug = loop.get_debug()
        loop.set_debug(False)
        self.clock = VirtualClock(loop, autojump=self.autojump, start=0.0)  # a fresh loop: asynctest's 0
        self.clock.install()
        super()._asynctest_start(loop)

    def _callSetUp(self) -> None:
        # Registered before the checker, so it runs after it: the checks see virtual time,
        # and the runner's executor shutdown (whose timeout a virtual clock would expire at
        # once) sees real time. A sync cleanup runs outside any loop step, which debug mode
        # would otherwise time across the switch of clocks.
        self.addCleanup(self._asynctest_stop_clock)
        super()._callSetUp()  # type: ignore[misc]  # private hook, checked by internals

    def _asynctest_stop_clock(self) -> None:
        clock = vars(self).get("clock")
        if clock is not None:
            clock.uninstall()
            clock.loop.set_debug(self._asynctest_debug)

    async def advance(self, seconds: float) -> None:
        """Move the loop's clock forward, running every timer due on its due time."""
        await self.clock.advance(seconds)
