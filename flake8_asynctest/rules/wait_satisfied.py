"""Waits that cannot hang (ATC404): the awaited primitive is complete before the await, by the test's
own earlier statements (``ev.set()``, ``q.put_nowait(x)`` for each later ``get``), or by the first
thing a helper the test just scheduled does (a task whose first statement sets the event, a callback
whose ``finally`` does). The test is then the only party involved, so no bug elsewhere can hang it."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from ..analysis import known
from ..analysis.model import FunctionInfo, Scope, parent
from ..analysis.usage import block_of, describe
from ..analysis.values import Func
from ..analysis.walk import descendants
from ..context import Context

# (class, awaited method) -> the methods that complete it, and those that undo that
_COMPLETERS: dict[tuple[str, str | None], tuple[frozenset[str], frozenset[str]]] = {
    ("asyncio.Event", "wait"): (frozenset({"set"}), frozenset({"clear"})),
    (known.FUTURE, None): (frozenset({"set_result", "set_exception", "cancel"}), frozenset()),
}
_QUEUE_CALLS = frozenset({"put", "put_nowait", "get"})
# what hands a coroutine or a callback to the event loop to run soon
_SCHEDULERS = frozenset(
    {"create_task", "ensure_future", "call_soon", "call_soon_threadsafe", "call_later", "call_at", "start_soon"}
)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_MANY = -1  # a count we cannot tell: a loop over data the test made


def cannot_hang(ctx: Context, await_: ast.Await, scope: Scope, cls: str | None) -> bool:
    """Is the primitive ``await_`` waits on (of class ``cls``) already complete when it is awaited?"""
    function = scope.function
    waited = await_.value
    if function is None:
        return False
    if isinstance(waited, ast.Call) and isinstance(waited.func, ast.Attribute):
        method: str | None = waited.func.attr
        receiver = describe(waited.func.value)
        if cls == "asyncio.Condition" and method == "wait_for":
            return _always_true(waited)
    else:
        method, receiver = None, describe(waited)
    if cls == "asyncio.Queue" and method == "get":
        return _filled(ctx, await_, function, receiver)
    completers = _COMPLETERS.get((cls, method))
    return completers is not None and _completed(ctx, await_, function, receiver, *completers)


def _always_true(call: ast.Call) -> bool:
    """``cond.wait_for(lambda: [1, 2])``: a predicate that is a truthy literal returns at once."""
    predicate = call.args[0] if call.args else None
    if not isinstance(predicate, ast.Lambda):
        return False
    body = predicate.body
    if isinstance(body, ast.Constant):
        return bool(body.value)
    return isinstance(body, (ast.List, ast.Tuple, ast.Set)) and bool(body.elts)


def _completed(
    ctx: Context, await_: ast.Await, function: FunctionInfo, receiver: str, done: frozenset[str], undo: frozenset[str]
) -> bool:
    """The nearest earlier statement that touches the receiver completes it, or schedules a helper
    that completes it first thing."""
    for statement in _preceding(await_, function.node):
        calls = {name for name, _, _ in _calls_on(statement, receiver, done | undo)}
        if _rebinds(statement, receiver) or calls & undo:
            return False
        if calls & done:
            return True
        for helper in _scheduled(ctx, statement, function, receiver, done):
            if any(name in done for name, _, _ in helper):
                return True
    return False


def _filled(ctx: Context, await_: ast.Await, function: FunctionInfo, receiver: str) -> bool:
    """Items put in the queue before this ``get`` are at least as many as the gets up to and
    including this one. Puts are the test's own (``put_nowait``, ``await q.put``), and those a helper
    task it scheduled makes before anything else: its ``put_nowait`` calls, and its awaited puts
    once the test has awaited since (the helper had its turn, so the items are in the queue)."""
    wanted = _repetitions(await_, function.node)
    if wanted is None:
        return False
    puts = gets = 0
    yielded = False
    for statement in _preceding(await_, function.node):
        if _rebinds(statement, receiver):
            break
        for name, count, awaited in _calls_on(statement, receiver, _QUEUE_CALLS):
            if _is_put(name, awaited):
                if count == _MANY:
                    return True
                puts += count
            elif name == "get" and awaited:
                if count == _MANY:
                    return False
                gets += count
        for helper in _scheduled(ctx, statement, function, receiver, _QUEUE_CALLS):
            # once the test has awaited, the helper has run up to its first other await
            puts += sum(n for name, n, waits in helper if (yielded or name == "put_nowait") and _is_put(name, waits))
        yielded = yielded or _waits(statement)
    return puts >= gets + wanted


def _is_put(name: str, awaited: bool) -> bool:
    """``q.put_nowait(x)``, or ``await q.put(x)`` (an unawaited ``q.put(x)`` puts nothing yet)."""
    return name == "put_nowait" or (name == "put" and awaited)


def _preceding(node: ast.AST, function: ast.AST) -> Iterator[ast.stmt]:
    """The statements that run before ``node`` on every path to it inside ``function``, nearest
    first: earlier siblings in its block, then in each enclosing block."""
    child, current = node, parent(node)
    while current is not None:
        located = block_of(child)
        if located is not None:
            block, index = located
            yield from reversed(block[:index])
        if current is function:
            return
        child, current = current, parent(current)


def _repetitions(node: ast.AST, stop: ast.AST, loops: bool = True) -> int | None:
    """How many times ``node`` runs each time ``stop`` does: the known lengths of the comprehensions
    (and, with ``loops``, of the ``for`` loops) around it; None when one is unknown."""
    times = 1
    child, current = node, parent(node)
    while current is not None and current is not stop:
        count: int | None = 1
        if isinstance(current, _COMPREHENSIONS) and child not in current.generators:
            counts = [None if g.ifs else _iterations(g.iter) for g in current.generators]
            count = None if None in counts else _product(counts)  # type: ignore[arg-type]
        elif loops and isinstance(current, (ast.For, ast.AsyncFor)) and any(child is s for s in current.body):
            count = _iterations(current.iter)
        elif loops and isinstance(current, ast.While) and any(child is s for s in current.body):
            count = None
        if count is None:
            return None
        times *= count
        child, current = current, parent(current)
    return times


def _product(counts: list[int]) -> int:
    result = 1
    for count in counts:
        result *= count
    return result


def _iterations(iterable: ast.expr) -> int | None:
    """The length of a literal sequence or of ``range(<constants>)``."""
    if isinstance(iterable, (ast.List, ast.Tuple, ast.Set)):
        return None if any(isinstance(e, ast.Starred) for e in iterable.elts) else len(iterable.elts)
    if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and iterable.func.id == "range":
        bounds = [a.value for a in iterable.args if isinstance(a, ast.Constant) and isinstance(a.value, int)]
        if len(bounds) == len(iterable.args) == 1:
            return max(bounds[0], 0)
        if len(bounds) == len(iterable.args) == 2:
            return max(bounds[1] - bounds[0], 0)
    return None


def _calls_on(statement: ast.stmt, receiver: str, methods: frozenset[str]) -> list[tuple[str, int, bool]]:
    """``<receiver>.<one of methods>(...)`` calls that run whenever ``statement`` runs: the method, how many
    times (a ``for`` or a comprehension over a literal or ``range`` repeats, one over anything else
    ``_MANY`` times; branches such as ``if``, ``while``, ``try`` are not counted), and whether the
    call is awaited (a coroutine method that is not, ``create_task(q.put(x))``, runs later)."""
    found = []
    nodes = list(_unconditional(statement, 1))
    awaited = {id(node.value) for node, _ in nodes if isinstance(node, ast.Await)}
    for node, count in nodes:
        func = node.func if isinstance(node, ast.Call) else None
        if isinstance(func, ast.Attribute) and func.attr in methods and describe(func.value) == receiver:
            times = _repetitions(node, statement, loops=False)
            count = _MANY if times is None or count == _MANY else count * times
            found.append((func.attr, count, id(node) in awaited))
    return found


def _unconditional(statement: ast.stmt, count: int) -> Iterator[tuple[ast.AST, int]]:
    if isinstance(statement, (ast.For, ast.AsyncFor)):
        iterations = _iterations(statement.iter)
        inner = _MANY if iterations is None or count == _MANY else count * iterations
        for child in statement.body:
            yield from _unconditional(child, inner)
    elif isinstance(statement, (ast.With, ast.AsyncWith)):
        for child in statement.body:
            yield from _unconditional(child, count)
    elif not isinstance(statement, (ast.If, ast.While, ast.Try, ast.Match, *_SCOPES)):
        for node in descendants(statement, stop=_SCOPES):
            yield node, count


def _rebinds(statement: ast.stmt, receiver: str) -> bool:
    """``statement`` assigns the receiver a new object: what came before is about another one."""
    return any(
        isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Store) and describe(node) == receiver
        for node in descendants(statement, stop=_SCOPES)
    )


def _scheduled(
    ctx: Context, statement: ast.stmt, function: FunctionInfo, receiver: str, methods: frozenset[str]
) -> Iterator[list[tuple[str, int, bool]]]:
    """For each helper ``statement`` hands the loop (``create_task(helper())``,
    ``call_soon(callback)``), the calls on the receiver it makes before anything can stop it."""
    for node, _ in _unconditional(statement, 1):
        if not (isinstance(node, ast.Call) and _scheduler_name(node.func) in _SCHEDULERS):
            continue
        for argument in node.args:
            target = argument.func if isinstance(argument, ast.Call) else argument
            helper = ctx.resolver.value(target, function.scope)
            if isinstance(helper, Func) and _same_object(receiver, helper.info, function):
                found: list[tuple[str, int, bool]] = []
                _leading_calls(helper.info.node.body, receiver, methods, found, 1)
                yield found


def _scheduler_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def _same_object(receiver: str, helper: FunctionInfo, function: FunctionInfo) -> bool:
    """The receiver's text means the same object in the helper: a name the helper takes from the
    test by closure, or an attribute of ``self`` in a method of the same instance."""
    root = receiver.split(".")[0]
    if root not in helper.scope.bindings:
        return True
    return root == helper.self_name == function.self_name


def _leading_calls(
    body: list[ast.stmt], receiver: str, methods: frozenset[str], found: list[tuple[str, int, bool]], times: int
) -> bool:
    """Collect into ``found`` the calls on the receiver that ``body`` makes before anything can stop
    it: an ``await`` of something else, a ``return`` or ``raise``, an ``async with`` entered.
    Branches that cannot wait are stepped over; a ``try`` whose handlers cannot wait goes on into
    its ``finally``; a ``for`` over a literal or ``range`` repeats. False once stopped."""
    for statement in body:
        if isinstance(statement, ast.With):
            going = _leading_calls(statement.body, receiver, methods, found, times)
        elif isinstance(statement, ast.Try):
            going = (
                _leading_calls(statement.body, receiver, methods, found, times)
                and not any(_waits(handler) for handler in statement.handlers)
                and _leading_calls(statement.finalbody, receiver, methods, found, times)
            )
        elif isinstance(statement, ast.For) and (iterations := _iterations(statement.iter)) is not None:
            going = _leading_calls(statement.body, receiver, methods, found, times * iterations)
        elif isinstance(statement, (ast.Return, ast.Raise, ast.AsyncWith, ast.AsyncFor)):
            going = False
        elif isinstance(statement, (ast.If, ast.While, ast.For, ast.Match, *_SCOPES)):
            going = not _waits(statement)
        else:
            calls = _calls_on(statement, receiver, methods)
            awaits = sum(1 for n in descendants(statement, stop=_SCOPES) if isinstance(n, ast.Await))
            going = awaits == sum(1 for _, _, awaited in calls if awaited)  # it awaits nothing but the receiver
            if going:
                found.extend((name, times, awaited) for name, _, awaited in calls)
        if not going:
            return False
    return True


def _waits(node: ast.AST) -> bool:
    return any(isinstance(n, (ast.Await, ast.AsyncWith, ast.AsyncFor)) for n in descendants(node, stop=_SCOPES))
