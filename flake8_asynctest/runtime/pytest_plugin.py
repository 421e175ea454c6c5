"""pytest plugin: the runtime checks and a virtual clock for pytest-asyncio 1.x tests.

Load it with ``-p flake8_asynctest.runtime.pytest_plugin`` (or the ``pytest11`` entry
point). The checks are opt-in: mark a test, class or module with
``@pytest.mark.asynctest_checks`` (keyword arguments turn single checks on or off,
``enabled=False`` turns them all off), or set ``asynctest_checks = true`` in the ini
file for every async test.

The checks run in the teardown of an autouse fixture that is set up before the test's
other function-scoped fixtures: so after their teardown (a task cancelled there is not a
leak) and before pytest-asyncio closes the loop. A failure is reported as an error at
teardown, and not at all when the test itself already failed or was skipped.
Only async tests run by pytest-asyncio are checked (so ``unused_loop`` never fails here).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from .checks import LoopMonitor
from .clock import VirtualClock
from .decorators import DEFAULT_CHECKS, validate_checks

MARKER = "asynctest_checks"
_NOT_PASSED = pytest.StashKey[bool]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        MARKER, type="bool", default=False, help="run flake8_asynctest's runtime checks on every pytest-asyncio test"
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(enabled=True, **checks): run flake8_asynctest's runtime checks after this "
        f"async test; keyword arguments turn checks on or off ({', '.join(DEFAULT_CHECKS)})",
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome: Any = yield
    if outcome.get_result().outcome != "passed":  # failed, skipped or xfailed: no report
        item.stash[_NOT_PASSED] = True


@pytest.fixture(autouse=True)
def _asynctest_runtime_checks(request: pytest.FixtureRequest) -> Iterator[None]:
    item = request.node
    checks = _checks_for(item)
    if checks is None or not _is_async_test(item):
        yield
        return
    monitor = LoopMonitor(_test_loop(request), checks, silence_hint=f"mark the test @pytest.mark.{MARKER}({{}})")
    monitor.start()
    try:
        yield
        report = "" if item.stash.get(_NOT_PASSED, False) else monitor.finish()
    finally:
        monitor.stop()
    if report:
        pytest.fail(report, pytrace=False)


@pytest.fixture
def virtual_clock(request: pytest.FixtureRequest) -> Iterator[VirtualClock]:
    """Virtual time on the test's loop: sleeps and timeouts complete at once, in order.

    ``await virtual_clock.advance(seconds)`` steps time by hand; ``virtual_clock.time()``
    is ``loop.time()``. Request it before fixtures whose timers should be virtual.
    """
    if not _is_async_test(request.node):
        pytest.fail("virtual_clock works only in async tests run by pytest-asyncio", pytrace=False)
    loop = _test_loop(request)
    clock = VirtualClock(loop, start=loop.time())
    clock.install()
    try:
        yield clock
    finally:
        clock.uninstall()


def _checks_for(item: pytest.Item) -> dict[str, bool] | None:
    """The checks for a test (closest marker wins), or None when they are off for it."""
    markers = list(item.iter_markers(MARKER))  # closest first
    if not markers and not item.config.getini(MARKER):
        return None
    checks, enabled = dict(DEFAULT_CHECKS), True
    for mark in reversed(markers):
        if mark.args:
            raise pytest.UsageError(
                f"{item.nodeid}: @pytest.mark.{MARKER} takes only keyword arguments, e.g. {MARKER}(pending_tasks=False)"
            )
        kwargs = dict(mark.kwargs)
        enabled = kwargs.pop("enabled", True)
        if not isinstance(enabled, bool):
            raise pytest.UsageError(
                f"{item.nodeid}: @pytest.mark.{MARKER}(enabled=...) must be True or False, not {enabled!r}"
            )
        checks.update(validate_checks(kwargs, where=f"{item.nodeid}: @pytest.mark.{MARKER}"))
    return checks if enabled else None


def _is_async_test(item: pytest.Item) -> bool:
    try:
        from pytest_asyncio import is_async_test
    except ImportError:  # without pytest-asyncio no async test runs at all
        return False
    return is_async_test(item)


def _test_loop(request: pytest.FixtureRequest) -> asyncio.AbstractEventLoop:
    """The loop pytest-asyncio runs this test in.

    pytest-asyncio 1.x exposes it only through the asyncio.Runner in its private fixture
    ``_<scope>_scoped_runner``, the scope being the test's loop scope.
    """
    item = request.node
    marker = item.get_closest_marker("asyncio")
    scope = marker and (marker.kwargs.get("loop_scope") or marker.kwargs.get("scope"))
    try:
        scope = scope or item.config.getini("asyncio_default_test_loop_scope")
        runner = request.getfixturevalue(f"_{scope}_scoped_runner")
    except (ValueError, pytest.FixtureLookupError) as exc:
        raise RuntimeError(
            "flake8_asynctest's pytest plugin supports pytest-asyncio 1.x, which has the "
            f"asyncio_default_test_loop_scope option and _<scope>_scoped_runner fixtures: {exc}"
        ) from None
    return runner.get_loop()
