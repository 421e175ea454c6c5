"""Each check: a test that leaks the thing is reported; a correct look-alike passes."""

from __future__ import annotations

import asyncio
import gc
import linecache
import os
import socket
import ssl
import sys
import time
import unittest
import warnings
from unittest import mock

import pytest

from flake8_asynctest.runtime import TestCase, fail_on, internals


def line_of(marker: str) -> int:
    """The line of this file that holds ``marker`` (where a report should point)."""
    with open(__file__) as source:
        return next(n for n, text in enumerate(source, 1) if marker in text and "line_of(" not in text)


def assert_passes(outcome) -> None:
    assert outcome.text == ""
    assert outcome.successes == 1


def assert_reported(outcome, check: str, *fragments: str) -> str:
    assert len(outcome.failures) == 1, outcome.text
    text = outcome.failures[0]
    assert "flake8_asynctest runtime checks failed" in text
    assert f"{check}: 1 found" in text
    for fragment in fragments:
        assert fragment in text
    return text


async def sleeper(seconds: float = 100) -> None:
    await asyncio.sleep(seconds)


async def boom() -> None:
    raise ValueError("boom")


# --- pending_tasks -----------------------------------------------------------------------


def test_leaked_task_is_reported_with_where_it_was_created(run):
    class Case(TestCase):
        async def test_it(self):
            asyncio.create_task(sleeper(), name="the-leak")

    text = assert_reported(
        run(Case), "pending_tasks", "'the-leak'", "running sleeper()", "created at", "test_checks.py", "in test_it"
    )
    # The task's sleep timer is the same leak: reported once, under pending_tasks.
    assert "active_handles" not in text


def test_task_cancelled_and_awaited_in_a_cleanup_passes(run):
    class Case(TestCase):
        async def asyncSetUp(self):
            self.task = asyncio.create_task(sleeper())
            self.addAsyncCleanup(self.stop)

        async def stop(self):
            self.task.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await self.task

        async def test_it(self):
            await asyncio.sleep(0)

    assert_passes(run(Case))


def test_task_cancelled_but_not_awaited_in_a_sync_cleanup_passes(run):
    class Case(TestCase):
        async def test_it(self):
            task = asyncio.create_task(sleeper())
            self.addCleanup(task.cancel)

    assert_passes(run(Case))


def test_task_blocked_in_a_timeout_is_reported_once(run):
    async def waits():
        async with asyncio.timeout(100):
            await asyncio.Event().wait()

    class Case(TestCase):
        async def test_it(self):
            asyncio.create_task(waits())
            await asyncio.sleep(0)

    text = assert_reported(run(Case), "pending_tasks", "waits()")
    assert "active_handles" not in text


def test_pending_task_destroyed_by_the_collector_is_reported(run):
    async def wait_forever(future):
        await future

    class Case(TestCase):
        async def test_it(self):
            asyncio.create_task(wait_forever(asyncio.get_running_loop().create_future()))
            await asyncio.sleep(0)
            gc.collect()  # task <-> future cycle, referenced by nothing else

    assert_reported(run(Case), "pending_tasks", "destroyed while pending")


# --- active_handles ----------------------------------------------------------------------


def remind() -> None:
    pass


def test_timer_left_scheduled_is_reported(run):
    class Case(TestCase):
        async def test_it(self):
            self.loop.call_later(30.5, remind)

    assert_reported(run(Case), "active_handles", "timer due in 30.", "remind()", "created at", "in test_it")


def test_timer_cancelled_in_async_teardown_passes(run):
    class Case(TestCase):
        async def test_it(self):
            self.timer = self.loop.call_later(30, remind)

        async def asyncTearDown(self):
            self.timer.cancel()

    assert_passes(run(Case))


def test_timer_that_fired_passes(run):
    class Case(TestCase):
        async def test_it(self):
            fired = asyncio.Event()
            self.loop.call_later(0.001, fired.set)
            await fired.wait()

    assert_passes(run(Case))


def test_timer_about_to_fire_when_the_test_ends_runs_first(run):
    fired = []

    class Case(TestCase):
        async def test_it(self):
            self.loop.call_later(0.001, fired.append, "in flight")
            self.loop.call_at(self.loop.time() - 1, fired.append, "overdue")

    assert_passes(run(Case))
    assert sorted(fired) == ["in flight", "overdue"]


def test_task_about_to_finish_when_the_test_ends_passes(run):
    class Case(TestCase):
        async def test_it(self):
            asyncio.create_task(sleeper(0.001))

    assert_passes(run(Case))


def test_timer_that_keeps_rescheduling_itself_is_still_reported(run):
    class Case(TestCase):
        async def test_it(self):
            def tick():
                self.loop.call_later(0.001, tick)

            tick()

    assert_reported(run(Case), "active_handles", "tick()")


# --- active_selector_callbacks -----------------------------------------------------------


def socket_pair(case) -> tuple[socket.socket, socket.socket]:
    a, b = socket.socketpair()
    case.addCleanup(a.close)
    case.addCleanup(b.close)
    return a, b


def test_reader_left_on_the_selector_is_reported(run):
    class Case(TestCase):
        async def test_it(self):
            a, _ = socket_pair(self)
            self.loop.add_reader(a, remind)

    assert_reported(run(Case), "active_selector_callbacks", "reader on fd", "remind()", "created at", "in test_it")


def test_writer_left_on_the_selector_is_reported(run):
    class Case(TestCase):
        async def test_it(self):
            a, _ = socket_pair(self)
            self.loop.add_writer(a, remind)

    assert_reported(run(Case), "active_selector_callbacks", "writer on fd")


def test_removed_reader_passes(run):
    class Case(TestCase):
        async def test_it(self):
            a, _ = socket_pair(self)
            self.loop.add_reader(a, remind)
            self.addCleanup(self.loop.remove_reader, a)

    assert_passes(run(Case))


def test_unclosed_stream_is_reported_and_closed_stream_passes(run):
    class Case(TestCase):
        close = False

        async def test_it(self):
            a, _ = socket_pair(self)
            _, self.writer = await asyncio.open_connection(sock=a)
            if self.close:
                self.writer.close()
                await self.writer.wait_closed()

    class Closing(Case):
        close = True

    assert_reported(run(Case), "active_selector_callbacks", "reader on fd", "_read_ready")
    assert_passes(run(Closing))


# --- unawaited_coroutines ----------------------------------------------------------------


def test_dropped_coroutine_is_reported_with_where_it_was_created(run):
    class Case(TestCase):
        async def test_it(self):
            sleeper()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        outcome = run(Case)
    assert_reported(
        outcome,
        "unawaited_coroutines",
        "coroutine sleeper() was never awaited",
        "created at",
        "test_checks.py",
        "in test_it",
    )


def test_coroutine_dropped_inside_a_reference_cycle_is_reported(run):
    class Holder:
        pass

    class Case(TestCase):
        async def test_it(self):
            holder = Holder()
            holder.me, holder.coro = holder, sleeper()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        outcome = run(Case)
    assert_reported(outcome, "unawaited_coroutines", "sleeper() was never awaited")


def test_coroutine_in_a_cycle_promoted_to_the_oldest_generation_is_reported(run):
    class Holder:
        pass

    class Case(TestCase):
        async def test_it(self):
            holder = Holder()
            holder.me, holder.coro = holder, sleeper()
            gc.collect(1)  # survives, and moves to the oldest generation
            del holder

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        outcome = run(Case)
    assert_reported(outcome, "unawaited_coroutines", "sleeper() was never awaited")


def test_dropped_coroutine_is_reported_when_warnings_are_errors(run):
    class Case(TestCase):
        async def test_it(self):
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # as under -W error: it becomes unraisable
                sleeper()

    unraisable = []
    hook, sys.unraisablehook = sys.unraisablehook, unraisable.append
    try:
        outcome = run(Case)
    finally:
        sys.unraisablehook = hook
    assert_reported(outcome, "unawaited_coroutines", "sleeper() was never awaited")
    assert unraisable == [], "the report is the one message"


def test_a_reported_coroutine_is_not_warned_about_too(run):
    class Case(TestCase):
        async def test_it(self):
            sleeper()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outcome = run(Case)
    assert_reported(outcome, "unawaited_coroutines", "sleeper() was never awaited")
    assert [w for w in caught if issubclass(w.category, RuntimeWarning)] == []


def test_a_coroutine_dropped_by_a_failing_test_is_warned_about_at_its_line(run):
    class Case(TestCase):
        async def test_it(self):
            sleeper()  # the line the warning names
            self.fail("the test's own failure")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outcome = run(Case)
    assert "the test's own failure" in outcome.failures[0] and "runtime checks" not in outcome.failures[0]
    [warning] = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    assert str(warning.message) == "coroutine 'sleeper' was never awaited"
    assert warning.filename == __file__
    assert linecache.getline(__file__, warning.lineno).strip().startswith("sleeper()  # the line the warning names")


def test_a_coroutine_a_library_made_for_the_test_names_the_test_s_line(run):
    class Case(TestCase):
        async def test_it(self):
            mocked = mock.AsyncMock()
            mocked.asserT_awaited()  # a typo: calls an AsyncMock child, never awaited

    text = assert_reported(run(Case), "unawaited_coroutines", "_execute_mock_call() was never awaited")
    line = line_of("# a typo: calls")
    assert f"created at {os.path.relpath(__file__)}:{line} in test_it (in unittest/mock.py:" in text


def test_awaited_or_closed_coroutines_pass(run):
    class Case(TestCase):
        async def test_it(self):
            await sleeper(0)
            sleeper().close()

    assert_passes(run(Case))


# --- lost_exceptions ---------------------------------------------------------------------


def test_exception_of_a_task_still_referenced_is_reported(run):
    class Case(TestCase):
        async def test_it(self):
            self.task = asyncio.create_task(boom())
            await asyncio.sleep(0)

    assert_reported(
        run(Case),
        "lost_exceptions",
        "Task exception was never retrieved",
        "ValueError: boom",
        "raised at",
        "in boom",
        "created at",
        "in test_it",
    )


def test_exception_of_a_task_built_directly_and_kept_is_reported(run):
    class Case(TestCase):
        async def test_it(self):
            self.task = asyncio.Task(boom())  # no create_task: seen through asyncio's registry
            await asyncio.sleep(0)

    assert_reported(run(Case), "lost_exceptions", "Task exception was never retrieved", "ValueError: boom")


def test_a_lost_exception_names_the_task(run):
    class Case(TestCase):
        async def test_it(self):
            self.task = asyncio.create_task(boom(), name="doomed")
            await asyncio.sleep(0)

    assert_reported(run(Case), "lost_exceptions", "task 'doomed', created at")


def test_exception_of_a_dropped_task_is_reported(run):
    class Case(TestCase):
        async def test_it(self):
            asyncio.create_task(boom())
            await asyncio.sleep(0)

    assert_reported(run(Case), "lost_exceptions", "ValueError: boom")


def test_exception_of_a_dropped_future_is_reported(run):
    class Case(TestCase):
        async def test_it(self):
            self.loop.create_future().set_exception(ValueError("nobody waits"))

    assert_reported(run(Case), "lost_exceptions", "Future exception was never retrieved", "ValueError: nobody waits")


def test_a_future_its_owner_retrieves_when_collected_is_not_lost(run):
    # aiosmtplib's protocol retrieves its waiter's exception in __del__; collected in one
    # cycle, the future's finaliser (which logs the exception) may run first.
    class Owner:
        def __init__(self, loop):
            self.me, self.waiter = self, loop.create_future()
            self.waiter.set_exception(ConnectionError("closed"))

        def __del__(self):
            self.waiter.exception()

    class Case(TestCase):
        async def test_it(self):
            Owner(self.loop)

    for _ in range(5):  # the collector's order varies: every order must pass
        assert_passes(run(Case))


def test_exception_in_a_callback_is_reported(run):
    def explode():
        raise KeyError("lost")

    class Case(TestCase):
        async def test_it(self):
            self.loop.call_soon(explode)
            await asyncio.sleep(0)

    assert_reported(run(Case), "lost_exceptions", "Exception in callback", "explode()", "KeyError: 'lost'")


def test_retrieved_exceptions_pass(run):
    class Case(TestCase):
        async def test_it(self):
            task = asyncio.create_task(boom())
            with self.assertRaises(ValueError):
                await task
            other = asyncio.create_task(boom())
            await asyncio.wait([other])
            self.assertIsInstance(other.exception(), ValueError)
            results = await asyncio.gather(boom(), return_exceptions=True)
            self.assertIsInstance(results[0], ValueError)

    assert_passes(run(Case))


class FailingProtocol(asyncio.Protocol):
    """Fails on the first data; connection_lost() hands the error to whoever waits."""

    def __init__(self):
        self.closed = asyncio.get_running_loop().create_future()

    def data_received(self, data):
        raise ValueError("bad frame")

    def connection_lost(self, exc):
        error = ConnectionError("the protocol failed")
        error.__cause__ = exc
        self.closed.set_exception(error)


def test_protocol_error_handed_to_connection_lost_is_not_lost(run):
    # asyncio logs "Fatal error: protocol.data_received() call failed." and passes the
    # exception on to connection_lost(), from where it reaches the test.
    class Case(TestCase):
        async def test_it(self):
            ours, theirs = socket_pair(self)
            _, protocol = await self.loop.create_connection(FailingProtocol, sock=ours)
            theirs.send(b"x")
            with self.assertRaises(ConnectionError) as caught:
                await protocol.closed
            self.assertIsInstance(caught.exception.__cause__, ValueError)

    assert_passes(run(Case))


PEM = os.path.join(os.path.dirname(__file__), "data", "localhost.pem")  # self-signed, for localhost


def test_tls_handshake_failing_on_purpose_is_not_a_lost_exception(run):
    # In debug mode asyncio reports the server's side of the failed handshake as "Error on
    # transport creation for incoming connection"; the client's side is what the test checks.
    class Case(TestCase):
        async def test_it(self):
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(PEM)
            server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0, ssl=context)
            self.addAsyncCleanup(server.wait_closed)
            self.addCleanup(server.close)
            port = server.sockets[0].getsockname()[1]
            with self.assertRaises(ssl.SSLCertVerificationError):
                await asyncio.open_connection("127.0.0.1", port, ssl=ssl.create_default_context())
            for _ in range(10):  # let the server see the client go
                await asyncio.sleep(0)

    assert_passes(run(Case))


def test_exception_raised_in_a_protocol_callback_nobody_calls_is_lost(run):
    class Case(TestCase):
        async def test_it(self):
            class Broken(asyncio.Protocol):
                def connection_made(self, transport):
                    transport.close()

                def connection_lost(self, exc):
                    raise KeyError("in connection_lost")

            ours, _ = socket_pair(self)
            await self.loop.create_connection(Broken, sock=ours)
            await asyncio.sleep(0)

    assert_reported(run(Case), "lost_exceptions", "Exception in callback", "KeyError: 'in connection_lost'")


# --- unclosed_resources ------------------------------------------------------------------

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def test_subprocess_left_running_is_reported_as_a_process(run):
    started = []

    class Case(TestCase):
        async def test_it(self):
            proc = await asyncio.create_subprocess_exec(*SLEEPER, stdout=asyncio.subprocess.PIPE)
            started.append(proc)

        def _tearDownAsyncioRunner(self):  # after the checks, while the loop can still close it
            started[0]._transport.close()  # kills the process
            super()._tearDownAsyncioRunner()

    text = assert_reported(run(Case), "unclosed_resources", f"process {started[0].pid} (", "still running")
    line = line_of("proc = await asyncio.create_subprocess_exec(*SLEEPER")
    assert f"started at {os.path.relpath(__file__)}:{line} in test_it" in text
    assert "active_selector_callbacks" not in text  # its pipe (and on 3.12+ its pidfd) are the process


def test_subprocess_terminated_and_awaited_passes(run):
    class Case(TestCase):
        async def test_it(self):
            proc = await asyncio.create_subprocess_exec(*SLEEPER)
            proc.terminate()
            await proc.wait()

    assert_passes(run(Case))


def test_socket_dropped_unclosed_is_reported_and_a_closed_one_passes(run):
    class Case(TestCase):
        close = False

        async def test_it(self):
            sock = socket.socket()
            if self.close:
                sock.close()

    class Closing(Case):
        close = True

    assert_reported(run(Case), "unclosed_resources", "unclosed <socket.socket", "(ResourceWarning)")
    assert_passes(run(Closing))


def test_unclosed_connection_that_registers_no_reader_is_reported_when_collected(run):
    # An idle keep-alive connection (httpx after a request) stops reading: no reader to see.
    class Case(TestCase):
        async def test_it(self):
            ours, _ = socket_pair(self)
            _, writer = await asyncio.open_connection(sock=ours.dup())
            writer.transport.pause_reading()

    assert_reported(run(Case), "unclosed_resources", "unclosed <", "_SelectorSocketTransport", "(ResourceWarning)")


def test_resource_warning_of_a_test_that_failed_otherwise_is_given_as_usual(run):
    class Case(TestCase):
        async def test_it(self):
            socket.socket()
            self.fail("the test's own failure")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outcome = run(Case)
    assert "runtime checks" not in outcome.failures[0]
    assert [str(w.message)[:24] for w in caught if w.category is ResourceWarning] == ["unclosed <socket.socket "]


# --- slow_callbacks ----------------------------------------------------------------------


class Blocking(TestCase):
    async def asyncSetUp(self):
        self.loop.slow_callback_duration = 0.02

    async def test_it(self):
        time.sleep(0.03)

    async def test_in_executor(self):
        await self.loop.run_in_executor(None, time.sleep, 0.03)


def test_blocking_call_is_not_checked_by_default(run):
    assert_passes(run(Blocking))


def test_blocking_call_is_reported_when_enabled(run):
    case = fail_on(slow_callbacks=True)(type("Case", (Blocking,), {}))
    assert_reported(run(case), "slow_callbacks", "Executing", "took", "test_it")


def test_blocking_work_in_an_executor_passes(run):
    case = fail_on(slow_callbacks=True)(type("Case", (Blocking,), {}))
    assert_passes(run(case, "test_in_executor"))


# --- unused_loop -------------------------------------------------------------------------


def test_sync_test_that_never_runs_the_loop(run):
    class Case(TestCase):
        def test_it(self):
            pass

    assert_passes(run(Case))  # off by default
    assert_reported(
        run(fail_on(unused_loop=True)(Case)),
        "unused_loop",
        "is not a coroutine function and did not run the event loop",
    )


def test_tests_that_run_the_loop_pass_unused_loop(run):
    @fail_on(unused_loop=True)
    class Case(TestCase):
        def test_sync(self):
            self.loop.run_until_complete(asyncio.sleep(0))

        async def test_it(self):
            pass

    assert_passes(run(Case, "test_sync"))
    assert_passes(run(Case, "test_it"))


# --- how checks fit into the test's life ---------------------------------------------------


def test_a_failed_test_is_reported_once(run):
    class Case(TestCase):
        async def test_it(self):
            asyncio.create_task(sleeper())
            self.fail("the test's own failure")

    outcome = run(Case)
    assert len(outcome.failures) == 1 and not outcome.errors
    assert "the test's own failure" in outcome.failures[0]
    assert "runtime checks" not in outcome.failures[0]


def test_a_failing_setup_or_skipped_or_expected_failure_is_not_checked(run):
    class Case(TestCase):
        async def asyncSetUp(self):
            asyncio.create_task(sleeper())
            if self._testMethodName == "test_setup_error":
                raise RuntimeError("setup broke")

        def test_setup_error(self):
            pass

        async def test_skipped(self):
            self.skipTest("not today")

        @unittest.expectedFailure
        async def test_expected(self):
            self.fail("expected")

    setup = run(Case, "test_setup_error")
    assert len(setup.errors) == 1 and "setup broke" in setup.errors[0] and not setup.failures
    assert run(Case, "test_skipped").skipped == 1
    expected = run(Case, "test_expected")
    assert expected.expected_failures == 1 and expected.text == ""


def test_several_problems_are_reported_together(run):
    class Case(TestCase):
        async def test_it(self):
            asyncio.create_task(sleeper())
            self.loop.call_later(30, remind)

    text = run(Case).failures[0]
    assert "pending_tasks: 1 found" in text and "active_handles: 1 found" in text
    assert "@fail_on(pending_tasks=False, active_handles=False)" in text


def test_debug_mode_raises_the_failure():
    class Case(TestCase):
        async def test_it(self):
            self.loop.call_later(30, remind)

    with pytest.raises(AssertionError, match="active_handles: 1 found"):
        Case("test_it").debug()


def test_global_hooks_are_restored_after_each_test(run):
    hook = internals.unawaited_coroutine_hook()
    depth = sys.get_coroutine_origin_tracking_depth()
    frozen = gc.get_freeze_count()

    class Case(TestCase):
        async def test_it(self):
            asyncio.create_task(sleeper())

    run(Case)
    assert internals.unawaited_coroutine_hook() is hook
    assert sys.get_coroutine_origin_tracking_depth() == depth
    assert gc.get_freeze_count() in (0, frozen)


# --- what a report shows --------------------------------------------------------------------


def test_a_report_shows_no_frame_of_the_runtime(run):
    class Case(TestCase):
        async def test_leak(self):
            asyncio.create_task(sleeper())

        async def test_fails(self):
            await self.assertAsyncRaises(ValueError, sleeper(0))

    for name in ("test_leak", "test_fails"):
        text = run(Case, name).failures[0]
        assert "Traceback" in text
        assert "flake8_asynctest/runtime" not in text, text


def test_asyncio_does_not_name_the_runtime_as_where_a_task_was_created(run):
    seen = []

    @fail_on(pending_tasks=False)
    class Case(TestCase):
        async def test_it(self):
            self.assertTrue(self.loop.get_debug())
            seen.append(repr(asyncio.create_task(sleeper())))

    assert_passes(run(Case))
    assert "created at" in seen[0] and "flake8_asynctest/runtime" not in seen[0]


def test_asyncio_still_names_the_user_s_line_as_where_a_timer_was_created(run):
    seen = []

    class Case(TestCase):
        async def test_it(self):
            handle = self.loop.call_later(10, remind)  # the line asyncio names
            seen.append(repr(handle))
            handle.cancel()

    assert_passes(run(Case))
    line = line_of("# the line asyncio names")
    assert seen[0].endswith(f"created at {__file__}:{line}>")


def test_what_the_loop_creates_for_a_server_is_traced_to_the_user_s_code(run):
    async def handle(reader, writer):
        try:
            await asyncio.Event().wait()  # outlives the test: a leaked connection handler
        finally:
            writer.close()

    class Case(TestCase):
        async def test_it(self):
            server = await asyncio.start_server(handle, "127.0.0.1", 0)  # the site named
            self.addCleanup(server.close)
            _, writer = await asyncio.open_connection(*server.sockets[0].getsockname())
            self.addCleanup(writer.transport.abort)
            await asyncio.sleep(0.01)  # the server accepts the connection

    text = assert_reported(run(Case), "pending_tasks", "running test_what_the_loop_creates")
    line = line_of("# the site named")
    assert f"created at {os.path.relpath(__file__)}:{line} in test_it, by the event loop" in text
    assert "unittest" not in text.split("pending_tasks")[1]


# --- other loops and factories -------------------------------------------------------------


def test_monitor_keeps_an_existing_task_factory_and_task_names():
    from flake8_asynctest.runtime.checks import LoopMonitor
    from flake8_asynctest.runtime.decorators import DEFAULT_CHECKS

    made = []

    def factory(loop, coro, **kwargs):
        made.append(coro)
        return asyncio.Task(coro, loop=loop, **kwargs)

    loop = asyncio.new_event_loop()
    try:
        loop.set_task_factory(factory)
        monitor = LoopMonitor(loop, DEFAULT_CHECKS)
        monitor.start()
        try:
            task = loop.create_task(boom(), name="named")
            loop.run_until_complete(asyncio.sleep(0))
            report = monitor.finish()
        finally:
            monitor.stop()
        assert loop.get_task_factory() is factory
        assert made[0] is task.get_coro()
        assert "lost_exceptions: 1 found" in report and "'named'" in report
    finally:
        loop.close()


@pytest.mark.skipif(sys.version_info < (3, 12), reason="eager tasks are new in 3.12")
def test_eager_task_factory_is_chained(run):
    class Case(TestCase):
        async def asyncSetUp(self):
            self.loop.set_task_factory(asyncio.eager_task_factory)

        async def test_it(self):
            asyncio.create_task(sleeper(), name="eager-leak")

    assert_reported(run(Case), "pending_tasks", "'eager-leak'")


@pytest.mark.skipif(sys.version_info < (3, 12), reason="eager tasks are new in 3.12")
def test_lost_exception_of_an_eager_task_from_the_test_s_own_factory(run):
    class Case(TestCase):
        async def asyncSetUp(self):
            self.loop.set_task_factory(asyncio.eager_task_factory)

        async def test_it(self):
            self.task = asyncio.create_task(boom())  # fails eagerly, before the first await

    assert_reported(run(Case), "lost_exceptions", "ValueError: boom")


@pytest.mark.skipif(sys.version_info < (3, 13), reason="loop_factory is new in 3.13")
def test_uvloop_gets_the_checks_that_apply_to_it(run):
    uvloop = pytest.importorskip("uvloop")

    class Case(TestCase):
        loop_factory = uvloop.Loop

        async def test_it(self):
            assert type(self.loop) is uvloop.Loop
            asyncio.create_task(sleeper(), name="uv-leak")
            self.loop.call_later(30, remind)  # timers are uvloop's own: not checked

    text = assert_reported(run(Case), "pending_tasks", "'uv-leak'")
    assert "active_handles" not in text


def test_a_leaky_case_fails_under_pytest_too(pytester):
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        test_case="""
        import asyncio
        from flake8_asynctest.runtime import TestCase

        class TestLeaky(TestCase):
            async def test_leak(self):
                asyncio.create_task(asyncio.sleep(60))

            async def test_tidy(self):
                pass
    """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:hypothesispytest")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*pending_tasks: 1 found*",
            "*task 'Task-*' running sleep()*created at test_case.py:6 in test_leak*",
        ]
    )
