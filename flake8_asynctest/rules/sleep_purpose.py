"""What a constant sleep in a test is for, when it is not a wait for another task (ATC401, ATC402).

A sleep synchronises when it guesses how long another task, thread or server needs to reach a
state. It does not when time itself is the subject (it outlasts a window the test set, or the tasks
the test started run on the same clock), when it is a checkpoint the test expects to be cancelled,
or when it waits for nothing (a test that only sleeps, one that lets what it just started run and
then only stops it, or a pause after the test closed its last connection: nothing in the test
observes what the sleep let happen). A sleep before checks that something has not happened yet is
judged in ``negative_checks``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Collection

from ..analysis.known import SLEEPS
from ..analysis.model import ClassInfo, FunctionInfo, Scope, parent
from ..analysis.usage import after, block_of, source_key
from ..analysis.values import Ext, Func, Obj
from ..analysis.walk import descendants
from ..context import Context
from .clock import ends_on_the_clock, is_clock_call
from .time_windows import seconds, sleeps_past_a_window

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
# Calls that start concurrent work: a task, a thread, a callback on the loop.
SPAWNERS = frozenset(
    {
        "create_task",
        "ensure_future",
        "start_soon",
        "start",
        "gather",
        "run_coroutine_threadsafe",
        "run_in_executor",
        "to_thread",
        "Thread",
        "call_soon",
        "call_later",
        "call_at",
    }
)
_CLOSERS = frozenset({"close", "aclose", "wait_closed", "shutdown", "cleanup", "stop"})


# -- time is the subject ---------------------------------------------------------------------------


def time_is_the_subject(ctx: Context, call: ast.Call, delay: float, test: FunctionInfo) -> bool:
    """The sleep outlasts a window the test set (an expiry, a TTL, an idle or keep-alive timeout,
    a heartbeat or check interval, a timer on the loop), or the tasks it started run on the same
    clock (their sleeps end first, or they run until a deadline). No event could replace it:
    elapsed time is what the test checks."""
    if sleeps_past_a_window(ctx, call, delay, test):
        return True
    children = started_children(ctx, test, call)
    return bool(children) and all(
        _clock_bound(ctx, child, args, delay) or _runs_for_a_time(ctx, child) for child, args in children
    )


# -- tasks the test started ----------------------------------------------------------------------


def started_children(
    ctx: Context, test: FunctionInfo, before: ast.AST
) -> list[tuple[FunctionInfo, list[ast.expr]]] | None:
    """The coroutine functions of this file that ``test`` started as tasks before ``before``, with
    the arguments they were called with; None when it started something else (a coroutine we
    cannot read, a thread, a server)."""
    children = []
    for spawn in _spawns(ctx, test):
        if not after(before, spawn):
            continue
        if not spawn.args:
            return None
        started = spawn.args[0]
        if isinstance(started, ast.Call):
            callee, args = ctx.resolver.value(started.func, test.scope), list(started.args)
        else:
            callee, args = ctx.resolver.value(started, test.scope), list(spawn.args[1:])
        if not (isinstance(callee, Func) and callee.info.is_coroutine_function):
            return None
        children.append((callee.info, args))
    return children


def _spawns(ctx: Context, function: FunctionInfo) -> list[ast.Call]:
    """The calls in ``function`` that start concurrent work, found once per function."""
    cache: dict[FunctionInfo, list[ast.Call]] = ctx.cache.setdefault("spawns", {})  # type: ignore[assignment]
    found = cache.get(function)
    if found is None:
        found = cache[function] = [
            node
            for node in descendants(function.node, stop=_SCOPES)
            if isinstance(node, ast.Call) and _spawner(node) in SPAWNERS
        ]
    return found


def _spawner(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


def _clock_bound(ctx: Context, child: FunctionInfo, args: list[ast.expr], delay: float) -> bool:
    """The child awaits nothing but constant sleeps that end within ``delay``: its progress is set
    by the loop's clock, which the test's longer sleep outlasts."""
    total = 0.0
    for node in descendants(child.node, stop=_SCOPES):
        if isinstance(node, (ast.AsyncWith, ast.AsyncFor, ast.While, ast.For)):
            return False
        if not isinstance(node, ast.Await):
            continue
        waited = node.value
        if not (isinstance(waited, ast.Call) and ctx.resolver.call_name(waited, child.scope) in SLEEPS):
            return False
        seconds = _argumentseconds(ctx, waited, child, args)
        if seconds is None:
            return False
        total += seconds
    return 0 < total <= delay


def _runs_for_a_time(ctx: Context, child: FunctionInfo) -> bool:
    """The child loops until the clock says stop (``while time.time() - start < duration``): the
    test's sleep lets it run for part of that time, it waits for no state."""
    return any(
        isinstance(node, ast.While) and ends_on_the_clock(ctx, node, child.scope)
        for node in descendants(child.node, stop=_SCOPES)
    )


def _argumentseconds(ctx: Context, sleep: ast.Call, child: FunctionInfo, args: list[ast.expr]) -> float | None:
    """A sleep's delay: a number, or a parameter the child was started with a number for."""
    delay = sleep.args[0] if sleep.args else None
    if isinstance(delay, ast.Name):
        names = [a.arg for a in (*child.node.args.posonlyargs, *child.node.args.args)]
        if delay.id in names and names.index(delay.id) < len(args):
            return seconds(ctx, args[names.index(delay.id)], child.parent)
    return seconds(ctx, delay, child.scope) if delay is not None else None


# -- the sleep is a checkpoint that is cancelled -----------------------------------------------------


def expects_cancellation(ctx: Context, call: ast.Call, scope: Scope) -> bool:
    """The sleep runs in a scope the test cancelled before it (``scope.cancel()``), or one a task it
    started cancels (``tg.cancel_scope.cancel()`` in a nested coroutine), or after the test cancelled
    its own task: it is the checkpoint where the cancellation lands, not a wait. A scope cancelled
    after the sleep (stopping a server the sleep waited for) does not count."""
    test = scope.function
    if test is None:
        return False
    current = parent(call)
    while current is not None and not isinstance(current, _SCOPES):
        if isinstance(current, (ast.With, ast.AsyncWith)):
            for item in current.items:
                for name in (item.context_expr, item.optional_vars):
                    if isinstance(name, ast.Name) and _cancelled(test.scope, name.id, call):
                        return True
        current = parent(current)
    return any(
        after(call, current_task) and _is_cancel_receiver(current_task)
        for current_task, where, _ in ctx.resolver.calls_to("asyncio.current_task")
        if where.function is test
    )


def _cancelled(scope: Scope, name: str, before: ast.AST) -> bool:
    """``name.cancel()`` or ``name.cancel_scope.cancel()``: in ``scope`` before ``before``, or in a
    function nested in it at any time."""
    own = {id(read) for read in scope.loads.get(name, ())}
    for read in scope.reads(name):
        if id(read) in own and after(read, before):
            continue
        node: ast.AST = read
        above = parent(node)
        if isinstance(above, ast.Attribute) and above.attr == "cancel_scope":
            node = above
        if _is_cancel_receiver(node):
            return True
    return False


def _is_cancel_receiver(node: ast.AST) -> bool:
    """``node.cancel()``."""
    above = parent(node)
    return isinstance(above, ast.Attribute) and above.attr == "cancel" and isinstance(parent(above), ast.Call)


# -- the sleep waits for nothing ---------------------------------------------------------------------


def waits_for_nothing(ctx: Context, call: ast.Call, test: FunctionInfo, sleeps: set[int]) -> bool:
    """A test that does nothing but sleep (a documentation example standing in for slow work; a
    fixture or a setup hook that only sleeps gives something else time), a test that lets what it
    started run for a while and then only closes it (nothing is checked after the sleep), or a
    pause after the test closed its connections that nothing after it observes (the graceful
    shutdown aiohttp documents: no event says when the transports are gone)."""
    is_test = test.name.startswith("test") and test not in ctx.tests.fixtures
    if is_test and (_only_sleeps(test, sleeps) or _runs_then_closes(call, test, sleeps)):
        return True
    return _closing_pause(call, test, sleeps)


def _only_sleeps(test: FunctionInfo, sleeps: set[int]) -> bool:
    allowed: set[int] = set()
    for statement in test.node.body:
        for node in (statement, *descendants(statement, stop=_SCOPES)):
            if isinstance(node, ast.Call):
                if id(node) not in sleeps:
                    return False
                allowed.update(id(n) for n in (node.func, *descendants(node.func)))
            elif isinstance(node, (ast.Attribute, ast.With, ast.AsyncWith, ast.AsyncFor, ast.Yield, ast.YieldFrom)):
                if id(node) not in allowed:
                    return False
            elif isinstance(node, ast.Await) and id(node.value) not in sleeps:
                return False
    return True


def _closing_pause(call: ast.Call, test: FunctionInfo, sleeps: set[int]) -> bool:
    located = _rest_of_test(call, test)
    if located is None:
        return False
    block, index = located
    if not all(_is_sleep_statement(s, sleeps) for s in block[index:]):
        return False  # something after the pause observes what it waited for
    earlier = [s for s in block[:index] if not _is_sleep_statement(s, sleeps)]
    return bool(earlier) and _is_awaited_close(earlier[-1])


def _runs_then_closes(call: ast.Call, test: FunctionInfo, sleeps: set[int]) -> bool:
    """``await consumer.start(); await sleep(0.2); await consumer.stop()``: the test lets what it
    just started run for a while, then only stops it and checks nothing. (A pause before closing
    something that was not just started may wait for work in flight to finish first.)"""
    located = _rest_of_test(call, test)
    if located is None:
        return False
    block, index = located
    started = _awaited_method(block[index - 1], ("start",)) if index else None
    rest = [s for s in block[index + 1 :] if not _is_sleep_statement(s, sleeps)]
    return (
        started is not None
        and bool(rest)
        and all(_awaited_method(s, _CLOSERS) == started for s in rest)
    )


def _rest_of_test(call: ast.Call, test: FunctionInfo) -> tuple[list[ast.stmt], int] | None:
    """The block holding the sleep's statement and its index there, when nothing runs after that block."""
    await_ = parent(call)
    statement = parent(await_) if isinstance(await_, ast.Await) else None
    block = _last_block(test.node, statement)
    if block is None:
        return None
    return block, next(i for i, s in enumerate(block) if s is statement)


def _last_block(function: ast.AST, statement: ast.AST | None) -> list[ast.stmt] | None:
    """The block holding ``statement`` when nothing runs after that block in the function: the
    body itself, or the ``finally`` of its last statement."""
    if not isinstance(statement, ast.Expr):
        return None
    body = function.body  # type: ignore[attr-defined]
    if any(s is statement for s in body):
        return body
    last = body[-1]
    if isinstance(last, ast.Try) and any(s is statement for s in last.finalbody):
        return last.finalbody
    return None


def _is_sleep_statement(statement: ast.stmt, sleeps: set[int]) -> bool:
    value = statement.value if isinstance(statement, ast.Expr) else None
    return isinstance(value, ast.Await) and id(value.value) in sleeps


def _is_awaited_close(statement: ast.stmt) -> bool:
    return _awaited_method(statement, _CLOSERS) is not None


def _awaited_method(statement: ast.stmt, names: Collection[str]) -> str | None:
    """``await x.close()`` with ``close`` in ``names``: the receiver ``x`` (its source), else None."""
    value = statement.value if isinstance(statement, ast.Expr) else None
    if not isinstance(value, ast.Await) or not isinstance(value.value, ast.Call):
        return None
    func = value.value.func
    return source_key(func.value) if isinstance(func, ast.Attribute) and func.attr in names else None


# -- a blocking sleep that starves nothing (ATC402) ------------------------------------------------


def starves_nothing(ctx: Context, call: ast.Call, scope: Scope, interrupted: Callable[[ast.AST, Scope], bool]) -> bool:
    """``time.sleep`` in a coroutine that blocks on purpose or harmlessly: in a test, time is the
    subject (it outlasts a window the test set), nothing yields to the loop after it (no other task
    could run before the test ends anyway), or it is a pause shorter than ``--asynctest-max-sleep``
    in a test that started nothing concurrent; in a coroutine nested in a test, the test hands it
    over as a callback (a blocking consumer is what it tests) or only runs it where a timeout or an
    expected error interrupts it (``interrupted``)."""
    function = scope.function
    if function is None:
        return False
    if _holds_the_loop_for_a_thread(ctx, call, scope):
        return True
    if not ctx.tests.is_test_body(function):
        return _stand_in(function, interrupted) or _blocking_is_measured(ctx, call, function)
    delay = seconds(ctx, call.args[0], scope) if call.args else None
    if delay is not None and time_is_the_subject(ctx, call, delay, function):
        return True
    if _nothing_yields_after(call, function):
        return True
    return delay is not None and delay < ctx.settings.max_sleep and not _spawns(ctx, function)


def _holds_the_loop_for_a_thread(ctx: Context, call: ast.Call, scope: Scope) -> bool:
    """The statement just before the sleep blocks the loop itself, waiting for a thread or process
    (``assert started.wait(5)``, ``worker.join()``): the coroutine holds the loop on purpose while
    that thread works (so that a callback it queued is still queued), and the sleep prolongs the
    hold. asyncio's own ``wait``/``join`` take no timeout, so a timeout marks a blocking wait (on an
    object, not a module: ``asyncio.wait(tasks, timeout=1)``); without one, the object must be made
    by ``threading``, ``multiprocessing`` or ``subprocess`` (``str.join`` takes an argument too)."""
    statement = parent(call)
    located = block_of(statement) if isinstance(statement, ast.Expr) else None
    if located is None or located[1] == 0:
        return False
    before = located[0][located[1] - 1]
    return any(_waits_for_a_thread(ctx, node, scope) for node in (before, *descendants(before, stop=_SCOPES)))


def _waits_for_a_thread(ctx: Context, node: ast.AST, scope: Scope) -> bool:
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("wait", "join")
        and isinstance(node.func.value, (ast.Name, ast.Attribute))
        and not isinstance(parent(node), ast.Await)
        and not ctx.resolver.is_coroutine_call(node, scope)
    ):
        return False
    timed = node.func.attr == "wait" and (node.args or node.keywords) or any(k.arg == "timeout" for k in node.keywords)
    if timed:
        receiver = ctx.resolver.value(node.func.value, scope)
        asyncio_object = isinstance(receiver, Obj) and str(receiver.cls).startswith("asyncio.")
        return not isinstance(receiver, Ext) and not asyncio_object
    return made_by(ctx, node.func.value, scope, _THREADS)


_THREADS = ("threading.", "multiprocessing.", "subprocess.")


def made_by(ctx: Context, expr: ast.Name | ast.Attribute, scope: Scope, modules: tuple[str, ...]) -> bool:
    """Every value stored in ``expr`` (a local, or ``self.<attr>``) is made by a call into one of
    ``modules`` (prefixes such as ``"multiprocessing."``)."""
    if isinstance(expr, ast.Name):
        bindings = ctx.resolver.bindings(expr.id, scope)
        if any(b.kind != "assign" for b in bindings):
            return False
        stored = [(b.value, scope) for b in bindings]
    else:
        owner = ctx.resolver.value(expr.value, scope)
        if not (isinstance(owner, Obj) and isinstance(owner.cls, ClassInfo)):
            return False
        stored = [(value, method.scope) for value, method in owner.cls.self_attrs.get(expr.attr, [])]
    return bool(stored) and all(
        isinstance(value, ast.Call) and (ctx.resolver.call_name(value, where) or "").startswith(modules)
        for value, where in stored
    )


def _nothing_yields_after(call: ast.Call, function: FunctionInfo) -> bool:
    current = parent(call)
    while current is not None and current is not function.node:
        if isinstance(current, (ast.While, ast.For, ast.AsyncFor, ast.AsyncWith)):
            return False  # the next iteration, or the block's exit, awaits
        current = parent(current)
    yielding = (ast.Await, ast.AsyncWith, ast.AsyncFor, ast.Yield, ast.YieldFrom)
    return not any(
        isinstance(node, yielding) and after(node, call) for node in descendants(function.node, stop=_SCOPES)
    )


def _blocking_is_measured(ctx: Context, call: ast.Call, function: FunctionInfo) -> bool:
    """A coroutine nested in a test whose blocking the test measures: it reads a clock before and
    after the sleep, the test reads one before and after running it, or the test sets the loop's
    ``slow_callback_duration`` (a loop implementation's test of its clock or of its slow-callback
    warning blocks on purpose)."""
    enclosing = function.parent
    if enclosing.kind != "function" or enclosing.function is None:
        return False
    if _around(call, _clock_reads(ctx, descendants(function.node, stop=_SCOPES), function.scope)):
        return True
    in_test = descendants(enclosing.function.node, stop=_SCOPES)
    if any(
        isinstance(node, ast.Attribute) and node.attr == "slow_callback_duration" and isinstance(node.ctx, ast.Store)
        for node in in_test
    ):
        return True
    reads = _clock_reads(ctx, in_test, enclosing)
    return any(_around(use, reads) for use in enclosing.reads(function.name))


def _clock_reads(ctx: Context, nodes: list[ast.AST], scope: Scope) -> list[ast.AST]:
    return [node for node in nodes if is_clock_call(ctx, node, scope)]


def _around(anchor: ast.AST, reads: list[ast.AST]) -> bool:
    """A clock is read both before and after ``anchor``."""
    return any(after(anchor, node) for node in reads) and any(after(node, anchor) for node in reads)


def _stand_in(function: FunctionInfo, interrupted: Callable[[ast.AST, Scope], bool]) -> bool:
    """A coroutine nested in another function, or defined at module level, that is only handed over
    (assigned or passed as a callback, an app to serve: not started as a task) or only called where a
    timeout or expected error interrupts it."""
    enclosing = function.parent
    if enclosing.kind not in ("function", "module"):
        return False
    uses = enclosing.reads(function.name)
    for use in uses:
        above = parent(use)
        if isinstance(above, ast.Call) and above.func is use:
            if not interrupted(above, enclosing):
                return False  # the test runs it and waits for it
        elif isinstance(above, ast.Call) and _spawner(above) in SPAWNERS:
            return False  # started as a task
    return bool(uses)
