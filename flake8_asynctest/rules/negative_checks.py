"""A wait followed only by checks that nothing has happened yet (ATC401, ATC403).

``task = create_task(c.getone()); await sleep(0.1); assert not task.done()`` cannot fail for being
too short: when the task is late the check still holds, it only shows less. The wait is a
synchronisation again when what follows depends on the other side having started: a task the test
cancels (one cancelled before it runs never runs its body), one it leaves in flight while it measures
something else, or state the test goes on to use. So such a wait is left alone only when every task
or event the checks name is then waited for by the test itself, uncancelled (it completes whether or
not it had started), or when the test ends with the checks.

The checks are the assertions between the wait and the test's next await (no other task runs in
between). Negative: a task not done, an event not set, a mock not called, or a check repeated
unchanged from before the wait. ``x is None``, ``not x`` or ``x == []`` alone do not count (a
queue drained or a key deleted is what a wait waits for), only next to one of those.
"""

from __future__ import annotations

import ast

from ..analysis.model import FunctionInfo, parent
from ..analysis.usage import block_of, own_nodes, source_key
from ..analysis.walk import descendants

_NEGATING_METHODS = frozenset({"assertFalse", "assertIsNone", "assertNotIn"})
_EQUALITY_METHODS = frozenset({"assertEqual", "assertEquals", "assertIs"})
_NOT_CALLED = frozenset({"assert_not_called", "assert_not_awaited"})
_CALL_MARKERS = frozenset({"called", "call_count", "await_count", "awaited"})
_EMPTY_CALLS = frozenset({"set", "list", "dict", "tuple", "frozenset"})
_TASK_STATES = frozenset({"done", "cancelled"})
_SUSPENDING = (ast.Await, ast.AsyncWith, ast.AsyncFor, ast.Yield, ast.YieldFrom)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def only_shows_nothing_happened(statement: ast.stmt, function: FunctionInfo) -> bool:
    """The checks after ``statement`` (a sleep, or a loop of them) say that something has not
    happened, and nothing after them depends on the other side's progress."""
    located = block_of(statement)
    if located is None:
        return False
    block, index = located
    run = _until_next_await(block[index + 1 :])
    checks = [s for s in run if _is_check(s)]
    unchanged = _held_until(block, index)
    subjects: list[tuple[str, str]] = []
    shown = False
    for check in checks:
        negated = _negated(check)
        if source_key(check) == unchanged:
            shown = True  # the check that held just before the wait: the value did not move
        elif negated is None:
            return False
        elif _not_happened(negated):
            shown = True
        awaited = _awaitable(negated) if negated is not None else None
        if awaited is not None:
            subjects.append(awaited)
    if not shown:
        return False
    if subjects:
        return all(_waited_for_later(function, statement, receiver, kind) for receiver, kind in subjects)
    return _test_ends_with(run[-1], function)


def _held_until(block: list[ast.stmt], index: int) -> str | None:
    """The last check before the wait, when it still held as the wait began: nothing between them
    suspended (no other task ran) or rebound a name it reads (``count = 0``)."""
    for position in range(index - 1, -1, -1):
        if _is_check(block[position]):
            read = {source_key(n) for n in descendants(block[position]) if isinstance(n, (ast.Name, ast.Attribute))}
            for statement in block[position + 1 : index]:
                for node in (statement, *descendants(statement, stop=_SCOPES)):
                    if isinstance(node, _SUSPENDING):
                        return None
                    stored = isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Store)
                    if stored and source_key(node) in read:
                        return None
            return source_key(block[position])
    return None


def _until_next_await(statements: list[ast.stmt]) -> list[ast.stmt]:
    """The statements that run before the test next suspends, and a check that suspends itself
    (``assert await c.get() == 1``): they all see the moment the wait ended."""
    run = []
    for statement in statements:
        if any(isinstance(n, _SUSPENDING) for n in (statement, *descendants(statement, stop=_SCOPES))):
            if _is_check(statement):
                run.append(statement)
            break
        run.append(statement)
    return run


def _is_check(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Assert):
        return True
    value = statement.value if isinstance(statement, ast.Expr) else None
    func = value.func if isinstance(value, ast.Call) else None
    return isinstance(func, ast.Attribute) and func.attr.startswith("assert")


def _negated(check: ast.stmt) -> ast.expr | None:
    """What a negative check says has not happened (the expression checked), else None."""
    if isinstance(check, ast.Assert):
        test = check.test
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return test.operand
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            op, right = test.ops[0], test.comparators[0]
            if isinstance(op, ast.NotIn):
                return test.left
            if isinstance(op, (ast.Eq, ast.Is)) and _falsy(right):
                return test.left
            if isinstance(op, (ast.Eq, ast.Is)) and _falsy(test.left):
                return right
        return None
    call: ast.Call = check.value  # type: ignore[attr-defined]
    method = call.func.attr  # type: ignore[attr-defined]
    if method in _NOT_CALLED:
        return call
    if method in _NEGATING_METHODS and call.args:
        return call.args[0]
    if method in _EQUALITY_METHODS and len(call.args) >= 2:
        first, second = call.args[:2]
        if _falsy(second):
            return first
        if _falsy(first):
            return second
    return None


def _falsy(expr: ast.expr) -> bool:
    if isinstance(expr, ast.Constant):
        return not expr.value
    if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
        return not expr.elts
    if isinstance(expr, ast.Dict):
        return not expr.keys
    return (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Name)
        and expr.func.id in _EMPTY_CALLS
        and not expr.args
        and not expr.keywords
    )


def _not_happened(negated: ast.expr) -> bool:
    """``negated`` only ever turns true once something happened: a task done, an event set, a mock
    called (``m.called``, ``m.call_count``)."""
    if isinstance(negated, ast.Attribute):
        return negated.attr in _CALL_MARKERS
    if _awaitable(negated) is not None:
        return True
    return (
        isinstance(negated, ast.Call)
        and isinstance(negated.func, ast.Attribute)
        and negated.func.attr in _NOT_CALLED
    )


def _awaitable(negated: ast.expr) -> tuple[str, str] | None:
    """``task.done()`` names a task, ``event.is_set()`` an event: (the receiver's source, its kind)."""
    if isinstance(negated, ast.Call) and isinstance(negated.func, ast.Attribute) and not negated.args:
        method = negated.func.attr
        if method in _TASK_STATES:
            return source_key(negated.func.value), "task"
        if method == "is_set":
            return source_key(negated.func.value), "event"
    return None


def _waited_for_later(function: FunctionInfo, wait: ast.stmt, receiver: str, kind: str) -> bool:
    """After ``wait`` the test awaits the task (``await t``, ``wait_for(t)``, ``t.result()``)
    or the event's ``wait()``, and does not cancel the task first."""
    nodes = sorted(
        (n for n in own_nodes(function.node) if isinstance(n, (ast.Await, ast.Call)) and _beyond(n, wait)),
        key=lambda n: (n.lineno, n.col_offset),
    )
    for node in nodes:
        if isinstance(node, ast.Await):
            if _names(node.value, receiver, kind):
                return True
            waited = node.value
            if isinstance(waited, ast.Call) and any(_names(arg, receiver, kind) for arg in waited.args):
                return True  # asyncio.wait_for(t, 1), gather(t)
        elif isinstance(node.func, ast.Attribute) and source_key(node.func.value) == receiver:
            if node.func.attr == "cancel":
                return False
            if kind == "task" and node.func.attr in ("result", "exception"):
                return True
    return False


def _names(expr: ast.expr, receiver: str, kind: str) -> bool:
    if kind == "task":
        return source_key(expr) == receiver
    return (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr == "wait"
        and source_key(expr.func.value) == receiver
    )


def _beyond(node: ast.AST, statement: ast.stmt) -> bool:
    end = (statement.end_lineno, statement.end_col_offset)
    return (node.lineno, node.col_offset) >= end  # type: ignore[attr-defined,operator]


def _test_ends_with(statement: ast.stmt, function: FunctionInfo) -> bool:
    """Nothing of the test runs after ``statement`` but the exits of the ``with`` blocks holding it."""
    current: ast.AST = statement
    while current is not function.node:
        located = block_of(current)  # type: ignore[arg-type]
        if located is None:
            return False
        block, index = located
        if index != len(block) - 1:
            return False
        holder = parent(current)
        if holder is not function.node and not isinstance(holder, (ast.With, ast.AsyncWith)):
            return False
        current = holder  # type: ignore[assignment]
    return True
