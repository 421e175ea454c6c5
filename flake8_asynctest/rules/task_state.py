"""The local state a background task works on, and where a test's code reads it again.

A task is tied to the rest of its test through the values its coroutine is given or closes over:
the future it resolves, the stream it feeds, the lock it holds. ATC301 and ATC303 ask whether the
test waits on, or checks, that state after starting or cancelling the task. The state is named by
keys: a local name of the enclosing functions (never a global or ``self`` itself) or
``self.<attr>``.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterable

from ..analysis.known import MOCK_API, SLEEPS
from ..analysis.model import FunctionInfo, Scope, parent
from ..analysis.usage import block_of
from ..analysis.values import Func
from ..analysis.walk import descendants
from ..context import Context

NEW_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)


def keys_read(expr: ast.AST, scope: Scope) -> set[str]:
    """The local state ``expr`` (in ``scope``) reads."""
    return _keys_of_nodes((expr, *descendants(expr)), scope)


def keys_checked(expr: ast.AST, scope: Scope) -> set[str]:
    """The local state ``expr`` reads, leaving out what it reads only to inspect a mock's calls
    (``resolver.resolve.call_count``, ``self.handler.called``): such a check passes whatever the
    task did after the call, so it does not make the test depend on the task's work."""
    nodes = (expr, *descendants(expr))
    skipped: set[int] = set()
    for node in nodes:
        if node.__class__ is ast.Attribute and node.attr in MOCK_API:  # type: ignore[attr-defined]
            skipped.update(id(inner) for inner in descendants(node))
    return _keys_of_nodes([node for node in nodes if id(node) not in skipped] if skipped else nodes, scope)


def _keys_of_nodes(nodes: Iterable[ast.AST], scope: Scope) -> set[str]:
    found = set()
    self_name = method_self(scope)
    for node in nodes:
        kind = node.__class__
        if kind is ast.Name and node.ctx.__class__ is ast.Load:  # type: ignore[attr-defined]
            name = node.id  # type: ignore[attr-defined]
            if name != self_name and _is_local(name, scope):
                found.add(name)
        elif kind is ast.Attribute:
            value = node.value  # type: ignore[attr-defined]
            if value.__class__ is ast.Name and value.id == self_name:
                found.add("self." + node.attr)  # type: ignore[attr-defined]
    return found


def method_self(scope: Scope) -> str | None:
    """The ``self`` of the method that ``scope`` is in, or is nested in (a closure sees it too)."""
    function = scope.function
    while function is not None and function.owner is None and function.parent.kind == "function":
        function = function.parent.info  # type: ignore[assignment]
    return function.self_name if function is not None else None


def _is_local(name: str, scope: Scope) -> bool:
    """``name`` is bound in ``scope``'s function or one enclosing it (not at module level)."""
    current: Scope | None = scope
    while current is not None and current.kind != "module":
        if current.kind != "class" and name in current.bindings:
            return True
        current = current.parent
    return False


def coroutine_functions(ctx: Context, coroutine: ast.expr | None, scope: Scope) -> list[FunctionInfo]:
    """The functions the checker can read whose call ``coroutine`` is: the one the resolver
    finds, else every def of the name in reach (a test may define ``cb`` twice)."""
    if not isinstance(coroutine, ast.Call):
        return []
    callee = ctx.resolver.value(coroutine.func, scope)
    if isinstance(callee, Func):
        return [callee.info]
    if isinstance(coroutine.func, ast.Name):
        bindings = ctx.resolver.bindings(coroutine.func.id, scope)
        return [b.info for b in bindings if b.kind == "def" and isinstance(b.info, FunctionInfo)]
    return []


def task_keys(ctx: Context, coroutine: ast.expr, scope: Scope) -> set[str]:
    """The state a task running ``coroutine`` works on: what the coroutine expression reads, and,
    for a coroutine function defined in an enclosing function, the local state it closes over."""
    keys = keys_read(coroutine, scope)
    for function in coroutine_functions(ctx, coroutine, scope):
        if function.parent.kind == "function":
            keys |= closure_keys(function.node, function.scope, function.parent)
    return keys


def closure_keys(function: ast.AST, own: Scope, outer: Scope) -> set[str]:
    """The local state of ``outer`` that a nested def or lambda (``function``, ``own`` scope) reads."""
    return {key for key in keys_read(function, outer) if key not in own.bindings}


def spread(ctx: Context, keys: set[str], scope: Scope, tasks: Collection[ast.AST]) -> set[str]:
    """``keys`` and the names of ``scope`` computed from them: ``req = Request(data=gen())`` where
    ``gen`` closes over a future the task resolves makes ``req`` part of the task's state. A name
    holding another task started on that state (one of ``tasks``) is not: its outcome is its own."""
    result = set(keys)
    sources = _sources(ctx, scope, tasks)
    changed = True
    while changed:
        changed = False
        for name, reads in sources.items():
            if name not in result and any(read & result for read in reads):
                result.add(name)
                changed = True
    return result


def _sources(ctx: Context, scope: Scope, tasks: Collection[ast.AST]) -> dict[str, list[set[str]]]:
    """For each name bound in ``scope``: the state each of its values reads (once per scope)."""
    cache: dict[Scope, dict[str, list[set[str]]]]
    cache = ctx.cache.setdefault("task_state_sources", {})  # type: ignore[assignment]
    found = cache.get(scope)
    if found is None:
        found = cache[scope] = {}
        for name, bindings in scope.bindings.items():
            for binding in bindings:
                if binding.kind in ("assign", "with") and binding.value is not None:
                    if binding.value in tasks:
                        continue
                    found.setdefault(name, []).append(keys_read(binding.value, scope))
                elif binding.kind == "def" and binding.info is not None:
                    info = binding.info
                    found.setdefault(name, []).append(closure_keys(info.node, info.scope, scope))
    return found


def following(statement: ast.stmt) -> ast.stmt | None:
    """The statement that runs after ``statement`` in its block or, at a block's end, after the
    enclosing statement (None at the end of the function or of a loop body, which repeats)."""
    node: ast.AST = statement
    while True:
        holder = parent(node)
        if holder is None:
            return None
        located = block_of(node)
        if located is not None and located[1] + 1 < len(located[0]):
            return located[0][located[1] + 1]
        if isinstance(holder, _LOOPS + NEW_SCOPES):
            return None
        node = holder


def rest_of_block(statement: ast.stmt) -> list[ast.stmt]:
    """The statements that run after ``statement``: the rest of its block and of every block
    around it, up to the end of the function (a loop body's rest stops at the loop)."""
    found = []
    current = following(statement)
    while current is not None:
        found.append(current)
        current = following(current)
    return found


def own_subnodes(statement: ast.AST) -> list[ast.AST]:
    """``statement`` and the nodes under it, not those of functions or classes nested in it."""
    return [statement, *descendants(statement, stop=NEW_SCOPES)]


def sleep_calls(ctx: Context) -> set[int]:
    """The ids of the module's ``asyncio.sleep``/``anyio.sleep``/``trio.sleep`` calls (once per file)."""
    cached = ctx.cache.get("sleep_calls")
    if cached is None:
        cached = ctx.cache["sleep_calls"] = {id(call) for call, _, _ in ctx.resolver.calls_to(*SLEEPS)}
    return cached  # type: ignore[return-value]
