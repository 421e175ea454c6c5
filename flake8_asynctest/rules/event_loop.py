"""ATC201-ATC205: the event loop driven by hand."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from ..analysis.known import Runner
from ..analysis.model import ClassInfo, FunctionInfo, Scope, parent
from ..analysis.samples import is_type_checker_input
from ..analysis.usage import describe, identifiers, is_self, own_nodes
from ..analysis.values import Func
from ..analysis.walk import descendants
from ..context import Context
from ..fix import Edit, Fix, Import, isolated_base_fix, renamed
from ..rule import Rule
from .family import Family
from .hand_driven import drives_loop_on_purpose
from .loop_context import (
    asserted_about,
    fails_to_import_since_3_11,
    handed_over_with,
    in_doc_snippet,
    no_running_loop_fallback,
    runs_in_child_process,
    runs_inside_loop,
)

ATC201 = Rule(
    code="ATC201",
    summary="`asyncio.run`/`run_until_complete`/`run_forever` inside a coroutine",
    name="loop-run-in-coroutine",
    message="{call}() inside a coroutine raises RuntimeError (the loop is already running); {advice}",
    fix="`await X`",
    what="""
        Finds `asyncio.run(...)`, `loop.run_until_complete(...)` and `loop.run_forever()` inside
        an `async def` (test, fixture, helper or a test decorator's wrapper), awaited or not. The
        receiver must be an event loop, known to be one or an unknown value named like one
        (`self.loop`, `event_loop`): a project's own `server.run_forever()` or a coroutine
        function named `run_forever` is not reported. Nor is a test of the RuntimeError itself,
        code run in a forked child, or a module that uses `nest_asyncio`.
        """,
    why="""
        A coroutine already runs inside an event loop; starting a loop there raises
        "RuntimeError: asyncio.run() cannot be called from a running event loop" (or "This event
        loop is already running"), and the coroutine passed in is never awaited.
        """,
    example="""
        async def test_fetch(self):
            data = asyncio.run(fetch())
        """,
    use_instead="""
        async def test_fetch(self):
            data = await fetch()
        """,
)

ATC202 = Rule(
    code="ATC202",
    summary="`asyncio.get_event_loop()` where no loop runs",
    name="get-event-loop",
    message="asyncio.get_event_loop() outside a running loop is deprecated and raises RuntimeError on "
    "Python 3.14 when no loop is set; create the loop with asyncio.new_event_loop() or make the test async",
    what="""
        Finds `asyncio.get_event_loop()` in test code that runs where no event loop is running: a
        sync test, fixture or helper, or module-level code. Not reported: code inside a coroutine,
        or in a plain `def` that this module only calls from coroutines (ATC205 covers that style
        point); a module that installs a loop with `set_event_loop()`; a call whose result an
        assertion checks, or that is expected to raise or warn (the function itself is under
        test); type-checker input files (a directory that is not a package, which a test module
        beside it names and hands to mypy or pyright: its code never runs); and a module that
        applies `@asyncio.coroutine` as it is imported (at module or class level, outside any
        `if`/`try`). That decorator was removed in Python 3.11, so such a module (typically an
        old example) fails to import on every Python where `get_event_loop()` breaks: its first
        failure is the decorator, and porting it to `async def` comes before this. A module that
        applies it only on older Pythons or inside a function still imports, and is reported.
        """,
    why="""
        Outside a running loop, `get_event_loop()` is deprecated since Python 3.12 and raises
        RuntimeError on 3.14 when no loop is set, so the test breaks on the next Python.
        """,
    example="""
        def test_schedule(self):
            loop = asyncio.get_event_loop()
            loop.run_until_complete(fetch())
        """,
    use_instead="""
        def test_schedule(self):
            loop = asyncio.new_event_loop()
            self.addCleanup(loop.close)
            loop.run_until_complete(fetch())
        """,
)

ATC203 = Rule(
    code="ATC203",
    summary="Sync test drives coroutines with `asyncio.run`/`run_until_complete`",
    name="sync-test-drives-loop",
    message="sync test {name} drives coroutines by hand with {call}(); make it an async test "
    "(IsolatedAsyncioTestCase or a pytest async marker) and await",
    fix="convert the method to `async def` + `await` when the class can become IsolatedAsyncioTestCase",
    default=False,
    what="""
        Finds sync test methods and functions that run coroutines with `asyncio.run()` or
        `loop.run_until_complete()` (a fixture is not a test, whatever its name). Not reported,
        because the test must drive the loop by hand: a benchmark test (it requests the
        `benchmark` fixture, which times a sync callable); a test named after the entry point it
        calls (`test_asyncio_run_*`, `test_*_run_until_complete_*`: that is its subject); a test
        that picks the loop policy or class (`set_event_loop_policy`, also in its class's setUp;
        `loop_factory`; uvloop) or installs its loop with `set_event_loop`; one that uses two
        loops, or hands the coroutine function to another library's `run` too; one that schedules
        on or configures the loop before running it (`create_task`, `call_soon`/`call_later`,
        `set_exception_handler`, `set_task_factory`, `stop`), or closes it and goes on; one that
        requests a sync fixture of the module which drives the same loop, or calls a sync method
        of its class that drives a loop by hand (a harness's `self.run_loop_once()`, also through
        another such method); one wrapped by a decorator not known to keep an `async def` async
        (a project's `@with_server()` or `@run_in_thread`: its sync wrapper would call the
        coroutine function and never await it, so the converted test would pass without
        running); one named for the absence of a running loop (`test_create_no_running_loop`,
        `test_init_without_loop`: that is its subject); and one with an async twin beside it
        (`test_x` and `test_x_async`: the sync usage is tested on purpose).
        `run_forever()` runs the loop's callbacks, not a coroutine: not reported.
        """,
    why="""
        Each call creates or drives a loop by hand: setup and teardown run outside it, tasks
        leak between calls, and failures in background tasks are lost. An async test runs the
        whole test in one managed loop. Off by default: a loop made and closed cleanly in the
        test is a style choice, and many healthy suites (CPython's own) do this on purpose.
        """,
    example="""
        class TestFetch(unittest.TestCase):
            def test_fetch(self):
                self.assertEqual(asyncio.run(fetch()), 1)
        """,
    use_instead="""
        class TestFetch(unittest.IsolatedAsyncioTestCase):
            async def test_fetch(self):
                self.assertEqual(await fetch(), 1)
        """,
)

ATC204 = Rule(
    code="ATC204",
    summary="Event loop created and never closed, or installed and never reset",
    name="event-loop-not-closed",
    message="{what}; {advice}",
    what="""
        Finds an event loop created in test code (`asyncio.new_event_loop()`) that is never
        closed (no `close()` in the same function, in tearDown, in a cleanup or a `finally`), and
        `asyncio.set_event_loop(loop)` that is never reset with `set_event_loop(None)` (in the
        class, `tearDownModule`, or a function handed over in the same call, such as a
        benchmark's `teardown=` beside its `setup=`). Not reported: a loop made in a forked child,
        in a function this module only hands to a process pool or `multiprocessing.Process`, or
        in the `run()` of a `multiprocessing.Process` subclass (it dies with the process), and a
        loop in a documentation snippet the docs include verbatim (`# [START name]`...`# [END
        name]`, `# Start ... Example N`...`# End ... Example N`), where keeping a global loop is
        the documented pattern.
        """,
    why="""
        An unclosed loop keeps its selector, self-pipe and executor: ResourceWarnings, leaked file
        descriptors and threads accumulate across the suite. A loop left installed with
        `set_event_loop` leaks into the next test, which then passes or fails depending on order.
        """,
    example="""
        def setUp(self):
            self.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self.loop)
        """,
    use_instead="""
        def setUp(self):
            self.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self.loop)
            self.addCleanup(self.loop.close)
            self.addCleanup(asyncio.set_event_loop, None)
        """,
)

ATC205 = Rule(
    code="ATC205",
    summary="`asyncio.get_event_loop()` inside a coroutine: `get_running_loop()` says what is meant",
    name="get-event-loop-in-coroutine",
    message="asyncio.get_event_loop() here runs inside a coroutine and returns the running loop; "
    "use asyncio.get_running_loop(), which says so and never creates a stray loop",
    fix="`asyncio.get_running_loop()`",
    default=False,
    what="""
        Finds `asyncio.get_event_loop()` inside a coroutine, or in a plain `def` that this module
        only calls from coroutines. Not reported: a call whose result an assertion checks, and
        the fallback in the `except` of a `try` that asks for `get_running_loop()` first (it
        never runs inside a coroutine).
        """,
    why="""
        Inside a coroutine `get_event_loop()` returns the running loop: it is not deprecated there
        and will not break, so this is style, off by default. `get_running_loop()` states the
        intent and raises instead of creating a new loop if the code is ever moved out of a
        coroutine.
        """,
    example="""
        async def test_later(self):
            loop = asyncio.get_event_loop()
        """,
    use_instead="""
        async def test_later(self):
            loop = asyncio.get_running_loop()
        """,
)

_RUN_METHODS = frozenset({"run_until_complete", "run_forever"})
_GET_LOOP = "asyncio.get_event_loop"
_NEW_LOOP = "asyncio.new_event_loop"
_SET_LOOP = "asyncio.set_event_loop"
# Tests of asyncio itself start a loop inside a loop on purpose to check the RuntimeError, or do it in
# a forked child, where no loop runs; a loop made in a forked child dies with it.
_EXPECTS_NESTED_RUN = frozenset({"RuntimeError", "fork"})
_FORKS = frozenset({"fork"})


class EventLoop(Family):
    rules = (ATC201, ATC202, ATC203, ATC204, ATC205)
    triggers = ("loop", "run")
    wanted = (ast.Call,)

    def check(self, ctx: Context) -> None:
        self._loop_runs(ctx)
        calls = ctx.resolver.calls_to(_GET_LOOP, _NEW_LOOP, _SET_LOOP)
        sets_loop = any(name == _SET_LOOP and not _is_reset(call) for call, _, name in calls)
        for call, scope, name in calls:
            if name == _GET_LOOP:
                if not call.args:
                    self._get_loop(ctx, call, scope, sets_loop)
            elif ctx.enabled(ATC204) and not _outlives_nothing(ctx, call, scope):
                if name == _NEW_LOOP:
                    self._new_loop(ctx, call, scope)
                else:
                    self._set_loop(ctx, call, scope)

    def _get_loop(self, ctx: Context, call: ast.Call, scope: Scope, sets_loop: bool) -> None:
        """ATC202 where no loop runs, ATC205 inside one; which loop it returns (or that it raises)
        is the subject of a test that asserts it."""
        if asserted_about(call):
            return
        if runs_inside_loop(ctx, scope):
            if not no_running_loop_fallback(call):  # else it never runs here
                ctx.report(ATC205, call, renamed(call.func, "get_running_loop", "asyncio"))
        elif not (sets_loop or is_type_checker_input(ctx.module.filename) or fails_to_import_since_3_11(ctx)):
            ctx.report(ATC202, call)

    def _loop_runs(self, ctx: Context) -> None:
        """ATC201 and ATC203: ``asyncio.run()``, ``loop.run_until_complete()``, ``loop.run_forever()``."""
        nest_asyncio = "nest_asyncio" in ctx.module.imported_modules
        runs = [(call, scope) for call, scope, _ in ctx.resolver.calls_to("asyncio.run")]
        runs += ctx.module.calls_named(*_RUN_METHODS)
        for call, scope in runs:
            if isinstance(call.func, ast.Name) and call.func.id in _RUN_METHODS:
                continue  # a plain function that happens to share the name
            method = isinstance(call.func, ast.Attribute) and call.func.attr in _RUN_METHODS
            if method and not _loop_method(ctx, call, scope):
                continue  # ``await server.run_forever()``: a project's own method, not a loop's
            if scope.is_coroutine and not nest_asyncio and not _mentions(scope, _EXPECTS_NESTED_RUN):
                run = describe(call.func)
                advice = "await what you wait for" if run.endswith("run_forever") else "await the coroutine instead"
                fix = Fix(Edit(call, "Call", _run_replacement(call))) if _single_argument(call) else None
                ctx.report(ATC201, call, fix, call=run, advice=advice)
            elif scope.kind == "function" and not scope.is_coroutine and ctx.enabled(ATC203):
                self._sync_test_run(ctx, call, scope)

    def _sync_test_run(self, ctx: Context, call: ast.Call, scope: Scope) -> None:
        """ATC203. ``run_forever()`` drives the loop's callbacks, not a coroutine: not judged."""
        method = call.func.attr if isinstance(call.func, ast.Attribute) and call.func.attr in _RUN_METHODS else "run"
        function = scope.function
        if method == "run_forever" or function is None:
            return
        if not (ctx.tests.is_unittest_test(function) or function in ctx.tests.pytest_tests):
            return
        if not drives_loop_on_purpose(ctx, call, function, method):
            fix = _conversion_fix(ctx, call, function)
            ctx.report(ATC203, call, fix, name=function.name, call=describe(call.func))

    def _new_loop(self, ctx: Context, call: ast.Call, scope: Scope) -> None:
        stmt = parent(call)
        if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
            return
        target = stmt.targets[0]
        reads = ctx.resolver.stored_reads(target, scope)
        if reads is None or any(_closes_or_escapes(read) for read in reads):
            return
        name = describe(target)
        advice = (
            f"call {name}.close() in a finally block or a cleanup"
            if isinstance(target, ast.Name)
            else f"add self.addCleanup({name}.close) or close it in tearDown"
        )
        ctx.report(ATC204, call, what=f"event loop {name} is never closed", advice=advice)

    def _set_loop(self, ctx: Context, call: ast.Call, scope: Scope) -> None:
        """Only a loop created right here is judged: one handed in (a parameter, a context manager,
        a helper's result) is someone else's to uninstall."""
        if _is_reset(call) or not call.args or not _created_here(ctx, call.args[0], scope):
            return
        loop = call.args[0]
        if isinstance(loop, ast.Name) and any(isinstance(parent(read), ast.Return) for read in scope.reads(loop.id)):
            return  # a helper that returns the loop it installed: the caller owns both
        function = scope.function
        owner = function.owner if function is not None else None
        region: list[ast.AST] = [owner.node] if owner is not None else [scope.node]
        region += handed_over_with(function)
        region += [f.node for f in ctx.module.functions if f.name == "tearDownModule" and f.parent.kind == "module"]
        for node in region:
            for inner in descendants(node):
                if isinstance(inner, ast.Call) and _resets_loop(inner):
                    return
        ctx.report(
            ATC204,
            call,
            what="the event loop installed by set_event_loop() is never uninstalled",
            advice="reset it with asyncio.set_event_loop(None) in tearDown or a cleanup",
        )


def _loop_method(ctx: Context, call: ast.Call, scope: Scope) -> bool:
    """``x.run_until_complete()``/``x.run_forever()`` is an event loop's: ``x`` is a loop (known, or
    named like one) and the method is not a coroutine function (a project's ``async def
    run_forever``). Being awaited proves nothing: ``await self.loop.run_until_complete(c)`` is
    still the loop's method, and raises before the await."""
    func: ast.Attribute = call.func  # type: ignore[assignment]
    resolver = ctx.resolver
    return resolver.is_event_loop(func.value, scope) and not resolver.is_coroutine_function(resolver.value(func, scope))


def _outlives_nothing(ctx: Context, call: ast.Call, scope: Scope) -> bool:
    """ATC204: a loop made in a forked child or a process-pool worker dies with that process; one
    in a documentation snippet is the documented pattern (a global loop kept for the process)."""
    return _mentions(scope, _FORKS) or runs_in_child_process(ctx, scope) or in_doc_snippet(ctx, call)


def _created_here(ctx: Context, expr: ast.expr, scope: Scope) -> bool:
    """``expr`` is a call to ``new_event_loop()``, or a local or ``self`` attribute assigned from one."""
    if isinstance(expr, ast.Call):
        return ctx.resolver.call_name(expr, scope) == _NEW_LOOP
    if isinstance(expr, ast.Name) and scope.kind == "function":
        bindings = scope.bindings.get(expr.id, [])
        return bool(bindings) and all(
            b.kind == "assign"
            and b.index is None
            and isinstance(b.value, ast.Call)
            and _created_here(ctx, b.value, scope)
            for b in bindings
        )
    if isinstance(expr, ast.Attribute) and is_self(expr.value, scope):
        assigned = scope.function.owner.self_attrs.get(expr.attr, [])  # type: ignore[union-attr]
        return bool(assigned) and all(
            isinstance(value, ast.Call) and _created_here(ctx, value, function.scope) for value, function in assigned
        )
    return False


def _single_argument(call: ast.Call) -> bool:
    return len(call.args) == 1 and not call.keywords and not isinstance(call.args[0], ast.Starred)


def _run_replacement(call: ast.Call) -> Callable[[Any, Any], Any]:
    """``run(coro)`` becomes ``await coro``; already awaited (``await loop.run_until_complete(coro)``),
    it becomes ``coro``."""
    return _argument if isinstance(parent(call), ast.Await) else _await_argument


def _argument(node: Any, module: Any) -> Any:
    return node.args[0].value


def _await_argument(node: Any, module: Any) -> Any:
    """``asyncio.run(coro)`` / ``loop.run_until_complete(coro)`` -> ``await coro``."""
    import libcst as cst

    return cst.Await(expression=node.args[0].value)


def _make_async(node: Any, module: Any) -> Any:
    import libcst as cst

    return node.with_changes(asynchronous=cst.Asynchronous())


# Anything that manages a loop by hand: a test that does cannot simply become a coroutine.
_LOOP_MANAGEMENT = frozenset({"run_until_complete", "run_forever", "new_event_loop", "set_event_loop", "loop"})


def _conversion_fix(ctx: Context, call: ast.Call, function: FunctionInfo) -> Fix | None:
    """ATC203: ``def test_x(self): asyncio.run(c())`` -> ``async def test_x(self): await c()`` in an
    IsolatedAsyncioTestCase, when nothing else in the class drives or creates a loop (a helper
    calling ``asyncio.run`` would then fail inside the running loop)."""
    cls = ctx.tests.unittest_class(function)
    if cls is None or not _single_argument(call) or ctx.resolver.call_name(call, function.scope) != "asyncio.run":
        return None
    related = [entry for entry in ctx.resolver.mro(cls) or () if isinstance(entry, ClassInfo)]
    if any(_LOOP_MANAGEMENT & identifiers(entry.node) for entry in related):
        return None
    for node in own_nodes(function.node):
        if isinstance(node, ast.Call) and node is not call:
            callee = ctx.resolver.value(node.func, function.scope)
            if isinstance(callee, Func) and "run" in identifiers(callee.info.node):
                return None  # a helper that may start a loop itself
    edits = [Edit(function.node, "FunctionDef", _make_async), Edit(call, "Call", _await_argument)]
    imports: list[Import] = []
    runner = ctx.tests.runner(cls)
    if runner is Runner.SYNC:
        base = isolated_base_fix(ctx, cls)
        if base is None:
            return None
        edits.extend(base.edits)
        imports.extend(base.imports)
    elif runner is not Runner.ISOLATED:
        return None
    return Fix(*edits, imports=imports)


def _mentions(scope: Scope, names: frozenset[str]) -> bool:
    """Does the code around ``scope`` (it and its enclosing functions) use one of ``names``?"""
    current: Scope | None = scope
    while current is not None and current.kind in ("function", "lambda"):
        if names & identifiers(current.node):
            return True
        current = current.parent
    return False


def _is_reset(call: ast.Call) -> bool:
    return bool(call.args) and isinstance(call.args[0], ast.Constant) and call.args[0].value is None


def _resets_loop(call: ast.Call) -> bool:
    """``set_event_loop(None)``, or ``set_event_loop`` handed to a cleanup (``addCleanup(set_event_loop, None)``)."""
    if _names_set_event_loop(call.func) and _is_reset(call):
        return True
    return any(_names_set_event_loop(arg) for arg in call.args)


def _names_set_event_loop(expr: ast.expr) -> bool:
    return (isinstance(expr, ast.Attribute) and expr.attr == "set_event_loop") or (
        isinstance(expr, ast.Name) and expr.id == "set_event_loop"
    )


def _closes_or_escapes(use: ast.expr) -> bool:
    """Does this read of a loop close it, or hand it to code we cannot see (which may close it)?"""
    context = parent(use)
    if isinstance(context, ast.Attribute):
        return context.attr == "close"
    if isinstance(context, ast.Call):
        func = context.func
        if _names_set_event_loop(func):
            return False
        return True  # passed to a function: it may close it
    if isinstance(context, (ast.Expr, ast.Compare, ast.Assert, ast.If, ast.While, ast.UnaryOp, ast.BoolOp)):
        return False
    return True  # returned, yielded, stored, put in a container...
