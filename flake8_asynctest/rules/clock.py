"""What depends on the clock alone: a loop that ends at a deadline (or after so many rounds) waits for
no other task."""

from __future__ import annotations

import ast

from ..analysis.model import Scope, parent
from ..analysis.walk import descendants
from ..context import Context

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_LOOPS = (ast.While, ast.For, ast.AsyncFor)
_LEAVING: tuple[type[ast.stmt], ...] = (ast.Break, ast.Return)
CLOCKS = frozenset(
    {
        "time.time",
        "time.monotonic",
        "time.perf_counter",
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "anyio.current_time",
        "trio.current_time",
    }
)


def reads_clock(ctx: Context, expr: ast.expr, scope: Scope) -> bool:
    """``expr`` reads a clock: ``time.monotonic()``, ``datetime.now()``, ``loop.time()``..."""
    return any(is_clock_call(ctx, node, scope) for node in (expr, *descendants(expr)))


def is_clock_call(ctx: Context, node: ast.AST, scope: Scope) -> bool:
    """``node`` is itself a call that reads a clock."""
    if not isinstance(node, ast.Call):
        return False
    if isinstance(node.func, ast.Attribute) and node.func.attr == "time" and not node.args:
        return True  # loop.time()
    return ctx.resolver.call_name(node, scope) in CLOCKS


def ends_on_the_clock(ctx: Context, loop: ast.While, scope: Scope) -> bool:
    """Every way out of the loop (its condition, an ``if ...: break`` or return) compares the
    clock with fixed values: ``while time.time() - start < duration``, ``if remaining <= 0`` with
    ``remaining = deadline - time.monotonic()``."""
    exits = exit_tests(loop)
    return bool(exits) and all(clock_only(ctx, test, scope) for test in exits)


def is_bounded(ctx: Context, loop: ast.While, scope: Scope) -> bool:
    """Some way out of the loop (its condition, or an ``if`` that breaks, returns or raises) depends
    on the clock alone or on a count of its rounds: ``while not done and loop.time() < deadline``,
    ``if loop.time() > deadline: raise TimeoutError``, ``if count > 100: raise``. The loop waits at
    most that long."""
    for test in exit_tests(loop, leaving=_LEAVING + (ast.Raise,)):
        whole = ast.And if test is loop.test else ast.Or  # the loop's condition must hold, a break's fire
        parts = test.values if isinstance(test, ast.BoolOp) and isinstance(test.op, whole) else [test]
        if any(clock_only(ctx, part, scope) or _caps_rounds(part, loop) for part in parts):
            return True
    return False


def _caps_rounds(test: ast.expr, loop: ast.While) -> bool:
    """``test`` compares a counter the loop's body increments with a number, in the direction that
    ends the loop: ``count > 100`` to leave, ``count < 100`` to go on."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return False
    left, op, right = test.left, test.ops[0], test.comparators[0]
    if isinstance(right, ast.Name) and isinstance(left, ast.Constant) and type(op) in _MIRRORED:
        left, right, op = right, left, _MIRRORED[type(op)]()
    if not (isinstance(left, ast.Name) and _is_count(right) and _counts(loop, left.id)):
        return False
    stays = test is loop.test  # the loop's condition: true while it may go on
    return isinstance(op, (ast.Lt, ast.LtE) if stays else (ast.Gt, ast.GtE, ast.Eq))


_MIRRORED: dict[type, type] = {ast.Lt: ast.Gt, ast.LtE: ast.GtE, ast.Gt: ast.Lt, ast.GtE: ast.LtE, ast.Eq: ast.Eq}


def _is_count(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and type(expr.value) is int


def _counts(loop: ast.While, name: str) -> bool:
    """The loop's body adds a positive number to ``name`` each time round (``count += 1``)."""
    return any(
        isinstance(node, ast.AugAssign)
        and isinstance(node.op, ast.Add)
        and isinstance(node.target, ast.Name)
        and node.target.id == name
        and _is_count(node.value)
        and node.value.value > 0  # type: ignore[attr-defined]
        for node in loop.body
    )


def exit_tests(loop: ast.While, leaving: tuple[type[ast.stmt], ...] = _LEAVING) -> list[ast.expr]:
    """What decides that the loop ends: its condition, and the tests of ``if ...: break`` (or
    return, or what ``leaving`` names) in its body; none for ``while True`` that only ends when
    cancelled."""
    tests = [] if isinstance(loop.test, ast.Constant) and loop.test.value else [loop.test]
    for statement in loop.body:
        for node in (statement, *descendants(statement, stop=_SCOPES + _LOOPS)):
            if isinstance(node, ast.If) and any(
                isinstance(n, leaving) for s in node.body for n in (s, *descendants(s, stop=_SCOPES))
            ):
                tests.append(node.test)
    return tests


def clock_only(ctx: Context, test: ast.expr, scope: Scope) -> bool:
    """``test`` reads the clock, and otherwise only parameters and locals computed from the clock."""
    clocked = False
    inside_clock: set[int] = set()  # what a clock read is made of: ``asyncio.get_running_loop().time()``
    for node in (test, *descendants(test)):
        if id(node) in inside_clock:
            continue
        if isinstance(node, ast.Call):
            if not reads_clock(ctx, node, scope):
                return False
            clocked = True
            inside_clock.update(id(inner) for inner in descendants(node.func))
        elif isinstance(node, ast.Attribute) and not isinstance(parent(node), ast.Call):
            return False  # state on an object
        elif isinstance(node, ast.Name) and not isinstance(parent(node), ast.Attribute):
            bindings = scope.bindings.get(node.id, [])
            if bindings and all(b.kind == "param" for b in bindings):
                continue  # fixed for this call
            if not bindings or not all(
                b.kind == "assign" and b.value is not None and reads_clock(ctx, b.value, scope) for b in bindings
            ):
                return False
            clocked = True
    return clocked
