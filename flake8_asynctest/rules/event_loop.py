"""ATC201-ATC204: the event loop driven by hand."""

from __future__ import annotations

import ast
from typing import Any

from ..analysis.model import Scope, parent
from ..analysis.usage import describe, identifiers, is_self
from ..analysis.walk import descendants
from ..analysis.known import Runner
from ..analysis.model import ClassInfo, FunctionInfo
from ..analysis.usage import own_nodes
from ..analysis.values import Func
from ..context import Context
from ..fix import Edit, Fix, Import, isolated_base_fix, renamed
from ..rule import Rule
from .family import Family

ATC201 = Rule(
    code="ATC201",
    summary="`asyncio.run`/`run_until_complete`/`run_forever` inside a coroutine",
    name="loop-run-in-coroutine",
    message="{call}() inside a coroutine raises RuntimeError (the loop is already running); {advice}",
    fix="`await X`",
    what="""
        Finds `asyncio.run(...)`, `loop.run_until_complete(...)` and `loop.run_forever()` inside
        an `async def` (test, fixture or helper).
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
    summary="`asyncio.get_event_loop()` in test code",
    name="get-event-loop",
    message="asyncio.get_event_loop() {where}; {advice}",
    fix="`asyncio.get_running_loop()` in coroutines",
    what="""
        Finds `asyncio.get_event_loop()` in test code.
        """,
    why="""
        Inside a coroutine, `get_running_loop()` says what is meant and cannot create a stray
        loop. Outside one, `get_event_loop()` is deprecated since Python 3.12 and raises
        RuntimeError on 3.14 when no loop is set, so the test breaks on the next Python.
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
        `loop.run_until_complete()`.
        """,
    why="""
        Each call creates or drives a loop by hand: setup and teardown run outside it, tasks
        leak between calls, and failures in background tasks are lost. An async test runs the
        whole test in one managed loop. Off by default: many healthy suites (CPython's own) do
        this on purpose.
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
        `asyncio.set_event_loop(loop)` that is never reset with `set_event_loop(None)`.
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

_RUN_METHODS = frozenset({"run_until_complete", "run_forever"})
_GET_LOOP = "asyncio.get_event_loop"
_NEW_LOOP = "asyncio.new_event_loop"
_SET_LOOP = "asyncio.set_event_loop"
# Tests of asyncio itself start a loop inside a loop on purpose to check the RuntimeError, or do it in
# a forked child, where no loop runs; a loop made in a forked child dies with it.
_EXPECTS_NESTED_RUN = frozenset({"RuntimeError", "fork"})
_FORKS = frozenset({"fork"})


class EventLoop(Family):
    rules = (ATC201, ATC202, ATC203, ATC204)
    triggers = ("loop", "run")
    wanted = (ast.Call,)

    def check(self, ctx: Context) -> None:
        self._loop_runs(ctx)
        calls = ctx.resolver.calls_to(_GET_LOOP, _NEW_LOOP, _SET_LOOP)
        sets_loop = any(name == _SET_LOOP and not _is_reset(call) for call, _, name in calls)
        for call, scope, name in calls:
            if name == _GET_LOOP and not call.args:
                if scope.is_coroutine:
                    ctx.report(
                        ATC202,
                        call,
                        renamed(call.func, "get_running_loop", "asyncio"),
                        where="inside a coroutine",
                        advice="use asyncio.get_running_loop()",
                    )
                elif not sets_loop:
                    ctx.report(
                        ATC202,
                        call,
                        where="is deprecated outside a running loop and raises on Python 3.14 when no loop is set",
                        advice="create the loop with asyncio.new_event_loop() or make the test async",
                    )
            elif name != _GET_LOOP and ctx.enabled(ATC204) and not _mentions(scope, _FORKS):
                if name == _NEW_LOOP:
                    self._new_loop(ctx, call, scope)
                else:
                    self._set_loop(ctx, call, scope)

    def _loop_runs(self, ctx: Context) -> None:
        """ATC201 and ATC203: ``asyncio.run()``, ``loop.run_until_complete()``, ``loop.run_forever()``."""
        nest_asyncio = "nest_asyncio" in ctx.module.imported_modules
        runs = [(call, scope) for call, scope, _ in ctx.resolver.calls_to("asyncio.run")]
        runs += ctx.module.calls_named(*_RUN_METHODS)
        for call, scope in runs:
            if isinstance(call.func, ast.Name) and call.func.id in _RUN_METHODS:
                continue  # a plain function that happens to share the name
            if scope.is_coroutine and not nest_asyncio and not _mentions(scope, _EXPECTS_NESTED_RUN):
                run = describe(call.func)
                advice = "await what you wait for" if run.endswith("run_forever") else "await the coroutine instead"
                fix = Fix(Edit(call, "Call", _await_argument)) if _single_argument(call) else None
                ctx.report(ATC201, call, fix, call=run, advice=advice)
            elif scope.kind == "function" and not scope.is_coroutine and ctx.enabled(ATC203):
                function = scope.function
                if function is not None and (
                    ctx.tests.is_unittest_test(function) or function in ctx.tests.pytest_tests
                ):
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
