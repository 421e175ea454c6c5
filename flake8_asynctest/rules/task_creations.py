"""The calls that start a task the caller must look after, and the coroutine each task runs.

A task is started by ``asyncio.create_task``, ``asyncio.ensure_future``, ``loop.create_task`` or
``asyncio.Task(coro)`` (not by a TaskGroup, which keeps and awaits its tasks), or by a helper of the
project that wraps one of those and hands the task to its caller without keeping it (``return
asyncio.create_task(coro)``; the resolver says the helper returns a Task). A helper that also
keeps, awaits or watches the task it made looks after it itself: its callers drop nothing. ATC301
to ATC303 all start from this list; the coroutine of each task is what they judge it by.
"""

from __future__ import annotations

import ast

from ..analysis import known
from ..analysis.model import FunctionInfo, Scope, parent
from ..analysis.usage import describe
from ..analysis.values import Func, Obj
from ..context import Context

FACTORIES = ("asyncio.create_task", "asyncio.ensure_future", "asyncio.Task")
# calls whose result a helper's caller could drop or keep: statements and single assignments
_KEPT_OR_DROPPED = frozenset({ast.Expr, ast.Assign})


def creations(ctx: Context) -> list[tuple[ast.Call, Scope, str]]:
    """Every call in the module that starts a task its caller must look after, with the scope it
    runs in and how to name its creator in a message (once per file)."""
    cached = ctx.cache.get("task_creations")
    if cached is None:
        cached = ctx.cache["task_creations"] = _creations(ctx)
    return cached  # type: ignore[return-value]


def coroutine_of(ctx: Context, creation: ast.Call) -> ast.expr | None:
    """The coroutine the task started by ``creation`` runs, as the test's code spells it: the
    factory's argument, the argument a helper hands on to its factory, or (a helper that makes the
    coroutine itself) the helper's call."""
    creations(ctx)
    coroutines: dict[ast.Call, ast.expr | None] = ctx.cache["task_coroutines"]  # type: ignore[assignment]
    return coroutines.get(creation)


def _creations(ctx: Context) -> list[tuple[ast.Call, Scope, str]]:
    resolver = ctx.resolver
    coroutines: dict[ast.Call, ast.expr | None] = {}
    ctx.cache["task_coroutines"] = coroutines
    found = []
    for call, scope, name in resolver.calls_to(*FACTORIES):
        if factory_call(ctx, call, scope, name):
            found.append((call, scope, describe(call.func)))
            coroutines[call] = _factory_coroutine(call)
    for call, scope in ctx.module.calls_named("create_task"):
        func = call.func
        if isinstance(func, ast.Attribute) and resolver.is_event_loop(func.value, scope):
            found.append((call, scope, describe(func)))
            coroutines[call] = _factory_coroutine(call)
    if resolver.project is not None or any(name in ctx.source for name in ("create_task", "ensure_future")):
        helpers: dict[FunctionInfo, ast.Call | None] = {}
        if resolver.project is None:
            # without imports followed, a helper is a plain def of this module: only calls by its name count
            local = {f.name for f in ctx.module.functions if f.returns and not f.is_async}
            candidates = ctx.module.calls_named(*local) if local else []
        else:
            candidates = ctx.module.of_type(ast.Call)
        for call, scope in candidates:
            if parent(call).__class__ not in _KEPT_OR_DROPPED or call in coroutines:
                continue
            func = call.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name is None or name.startswith("assert"):
                continue  # the commonest statements of a test, assertions, are never worth resolving here
            callee = resolver.value(func, scope)
            if callee.__class__ is not Func:
                continue
            info: FunctionInfo = callee.info  # type: ignore[attr-defined]
            if info not in helpers:
                helpers[info] = _handed_over(ctx, info)
            factory = helpers[info]
            if factory is not None:
                found.append((call, scope, describe(func)))
                coroutines[call] = _handed_on(call, info, factory, callee.bound)  # type: ignore[attr-defined]
    found.sort(key=lambda item: (item[0].lineno, item[0].col_offset))
    return found


def factory_call(ctx: Context, call: ast.Call, scope: Scope, name: str | None = None) -> bool:
    """``call`` (in ``scope``, of any module) starts a task: one of the factories (not
    ``ensure_future`` of a future, which returns it), or ``loop.create_task``."""
    resolver = ctx.resolver
    name = name or resolver.call_name(call, scope)
    if name in FACTORIES:
        coroutine = _factory_coroutine(call)
        if name == "asyncio.ensure_future" and coroutine is not None:
            wrapped = resolver.value(coroutine, scope)
            if isinstance(wrapped, Obj) and wrapped.cls in (known.TASK, known.FUTURE):
                return False  # ensure_future of a future returns it: nothing new was started
        return True
    func = call.func
    return isinstance(func, ast.Attribute) and func.attr == "create_task" and resolver.is_event_loop(func.value, scope)


def _factory_coroutine(call: ast.Call) -> ast.expr | None:
    if call.args:
        return call.args[0]
    return next((k.value for k in call.keywords if k.arg in ("coro", "coro_or_future")), None)


def _handed_over(ctx: Context, helper: FunctionInfo) -> ast.Call | None:
    """The factory call whose task the plain def ``helper`` hands back on every path, keeping no
    hold on it (whatever it is annotated to return: ``Task[None]``, ``Future``, nothing)."""
    if helper.is_async or helper.is_generator or not helper.returns:
        return None
    made = [_started(ctx, node.value, helper) for node in helper.returns]
    return None if any(factory is None for factory in made) else made[0]


def _started(ctx: Context, value: ast.expr | None, helper: FunctionInfo) -> ast.Call | None:
    """The factory call whose task ``value`` (a return of ``helper``) hands back: the call itself,
    or a local name that only ever holds such a task and is read only to return it."""
    scope = helper.scope
    if value is None:
        return None
    if isinstance(value, ast.Call):
        return value if factory_call(ctx, value, scope) else None
    if not isinstance(value, ast.Name):
        return None
    bindings = scope.bindings.get(value.id, [])
    if not bindings or any(b.kind != "assign" or b.index is not None for b in bindings):
        return None
    calls = [b.value for b in bindings]
    if not all(isinstance(c, ast.Call) and factory_call(ctx, c, scope) for c in calls):
        return None
    returned = {id(node.value) for node in helper.returns}
    if any(id(read) not in returned for read in scope.reads(value.id)):
        return None  # the helper keeps it, awaits it or watches it: it looks after its task
    return calls[0]  # type: ignore[return-value]


def _handed_on(call: ast.Call, helper: FunctionInfo, factory: ast.Call, bound: bool) -> ast.expr:
    """The argument of ``call`` that the helper passes to ``factory`` as its coroutine (``def
    spawn(coro): return asyncio.create_task(coro)``), else the helper's call itself."""
    coroutine = _factory_coroutine(factory)
    if isinstance(coroutine, ast.Name):
        params = [*helper.node.args.posonlyargs, *helper.node.args.args]
        if bound and helper.owner is not None:
            params = params[1:]
        for index, param in enumerate(params):
            if param.arg == coroutine.id:
                if index < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
                    return call.args[index]
                break
        for keyword in call.keywords:
            if keyword.arg == coroutine.id:
                return keyword.value
    return call
