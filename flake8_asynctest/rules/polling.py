"""Which sleeping loops poll for another task (ATC403).

A loop polls when it only sleeps while it waits for in-process state (an attribute, a local, a
mock's call count) that another task will change: an Event would say exactly when. A loop that
awaits other work each time round (generating traffic, querying a database, a remote service or a
subprocess, which have no in-process event) paces that work, as a loop reading a ``multiprocessing``
primitive waits for another process; a loop without a condition waits to be
cancelled, and one with a deadline or a cap on its rounds among its exits (``if loop.time() >
deadline: raise``, ``if count > 100: break``), or only the clock, waits at most that long.
Stepping the loop ``n`` times is white-box on purpose when every task the test started is a
coroutine of its own whose awaits are all on asyncio's primitives: its steps are known.
"""

from __future__ import annotations

import ast

from ..analysis.known import SLEEPS
from ..analysis.model import FunctionInfo, Scope
from ..analysis.values import Obj
from ..analysis.walk import descendants
from ..context import Context
from .clock import exit_tests, is_bounded
from .sleep_purpose import made_by, started_children

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def polls_state(ctx: Context, loop: ast.While, scope: Scope, sleeps: set[int]) -> bool:
    """The loop awaits nothing but its sleeps, and its exit reads something another task may change
    with no bound: a poll bounded by the clock or a count of rounds is the robust form of a fixed
    sleep, it neither hangs nor fails early."""
    for root in (loop.test, *loop.body):
        for node in (root, *descendants(root, stop=_SCOPES)):
            if isinstance(node, (ast.AsyncWith, ast.AsyncFor)):
                return False
            if isinstance(node, ast.Await) and id(node.value) not in sleeps:
                return False  # real work each time round, or a remote state that has no event
    exits = exit_tests(loop)
    return bool(exits) and not is_bounded(ctx, loop, scope) and not _reads_another_process(ctx, exits, scope)


def _reads_another_process(ctx: Context, exits: list[ast.expr], scope: Scope) -> bool:
    """An exit reads a ``multiprocessing`` primitive (``stop.is_set()`` on a ``multiprocessing.Event``):
    another process sets it, and asyncio has nothing to await on it."""
    return any(
        made_by(ctx, node, scope, ("multiprocessing.",))
        for test in exits
        for node in (test, *descendants(test))
        if isinstance(node, (ast.Name, ast.Attribute))
    )


def steps_known_tasks(ctx: Context, loop: ast.For, test: FunctionInfo) -> bool:
    """Every task started before the loop is a coroutine of this file awaiting only asyncio's
    primitives and sleeps: how many steps it takes is known, and the test counts them on purpose."""
    children = started_children(ctx, test, loop)
    return bool(children) and all(_awaits_primitives(ctx, child) for child, _ in children)  # type: ignore[union-attr]


def _awaits_primitives(ctx: Context, child: FunctionInfo) -> bool:
    for node in descendants(child.node, stop=_SCOPES):
        if isinstance(node, (ast.AsyncWith, ast.AsyncFor)):
            return False
        if not isinstance(node, ast.Await):
            continue
        waited = node.value
        if not isinstance(waited, ast.Call):
            return False
        if ctx.resolver.call_name(waited, child.scope) in SLEEPS:
            continue
        func = waited.func
        receiver = ctx.resolver.value(func.value, child.scope) if isinstance(func, ast.Attribute) else None
        if not (isinstance(receiver, Obj) and isinstance(receiver.cls, str) and receiver.cls.startswith("asyncio.")):
            return False
    return True
