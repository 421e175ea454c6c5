"""ATC303's judgement: when a ``task.cancel()`` that is never followed by ``await task`` still
takes effect before the test goes on, or the test does not go on at all.

``cancel()`` only schedules a CancelledError into the task; the task unwinds on a later loop
iteration. The test has seen the unwinding finish when the task was already done (awaited before:
the cancel is a no-op), or when, later in the same block, it awaits what the task works on (a
sibling task waiting on the lock the cancelled one holds), or runs the loop with a sleep: a
``sleep(0)`` is a deliberate step whose effect the test then checks; a longer sleep is a guess at
how long the cleanup takes, which only holds when the task's unwinding has nothing to await. A
coroutine whose cleanup awaits (an ``async with`` exit, an await in ``finally``/``except``) needs
an unknown number of steps: only awaiting the task tells when it is done. A cancel after which the
test awaits nothing more ends the test: its runner cancels and gathers the tasks left, and none of
the test's code runs alongside the unwinding.
"""

from __future__ import annotations

import ast

from ..analysis.known import Runner
from ..analysis.model import Scope, parent
from ..context import Context
from .task_creations import coroutine_of
from .task_state import (
    NEW_SCOPES,
    coroutine_functions,
    keys_read,
    own_subnodes,
    rest_of_block,
    sleep_calls,
    task_keys,
)

_TRIES = (ast.Try, getattr(ast, "TryStar", ast.Try))  # ``try/except*`` from Python 3.11
_CONDITIONAL = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.ExceptHandler, ast.match_case)


def takes_effect(
    ctx: Context,
    call: ast.Call,
    scope: Scope,
    earlier: list[ast.expr],
    task: list[ast.Call],
    creations: dict[ast.Call, Scope],
) -> bool:
    """Does the cancellation ``call`` asks for finish before the test goes on? ``earlier``: the
    reads of the task before the cancel in this function; ``task``: the calls that made it;
    ``creations``: every call in the module that starts a task, with its scope."""
    statement = _statement_of(call)
    if statement is None:
        return False
    if any(isinstance(parent(read), ast.Await) and _ran_before(read, statement) for read in earlier):
        return True  # already done: cancel() is a no-op
    if _ends_the_test(ctx, statement, scope):
        return True  # nothing of the test runs alongside the unwinding: the runner finishes it
    keys = set()
    for creation in task:
        if creations[creation] is scope:
            keys |= _keys_of(ctx, creation, scope)
    cleanup_awaits = any(_cleanup_awaits(ctx, creation, creations[creation]) for creation in task)
    sleeps = sleep_calls(ctx)
    for following in rest_of_block(statement):
        for node in own_subnodes(following):
            if not isinstance(node, ast.Await):
                continue
            if id(node.value) in sleeps and (not cleanup_awaits or _one_step(node.value)):
                return True  # the loop runs: the task unwinds in it
            if keys and _waited_keys(ctx, node.value, scope, creations) & keys:
                return True  # waits on what the cancelled task holds
    return False


def _ends_the_test(ctx: Context, statement: ast.stmt, scope: Scope) -> bool:
    """Is ``statement`` the test's last chance to let the task run: a test (not a fixture or a
    helper, whose caller goes on) run by a runner that cancels and gathers the tasks left when
    it ends (IsolatedAsyncioTestCase, pytest's asyncio plugins), where nothing after the cancel
    awaits: no later statement, no ``async with`` exit or ``async for`` step around it, no
    ``finally`` that awaits. The task cannot run before the test's code is done, so none of it
    depends on the cancellation finishing."""
    function = scope.function
    tests = ctx.tests
    if function is None or function in tests.fixtures or not tests.is_test_function(function):
        return False
    cls = tests.unittest_class(function)
    if cls is not None and tests.runner(cls) is not Runner.ISOLATED:
        return False
    node: ast.AST = statement
    while node is not function.node:
        holder = parent(node)
        if holder is None or isinstance(holder, (ast.AsyncWith, ast.For, ast.AsyncFor, ast.While)):
            return False  # the block's exit awaits, or the loop runs more of the test
        for field in ("body", "orelse", "finalbody", "handlers"):
            block = getattr(holder, field, None)
            if isinstance(block, list) and node in block:
                later = block[block.index(node) + 1 :]
                if isinstance(holder, _TRIES) and field != "finalbody":  # its else, then its finally, run next
                    later += [*(holder.orelse if field == "body" else ()), *holder.finalbody]
                if any(_awaits(item) for item in later):
                    return False
                break
        node = holder
    return True


def _awaits(node: ast.AST) -> bool:
    return any(isinstance(inner, (ast.Await, ast.AsyncWith, ast.AsyncFor)) for inner in own_subnodes(node))


def _one_step(sleep: ast.expr) -> bool:
    """``sleep(0)``: one deliberate loop step, not a guess at how long something takes."""
    assert isinstance(sleep, ast.Call)
    delays = [*sleep.args[:1], *(k.value for k in sleep.keywords if k.arg in ("delay", "seconds"))]
    return any(isinstance(delay, ast.Constant) and delay.value == 0 for delay in delays)


def _statement_of(node: ast.AST) -> ast.stmt | None:
    """The statement ``node`` is part of."""
    current = parent(node)
    while current is not None and not isinstance(current, ast.stmt):
        current = parent(current)
    return current


def _ran_before(node: ast.AST, statement: ast.stmt) -> bool:
    """``node`` runs, unconditionally, in a statement of a block before ``statement`` (or one
    of the statements around it) in the same function."""
    chain: dict[int, ast.AST] = {}  # the statements around ``statement``, each with its holder
    current: ast.AST | None = statement
    while current is not None and not isinstance(current, NEW_SCOPES):
        holder = parent(current)
        if holder is not None:
            chain[id(current)] = holder
        current = holder
    current = node
    while True:
        holder = parent(current)
        if holder is None:
            return False
        if isinstance(current, ast.stmt) and _earlier_in(current, holder, chain):
            return True
        if isinstance(holder, _CONDITIONAL + NEW_SCOPES):
            return False
        current = holder


def _earlier_in(statement: ast.AST, holder: ast.AST, chain: dict[int, ast.AST]) -> bool:
    """Is ``statement`` in a block of ``holder`` that also holds, later, one of ``chain``?"""
    for field in ("body", "orelse", "finalbody"):
        block = getattr(holder, field, None)
        if not isinstance(block, list):
            continue
        positions = [index for index, item in enumerate(block) if item is statement]
        if positions:
            return any(chain.get(id(item)) is holder for item in block[positions[0] + 1 :])
    return False


def _keys_of(ctx: Context, creation: ast.Call, scope: Scope) -> set[str]:
    coroutine = coroutine_of(ctx, creation)
    return task_keys(ctx, coroutine, scope) if coroutine is not None else set()


def _waited_keys(ctx: Context, waited: ast.expr, scope: Scope, creations: dict[ast.Call, Scope]) -> set[str]:
    """The state an awaited expression reads; a task it names stands for its coroutine's state
    (``await asyncio.wait_for(second, 1)`` waits on what ``second`` works on)."""
    keys = keys_read(waited, scope)
    for name in list(keys):
        for binding in scope.bindings.get(name, ()):
            value = binding.value
            if binding.kind == "assign" and isinstance(value, ast.Call) and value in creations:
                keys |= _keys_of(ctx, value, scope)
    return keys


def _cleanup_awaits(ctx: Context, creation: ast.Call, scope: Scope) -> bool:
    """The task runs a coroutine function the checker can read whose cancellation has to await
    on its way out: an ``async with`` exit, or an await in a ``finally`` or ``except`` block."""
    for function in coroutine_functions(ctx, coroutine_of(ctx, creation), scope):
        for node in own_subnodes(function.node)[1:]:
            if isinstance(node, ast.AsyncWith):
                return True
            if isinstance(node, ast.Try) and any(
                isinstance(inner, ast.Await)
                for block in (node.finalbody, *(handler.body for handler in node.handlers))
                for statement in block
                for inner in own_subnodes(statement)
            ):
                return True
    return False
