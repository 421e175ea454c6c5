"""ATC301-ATC303: background tasks that outlive the test, or whose cancellation is never awaited."""

from __future__ import annotations

import ast
from typing import Any

from ..analysis.model import ClassInfo, Scope, parent
from ..analysis.usage import after, describe, inside, is_self
from ..context import Context
from ..fix import Edit, Fix
from ..rule import Rule
from . import cancelled_tasks, dropped_tasks
from .family import Family
from .task_creations import creations

ATC301 = Rule(
    code="ATC301",
    name="task-dropped",
    summary="Task created and dropped while nothing the test checks depends on it",
    peers=("RUF006", "ASYNC300"),
    message="the task made by {creator}() is dropped: it can be garbage-collected mid-run, its exception is "
    "lost and it outlives the test; keep it and await or cancel it",
    what="""
        Finds `asyncio.create_task(...)`, `asyncio.ensure_future(...)`, `loop.create_task(...)`,
        `asyncio.Task(...)` and a project's helper that wraps one of them and hands the task to
        its caller (`def spawn(coro): return asyncio.create_task(coro)`, whatever its return
        annotation says: `-> asyncio.Task[None]`, `-> asyncio.Future`, none) used as a
        statement, the task thrown away, when nothing the test goes on to wait on or
        check depends on it: its assertions are on mock calls or on other state, or it only polls
        a flag while the task runs. `await asyncio.create_task(...)` and
        `return asyncio.create_task(...)` are fine (unlike RUF006/ASYNC300), and so is
        `TaskGroup.create_task`, whose group keeps and awaits the task, and a helper that also
        keeps, awaits or watches the task it made (adds it to a set, awaits it, gives it a done
        callback): it looks after its task itself.

        Deliberately not reported (RUF006/ASYNC300 report every dropped task, for those who want
        that): a task whose work the test depends on. The test's next wait (its first await
        after the start, passing over code that cannot let the task run and entering a `with` or
        `try` block, as in `with self.assertRaises(...): await conn.recv()`) is on the state the
        task was handed or closes over (the future it resolves, the stream it feeds, tasks
        waiting on the barrier it resets), or a later check reads that state: an `assert`, a
        `self.assert*()` call, or the body of an `assertRaises`/`pytest.raises` block. A helper
        assertion of the test class (`await self.assertFrameSent(...)`) reads `self`'s state, and
        the objects a test case keeps on `self` count as one fixture, wired together in its setup
        (checking the remote end checks what a task on the connection sent). A task that fails
        then fails or hangs the test instead of passing it, and keeping a reference adds nothing
        a maintainer would take. Checks that only inspect a mock's calls (`m.called`,
        `m.call_count`, `m.assert_called_once()`) and the outcome of another task started on the
        same state do not count: they pass whatever the dropped task did after the call. A
        coroutine function the checker can read that loops until stopped (`while True` with no
        way out, `async for`: a server, a reader) is not excused this way: it outlives what the
        test waited for; a `while` on a condition is a wait that ends by itself, and so is a
        reader whose end the test awaits (after its loop it resolves a future the test then
        waits for).

        Nor reported: the last call in a `with self.assertRaises(...)` or `pytest.raises(...)`
        block (it is expected to raise: no task is made); a task started by a function that is
        not a test and is handed on as a callback (a timer's or a server's callback, a proxy's
        data hook: it runs on its caller's schedule, and the task is the caller's); a task handed
        `asyncio.current_task()` (a watchdog acting on the code that started it); a coroutine
        that re-schedules itself (a chain of tasks left unreferenced on purpose, as in
        async-generator finalisation tests); a coroutine function the checker can read that only
        stores constants and sleeps (a switch turned off for a while): it has no exception to
        lose, and the loop's timer holds it until it ends.
        """,
    why="""
        The event loop keeps only a weak reference to a task: an unreferenced task can vanish
        mid-run. Nobody awaits it, so an exception in it is never seen and the test passes
        whatever the task did; and it keeps running after the test, into the next one.
        """,
    example="""
        async def test_resolves_once(self):
            asyncio.create_task(self.connector.resolve("localhost"))
            asyncio.create_task(self.connector.resolve("localhost"))
            await asyncio.sleep(0)
            self.resolver.resolve.assert_called_once()
        """,
    use_instead="""
        async def test_resolves_once(self):
            async with asyncio.TaskGroup() as tg:
                tg.create_task(self.connector.resolve("localhost"))
                tg.create_task(self.connector.resolve("localhost"))
            self.resolver.resolve.assert_called_once()
        """,
)

ATC302 = Rule(
    code="ATC302",
    name="task-never-awaited",
    summary="Task kept but never awaited, cancelled or gathered before the test ends",
    message="task {name} is never awaited, cancelled or gathered, so it outlives the test and its errors are "
    "lost; {advice}",
    what="""
        Finds a task stored in a name or on `self` that nothing awaits, cancels, gathers, hands
        on or registers for cleanup: not in the test, not in tearDown/asyncTearDown, not in a
        cleanup. Tasks are those ATC301 knows: made by `create_task`, `ensure_future`,
        `asyncio.Task(...)` or a helper that hands its task over.
        """,
    why="""
        A task that outlives its test keeps running while the next test starts: it races with it,
        logs "Task was destroyed but it is pending!" at exit, and an exception in it is lost, so
        the test passes whatever the task did.
        """,
    example="""
        async def asyncSetUp(self):
            self.server_task = asyncio.create_task(serve())
        """,
    use_instead="""
        async def asyncSetUp(self):
            self.server_task = asyncio.create_task(serve())
            self.addAsyncCleanup(cancel_and_wait, self.server_task)
        """,
)

ATC303 = Rule(
    code="ATC303",
    name="cancel-not-awaited",
    summary="`task.cancel()` not awaited while the code after it goes on alongside the unwinding task",
    message="{name}.cancel() only requests cancellation; the task still runs until awaited: "
    "await it (with contextlib.suppress(asyncio.CancelledError))",
    fix="add `with contextlib.suppress(asyncio.CancelledError): await task`",
    unsafe_fix=True,
    what="""
        Finds `task.cancel()` in a coroutine with no later await of the task in the same test or
        cleanup, when the code that goes on after it may run alongside the unfinished unwinding:
        a sleep stands in for the await, what follows awaits something the task has no part in,
        or the exit of an enclosing `async with` closes what the task still uses. Only names
        known to hold asyncio Tasks (results of `create_task`/`ensure_future`, `asyncio.Task(...)`
        or a helper that hands its task over) are checked: never a CancelScope, a Future, a
        TimerHandle or an unknown object.

        Deliberately not reported: a cancel that ends a test (nothing after it in the test awaits:
        no later statement, no `async with` exit, no `finally` that awaits; sync checks may
        follow). The task cannot run before the test's code is done, and IsolatedAsyncioTestCase
        and pytest's asyncio plugins cancel and gather the tasks a test leaves. A cancel at the
        end of a fixture, a teardown or a helper (an `asynccontextmanager` whose caller goes on)
        is still reported. Nor reported: a cancel on a task already awaited before it (it is
        done: the cancel is a no-op); a cancel followed, later in the same block, by an await of
        what the task works on (a sibling task that can only take the lock once the cancelled one
        has unwound); a cancel followed by a loop step, `sleep(0)`, the deliberate step after
        which tests assert on the state the cancellation left. A longer sleep is a guess at how
        long the cleanup takes: it is reported when the task runs a coroutine function the
        checker can read whose unwinding awaits (an `async with` exit, an await in `finally` or
        `except`), which may take any number of loop steps, and accepted when that unwinding is
        one step.
        """,
    why="""
        Cancellation is asynchronous: `cancel()` schedules a CancelledError into the task, which
        runs its `finally` blocks on a later loop iteration. If the test ends first, the cleanup
        runs after the test (or never), and "Task was destroyed but it is pending" follows.
        """,
    example="""
        async def test_release_on_cancel(self):
            async def use_a_connection():
                async with self.pool.acquire():
                    await asyncio.sleep(3600)

            task = asyncio.create_task(use_a_connection())
            await asyncio.sleep(0)
            task.cancel()
            await asyncio.sleep(0.4)  # wait to make sure the cleanup has completed
            self.assertEqual(self.pool.free, 1)
        """,
    use_instead="""
        async def test_release_on_cancel(self):
            async def use_a_connection():
                async with self.pool.acquire():
                    await asyncio.sleep(3600)

            task = asyncio.create_task(use_a_connection())
            await asyncio.sleep(0)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            self.assertEqual(self.pool.free, 1)
        """,
)

# Uses of a task that deal with its outcome: cancel it, read its result, or check that it finished
# (a test asserting `task.done()` or `task.cancelled()` is about the task's life cycle).
_HANDLING_METHODS = frozenset({"cancel", "result", "exception", "add_done_callback", "done", "cancelled"})
_OUTCOME_METHODS = frozenset({"result", "exception", "done", "cancelled"})
_ESCAPES = (
    ast.Return,
    ast.Yield,
    ast.YieldFrom,
    ast.List,
    ast.Tuple,
    ast.Set,
    ast.Dict,
    ast.Starred,
    ast.keyword,
    ast.Assign,
    ast.AnnAssign,
    ast.comprehension,
    ast.For,
    ast.AsyncFor,
    ast.withitem,
    ast.NamedExpr,
)


class Tasks(Family):
    rules = (ATC301, ATC302, ATC303)
    wanted = (ast.Call,)  # no trigger words: a helper in another module starts tasks under any name

    def check(self, ctx: Context) -> None:
        for call, scope, creator in creations(ctx):
            context = parent(call)
            if isinstance(context, ast.Expr):
                if ctx.enabled(ATC301) and not dropped_tasks.harmless(ctx, call, scope, context, _creation_scopes(ctx)):
                    ctx.report(ATC301, call, creator=creator)
            elif isinstance(context, ast.Assign) and len(context.targets) == 1 and ctx.enabled(ATC302):
                self._kept(ctx, call, scope, context.targets[0])
        if ctx.enabled(ATC303):
            for call, scope in ctx.module.calls_named("cancel"):
                if isinstance(call.func, ast.Attribute) and scope.is_coroutine and not call.args:
                    self._cancel(ctx, call, scope, call.func.value)

    def _kept(self, ctx: Context, call: ast.Call, scope: Scope, target: ast.expr) -> None:
        reads = ctx.resolver.stored_reads(target, scope)
        if reads is None or any(_handles(read) for read in reads):
            return
        advice = (
            "await it, or cancel and await it in a finally block"
            if isinstance(target, ast.Name)
            else "cancel and await it in a cleanup (self.addAsyncCleanup) or in asyncTearDown"
        )
        ctx.report(ATC302, call, name=describe(target), advice=advice)

    def _cancel(self, ctx: Context, call: ast.Call, scope: Scope, task: ast.expr) -> None:
        function = scope.function
        assert function is not None
        if isinstance(task, ast.Name):
            made_by = _task_made_by(ctx, task.id, scope)
            reads: list[ast.expr] = list(scope.reads(task.id))
            later = [r for r in reads if after(r, call)]
        elif isinstance(task, ast.Attribute) and is_self(task.value, scope):
            cls = function.owner
            assert cls is not None
            made_by = _self_task_made_by(ctx, cls, task.attr)
            reads = list(ctx.resolver.self_attribute_reads(cls, task.attr))
            later = [r for r in reads if after(r, call) or not inside(r, function.node)]
        else:
            return
        if not made_by or any(_awaits_or_hands_on(read) for read in later):
            return
        earlier = [r for r in reads if r is not task and not after(r, call) and inside(r, function.node)]
        if not cancelled_tasks.takes_effect(ctx, call, scope, earlier, made_by, _creation_scopes(ctx)):
            ctx.report(ATC303, call, _await_cancelled_fix(call, task), name=describe(task))


def _handles(read: ast.expr) -> bool:
    """Does this use of a task let someone await, cancel or collect it?"""
    context = parent(read)
    if isinstance(context, ast.Await):
        return True
    if isinstance(context, ast.Call):
        return read is not context.func  # passed to gather/wait/a cleanup/a helper
    if isinstance(context, ast.Attribute):
        return context.attr in _HANDLING_METHODS
    return isinstance(context, _ESCAPES)


def _awaits_or_hands_on(read: ast.expr) -> bool:
    """After ``cancel()``: awaited, handed to someone who can await it, or its outcome checked
    (``task.cancelled()``: the test steps the loop on purpose and verifies the cancellation)."""
    context = parent(read)
    if isinstance(context, ast.Await):
        return True
    if isinstance(context, ast.Call):
        return read is not context.func
    if isinstance(context, ast.Attribute):
        return context.attr in _OUTCOME_METHODS
    return isinstance(context, _ESCAPES)


def _task_made_by(ctx: Context, name: str, scope: Scope) -> list[ast.Call]:
    """The calls that started the task ``name`` holds, when every binding of it in this function
    stores a task it must look after (else nothing)."""
    bindings = scope.bindings.get(name, [])
    creations = _creation_scopes(ctx)
    if bindings and all(b.kind == "assign" and b.index is None and b.value in creations for b in bindings):
        return [b.value for b in bindings]  # type: ignore[misc]
    return []


def _self_task_made_by(ctx: Context, cls: ClassInfo, attr: str) -> list[ast.Call]:
    """The same for ``self.<attr>``, across the class and its bases."""
    creations = _creation_scopes(ctx)
    for entry in ctx.resolver.mro(cls) or ():
        if isinstance(entry, ClassInfo) and attr in entry.self_attrs:
            assigned = [value for value, _ in entry.self_attrs[attr]]
            return assigned if all(value in creations for value in assigned) else []  # type: ignore[return-value]
    return []


def _creation_scopes(ctx: Context) -> dict[ast.Call, Scope]:
    """Every call in the module that starts a task, with the scope it runs in."""
    cached = ctx.cache.get("task_creation_scopes")
    if cached is None:
        cached = ctx.cache["task_creation_scopes"] = {call: scope for call, scope, _ in creations(ctx)}
    return cached  # type: ignore[return-value]


def _await_cancelled_fix(call: ast.Call, task: ast.expr) -> Fix | None:
    """After ``task.cancel()``: ``with contextlib.suppress(asyncio.CancelledError): await task``.
    Unsafe: the test now waits for the task's cleanup, which may itself hang or raise."""
    statement = parent(call)
    if not isinstance(statement, ast.Expr):
        return None
    code = ast.unparse(task)

    def apply(node: Any, module: Any) -> Any:
        import libcst as cst

        waiting = cst.parse_statement(
            f"with contextlib.suppress(asyncio.CancelledError):{module.default_newline}"
            f"{module.default_indent}await {code}{module.default_newline}",
            config=module.config_for_parsing,
        )
        return cst.FlattenSentinel([node, waiting])

    return Fix(
        Edit(statement, "SimpleStatementLine", apply), imports=[("contextlib", None, None), ("asyncio", None, None)]
    )
