"""asynctest's TestCase helpers: self.loop, assertAsyncRaises & co, exhaust_callbacks."""

from __future__ import annotations

import asyncio
import contextlib
import warnings

from flake8_asynctest.runtime import TestCase, exhaust_callbacks


async def raises():
    raise ValueError("bad value 42")


async def warns():
    warnings.warn("old API", DeprecationWarning)


async def returns():
    return 1


def assert_passes(outcome) -> None:
    assert outcome.text == ""
    assert outcome.successes == 1


def test_loop_is_the_running_loop(run):
    class Case(TestCase):
        def setUp(self):
            self.setup_loop = self.loop

        async def test_it(self):
            self.assertIs(self.loop, asyncio.get_running_loop())
            self.assertIs(self.setup_loop, self.loop)

    assert_passes(run(Case))


def assigns_loop():
    class AssignsLoop(TestCase):
        """As aiohttp's AioHTTPTestCase (3.x) and asynctest-era mixins do."""

        async def asyncSetUp(self):
            self.loop = asyncio.get_running_loop()

        async def test_tidy(self):
            self.assertIs(self.loop, asyncio.get_running_loop())

        async def test_leak(self):
            self.loop.call_later(60, print)

    return AssignsLoop


def test_loop_can_be_assigned_the_running_loop(run):
    assert_passes(run(assigns_loop(), "test_tidy"))


def test_a_test_that_assigns_the_loop_is_still_checked(run):
    outcome = run(assigns_loop(), "test_leak")
    assert len(outcome.failures) == 1 and "active_handles: 1 found" in outcome.failures[0]


def test_loop_assigned_in_sync_setup(run):
    class Case(TestCase):
        def setUp(self):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                self.loop = asyncio.get_event_loop()  # the runner's loop, set as current

        async def test_it(self):
            self.assertIs(self.loop, asyncio.get_running_loop())
            asyncio.create_task(asyncio.sleep(60))

    outcome = run(Case)
    assert len(outcome.failures) == 1 and "pending_tasks: 1 found" in outcome.failures[0]


def test_another_loop_assigned_is_kept_and_the_test_s_own_loop_is_checked(run):
    class Case(TestCase):
        def setUp(self):
            self.loop = asyncio.new_event_loop()
            self.addCleanup(self.loop.close)

        def test_it(self):
            self.assertIsNot(self.loop, self._asyncioRunner.get_loop())
            self.assertEqual(self.loop.run_until_complete(returns()), 1)

    assert_passes(run(Case))


def test_assert_async_raises_and_warns(run):
    class Case(TestCase):
        async def test_it(self):
            context = await self.assertAsyncRaises(ValueError, raises())
            self.assertEqual(str(context.exception), "bad value 42")
            await self.assertAsyncRaisesRegex(ValueError, r"value \d+", raises())
            await self.assertAsyncWarns(DeprecationWarning, warns())
            await self.assertAsyncWarnsRegex(DeprecationWarning, "old", warns())

    assert_passes(run(Case))


def test_assert_async_raises_fails_when_nothing_is_raised(run):
    class Case(TestCase):
        async def test_raises(self):
            await self.assertAsyncRaises(ValueError, returns())

        async def test_regex(self):
            await self.assertAsyncRaisesRegex(ValueError, "other", raises())

        async def test_warns(self):
            await self.assertAsyncWarns(DeprecationWarning, returns())

    assert "ValueError not raised" in run(Case, "test_raises").failures[0]
    assert "does not match" in run(Case, "test_regex").failures[0]
    assert "DeprecationWarning not triggered" in run(Case, "test_warns").failures[0]


def test_exhaust_callbacks_runs_everything_ready(run):
    class Case(TestCase):
        async def test_it(self):
            seen = []

            def first():
                seen.append(1)
                self.loop.call_soon(seen.append, 2)

            self.loop.call_soon(first)
            await self.exhaust_callbacks()
            self.assertEqual(seen, [1, 2])

    assert_passes(run(Case))


def test_exhaust_callbacks_gives_up_on_a_busy_loop():
    async def main():
        async def spin():
            while True:
                await asyncio.sleep(0)

        task = asyncio.create_task(spin())
        await asyncio.sleep(0)
        exhausted = await exhaust_callbacks(max_iterations=50)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return exhausted

    assert asyncio.run(main()) is False
    assert asyncio.run(exhaust_callbacks()) is True
