"""The pytest plugin: opt-in checks for pytest-asyncio tests and fixtures, virtual_clock."""

from __future__ import annotations

import textwrap

import pytest

PLUGIN = ("-p", "flake8_asynctest.runtime.pytest_plugin")


@pytest.fixture
def suite(pytester):
    """Write a test module (and ini lines), run it with the plugin, return the result."""

    def run(source: str, *ini_lines: str, args: tuple[str, ...] = ()):
        mode = [] if any(line.startswith("asyncio_mode") for line in ini_lines) else ["asyncio_mode = auto"]
        pytester.makeini("\n".join(["[pytest]", *mode, "asyncio_default_fixture_loop_scope = function", *ini_lines]))
        pytester.makepyfile(test_suite=textwrap.dedent(source))
        # hypothesis' plugin, when installed, costs ~0.5 s per inner run and is not needed.
        return pytester.runpytest(*PLUGIN, "-p", "no:cacheprovider", "-p", "no:hypothesispytest", *args)

    return run


LEAKY = """
    import asyncio
    import pytest

    async def sleeper():
        await asyncio.sleep(60)

    {marker}
    async def test_leak():
        asyncio.create_task(sleeper())
"""


def test_marked_test_that_leaks_a_task_errors_at_teardown(suite):
    result = suite(LEAKY.format(marker="@pytest.mark.asynctest_checks"))
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_leak*",
            "*pending_tasks: 1 found*",
            "*running sleeper()*created at test_suite.py:9 in test_leak*",
            "*@pytest.mark.asynctest_checks(pending_tasks=False)*",
        ]
    )


def test_checks_are_opt_in(suite):
    suite(LEAKY.format(marker="")).assert_outcomes(passed=1)


def test_a_test_that_did_not_opt_in_gets_no_fixture_and_no_hook(suite):
    source = """
        import pytest

        async def test_plain(request):
            assert not [name for name in request.fixturenames if name.startswith("_asynctest")]
            opted_in = any(item.name == "test_opted_in" for item in request.session.items)
            assert request.config.pluginmanager.has_plugin("flake8_asynctest-outcomes") is opted_in

        @pytest.mark.asynctest_checks
        async def test_opted_in(request):  # a loop of its own: watched from its runner, no fixture
            assert not [name for name in request.fixturenames if name.startswith("_asynctest")]

        @pytest.mark.asyncio(loop_scope="module")
        @pytest.mark.asynctest_checks
        async def test_opted_in_shared_loop(request):
            assert "_asynctest_runtime_checks_module" in request.fixturenames
    """
    result = suite(source, args=("--setup-show", "-k", "plain"))
    result.assert_outcomes(passed=1, deselected=2)
    result.stdout.no_fnmatch_line("*_asynctest_runtime_checks*")
    result = suite(source, args=("--setup-show",))
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*SETUP    F _asynctest_runtime_checks_module*", "*test_opted_in_shared_loop*"])


def test_the_checks_are_set_up_after_wider_fixtures_and_before_the_test_s_own(suite):
    source = """
        import pytest

        order = []

        @pytest.fixture(scope="module")
        def wide():
            order.append("module")

        @pytest.fixture
        def own():
            order.append("function")

        @pytest.mark.asyncio(loop_scope="module")
        @pytest.mark.asynctest_checks
        async def test_order(request, own, wide):
            names = request.fixturenames
            assert names.index("wide") < names.index("_asynctest_runtime_checks_module") < names.index("own")
            assert order == ["module", "function"]
    """
    suite(source).assert_outcomes(passed=1)


LEAKY_FIXTURES = """
    import asyncio
    import pytest
    import pytest_asyncio

    async def sleeper():
        await asyncio.sleep(60)

    @pytest_asyncio.fixture
    async def tidy():
        task = asyncio.create_task(sleeper())
        yield
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    @pytest_asyncio.fixture
    async def leaky():
        asyncio.create_task(sleeper())
        yield

    @pytest.fixture
    def sync_first():
        yield

    @pytest.mark.asynctest_checks
    async def test_tidy(sync_first, tidy):
        pass

    @pytest.mark.asynctest_checks
    async def test_leaky(sync_first, leaky):
        pass
"""


def test_in_a_loop_of_its_own_the_checks_cover_async_fixtures_and_end_before_the_loop_closes(suite):
    """Watched from the runner: async fixtures (which need the loop) are inside the checks,
    a task their teardown cancels is not left behind, one they leave is."""
    result = suite(LEAKY_FIXTURES)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        ["*ERROR at teardown of test_leaky*", "*pending_tasks: 1 found*", "*running sleeper()*created at*in leaky*"]
    )


def test_ini_option_enables_checks_and_the_marker_can_disable_them(suite):
    suite(LEAKY.format(marker=""), "asynctest_checks = true").assert_outcomes(passed=1, errors=1)
    disabled = "@pytest.mark.asynctest_checks(enabled=False)"
    suite(LEAKY.format(marker=disabled), "asynctest_checks = true").assert_outcomes(passed=1)


def test_marker_keywords_turn_single_checks_off(suite):
    source = """
        import asyncio
        import pytest

        pytestmark = pytest.mark.asynctest_checks

        @pytest.mark.asynctest_checks(pending_tasks=False)
        async def test_task_allowed():
            asyncio.create_task(asyncio.sleep(60))

        @pytest.mark.asynctest_checks(pending_tasks=False)
        async def test_timer_still_checked():
            asyncio.get_running_loop().call_later(60, print)
    """
    result = suite(source)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_timer_still_checked*", "*active_handles: 1 found*"])


def test_async_fixture_that_cleans_up_passes_and_one_that_leaks_is_reported(suite):
    source = """
        import asyncio
        import pytest
        import pytest_asyncio

        pytestmark = pytest.mark.asynctest_checks

        @pytest_asyncio.fixture
        async def tidy_worker():
            task = asyncio.create_task(asyncio.sleep(60))
            yield task
            task.cancel()  # not even awaited: the checks let the loop settle first

        @pytest_asyncio.fixture
        async def leaky_worker():
            yield asyncio.create_task(asyncio.sleep(60))

        async def test_tidy(tidy_worker):
            await asyncio.sleep(0)

        async def test_leaky(leaky_worker):
            await asyncio.sleep(0)
    """
    result = suite(source)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_leaky*", "*created at test_suite.py:15 in leaky_worker*"])


def test_a_failing_test_is_not_reported_twice(suite):
    source = """
        import asyncio
        import pytest

        @pytest.mark.asynctest_checks
        async def test_fails():
            asyncio.create_task(asyncio.sleep(60))
            assert 1 == 2
    """
    result = suite(source)
    result.assert_outcomes(failed=1)
    result.stdout.no_fnmatch_line("*runtime checks failed*")


def test_tasks_of_a_wider_loop_scope_are_not_the_test_s_leak(suite):
    source = """
        import asyncio
        import pytest
        import pytest_asyncio

        @pytest_asyncio.fixture(scope="module", loop_scope="module")
        async def server():
            task = asyncio.create_task(asyncio.sleep(600))
            yield task
            task.cancel()

        @pytest.mark.asynctest_checks
        @pytest.mark.asyncio(loop_scope="module")
        async def test_uses_server(server):
            await asyncio.sleep(0)

        @pytest.mark.asynctest_checks
        @pytest.mark.asyncio(loop_scope="module")
        async def test_leaks_on_module_loop(server):
            asyncio.get_running_loop().call_later(60, print)
    """
    result = suite(source)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_leaks_on_module_loop*", "*active_handles: 1 found*"])


SHARED_LOOP = """
    import asyncio
    import pytest
    import pytest_asyncio

    pytestmark = [pytest.mark.asynctest_checks, pytest.mark.asyncio(loop_scope="module")]

    async def heartbeat(beats):
        while True:
            await asyncio.sleep(0.001)  # a new timer at every beat
            beats.append(1)

    def tick(loop, ticks):
        ticks.append(1)
        ticks.handle = loop.call_later(0.001, tick, loop, ticks)  # a callback-driven periodic timer

    class Ticks(list):
        handle = None

    @pytest_asyncio.fixture(scope="module", loop_scope="module")
    async def background():
        beats, ticks = [], Ticks()
        task = asyncio.create_task(heartbeat(beats))
        tick(asyncio.get_running_loop(), ticks)
        yield beats, ticks
        ticks.handle.cancel()
        task.cancel()

    async def test_first(background):
        await asyncio.sleep(0.01)

    async def test_beats_go_on_during_this_test(background):
        beats, ticks = background
        seen = len(beats), len(ticks)
        while (len(beats), len(ticks)) <= seen:
            await asyncio.sleep(0.001)

    async def test_leaks_a_timer(background):
        asyncio.get_running_loop().call_later(60, print)

    async def test_leaks_a_task(background):
        asyncio.create_task(heartbeat([]), name="the-leak")
        await asyncio.sleep(0)

    async def test_last(background):
        pass
"""


def test_what_a_module_scoped_fixture_goes_on_doing_is_not_a_test_s_leak(suite):
    result = suite(SHARED_LOOP)
    result.assert_outcomes(passed=5, errors=2)
    result.stdout.fnmatch_lines_random(
        [
            "*ERROR at teardown of test_leaks_a_timer*",
            "*ERROR at teardown of test_leaks_a_task*",
            "*task 'the-leak' running heartbeat()*",
        ]
    )
    result.stdout.no_fnmatch_line("*ERROR at teardown of test_beats_go_on*")
    result.stdout.no_fnmatch_line("*ERROR at teardown of test_last*")


def test_lost_exception_and_unawaited_coroutine_are_reported(suite):
    source = """
        import asyncio
        import pytest

        pytestmark = pytest.mark.asynctest_checks

        async def boom():
            raise ValueError("boom")

        async def test_lost():
            asyncio.create_task(boom())
            await asyncio.sleep(0)

        @pytest.mark.filterwarnings("ignore::RuntimeWarning")
        async def test_unawaited():
            boom()
    """
    result = suite(source)
    result.assert_outcomes(passed=2, errors=2)
    result.stdout.fnmatch_lines_random(
        [
            "*lost_exceptions: 1 found*",
            "*ValueError: boom raised at test_suite.py:7 in boom*",
            "*unawaited_coroutines: 1 found*",
            "*coroutine boom() was never awaited, created at test_suite.py:15 in test_unawaited*",
        ]
    )


def test_bad_marker_arguments_are_a_usage_error(suite):
    result = suite(LEAKY.format(marker="@pytest.mark.asynctest_checks(pending_task=False)"))
    result.stdout.fnmatch_lines(["*unknown check 'pending_task'*"])
    assert result.ret != 0


def test_virtual_clock_fixture(suite):
    source = """
        import asyncio
        import time

        async def test_sleep_an_hour(virtual_clock):
            loop = asyncio.get_running_loop()
            start, wall = loop.time(), time.monotonic()
            await asyncio.sleep(3600)
            assert loop.time() - start == pytest_approx(3600)
            assert virtual_clock.time() == loop.time()
            with __import__("pytest").raises(TimeoutError):
                async with asyncio.timeout(30):
                    await asyncio.Event().wait()
            assert time.monotonic() - wall < 1

        async def test_advance(virtual_clock):
            loop = asyncio.get_running_loop()
            seen = []
            loop.call_later(1, lambda: seen.append(loop.time() - start))
            start = loop.time()
            await virtual_clock.advance(2)
            assert seen == [pytest_approx(1)]

        async def test_executor_job(virtual_clock):
            loop = asyncio.get_running_loop()
            await asyncio.wait_for(loop.run_in_executor(None, time.sleep, 0.05), timeout=1)

        def pytest_approx(value):
            return __import__("pytest").approx(value, abs=1e-6)

        def test_sync_test_cannot_use_it(virtual_clock):
            pass
    """
    result = suite(source)
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*virtual_clock works only in async tests*"])


def test_virtual_clock_on_a_shared_loop_never_moves_time_back(suite):
    source = """
        import asyncio
        import pytest
        import pytest_asyncio

        pytestmark = pytest.mark.asyncio(loop_scope="module")
        left = {}

        @pytest_asyncio.fixture(scope="module", loop_scope="module")
        async def ticker():
            stop = asyncio.Event()

            async def tick():
                while not stop.is_set():
                    await asyncio.sleep(0.5)

            task = asyncio.create_task(tick())
            yield
            stop.set()
            await asyncio.wait_for(task, 5)  # next tick: 0.5 s away, not 3600.5

        async def test_sleeps_an_hour_of_virtual_time(ticker, virtual_clock):
            loop = asyncio.get_running_loop()
            await asyncio.sleep(3600)
            left["time"] = loop.time()
            left["fired"] = asyncio.Event()
            loop.call_later(0.01, left["fired"].set)  # scheduled in virtual time

        async def test_next_test_on_the_loop(ticker):
            assert asyncio.get_running_loop().time() >= left["time"]
            await asyncio.wait_for(left["fired"].wait(), 5)  # not stranded an hour away
    """
    suite(source).assert_outcomes(passed=2)


def test_virtual_clock_autojump_can_be_switched_off(suite):
    source = """
        import asyncio
        import time
        import pytest

        @pytest.mark.virtual_clock(autojump=False)
        async def test_manual(virtual_clock):
            assert virtual_clock.autojump is False
            loop = asyncio.get_running_loop()
            wall = time.monotonic()
            await asyncio.sleep(0.02)  # waits for real: only advance() jumps
            assert time.monotonic() - wall >= 0.015
            start = loop.time()
            await virtual_clock.advance(600)
            assert loop.time() - start == pytest.approx(600, abs=0.01)

        @pytest.mark.virtual_clock(autojump="no")
        async def test_bad_option(virtual_clock):
            pass
    """
    result = suite(source)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*virtual_clock takes only autojump=True/False*"])


ANYIO = """
    import asyncio
    import pytest

    pytestmark = [pytest.mark.anyio, pytest.mark.asynctest_checks]

    @pytest.fixture(scope="module")
    def anyio_backend():
        return "asyncio"

    @pytest.fixture(scope="module")
    async def heartbeat():  # keeps anyio's loop alive across the module's tests
        async def beat():
            while True:
                await asyncio.sleep(0.001)

        task = asyncio.create_task(beat())
        yield
        task.cancel()

    @pytest.fixture
    async def worker():
        task = asyncio.create_task(asyncio.sleep(60))
        yield
        task.cancel()

    async def test_tidy(heartbeat, worker):
        await asyncio.sleep(0.01)

    async def test_leak(heartbeat):
        asyncio.get_running_loop().call_later(60, print)

    async def test_leaks_a_task(heartbeat):
        asyncio.create_task(asyncio.sleep(60), name="the-leak")

    async def test_alone():
        await asyncio.sleep(0)

    async def test_virtual_clock(virtual_clock):  # on the loop the heartbeat shares: every beat runs
        loop = asyncio.get_running_loop()
        start = loop.time()
        await asyncio.sleep(1)
        assert loop.time() - start >= 1 and virtual_clock.time() == loop.time()
"""


def test_anyio_tests_on_asyncio_are_checked(suite):
    pytest.importorskip("anyio")
    result = suite(ANYIO, "asyncio_mode = strict")
    result.assert_outcomes(passed=5, errors=2)
    result.stdout.fnmatch_lines_random(
        ["*ERROR at teardown of test_leak*", "*active_handles: 1 found*", "*task 'the-leak'*"]
    )


def test_anyio_tests_on_trio_are_said_not_to_be_checked(suite):
    pytest.importorskip("anyio")
    pytest.importorskip("trio")
    source = """
        import pytest
        import trio

        pytestmark = [pytest.mark.anyio, pytest.mark.asynctest_checks]

        @pytest.fixture
        def anyio_backend():
            return "trio"

        async def test_one():
            await trio.sleep(0)

        async def test_two():
            await trio.sleep(0)
    """
    result = suite(source, "asyncio_mode = strict")
    result.assert_outcomes(passed=2, warnings=1)
    result.stdout.fnmatch_lines(["*runtime checks apply to asyncio only: anyio tests on the trio backend*"])
