"""ClockedTestCase and VirtualClock: advance(), autojump, executors, unsupported loops."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import pytest

from flake8_asynctest.runtime import ClockedTestCase, UnsupportedLoopError, VirtualClock


def assert_passes(outcome) -> None:
    assert outcome.text == ""
    assert outcome.successes == 1


def test_advance_runs_each_timer_on_its_due_time(run):
    class Case(ClockedTestCase):
        async def test_it(self):
            seen = []
            for delay in (3, 1, 2, 10):
                self.loop.call_later(delay, lambda d=delay: seen.append((d, self.loop.time())))
            await self.advance(2.5)
            self.assertEqual(seen, [(1, 1.0), (2, 2.0)])
            self.assertEqual(self.loop.time(), 2.5)
            await self.advance(0.5)
            self.assertEqual(seen[-1], (3, 3.0))
            self.assertEqual(len(seen), 3)
            await self.advance(7)
            self.assertEqual(seen[-1], (10, 10.0))

    assert_passes(run(Case))


def test_advance_runs_nested_timers_in_order(run):
    class Case(ClockedTestCase):
        async def test_it(self):
            seen = []

            def tick(n):
                seen.append((n, self.loop.time()))
                if n < 5:
                    self.loop.call_later(1, tick, n + 1)

            self.loop.call_later(1, tick, 1)
            self.loop.call_later(3.5, lambda: seen.append(("other", self.loop.time())))
            await self.advance(10)
            self.assertEqual(seen, [(1, 1.0), (2, 2.0), (3, 3.0), ("other", 3.5), (4, 4.0), (5, 5.0)])

    assert_passes(run(Case))


def test_advance_wakes_sleeping_tasks_at_their_time(run):
    class Case(ClockedTestCase):
        autojump = False  # asynctest's manual clock: only advance() jumps

        async def test_it(self):
            woke = []

            async def sleeper(delay):
                await asyncio.sleep(delay)
                woke.append((delay, self.loop.time()))

            tasks = [asyncio.create_task(sleeper(d)) for d in (5, 1, 3)]
            await self.advance(4)
            self.assertEqual(woke, [(1, 1.0), (3, 3.0)])
            self.assertFalse(tasks[0].done())
            await self.advance(1)
            self.assertEqual(woke[-1], (5, 5.0))
            await asyncio.gather(*tasks)

    assert_passes(run(Case))


def test_advance_rejects_negative_time(run):
    class Case(ClockedTestCase):
        async def test_it(self):
            with self.assertRaises(ValueError):
                await self.advance(-1)

    assert_passes(run(Case))


def test_autojump_sleeps_an_hour_instantly(run):
    class Case(ClockedTestCase):
        async def test_it(self):
            start = time.monotonic()
            for _ in range(60):
                await asyncio.sleep(60)
            self.assertEqual(self.loop.time(), 3600)
            self.assertLess(time.monotonic() - start, 1)

    assert_passes(run(Case))


def test_autojump_wait_for_and_timeout(run):
    class Case(ClockedTestCase):
        async def test_it(self):
            start = time.monotonic()
            with self.assertRaises(TimeoutError):
                await asyncio.wait_for(asyncio.Event().wait(), timeout=30)
            self.assertEqual(self.loop.time(), 30)
            with self.assertRaises(TimeoutError):
                async with asyncio.timeout(15):
                    await asyncio.sleep(3600)
            self.assertEqual(self.loop.time(), 45)
            self.assertEqual(await asyncio.wait_for(asyncio.sleep(5, "done"), timeout=10), "done")
            self.assertEqual(self.loop.time(), 50)
            self.assertLess(time.monotonic() - start, 1)

    assert_passes(run(Case))


def test_concurrent_sleepers_wake_in_order(run):
    class Case(ClockedTestCase):
        async def test_it(self):
            order = []

            async def sleeper(delay):
                await asyncio.sleep(delay)
                order.append((delay, self.loop.time()))

            await asyncio.gather(*(sleeper(d) for d in (300, 100, 200)))
            self.assertEqual(order, [(100, 100.0), (200, 200.0), (300, 300.0)])

    assert_passes(run(Case))


def test_executor_job_under_wait_for_is_waited_for_in_real_time(run):
    class Case(ClockedTestCase):
        async def test_it(self):
            job = self.loop.run_in_executor(None, time.sleep, 0.05)
            await asyncio.wait_for(job, timeout=1)  # must not time out at once
            self.assertGreaterEqual(self.loop.time(), 0.04)
            self.assertLess(self.loop.time(), 1)
            result = await asyncio.wait_for(asyncio.to_thread(lambda: time.sleep(0.02) or 7), 1)
            self.assertEqual(result, 7)

    assert_passes(run(Case))


def test_a_sleep_during_an_executor_job_still_completes(run):
    class Case(ClockedTestCase):
        async def test_it(self):
            job = self.loop.run_in_executor(None, time.sleep, 0.02)
            await asyncio.sleep(0.01)  # waits in real time while the job runs
            await job
            start = time.monotonic()
            await asyncio.sleep(600)  # no job pending: autojump again
            self.assertLess(time.monotonic() - start, 0.5)

    assert_passes(run(Case))


def test_leaks_are_still_reported_under_the_clock(run):
    class Case(ClockedTestCase):
        async def test_it(self):
            self.loop.call_later(100, print)

    outcome = run(Case)
    assert len(outcome.failures) == 1
    assert "active_handles: 1 found" in outcome.failures[0]
    assert "timer due in" in outcome.failures[0]


def test_the_loop_gets_its_real_clock_back_after_the_test(run):
    clocks = []

    class Case(ClockedTestCase):
        async def test_it(self):
            clocks.append(self.clock)
            await asyncio.sleep(10)

    assert_passes(run(Case))
    loop = clocks[0].loop
    assert getattr(loop.time, "__self__", None) is not clocks[0]  # real time (maybe shifted forward)
    assert "run_in_executor" not in vars(loop) and "subprocess_exec" not in vars(loop)


def test_clocked_test_case_runs_without_debug_mode_and_still_names_creation_sites(run):
    class Case(ClockedTestCase):
        async def test_it(self):
            self.assertFalse(self.loop.get_debug())
            self.loop.call_later(100, print)

    outcome = run(Case)
    assert "created at" in outcome.failures[0] and "in test_it" in outcome.failures[0]


def test_a_subprocess_holds_the_clock_while_it_runs(run):
    class Case(ClockedTestCase):
        async def test_it(self):
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-c", "import time; time.sleep(0.2); print('ready')", stdout=subprocess.PIPE
            )
            # Under a plain autojump the 30 s timeout would expire at once: nothing is ready.
            line = await asyncio.wait_for(proc.stdout.readline(), timeout=30)
            self.assertEqual(line.strip(), b"ready")
            self.assertLess(self.loop.time(), 30)
            await proc.wait()
            await asyncio.sleep(3600)  # the process has exited: time jumps again

    assert_passes(run(Case))


class NotASelectorLoop(asyncio.AbstractEventLoop):
    """Stands in for uvloop.Loop: no Python-level selector or timer heap."""


def test_unsupported_loop_is_a_clear_error():
    with pytest.raises(UnsupportedLoopError, match="NotASelectorLoop is not supported"):
        VirtualClock(NotASelectorLoop()).install()


def test_virtual_clock_uninstall_restores_the_loop():
    loop = asyncio.new_event_loop()
    try:
        clock = VirtualClock(loop, start=100.0)
        clock.install()
        assert loop.time() == 100.0
        assert loop.run_until_complete(asyncio.sleep(50, "slept")) == "slept"
        assert loop.time() == 150.0
        clock.uninstall()
        clock.uninstall()
        assert "select" not in vars(loop._selector) and "run_in_executor" not in vars(loop)
        assert loop.time() >= 150.0
    finally:
        loop.close()


def test_time_never_goes_back_and_no_timer_is_stranded_when_the_clock_leaves():
    loop = asyncio.new_event_loop()
    fired = []
    try:
        for _ in range(2):  # a second clock on the same loop (the next test on a shared loop)
            clock = VirtualClock(loop)
            clock.install()
            loop.run_until_complete(asyncio.sleep(3600))  # far ahead of the real clock
            left_at = loop.time()
            loop.call_later(0.001, fired.append, "virtual timer")
            clock.uninstall()
            assert loop.time() >= left_at
            loop.run_until_complete(asyncio.sleep(0.01))  # due after the timer, in real time
            assert fired.pop() == "virtual timer"
        assert not hasattr(loop.time, "clock") or not hasattr(loop.time.clock, "clock")  # not nested
    finally:
        loop.close()


def test_a_start_behind_the_loop_s_timers_is_refused():
    loop = asyncio.new_event_loop()
    try:
        handle = loop.call_later(10, print)
        with pytest.raises(ValueError, match="would fire late"):
            VirtualClock(loop, start=0.0).install()
        handle.cancel()
        VirtualClock(loop, start=0.0).install()  # nothing to strand
    finally:
        loop.close()


def test_virtual_time_is_never_logged_as_a_slow_callback(run, caplog):
    class Case(ClockedTestCase):
        async def test_it(self):
            await asyncio.sleep(1)  # virtual time stays far below the real monotonic clock
            await self.advance(1)

    with caplog.at_level("WARNING", logger="asyncio"):
        assert_passes(run(Case))
    assert [r.getMessage() for r in caplog.records if "Executing" in r.getMessage()] == []


@pytest.mark.skipif(sys.version_info < (3, 13), reason="loop_factory is new in 3.13")
def test_clocked_test_case_on_uvloop_is_a_clear_error(run):
    uvloop = pytest.importorskip("uvloop")

    class Case(ClockedTestCase):
        loop_factory = uvloop.Loop

        async def test_it(self):
            pass

    outcome = run(Case)
    assert len(outcome.errors) == 1 and not outcome.failures
    assert "UnsupportedLoopError" in outcome.errors[0]
    assert "uvloop.Loop is not supported" in outcome.errors[0]
