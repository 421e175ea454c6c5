"""ATC301's judgement: which dropped tasks a test can live with.

A dropped task hurts a test when nothing the test waits on or checks depends on it: its exception
is lost and the test passes. When the test's next wait is on the state the task was handed, or a
later check reads that state, a task that fails makes the test fail or hang instead: keeping a
reference would add nothing a maintainer would take. Tasks that are not the test's (a callback's),
or that have nothing to lose (they only store constants and sleep), are left alone too.
"""

from __future__ import annotations

import ast
from collections.abc import Collection

from ..analysis.model import FunctionInfo, Scope, parent
from ..analysis.usage import after, source_key
from ..analysis.values import Func
from ..context import Context
from .task_creations import coroutine_of
from .task_state import (
    coroutine_functions,
    following,
    keys_checked,
    keys_read,
    method_self,
    own_subnodes,
    sleep_calls,
    spread,
    task_keys,
)

_RAISES_METHODS = frozenset({"assertRaises", "assertRaisesRegex", "assertRaisesRegexp"})
_LOOP_RUNNERS = frozenset({"run_until_complete", "run_forever"})


def harmless(
    ctx: Context, call: ast.Call, scope: Scope, statement: ast.Expr, creations: dict[ast.Call, Scope]
) -> bool:
    """Is the task that ``call`` starts and ``statement`` drops one the test does not lose?
    ``creations``: every call in the module that starts a task, with the scope it runs in."""
    return (
        _expected_to_raise(ctx, statement, scope)
        or _started_by_callback(ctx, scope)
        or _reschedules_itself(ctx, call, scope, creations)
        or _acts_on_its_creator(ctx, call, scope)
        or _cannot_fail(ctx, call, scope)
        or _observed(ctx, call, scope, statement, creations)
    )


def _expected_to_raise(ctx: Context, statement: ast.stmt, scope: Scope) -> bool:
    """The last statement of a ``with self.assertRaises(...)``/``pytest.raises(...)`` block: the
    call is expected to raise, so no task is made."""
    holder = parent(statement)
    return (
        isinstance(holder, (ast.With, ast.AsyncWith))
        and holder.body[-1] is statement
        and _raises_block(ctx, holder, scope)
    )


def _raises_block(ctx: Context, block: ast.With | ast.AsyncWith, scope: Scope) -> bool:
    """A ``with self.assertRaises(...)`` or ``pytest.raises(...)`` block."""
    for item in block.items:
        manager = item.context_expr
        target = manager.func if isinstance(manager, ast.Call) else manager
        if isinstance(target, ast.Attribute) and target.attr in _RAISES_METHODS:
            return True
        if ctx.resolver.qualname(target, scope) == "pytest.raises":
            return True
    return False


def _started_by_callback(ctx: Context, scope: Scope) -> bool:
    """A function, not a test, that is handed on as a value (a timer's or a server's callback, a
    proxy's data hook): it runs on its caller's schedule (a plain def cannot even await), and the
    task it starts belongs to whatever runs the callback."""
    function = scope.function
    if scope.kind != "function" or function is None or ctx.tests.is_test_body(function):
        return False
    if function.owner is None:
        reads: list[ast.expr] = list(function.parent.reads(function.name))
    else:
        reads = list(ctx.resolver.self_attribute_reads(function.owner, function.name))
    return any(not _called(read) for read in reads)


def _called(read: ast.expr) -> bool:
    context = parent(read)
    return isinstance(context, ast.Call) and context.func is read


def _reschedules_itself(ctx: Context, call: ast.Call, scope: Scope, creations: dict[ast.Call, Scope]) -> bool:
    """A coroutine function that starts a task of itself: a chain of tasks standing in for a loop
    (CPython's tests leave an async generator unfinalised this way). Neither its links nor the
    start of the chain can keep a reference without changing what is tested."""
    functions = coroutine_functions(ctx, coroutine_of(ctx, call), scope)
    if not functions:
        return False
    return any(
        inner_scope.function in functions
        and inner_scope.function in coroutine_functions(ctx, coroutine_of(ctx, inner), inner_scope)
        for inner, inner_scope in creations.items()
    )


def _acts_on_its_creator(ctx: Context, call: ast.Call, scope: Scope) -> bool:
    """The task is handed ``asyncio.current_task()``: a watchdog that cancels or interrupts the
    code that started it, whose next await is where the task's work shows."""
    coroutine = coroutine_of(ctx, call)
    if not isinstance(coroutine, ast.Call):
        return False
    return any(
        isinstance(argument, ast.Call) and ctx.resolver.call_name(argument, scope) == "asyncio.current_task"
        for argument in (*coroutine.args, *(keyword.value for keyword in coroutine.keywords))
    )


def _cannot_fail(ctx: Context, call: ast.Call, scope: Scope) -> bool:
    """The task runs a coroutine function the checker can read that only stores constants and
    sleeps (a switch turned off for a while, then on again): there is no exception to lose, and
    the sleeping task is held by the loop's timer until it ends by itself."""
    functions = coroutine_functions(ctx, coroutine_of(ctx, call), scope)
    sleeps = sleep_calls(ctx)
    return bool(functions) and all(
        _stores_or_sleeps(statement, sleeps) for function in functions for statement in function.node.body
    )


def _stores_or_sleeps(statement: ast.stmt, sleeps: set[int]) -> bool:
    if isinstance(statement, ast.Expr):  # a docstring, or an awaited sleep
        value = statement.value
        return isinstance(value, ast.Constant) or isinstance(value, ast.Await) and id(value.value) in sleeps
    if isinstance(statement, (ast.Assign, ast.AnnAssign)):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        return isinstance(statement.value, ast.Constant) and all(
            isinstance(target, ast.Name) or isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
            for target in targets
        )
    return isinstance(statement, (ast.Pass, ast.Global, ast.Nonlocal))


def _observed(ctx: Context, call: ast.Call, scope: Scope, statement: ast.stmt, creations: Collection[ast.AST]) -> bool:
    """Does the test depend on what the task does? Either the test's next wait (the first await
    after the start, where the task first runs) is on the state the task works on (a future it
    resolves, a stream it feeds), or a later assertion checks that state."""
    function = scope.function
    coroutine = coroutine_of(ctx, call)
    if coroutine is None or function is None or _runs_until_stopped(ctx, call, scope, statement):
        return False
    keys = spread(ctx, task_keys(ctx, coroutine, scope), function.scope, creations)
    if not keys:
        return False
    waiting = _next_wait(statement, function, creations)
    if waiting is not None and _waits_on(waiting, keys, scope, function):
        return True
    position = (statement.lineno, statement.col_offset)
    return any(
        (node.lineno, node.col_offset) > position and _checks_state(checked, keys)
        for node, checked in _assertions(ctx, function)
    )


def _runs_until_stopped(ctx: Context, call: ast.Call, scope: Scope, statement: ast.stmt) -> bool:
    """The task runs a coroutine function the checker can read that loops until stopped (a
    ``while True`` with no way out, an ``async for``: a server or a reader), which outlives
    whatever the test waited for. A ``while`` on a condition is a wait that ends by itself, and so
    is a reader whose end the test awaits: after its loop it resolves a future or sets an event
    (``fut.set_result(None)``) that the test then waits for."""
    test = scope.function
    for function in coroutine_functions(ctx, coroutine_of(ctx, call), scope):
        if any(
            isinstance(node, ast.AsyncFor) or (isinstance(node, ast.While) and _endless(node))
            for node in own_subnodes(function.node)[1:]
        ) and not (test is not None and _end_awaited(function, test, statement)):
            return True
    return False


_END_SIGNALS = frozenset({"set_result", "set_exception", "set"})


def _end_awaited(function: FunctionInfo, test: FunctionInfo, start: ast.stmt) -> bool:
    """After its last loop, ``function`` signals its end on something that ``test`` awaits after
    ``start`` (``await fut``, ``await asyncio.wait_for(fut, 1)``, ``await done.wait()``)."""
    body = function.node.body
    loops = [i for i, stmt in enumerate(body) if isinstance(stmt, (ast.AsyncFor, ast.While, ast.For))]
    if not loops:
        return False
    signalled = {
        source_key(node.func.value)
        for stmt in body[loops[-1] + 1 :]
        for node in (stmt, *own_subnodes(stmt))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _END_SIGNALS
    }
    if not signalled:
        return False
    for node in own_subnodes(test.node):
        if isinstance(node, ast.Await) and after(node, start):
            waited = node.value
            if isinstance(waited, ast.Call) and isinstance(waited.func, ast.Attribute) and waited.func.attr == "wait":
                waited = waited.func.value
            elif isinstance(waited, ast.Call) and waited.args:
                waited = waited.args[0]  # asyncio.wait_for(fut, 1), asyncio.shield(fut)
            if source_key(waited) in signalled:
                return True
    return False


def _endless(loop: ast.While) -> bool:
    """``while True:`` with no ``break`` or ``return`` in it."""
    if not (isinstance(loop.test, ast.Constant) and loop.test.value):
        return False
    return not any(isinstance(node, (ast.Break, ast.Return)) for node in own_subnodes(loop))


def _next_wait(statement: ast.stmt, function: FunctionInfo, creations: Collection[ast.AST]) -> ast.stmt | None:
    """The statement where the test first lets the task run after ``statement`` starts it: its
    next statement that awaits (or runs the loop), other dropped tasks and code that cannot let
    the task run passed over; a ``with`` or ``try`` that does not wait on entry is entered (the
    ``await`` in ``with self.assertRaises(...)`` is the wait)."""
    current = following(statement)
    while current is not None:
        if isinstance(current, ast.Expr) and current.value in creations or not _lets_tasks_run(current, function):
            current = following(current)
        elif isinstance(current, (ast.With, ast.Try)) and not _lets_tasks_run(_header(current), function):
            current = current.body[0]
        else:
            return current
    return None


def _lets_tasks_run(node: ast.AST, function: FunctionInfo) -> bool:
    """Does ``node`` await, or, in a sync test, run the event loop?"""
    return any(
        isinstance(inner, (ast.Await, ast.AsyncWith, ast.AsyncFor)) or (not function.is_async and _runs_loop(inner))
        for inner in own_subnodes(node)
    )


def _runs_loop(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _LOOP_RUNNERS


def _waits_on(statement: ast.stmt, keys: set[str], scope: Scope, function: FunctionInfo) -> bool:
    """Does ``statement`` (for a compound one, its header) await something that reads ``keys``?
    In a sync test, running the loop (``run_until_complete``/``run_forever``) is the wait."""
    header = _header(statement)
    if isinstance(statement, (ast.AsyncWith, ast.AsyncFor)) and keys_read(header, scope) & keys:
        return True
    for node in own_subnodes(header):
        if isinstance(node, ast.Await):
            waited: ast.AST = node.value
        elif not function.is_async and _runs_loop(node):
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


def _assertions(ctx: Context, function: FunctionInfo) -> list[tuple[ast.AST, set[str]]]:
    """The checks in ``function``, each with the state it checks: ``assert`` statements,
    ``self.assert*()`` calls (what their arguments read; a helper of the test class, which reads
    ``self``'s state, reads itself) and ``with self.assertRaises(...)``/``pytest.raises(...)``
    blocks (what their body reads). A mock's ``assert_called*`` checks the call, not what the
    task did. Once per function."""
    cache: dict[FunctionInfo, list[tuple[ast.AST, set[str]]]]
    cache = ctx.cache.setdefault("task_assertions", {})  # type: ignore[assignment]
    found = cache.get(function)
    if found is not None:
        return found
    scope = function.scope
    self_name = method_self(scope)
    found = cache[function] = []
    for node in own_subnodes(function.node)[1:]:
        if isinstance(node, ast.Assert):
            found.append((node, keys_checked(node, scope)))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr.startswith("assert")
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == self_name
        ):
            arguments = ast.Tuple(elts=[*node.args, *(keyword.value for keyword in node.keywords)])
            checked = keys_checked(arguments, scope)
            if isinstance(ctx.resolver.value(node.func, scope), Func):
                checked.add("self." + node.func.attr)
            found.append((node, checked))
        elif isinstance(node, (ast.With, ast.AsyncWith)) and _raises_block(ctx, node, scope):
            found.append((node, set().union(*(keys_checked(statement, scope) for statement in node.body))))
    return found


def _checks_state(checked: set[str], keys: set[str]) -> bool:
    """Does a check of ``checked`` look at the state ``keys`` of a task? The objects a test case
    keeps on ``self`` are one fixture, wired together in its setup (a connection and its remote
    end, a client and its server): checking any of them checks what a task driving one did."""
    if checked & keys:
        return True
    return any(key.startswith("self.") for key in checked) and any(key.startswith("self.") for key in keys)
