"""What puts a time limit on a wait in a test (ATC404): a timeout block around it, a decorator that
runs the test under one, or pytest-timeout's limit for the test or the whole suite. With any of
them a hang fails this one test by name instead of stalling the run."""

from __future__ import annotations

import ast

from ..analysis import pytest_config
from ..analysis.model import ClassInfo, FunctionInfo, Scope, parent
from ..analysis.resolve import Resolver
from ..analysis.usage import own_nodes
from ..analysis.values import Ext, Func
from ..analysis.walk import descendants
from ..context import Context

_TIMEOUT_MANAGERS = frozenset(
    {
        "asyncio.timeout",
        "asyncio.timeout_at",
        "async_timeout.timeout",
        "async_timeout.timeout_at",
        "anyio.fail_after",
        "anyio.move_on_after",
        "trio.fail_after",
        "trio.fail_at",
        "trio.move_on_after",
        "trio.move_on_at",
    }
)
_WAIT_FOR = frozenset({"asyncio.wait_for"})
_TIMEOUT_MARK = "pytest.mark.timeout"
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def time_limited(ctx: Context, node: ast.AST, scope: Scope) -> bool:
    """Is ``node``, in the body of a test, fixture or hook, under a time limit?"""
    function = scope.function
    return (
        _inside_timeout(ctx.resolver, node, scope)
        or (function is not None and _decorated_with_timeout(ctx.resolver, function))
        or _pytest_timeout(ctx, function)
    )


def _names_one_of(resolver: Resolver, expr: ast.expr, scope: Scope, qualnames: frozenset[str]) -> bool:
    """Does ``expr`` name one of ``qualnames`` whichever binding it comes from (a version check that
    imports ``asyncio.timeout`` or ``async_timeout.timeout`` under one name, here or in the module
    this one imports it from)?"""
    return all(isinstance(v, Ext) and v.qualname in qualnames for v in resolver.alternatives(expr, scope))


def _is_timeout(resolver: Resolver, manager: ast.expr, scope: Scope) -> bool:
    target = manager.func if isinstance(manager, ast.Call) else manager
    return _names_one_of(resolver, target, scope, _TIMEOUT_MANAGERS)


def _inside_timeout(resolver: Resolver, node: ast.AST, scope: Scope) -> bool:
    current = parent(node)
    while current is not None and not isinstance(current, _SCOPES):
        if isinstance(current, (ast.With, ast.AsyncWith)) and any(
            _is_timeout(resolver, item.context_expr, scope) for item in current.items
        ):
            return True
        current = parent(current)
    return False


def _decorated_with_timeout(resolver: Resolver, function: FunctionInfo) -> bool:
    return any(_runs_under_timeout(resolver, d, function.parent) for d in function.node.decorator_list)


def _runs_under_timeout(resolver: Resolver, decorator: ast.expr, scope: Scope) -> bool:
    """A decorator read from source (``@with_timeout(2)`` or ``@bounded``) whose ``async def``
    wrapper awaits the decorated function only inside a timeout block or ``asyncio.wait_for``."""
    if isinstance(decorator, ast.Call):
        factory = resolver.value(decorator.func, scope)
        made = _returned_def(factory.info) if isinstance(factory, Func) else None
    else:
        value = resolver.value(decorator, scope)
        made = value.info if isinstance(value, Func) else None
    if made is None or made.is_async or not made.node.args.args:
        return False
    wrapper = _returned_def(made)
    if wrapper is None or not wrapper.is_async:
        return False
    wrapped = made.node.args.args[0].arg
    nodes = own_nodes(wrapper.node)
    calls = [n for n in nodes if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == wrapped]
    limited: set[int] = set()
    for node in nodes:
        if isinstance(node, (ast.With, ast.AsyncWith)):
            if any(_is_timeout(resolver, item.context_expr, wrapper.scope) for item in node.items):
                limited.update(id(n) for statement in node.body for n in (statement, *descendants(statement)))
        elif isinstance(node, ast.Call) and _names_one_of(resolver, node.func, wrapper.scope, _WAIT_FOR):
            limited.update(id(n) for argument in node.args[:1] for n in (argument, *descendants(argument)))
    return bool(calls) and all(id(call) in limited for call in calls)


def _returned_def(info: FunctionInfo) -> FunctionInfo | None:
    """The nested ``def`` a function returns (``return wrapper``), if that is all it returns."""
    returns = [n for n in own_nodes(info.node) if isinstance(n, ast.Return)]
    if len(returns) != 1 or not isinstance(returns[0].value, ast.Name):
        return None
    bindings = info.scope.bindings.get(returns[0].value.id, [])
    if len(bindings) != 1 or bindings[0].kind != "def":
        return None
    return bindings[0].info  # type: ignore[return-value]


def _pytest_timeout(ctx: Context, function: FunctionInfo | None) -> bool:
    """pytest-timeout's limit for the test: the nearest ``@pytest.mark.timeout(N)`` (on the test, its
    class, the module's ``pytestmark``), else the suite's ``timeout`` setting."""
    holders: list[FunctionInfo | ClassInfo | None] = [function, None]
    if function is not None and function.owner is not None:
        holders.insert(1, function.owner)
    for holder in holders:
        for name, mark in ctx.tests.mark_nodes(holder):
            if name == _TIMEOUT_MARK:
                return _positive_limit(mark)
    return pytest_config.config_for(ctx.module.filename).test_timeout is not None


def _positive_limit(mark: ast.expr) -> bool:
    """A timeout mark that sets a limit: ``timeout(0)`` turns pytest-timeout off for the test."""
    if not isinstance(mark, ast.Call):
        return False
    limit = mark.args[0] if mark.args else next((k.value for k in mark.keywords if k.arg == "timeout"), None)
    if isinstance(limit, ast.Constant):
        return isinstance(limit.value, (int, float)) and limit.value > 0
    return limit is not None
