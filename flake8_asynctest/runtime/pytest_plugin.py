"""pytest plugin: the runtime checks and a virtual clock for pytest-asyncio 1.x and anyio tests.

Load it with ``-p flake8_asynctest.runtime.pytest_plugin`` (or the ``pytest11`` entry
point). The checks are opt-in: mark a test, class or module with
``@pytest.mark.asynctest_checks`` (keyword arguments turn single checks on or off,
``enabled=False`` turns them all off), or set ``asynctest_checks = true`` in the ini
file for every async test.

A test that did not opt in sees no change: at collection the checking fixture is added
to the tests that opted in only, before their other function-scoped fixtures (so it is
torn down after them: a task cancelled there is not a leak) and after the wider-scoped
ones (their tasks and timers are not the test's). A failure is reported as an error at
teardown, and not at all when the test itself already failed or was skipped.

A test in a loop of its own (pytest-asyncio's function scope, the default) gets no fixture
at all: pytest's cost of one more fixture is a third of what the checks may cost a small
test. The checks start as its loop's runner fixture is set up (only async fixtures, which
depend on it, come after) and end in a finaliser of that fixture, which runs after those
fixtures' teardown and before the loop is closed. Tests in a loop that outlives them get
a checking fixture per loop scope, with that scope's runner as a parameter.

Only async tests are checked: those pytest-asyncio runs, and anyio's on its asyncio
backend (the checks read asyncio's loop; trio has none).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
from collections.abc import Iterator
from typing import Any, NamedTuple

import pytest

from .checks import OWNER, LoopMonitor
from .clock import VirtualClock
from .decorators import DEFAULT_CHECKS, validate_checks

MARKER = "asynctest_checks"
CLOCK_MARKER = "virtual_clock"
FIXTURE = "_asynctest_runtime_checks"  # + "_<scope>" for a shared loop, "_anyio" for anyio's
_LOOP_SCOPES = ("function", "class", "module", "package", "session")  # pytest-asyncio 1.x's runners


class _Plan(NamedTuple):
    """What to check for one test, worked out at collection."""

    checks: dict[str, bool]
    kind: str  # "asyncio" (pytest-asyncio) or "anyio"
    loop_scope: str  # pytest-asyncio's loop scope ("" for anyio)


_PLAN = pytest.StashKey[_Plan]()
_WATCHER = pytest.StashKey["_Watcher"]()
_TRIO_WARNED = pytest.StashKey[bool]()
_DEFINITIONS = pytest.StashKey[dict]()  # our fixtures' definitions in this session, by name


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(MARKER, type="bool", default=False, help="run flake8_asynctest's runtime checks on every async test")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(enabled=True, **checks): run flake8_asynctest's runtime checks after this "
        f"async test; keyword arguments turn checks on or off ({', '.join(DEFAULT_CHECKS)})",
    )
    config.addinivalue_line(
        "markers", f"{CLOCK_MARKER}(autojump=True): options of the virtual_clock fixture for this test"
    )


@pytest.hookimpl(trylast=True)  # after pytest-asyncio and anyio have made their items
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    everywhere = config.getini(MARKER)
    for item in items:
        if not isinstance(item, pytest.Function) or not (everywhere or item.get_closest_marker(MARKER)):
            continue
        checks = _checks_for(item)
        kind = _kind(item)
        if checks is None or kind is None:
            continue
        scope = _loop_scope(item) if kind == "asyncio" else ""
        if kind == "asyncio" and not _has_runner(scope):
            raise pytest.UsageError(
                f"{item.nodeid}: flake8_asynctest's pytest plugin supports pytest-asyncio 1.x, which runs "
                f"a test in the loop of its _<scope>_scoped_runner fixture; it has none for {scope!r}"
            )
        item.stash[_PLAN] = _Plan(checks, kind, scope)
        if kind == "anyio" or scope != "function":  # a function-scoped loop is watched from its runner
            _use_first_among_function_fixtures(item, _fixture_name(kind, scope))
        if _WATCHER not in config.stash:
            config.stash[_WATCHER] = _Watcher()
            config.pluginmanager.register(config.stash[_WATCHER], "flake8_asynctest-outcomes")


class _Watcher:
    """Notes the test being set up (the checking fixture asks for no ``request``), starts the
    checks of a test in a loop of its own, and notes which checked tests did not pass.
    Registered only when some test opted in."""

    item: pytest.Item | None = None

    def __init__(self) -> None:
        self.not_passed: set[str] = set()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        _Watcher.item = item

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef: Any, request: pytest.FixtureRequest) -> Iterator[None]:
        outcome = yield
        if fixturedef.argname != _runner_name("function") or outcome.excinfo is not None:
            return
        item = request.node
        plan = item.stash.get(_PLAN, None)
        if plan is not None and plan.kind == "asyncio" and plan.loop_scope == "function":
            monitor = _start(item, plan, outcome.get_result().get_loop(), shared=False)
            # the runner's finalisers run last first: its dependents' teardown, this, then its own
            fixturedef.addfinalizer(functools.partial(_end, item, monitor))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.outcome != "passed":  # failed, skipped, xfailed: the test's own report is the one
            self.not_passed.add(report.nodeid)


def _has_runner(scope: str) -> bool:
    """pytest-asyncio (1.x) has a runner fixture for loops of ``scope``."""
    import pytest_asyncio.plugin

    return scope in _LOOP_SCOPES and hasattr(pytest_asyncio.plugin, _runner_name(scope))


def _runner_name(scope: str) -> str:
    """pytest-asyncio 1.x's fixture holding the asyncio.Runner of the loops of ``scope``."""
    return f"_{scope}_scoped_runner"


def _fixture_name(kind: str, scope: str) -> str:
    return f"{FIXTURE}_anyio" if kind == "anyio" else f"{FIXTURE}_{scope}"


def _asyncio_checks_fixture(scope: str) -> Any:
    """The checking fixture for tests pytest-asyncio runs in a shared loop of ``scope``."""
    runner_name = _runner_name(scope)

    def checks(**runner: Any) -> Iterator[None]:
        item = _Watcher.item
        assert item is not None
        yield from _check(item, item.stash[_PLAN], runner[runner_name].get_loop(), shared=True)

    # the runner as a parameter: pytest sets it up first and tears it down after the checks
    checks.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(runner_name, inspect.Parameter.KEYWORD_ONLY)]
    )
    checks.__doc__ = "Added by the plugin to the tests that opted in: checks the loop after the test."
    return pytest.fixture(name=_fixture_name("asyncio", scope))(checks)


for _scope in _LOOP_SCOPES[1:]:  # a function-scoped loop is watched from its runner (_Watcher)
    globals()[_fixture_name("asyncio", _scope)] = _asyncio_checks_fixture(_scope)


@pytest.fixture(name=_fixture_name("anyio", ""))
def _anyio_checks(request: pytest.FixtureRequest) -> Iterator[None]:
    """Added by the plugin to the anyio tests that opted in: checks the loop after the test."""
    with _anyio_runner(request) as runner:
        if runner is None:  # trio
            yield
        else:
            yield from _check(request.node, request.node.stash[_PLAN], runner.get_loop(), shared=True, runner=runner)


def _check(
    item: pytest.Item, plan: _Plan, loop: asyncio.AbstractEventLoop, shared: bool, runner: Any = None
) -> Iterator[None]:
    """Watch ``loop`` over the rest of the test's setup, its call and its teardown."""
    monitor = _start(item, plan, loop, shared, runner)
    yield
    _end(item, monitor, runner)


def _start(
    item: pytest.Item, plan: _Plan, loop: asyncio.AbstractEventLoop, shared: bool, runner: Any = None
) -> LoopMonitor:
    monitor = LoopMonitor(loop, plan.checks, silence_hint=f"mark the test @pytest.mark.{MARKER}({{}})", shared=shared)
    if runner is not None:  # anyio runs tests in one long-lived task: mark its context as the test's
        runner.run_fixture(_claim, {"owner": monitor})
    monitor.start()
    return monitor


def _end(item: pytest.Item, monitor: LoopMonitor, runner: Any = None) -> None:
    """The checks' verdict, unless the test did not pass (its own report is the one): an error
    at teardown."""
    not_passed = item.config.stash[_WATCHER].not_passed
    nodeid = item.nodeid
    try:
        report = "" if nodeid in not_passed else monitor.finish()
    finally:
        not_passed.discard(nodeid)
        if runner is not None:
            runner.run_fixture(_claim, {"owner": None})
        monitor.stop()
    if report:
        pytest.fail(report, pytrace=False)


async def _claim(owner: LoopMonitor | None) -> None:
    OWNER.set(owner)


@pytest.fixture
def virtual_clock(request: pytest.FixtureRequest) -> Iterator[VirtualClock]:
    """Virtual time on the test's loop: sleeps and timeouts complete at once, in order.

    ``await virtual_clock.advance(seconds)`` steps time by hand; ``virtual_clock.time()``
    is ``loop.time()``. ``@pytest.mark.virtual_clock(autojump=False)`` (or setting
    ``virtual_clock.autojump``) leaves time to ``advance()`` and the real clock. Request
    it before fixtures whose timers should be virtual.
    """
    kind = _kind(request.node)
    if kind is None:
        pytest.fail("virtual_clock works only in async tests run by pytest-asyncio or anyio", pytrace=False)
    marker = request.node.get_closest_marker(CLOCK_MARKER)
    options = dict(marker.kwargs) if marker else {}
    autojump = options.pop("autojump", True)
    if options or marker and marker.args or not isinstance(autojump, bool):
        raise pytest.UsageError(f"{request.node.nodeid}: @pytest.mark.{CLOCK_MARKER} takes only autojump=True/False")
    with _anyio_runner(request) if kind == "anyio" else contextlib.nullcontext() as runner:
        if kind == "anyio" and runner is None:
            pytest.fail("virtual_clock needs asyncio: anyio's trio backend has a clock of its own", pytrace=False)
        loop = runner.get_loop() if runner is not None else _asyncio_loop(request, _loop_scope(request.node))
        clock = VirtualClock(loop, autojump=autojump)
        clock.install()
        try:
            yield clock
        finally:
            clock.uninstall()


def _checks_for(item: pytest.Item) -> dict[str, bool] | None:
    """The checks for a test (closest marker wins), or None when they are off for it."""
    checks, enabled = dict(DEFAULT_CHECKS), True
    for mark in reversed(list(item.iter_markers(MARKER))):  # farthest first
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


def _kind(item: pytest.Item) -> str | None:
    """Who runs the test: "asyncio" (pytest-asyncio), "anyio", or None (not an async test)."""
    try:
        from pytest_asyncio import is_async_test
    except ImportError:
        is_async_test = None
    if is_async_test is not None and is_async_test(item):
        return "asyncio"
    function = getattr(item, "function", None)
    if inspect.iscoroutinefunction(function) and (
        item.get_closest_marker("anyio") or "anyio_backend" in getattr(item, "fixturenames", ())
    ):
        return "anyio"
    return None


def _use_first_among_function_fixtures(item: pytest.Function, name: str) -> None:
    """Make ``item`` use fixture ``name``, set up after wider-scoped ones and before the rest."""
    names = item.fixturenames  # the closure, widest scope first: pytest sets fixtures up in this order
    if name in names:
        return
    definitions = item._fixtureinfo.name2fixturedefs
    position = next(
        (i for i, n in enumerate(names) if n not in definitions or definitions[n][-1].scope == "function"),
        len(names),
    )
    names.insert(position, name)
    # Known at collection, as pytest knows the fixtures a test names: otherwise each test would look
    # the name up among every fixture of the session as it is set up (defined here, it applies to all).
    if name not in definitions:
        known = item.config.stash.setdefault(_DEFINITIONS, {})
        found = known.get(name)
        if found is None:
            found = known[name] = item.session._fixturemanager.getfixturedefs(name, item)
        if found:
            definitions[name] = found


def _loop_scope(item: pytest.Item) -> str:
    """The scope of the loop pytest-asyncio runs the test in (its asyncio marker, or the ini default)."""
    marker = item.get_closest_marker("asyncio")
    scope = marker and (marker.kwargs.get("loop_scope") or marker.kwargs.get("scope"))
    try:
        return scope or item.config.getini("asyncio_default_test_loop_scope")
    except ValueError:
        return "function"  # pytest-asyncio before 1.0: _asyncio_loop() says it is unsupported


def _asyncio_loop(request: pytest.FixtureRequest, scope: str) -> asyncio.AbstractEventLoop:
    """The loop of the asyncio.Runner that pytest-asyncio 1.x keeps in ``_<scope>_scoped_runner``."""
    try:
        runner = request.getfixturevalue(_runner_name(scope))
    except pytest.FixtureLookupError as exc:
        raise RuntimeError(
            "flake8_asynctest's pytest plugin supports pytest-asyncio 1.x, which has the "
            f"asyncio_default_test_loop_scope option and _<scope>_scoped_runner fixtures: {exc}"
        ) from None
    return runner.get_loop()


@contextlib.contextmanager
def _anyio_runner(request: pytest.FixtureRequest) -> Iterator[Any]:
    """anyio's test runner, held open (a lease) until the checks are done; None on trio.

    Everything anyio runs shares one task, and wider-scoped async fixtures keep the runner
    (and its loop) across tests: what counts is what ran in the test's context.
    """
    from anyio.pytest_plugin import extract_backend_and_options, get_runner

    name, options = extract_backend_and_options(request.getfixturevalue("anyio_backend"))
    if name != "asyncio":
        config = request.config
        if not config.stash.get(_TRIO_WARNED, False):
            config.stash[_TRIO_WARNED] = True
            request.node.warn(
                pytest.PytestWarning(
                    f"flake8_asynctest's runtime checks apply to asyncio only: anyio tests on the {name} "
                    f"backend are not checked"
                )
            )
        yield None
        return
    with get_runner(name, options) as runner:
        yield runner
