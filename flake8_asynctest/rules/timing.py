"""ATC401-ATC404: time used instead of synchronisation."""

from __future__ import annotations

import ast
from functools import partial
from typing import Any

from ..analysis import known, pytest_config
from ..analysis.model import FunctionInfo, Scope, parent
from ..analysis.usage import describe
from ..analysis.values import Obj
from ..context import Context
from ..fix import Edit, Fix
from ..rule import Rule
from .family import Family
from .negative_checks import only_shows_nothing_happened
from .polling import polls_state, steps_known_tasks
from .sleep_purpose import expects_cancellation, starves_nothing, time_is_the_subject, waits_for_nothing
from .task_state import sleep_calls
from .wait_bounds import time_limited
from .wait_satisfied import cannot_hang

ATC401 = Rule(
    code="ATC401",
    name="sleep-as-synchronisation",
    summary="Long constant sleep in a test, used to wait for something",
    message="{call}({delay}) waits a fixed time for something to happen: slow when it is early, flaky when it "
    "is late; wait on an Event, a Queue or asyncio.wait_for(...) instead",
    what="""
        Finds `await asyncio.sleep(N)` (also anyio/trio `sleep`, and
        `loop.run_until_complete(asyncio.sleep(N))`) in a test, fixture or setup/teardown hook,
        with a constant N of at least `--asynctest-max-sleep` seconds (default 0.1). Not reported:
        a variable or computed delay; sleeps in nested helpers (a server handler simulating
        latency); a sleep that a timeout, a deadline scope (`fail_at`/`move_on_at`, even without a
        deadline), an expected error or a cancellation interrupts (a scope the test cancelled
        before, or that a task it started cancels; after `current_task().cancel()`); a sleep
        where time is the subject: it outlasts a window the test set before it (an expiry or TTL:
        `ex=`, `ttl=`, `expires_in=`, `*_lifetime=`, `*_window=`, `pool_recycle=`, an
        `expire(...)` call, a `Max-Age`, a deadline computed from the clock; a `timeout=` or a
        server `*_timeout` set in SQL (`SET wait_timeout=1`, also through a helper's parameter) no
        longer than the sleep; a `call_later` timer; an attribute with `timeout` in its name,
        `comm_params.timeout_connect = 0.1`, which stays in force), a period no longer than the
        sleep (`heartbeat=`, `*_interval=`, `*_period`, `*_delay`, `*_backoff=`) in a test named
        for it or for what sets it (`test_heartbeat_*`, `test_periodic_*` beside
        `start_periodic_scans(period)`), named by keyword, attribute, configuration key
        (`{"idle_timeout": 0.1}`, `{CONF_BROADCAST_INTERVAL: 0.2}`), the callee's parameter, or
        for the one number passed to a callee we cannot read, by the callee's name
        (`start_periodic_scans(0.1)`, `set_timeout(0.1)`; not `async with asyncio.timeout(...)`),
        a `_ms` suffix counting milliseconds; the test sets an idle threshold (`min_idle_time`, `keepalive_timeout`,
        `timeout_keep_alive`, `max_idle_ms`), or every task it started only sleeps for less or runs until a clock
        deadline; a test that does nothing but sleep (a documentation example standing in for
        work), or that starts something, sleeps and only stops it (`start()`, sleep, `stop()`:
        nothing checked); a pause after the test's last awaited `close()` that nothing after it
        observes (aiohttp's documented graceful shutdown); a sleep followed only by checks that
        something has not happened yet (a task not done, an event not set, a mock not called, a
        check unchanged since just before) when the test then awaits that task or event itself,
        uncancelled, or ends: a late task leaves such a check true, the sleep only makes it
        weaker. Tests on a virtual clock are skipped: `ClockedTestCase`, the `virtual_clock`
        fixture, pytest-trio's `autojump_clock`, looptime for pytest's tests (its nearest mark,
        `--looptime` in pytest's addopts, or its `looptime` fixture; not fixtures or unittest
        classes, which it leaves on the real clock, nor with `-p looptime` alone, which only loads
        it, or `--no-looptime`). Still reported, by decision: a negative
        check before the test cancels the task (a task cancelled before it starts never runs its
        body), leaves it in flight or goes on to use what the other side did; `x is None`,
        `not x` or `x == 0` alone (a key deleted or a queue drained is what the sleep waits for);
        a period set to speed up background work in a test about something else (a consumer's
        `heartbeat_interval_ms`, a `metadata_max_age_ms`: the sleep waits for that work); a sleep
        past a `timeout=0` (no window: the other side acts at once, the sleep waits for it), a
        `timeout=` on a call awaited before the sleep (it is over), and a window set in another
        arm of an `if` (another scenario of a parametrized test: it is not set on the way).
        """,
    why="""
        A sleep guesses how long the other task needs. On a loaded CI machine the guess is wrong
        and the test fails at random; everywhere else the suite waits the full time for nothing.
        Real fixes for flaky tests replaced sleeps of 0.1-0.5 s.
        """,
    example="""
        async def test_notifies(self):
            asyncio.create_task(self.service.start())
            await asyncio.sleep(0.5)
            self.assertTrue(self.service.ready)
        """,
    use_instead="""
        async def test_notifies(self):
            asyncio.create_task(self.service.start())
            await asyncio.wait_for(self.service.ready_event.wait(), timeout=5)
        """,
)

ATC402 = Rule(
    code="ATC402",
    name="blocking-sleep-in-coroutine",
    summary="`time.sleep()` in a coroutine blocks the event loop",
    message="time.sleep() in a coroutine blocks the event loop, so nothing else runs meanwhile; "
    "use await asyncio.sleep()",
    fix="`await asyncio.sleep(N)` (trio's or anyio's in their tests), except where ATC401 or ATC403 would "
    "report that sleep in turn (a long sleep in a test, a polling loop: waiting for what the test waits for is "
    "the fix)",
    peers=("ASYNC251",),
    what="""
        Finds `time.sleep(...)` called directly in an `async def` (a test, fixture or any
        coroutine in test code). Not reported: a nested plain function (a thread target); a sleep
        inside a timeout block or an expected error (a test of the timeout itself); in a test, a
        sleep that outlasts a window the test set (as for ATC401: blocking past a keep-alive
        timeout is the harder case under test), one after which the test never yields to the loop
        again (no other task could run before it ends anyway), and a pause shorter than
        `--asynctest-max-sleep` in a test that starts no task, thread or loop callback itself (a
        millisecond between commands to get distinct server timestamps); in a coroutine nested in
        a test, one the test only hands over as a callback (a blocking listener is what it tests)
        or only runs under a timeout or an expected error (`asyncio.wait_for(blocker(), 0.2)`
        inside `pytest.raises(TimeoutError)`: blocking past the timeout is the subject), and the
        same for a module-level coroutine the tests only hand over (an app a server under test
        runs); also one whose blocking the test measures (the coroutine reads the clock on both
        sides of the sleep, the test reads it on both sides of running the coroutine, or sets the
        loop's `slow_callback_duration`: a loop implementation's test of its clock or of its
        slow-callback warning). Anywhere, a sleep right after the coroutine blocked the loop
        waiting for a thread or process (`assert started.wait(5)`, `worker.join()`): it holds the
        loop on purpose while the thread works, and the sleep prolongs the hold. A coroutine helper
        the tests call themselves (an async polling helper) is reported: its callers may run
        anything meanwhile.
        """,
    why="""
        The whole event loop stops for the duration: the tasks the test waits for cannot make
        progress, timeouts fire late, and the test measures nothing but the sleep.
        """,
    example="""
        async def test_background(self):
            task = asyncio.create_task(work())
            time.sleep(1)
        """,
    use_instead="""
        async def test_background(self):
            task = asyncio.create_task(work())
            await asyncio.sleep(1)
        """,
)

ATC403 = Rule(
    code="ATC403",
    name="polling-loop",
    summary="Polling loop with sleeps, or a loop stepped with `sleep(0)`, used to wait for another task",
    message="{what}: {advice}",
    what="""
        Finds `while ...: await asyncio.sleep(x)` in a test, fixture, hook or a method of a class
        in test code (a fake server's `wait_started`) when the loop awaits nothing but its sleep
        and its exit reads state another task may change (an attribute, a local, a mock's call
        count) with no deadline; and `for _ in range(n): await asyncio.sleep(0)` used to let other
        tasks run a few steps. Not reported: a loop that awaits other work each time round
        (traffic generated while a fault injector runs), or polls a database, a remote service or
        a subprocess through an await, or a `multiprocessing` primitive another process sets (they
        have no in-process event to wait on); a loop that only
        ends when cancelled; a bounded poll, with a clock deadline among its exits (`while not
        done and loop.time() < deadline`, `if loop.time() > deadline: raise`, or only the clock),
        a cap on its rounds (`count += 1` in the body and `if count > 100: raise`), or under a
        timeout block (it neither hangs nor fails early: the robust form of a fixed sleep); stepping the loop when every
        task the test started is a coroutine of its own awaiting only asyncio primitives (a
        white-box scheduling test: the count of steps is what it checks), or before checks that
        something has not happened yet whose task or event the test then awaits itself (as for
        ATC401: a short count only makes the check weaker). Tests on a virtual clock are skipped,
        as for ATC401.
        """,
    why="""
        Polling burns time and CPU and still races: the condition may flip between checks, and
        stepping the loop N times depends on how many awaits the code under test happens to have
        today. An Event, a Queue or a Future says exactly when the other task is done.
        """,
    example="""
        async def test_flush(self):
            self.writer.flush_soon()
            while not self.writer.flushed:
                await asyncio.sleep(0.01)
        """,
    use_instead="""
        async def test_flush(self):
            self.writer.flush_soon()
            await asyncio.wait_for(self.writer.flushed_event.wait(), timeout=5)
        """,
)

ATC404 = Rule(
    code="ATC404",
    name="await-without-timeout",
    summary="Awaiting an Event/Queue/Future/Condition in a test without a timeout",
    message="await {what} has no timeout: a bug hangs the whole suite instead of failing this test; "
    "use asyncio.wait_for(..., timeout) or async with asyncio.timeout(...)",
    default=False,
    what="""
        Finds `await event.wait()`, `await queue.get()`, `await queue.join()`,
        `await condition.wait()`/`wait_for()` and `await future` in a test, fixture or hook when
        nothing puts a time limit on it. Limits it recognises: `asyncio.wait_for`, a block of
        `asyncio.timeout`/`timeout_at`, `async_timeout.timeout` or anyio/trio
        `fail_after`/`move_on_after` (under any name a version check imports it as, here or in a
        module it is imported from), a decorator whose async wrapper awaits the test inside one of those, and
        pytest-timeout's limit: `@pytest.mark.timeout(N)` on the test, its class or the module, or
        the suite's `timeout` setting (pytest.ini, pyproject.toml, tox.ini, setup.cfg, or
        `--timeout` in addopts). With any of them a hang fails this one test by name. Not reported
        either: waits that cannot hang because the test completed the primitive itself just
        before (`ev.set()`, `fut.set_result()`, as many `put`s as later `get`s, a
        `wait_for` predicate that is a truthy literal), or because a helper it scheduled (a task, a
        `call_soon` callback) completes it before anything else (its first statements, or the
        `finally` of a callback). A helper task's awaited `put`s count only once the test has
        awaited since scheduling it: until then the `get` waits for that task, which is the code
        under test.
        """,
    why="""
        If the code under test never sets the event or never puts the item, the test waits
        forever: CI hangs until its global timeout and reports nothing useful.
        """,
    example="""
        async def test_message(self):
            msg = await self.inbox.get()
        """,
    use_instead="""
        async def test_message(self):
            msg = await asyncio.wait_for(self.inbox.get(), timeout=5)
        """,
)

_DELAY_KEYWORDS = ("delay", "seconds")
_WAITING_METHODS = {
    "asyncio.Event": ("wait",),
    "asyncio.Queue": ("get", "join"),
    "asyncio.Condition": ("wait", "wait_for"),
}
_TIMEOUTS = frozenset(
    {
        "asyncio.timeout",
        "asyncio.timeout_at",
        "async_timeout.timeout",
        "anyio.fail_after",
        "anyio.move_on_after",
        "trio.fail_after",
        "trio.move_on_after",
    }
)
# Blocks where a sleep is interrupted on purpose: timeouts, cancel scopes, expected errors.
_EXPECTING = _TIMEOUTS | {"pytest.raises", "assertRaises", "assertRaisesRegex", "anyio.CancelScope", "trio.CancelScope"}
# Scopes a sleep runs in as a checkpoint: deadline scopes, with or without a deadline (``fail_at(None)``).
_CHECKPOINTS = _EXPECTING | {"anyio.fail_at", "anyio.move_on_at", "trio.fail_at", "trio.move_on_at"}
_LOOPS = (ast.While, ast.For, ast.AsyncFor)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


class Timing(Family):
    rules = (ATC401, ATC402, ATC403, ATC404)
    wanted = (ast.Call, ast.Await)

    def check(self, ctx: Context) -> None:
        if ctx.enabled(ATC402):
            interrupted = partial(_under_timeout, ctx, managers=_EXPECTING)
            for call, scope, _ in ctx.resolver.calls_to("time.sleep"):
                if not scope.is_coroutine or interrupted(call, scope) or starves_nothing(ctx, call, scope, interrupted):
                    continue
                ctx.report(ATC402, call, _sleep_fix(ctx, call, scope))
        polling: dict[ast.AST, tuple[str, FunctionInfo]] = {}
        sleeps = ctx.resolver.calls_to(*known.SLEEPS)
        sleep_ids = sleep_calls(ctx)
        for call, scope, name in sleeps:
            function = scope.function
            if scope.kind != "function" or function is None:
                continue
            in_test = ctx.tests.is_test_body(function)
            if not in_test and function.owner is None:
                continue  # a nested helper or a server handler simulating latency; a class's methods may poll
            if _virtual_time(ctx, function):
                continue  # sleeps cost nothing and are deterministic under a virtual clock
            context = parent(call)
            if isinstance(context, ast.Await):
                loop = _enclosing_loop(context)
                if loop is not None:
                    polling.setdefault(loop, (name, function))
                    continue
                if in_test and isinstance(parent(context), ast.Expr):
                    self._long_sleep(ctx, call, name, scope, sleep_ids)
            elif in_test and isinstance(context, ast.Call) and _is_run_until_complete(context):
                self._long_sleep(ctx, call, name, scope, sleep_ids)
        if ctx.enabled(ATC403):
            for loop, (name, function) in polling.items():
                self._polling(ctx, loop, name, function, sleep_ids)
        if ctx.enabled(ATC404):
            for await_, scope in ctx.module.of_type(ast.Await):
                if scope.kind == "function" and ctx.tests.is_test_body(scope.function):
                    self._unbounded(ctx, await_, scope)

    def _long_sleep(self, ctx: Context, call: ast.Call, name: str, scope: Scope, sleep_calls: set[int]) -> None:
        if _long_sleep_reported(ctx, call, scope, sleep_calls, parent(parent(call))):
            ctx.report(ATC401, call, call=name, delay=f"{_constant_delay(call):g}")

    def _polling(self, ctx: Context, loop: ast.AST, name: str, function: FunctionInfo, sleep_calls: set[int]) -> None:
        if not _poll_reported(ctx, loop, function, sleep_calls):
            return
        if isinstance(loop, ast.While):
            ctx.report(
                ATC403,
                loop,
                what=f"this loop polls with {name}()",
                advice="wait on an Event, a Queue or a Future (with asyncio.wait_for for a timeout)",
            )
        else:
            ctx.report(
                ATC403,
                loop,
                what=f"this loop steps the event loop with {name}()",
                advice="await the thing you wait for instead of counting loop iterations",
            )

    def _unbounded(self, ctx: Context, await_: ast.Await, scope: Scope) -> None:
        waited = await_.value
        what = cls = None
        if isinstance(waited, ast.Call) and isinstance(waited.func, ast.Attribute):
            receiver = ctx.resolver.value(waited.func.value, scope)
            if isinstance(receiver, Obj) and isinstance(receiver.cls, str):
                cls = receiver.cls
            if cls is not None and waited.func.attr in _WAITING_METHODS.get(cls, ()):
                what = f"{describe(waited.func)}()"
        elif isinstance(waited, (ast.Name, ast.Attribute)):
            value = ctx.resolver.value(waited, scope)
            if isinstance(value, Obj) and value.cls == known.FUTURE:
                what, cls = describe(waited), known.FUTURE
        if (
            what is not None
            and not _under_timeout(ctx, await_, scope, _EXPECTING)
            and not time_limited(ctx, await_, scope)
            and not cannot_hang(ctx, await_, scope, cls)
        ):
            ctx.report(ATC404, await_, what=what)


_CLOCKED_BASES = frozenset({"flake8_asynctest.ClockedTestCase", "asynctest.ClockedTestCase"})
_CLOCK_FIXTURES = frozenset({"virtual_clock", "autojump_clock", "mock_clock"})  # ours, pytest-trio's
_LOOPTIME_MARK = "pytest.mark.looptime"


def _virtual_time(ctx: Context, function: FunctionInfo) -> bool:
    """The test runs on a virtual clock: a ClockedTestCase, a clock fixture, or looptime's fake
    clock. looptime's nearest mark decides, else ``--looptime`` in the suite's addopts; a test that
    takes its ``looptime`` fixture asserts exact loop times, which only its clock gives. looptime
    leaves fixtures and unittest's own loops on the real clock."""
    args = function.node.args
    parameters = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    if parameters & _CLOCK_FIXTURES:
        return True
    owner = function.owner
    if owner is not None and _CLOCKED_BASES.intersection(
        e for e in ctx.resolver.mro(owner) or () if isinstance(e, str)
    ):
        return True
    if function in ctx.tests.fixtures or ctx.tests.unittest_class(function) is not None:
        return False  # looptime patches the loop of pytest's async tests only
    switch = pytest_config.config_for(ctx.module.filename).looptime
    if switch is False:
        return False
    for holder in (function, owner, None) if owner is not None else (function, None):
        for name, mark in ctx.tests.mark_nodes(holder):
            if name == _LOOPTIME_MARK:
                return not _turned_off(mark)
    return bool(switch) or "looptime" in parameters


def _turned_off(mark: ast.expr) -> bool:
    """``@pytest.mark.looptime(False)``: this test keeps the real clock."""
    if not isinstance(mark, ast.Call) or not mark.args:
        return False
    first = mark.args[0]
    return isinstance(first, ast.Constant) and first.value is False


def _sleep_fix(ctx: Context, call: ast.Call, scope: Scope) -> Fix | None:
    """ATC402's fix, ``time.sleep(N)`` -> ``await asyncio.sleep(N)`` (trio's or anyio's ``sleep``
    in a trio or anyio test), unless ATC401 or ATC403 would report that sleep in turn: the test then
    waits for something, and waiting for it is the fix. None is offered."""
    function = scope.function
    if (
        scope.kind == "function"
        and function is not None
        and isinstance(parent(call), ast.Expr)
        and not _virtual_time(ctx, function)
        and _reported_once_awaited(ctx, call, scope, function)
    ):
        return None
    library = _async_library(ctx, function)
    return Fix(Edit(call, "Call", partial(_await_sleep, library)), imports=[(library, None, None)])


def _reported_once_awaited(ctx: Context, call: ast.Call, scope: Scope, function: FunctionInfo) -> bool:
    """Would ATC403 (in a loop) or ATC401 (elsewhere) report this blocking sleep once it is an
    awaited one? Their own tests, the call counted among the sleeps."""
    in_test = ctx.tests.is_test_body(function)
    sleeps = sleep_calls(ctx) | {id(call)}
    loop = _enclosing_loop(call)
    if loop is None:
        return in_test and _long_sleep_reported(ctx, call, scope, sleeps, parent(call))
    if not in_test and function.owner is None:
        return False
    # the loop as ATC403 would read it, this statement an awaited sleep
    return _poll_reported(ctx, loop, function, sleeps, awaiting=call)


def _long_sleep_reported(
    ctx: Context, call: ast.Call, scope: Scope, sleeps: set[int], statement: ast.AST | None
) -> bool:
    """ATC401's verdict on a sleep of a test (``statement`` holds it)."""
    delay = _constant_delay(call)
    if delay is None or delay < ctx.settings.max_sleep:
        return False
    if _under_timeout(ctx, call, scope, _CHECKPOINTS) or expects_cancellation(ctx, call, scope):
        return False  # the sleep is what a timeout, a cancellation or an expected error interrupts
    test: FunctionInfo = scope.function  # type: ignore[assignment]
    if time_is_the_subject(ctx, call, delay, test) or waits_for_nothing(ctx, call, test, sleeps):
        return False
    # a late task leaves a check that nothing happened yet true: it only shows less
    return not (isinstance(statement, ast.Expr) and only_shows_nothing_happened(statement, test))


def _poll_reported(
    ctx: Context, loop: ast.AST, function: FunctionInfo, sleeps: set[int], awaiting: ast.Call | None = None
) -> bool:
    """ATC403's verdict on a loop that sleeps (``awaiting``: a blocking sleep in it, read as awaited)."""
    if isinstance(loop, ast.While):
        # under a timeout the poll is bounded: it fails by name if the state never comes
        return not _under_timeout(ctx, loop, function.scope) and polls_state(ctx, loop, function.scope, sleeps)
    return (
        isinstance(loop, ast.For)
        and _steps_the_loop(loop, sleeps, awaiting)
        and not steps_known_tasks(ctx, loop, function)
        and not only_shows_nothing_happened(loop, function)
    )


def _async_library(ctx: Context, function: FunctionInfo | None) -> str:
    """The library a coroutine runs under, as far as its module says: a trio or anyio mark, else
    the one of them the module imports instead of asyncio."""
    marks = ctx.tests.marks(None)
    if function is not None:
        marks |= ctx.tests.marks(function) | (ctx.tests.marks(function.owner) if function.owner else set())
    imported = {module.partition(".")[0] for module in ctx.module.imported_modules}
    chosen = [library for library in ("trio", "anyio") if f"pytest.mark.{library}" in marks]
    chosen += [library for library in ("trio", "anyio") if library in imported and "asyncio" not in imported]
    return chosen[0] if chosen else "asyncio"


def _await_sleep(library: str, node: Any, module: Any) -> Any:
    """``time.sleep(n)`` -> ``await asyncio.sleep(n)`` (or ``library``'s), arguments kept as written."""
    import libcst as cst

    return cst.Await(expression=node.with_changes(func=cst.parse_expression(f"{library}.sleep")))


def _constant_delay(call: ast.Call) -> float | None:
    delay = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg in _DELAY_KEYWORDS), None)
    if isinstance(delay, ast.Constant) and isinstance(delay.value, (int, float)) and not isinstance(delay.value, bool):
        return float(delay.value)
    return None


def _is_run_until_complete(call: ast.Call) -> bool:
    return isinstance(call.func, ast.Attribute) and call.func.attr == "run_until_complete"


def _enclosing_loop(node: ast.AST) -> ast.AST | None:
    """The nearest loop in the same function whose body (not its test or else) holds ``node``."""
    child, current = node, parent(node)
    while current is not None and not isinstance(current, _SCOPES):
        if isinstance(current, _LOOPS):
            return current if any(child is stmt for stmt in current.body) else None
        child, current = current, parent(current)
    return None


def _steps_the_loop(loop: ast.For, sleep_calls: set[int], awaiting: ast.Call | None = None) -> bool:
    """``for _ in range(n): await sleep(...)``: a body of nothing but sleeps (``awaiting``, a
    blocking sleep, counted as one awaited)."""
    iterated = loop.iter
    if not (isinstance(iterated, ast.Call) and isinstance(iterated.func, ast.Name) and iterated.func.id == "range"):
        return False
    return all(
        isinstance(stmt, ast.Pass)
        or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Await) and id(stmt.value.value) in sleep_calls)
        or (isinstance(stmt, ast.Expr) and awaiting is not None and stmt.value is awaiting)
        for stmt in loop.body
    )


def _under_timeout(ctx: Context, node: ast.AST, scope: Scope, managers: frozenset[str] = _TIMEOUTS) -> bool:
    """Is ``node`` inside a ``with`` block of one of ``managers`` (by qualified name, or by method
    name for ``self.assertRaises``-style methods)?"""
    current = parent(node)
    while current is not None and not isinstance(current, _SCOPES):
        if isinstance(current, (ast.With, ast.AsyncWith)):
            for item in current.items:
                manager = item.context_expr
                target = manager.func if isinstance(manager, ast.Call) else manager
                if ctx.resolver.qualname(target, scope) in managers:
                    return True
                if isinstance(target, ast.Attribute) and target.attr in managers:
                    return True
        current = parent(current)
    return False
