"""ATC301's judgement: which dropped tasks a test can live with.

A dropped task hurts a test when nothing the test waits on or checks depends on it: its exception
is lost and the test passes. When the test goes on by awaiting the state the task was handed, or
asserts on that state, a task that fails makes the test fail or hang instead: keeping a reference
would add nothing a maintainer would take.
"""

from __future__ import annotations

import ast
from collections.abc import Collection

from ..analysis.model import FunctionInfo, Scope, parent
from ..context import Context
from .task_state import coroutine_functions, following, keys_read, method_self, own_subnodes, spread, task_keys

_RAISES_METHODS = frozenset({"assertRaises", "assertRaisesRegex", "assertRaisesRegexp"})
_LOOP_RUNNERS = frozenset({"run_until_complete", "run_forever"})


def harmless(ctx: Context, call: ast.Call, scope: Scope, statement: ast.Expr, creations: Collection[ast.AST]) -> bool:
    """Is the task that ``call`` starts and ``statement`` drops one the test does not lose?
    ``creations``: every call in the module that starts a task."""
    return (
        _expected_to_raise(ctx, statement, scope)
        or _started_by_callback(ctx, scope)
        or _reschedules_itself(ctx, call, scope, creations)
        or _acts_on_its_creator(ctx, call, scope)
        or _observed(ctx, call, scope, statement, creations)
    )


def _expected_to_raise(ctx: Context, statement: ast.stmt, scope: Scope) -> bool:
    """The last statement of a ``with self.assertRaises(...)``/``pytest.raises(...)`` block: the
    call is expected to raise, so no task is made."""
    holder = parent(statement)
    if not isinstance(holder, (ast.With, ast.AsyncWith)) or holder.body[-1] is not statement:
        return False
    for item in holder.items:
        manager = item.context_expr
        target = manager.func if isinstance(manager, ast.Call) else manager
        if isinstance(target, ast.Attribute) and target.attr in _RAISES_METHODS:
            return True
        if ctx.resolver.qualname(target, scope) == "pytest.raises":
            return True
    return False


def _started_by_callback(ctx: Context, scope: Scope) -> bool:
    """A plain def, not a test, that is handed on as a value (a timer's or a server's callback):
    it cannot await, and the task it starts belongs to whatever runs the callback."""
    function = scope.function
    if scope.kind != "function" or function is None or function.is_async or ctx.tests.is_test_body(function):
        return False
    if function.owner is None:
        reads: list[ast.expr] = list(function.parent.reads(function.name))
    else:
        reads = list(ctx.resolver.self_attribute_reads(function.owner, function.name))
    return any(not _called(read) for read in reads)


def _called(read: ast.expr) -> bool:
    context = parent(read)
    return isinstance(context, ast.Call) and context.func is read


def _reschedules_itself(ctx: Context, call: ast.Call, scope: Scope, creations: Collection[ast.AST]) -> bool:
    """A coroutine function that starts a task of itself: a chain of tasks standing in for a loop
    (CPython's tests leave an async generator unfinalised this way). Neither its links nor the
    start of the chain can keep a reference without changing what is tested."""
    functions = coroutine_functions(ctx, call.args[0], scope) if call.args else []
    if not functions:
        return False
    for inner, inner_scope in ctx.module.calls_named("create_task", "ensure_future"):
        if inner in creations and inner.args and inner_scope.function in functions:
            if inner_scope.function in coroutine_functions(ctx, inner.args[0], inner_scope):
                return True
    return False


def _acts_on_its_creator(ctx: Context, call: ast.Call, scope: Scope) -> bool:
    """The task is handed ``asyncio.current_task()``: a watchdog that cancels or interrupts the
    code that started it, whose next await is where the task's work shows."""
    coroutine = call.args[0] if call.args else None
    if not isinstance(coroutine, ast.Call):
        return False
    return any(
        isinstance(argument, ast.Call) and ctx.resolver.call_name(argument, scope) == "asyncio.current_task"
        for argument in (*coroutine.args, *(keyword.value for keyword in coroutine.keywords))
    )


def _observed(ctx: Context, call: ast.Call, scope: Scope, statement: ast.stmt, creations: Collection[ast.AST]) -> bool:
    """Does the test depend on what the task does? Either the statement right after (other dropped
    tasks aside) awaits the state the task works on (a future it resolves, a stream it feeds), or
    a later assertion reads that state."""
    function = scope.function
    if not call.args or function is None or _runs_until_stopped(ctx, call, scope):
        return False
    keys = spread(ctx, task_keys(ctx, call.args[0], scope), function.scope)
    if not keys:
        return False
    after = following(statement)
    while isinstance(after, ast.Expr) and after.value in creations:
        after = following(after)
    if after is not None and _waits_on(after, keys, scope, function):
        return True
    position = (statement.lineno, statement.col_offset)
    return any(
        (node.lineno, node.col_offset) > position and keys_read(node, scope) & keys
        for node in _assertions(ctx, function)
    )


def _runs_until_stopped(ctx: Context, call: ast.Call, scope: Scope) -> bool:
    """The task runs a coroutine function the checker can read that loops (``while``,
    ``async for``): a server or a poller, which outlives whatever the test waited for."""
    return any(
        isinstance(node, (ast.While, ast.AsyncFor))
        for function in coroutine_functions(ctx, call.args[0], scope)
        for node in own_subnodes(function.node)[1:]
    )


def _waits_on(statement: ast.stmt, keys: set[str], scope: Scope, function: FunctionInfo) -> bool:
    """Does ``statement`` (for a compound one, its header) await something that reads ``keys``?
    In a sync test, running the loop (``run_until_complete``/``run_forever``) is the wait."""
    header = _header(statement)
    if isinstance(statement, (ast.AsyncWith, ast.AsyncFor)) and keys_read(header, scope) & keys:
        return True
    for node in own_subnodes(header):
        if isinstance(node, ast.Await):
            waited: ast.AST = node.value
        elif (
            not function.is_async
            and isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _LOOP_RUNNERS
        ):
            waited = node
        else:
            continue
        if keys_read(waited, scope) & keys:
            return True
    return False


def _header(statement: ast.stmt) -> ast.AST:
    """A simple statement, or the part of a compound one that runs before its body."""
    if isinstance(statement, (ast.With, ast.AsyncWith)):
        return ast.Tuple(elts=[item.context_expr for item in statement.items])
    if isinstance(statement, (ast.If, ast.While)):
        return statement.test
    if isinstance(statement, (ast.For, ast.AsyncFor)):
        return statement.iter
    if isinstance(statement, (ast.Try, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return ast.Pass()
    return statement


def _assertions(ctx: Context, function: FunctionInfo) -> list[ast.AST]:
    """``assert`` statements and ``self.assert*()`` calls in ``function`` (not a mock's
    ``assert_called*``, which checks the call, not what the task did). Once per function."""
    cache: dict[FunctionInfo, list[ast.AST]] = ctx.cache.setdefault("task_assertions", {})  # type: ignore[assignment]
    found = cache.get(function)
    if found is None:
        self_name = method_self(function.scope)
        found = cache[function] = [
            node
            for node in own_subnodes(function.node)[1:]
            if isinstance(node, ast.Assert)
            or (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr.startswith("assert")
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == self_name
            )
        ]
    return found
