"""The time windows a test sets: expiries, TTLs, idle timeouts, intervals, timers (ATC401, ATC402).

A test that sets such a window and then sleeps past it (or, for an expiry, inside it) checks
elapsed time itself: no event could replace the sleep. A window is read from how its setting is
named (a keyword, an attribute, or the parameter a number is passed to), from an ``expire`` call, a
``Max-Age``, a deadline computed from the clock, or a timer armed on the loop.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from ..analysis.model import FunctionInfo, Scope, parent
from ..analysis.usage import after
from ..analysis.values import Cls, Func
from ..analysis.walk import descendants
from ..context import Context
from .clock import reads_clock

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)

# What a setting measures, by the last ``_``-separated word of its name.
_EXPIRY = "expiry"  # a lifetime: sleeping past it or inside it, the test watches it run out
_IDLE = "idle"  # an idle threshold: the sleep makes something idle, whether the threshold comes before or after
_BOUND = "bound"  # a deadline or a period: the subject only when the sleep outlasts it
_EXPIRY_WORDS = frozenset({"ttl", "ex", "px", "exat", "pxat", "expiry", "lifetime", "age", "window"})
_IDLE_WORDS = frozenset({"idle", "inactive", "inactivity", "keepalive"})
_BOUND_WORDS = frozenset({"interval", "heartbeat"})


class _Window:
    __slots__ = ("node", "kind", "seconds")

    def __init__(self, node: ast.AST, kind: str, seconds: float | None) -> None:
        self.node = node  # where it is set
        self.kind = kind
        self.seconds = seconds  # for a bound: its length, when written as a number


def sleeps_past_a_window(ctx: Context, call: ast.Call, delay: float, test: FunctionInfo) -> bool:
    """``test`` set, before ``call``, an expiry or a bound no longer than ``delay`` (a bound of 0
    is no window: the other side acts at once), or anywhere an idle threshold."""
    for window in _windows(ctx, test):
        if window.kind == _IDLE:
            return True
        if after(call, window.node) and (
            window.kind == _EXPIRY or (window.seconds is not None and 0 < window.seconds <= delay)
        ):
            return True
    return False


def _windows(ctx: Context, test: FunctionInfo) -> list[_Window]:
    """The windows ``test`` sets, found once per test."""
    cache: dict[FunctionInfo, list[_Window]] = ctx.cache.setdefault("time_windows", {})  # type: ignore[assignment]
    found = cache.get(test)
    if found is None:
        found = cache[test] = list(_scan(ctx, test))
    return found


def _scan(ctx: Context, test: FunctionInfo) -> Iterator[_Window]:
    nested = []
    for node in descendants(test.node, stop=_SCOPES):
        if isinstance(node, _SCOPES):
            nested.append(node)
        else:
            yield from _window_at(ctx, node, test.scope, own=True)
    # a nested handler's windows (a cookie's Max-Age, a close timeout) are the test's too
    for definition in nested:
        for node in descendants(definition):
            yield from _window_at(ctx, node, test.scope, own=False)


def _window_at(ctx: Context, node: ast.AST, scope: Scope, own: bool) -> Iterator[_Window]:
    kind: str | None
    if isinstance(node, ast.keyword) and node.arg:
        kind = _kind(node.arg)
        if kind is not None and not _ended(node.arg, parent(node)):
            yield _Window(node.value, kind, seconds(ctx, node.value, scope))
    elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
        for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
            kind = _kind(target.attr) if isinstance(target, ast.Attribute) else None
            if kind is not None:
                yield _Window(node, kind, seconds(ctx, node.value, scope))
    elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "max-age=" in node.value.lower():
        yield _Window(node, _EXPIRY, None)  # a cookie's or a cache's Max-Age
    elif isinstance(node, ast.Call) and own:  # its callee resolves in the test's scope
        yield from _call_windows(ctx, node, scope)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and isinstance(parent(node), ast.Call):
        if reads_clock(ctx, node.left, scope) or reads_clock(ctx, node.right, scope):
            yield _Window(node, _EXPIRY, None)  # a deadline handed over: now + offset


def _call_windows(ctx: Context, call: ast.Call, scope: Scope) -> Iterator[_Window]:
    """``x.expire(...)``, ``cache.set_max_lifetime(1)``, ``loop.call_later(0.05, ...)``, and
    numbers passed by position to a parameter named like a window (``weakref_handle(cb, "f",
    0.01, loop)``, whose third parameter is ``timeout``)."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if "expire" in name.lower() or _kind(name) == _EXPIRY:
        yield _Window(call, _EXPIRY, None)
        return
    if name == "call_later" and call.args:
        yield _Window(call, _BOUND, seconds(ctx, call.args[0], scope))
        return
    numbers = [(index, arg) for index, arg in enumerate(call.args) if _is_number(arg)]
    if not numbers:
        return
    parameters = _parameters(ctx, call, scope)
    for index, arg in numbers:
        kind = _kind(parameters[index]) if index < len(parameters) else None
        if kind is not None and not _ended(parameters[index], call):
            yield _Window(arg, kind, seconds(ctx, arg, scope))


def _ended(name: str, call: ast.AST | None) -> bool:
    """A ``timeout`` of a call awaited on the spot bounds that call: it is over before the sleep."""
    return call is not None and name == "timeout" and isinstance(parent(call), ast.Await)


def _parameters(ctx: Context, call: ast.Call, scope: Scope) -> list[str]:
    """The callee's positional parameters, when it is a function or class we read."""
    callee = ctx.resolver.value(call.func, scope)
    if isinstance(callee, Cls):
        callee = ctx.resolver.class_attribute(callee.info, "__init__", instance=True)
    if not isinstance(callee, Func):
        return []
    args = callee.info.node.args
    names = [a.arg for a in (*args.posonlyargs, *args.args)]
    return names[1:] if callee.bound else names


def _kind(name: str) -> str | None:
    """What a setting measures, by its name: ``max_inactive_connection_lifetime`` is an idle
    threshold; ``ttl``, ``ex``, ``expires_in``, ``failure_detection_window`` expiries;
    ``timeout``, ``heartbeat``, ``health_check_interval`` bounds. ``poll_timeout`` or
    ``connect_timeout`` bound one operation, not a window the test sleeps past."""
    words = [word for word in name.lower().split("_") if word]
    if len(words) > 1 and words[-1] == "in":
        words.pop()  # expires_in
    if not words:
        return None
    last = words[-1]
    if _IDLE_WORDS.intersection(words) and last in ("timeout", "time", "lifetime"):
        return _IDLE
    if last in _EXPIRY_WORDS or last.startswith("expir"):
        return _EXPIRY
    if last in _BOUND_WORDS or words == ["timeout"]:
        return _BOUND
    return None


def _is_number(expr: ast.expr) -> bool:
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
        expr = expr.operand
    return isinstance(expr, ast.Constant) and isinstance(expr.value, (int, float)) and not isinstance(expr.value, bool)


def seconds(ctx: Context, expr: ast.expr, scope: Scope) -> float | None:
    """A number written in place, negated, or held by a name assigned it once."""
    if isinstance(expr, ast.Name):
        bindings = ctx.resolver.bindings(expr.id, scope)
        if len(bindings) == 1 and bindings[0].kind == "assign" and bindings[0].index is None:
            expr = bindings[0].value  # type: ignore[assignment]
    if not _is_number(expr):
        return None
    if isinstance(expr, ast.UnaryOp):
        return -float(expr.operand.value)  # type: ignore[attr-defined]
    return float(expr.value)  # type: ignore[attr-defined]
