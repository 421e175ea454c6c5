"""The time windows a test sets: expiries, TTLs, idle timeouts, intervals, timers (ATC401, ATC402).

A test that sets such a window on the way to a sleep (not in another scenario's ``if`` arm) and
then sleeps past it (or, for an expiry, inside it) checks elapsed time itself: no event could
replace the sleep. A window is read from how its setting is named (a keyword, an attribute, the
parameter a number is passed to, or the callee we cannot read that it is passed to; a ``_ms``
suffix counts in milliseconds), from an ``expire`` call, a ``Max-Age``, a server timeout set
through SQL (``SET wait_timeout=1``, also by a helper that passes its parameter to such a
statement), a deadline computed from the clock, or a timer armed on the loop.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from ..analysis.model import FunctionInfo, Scope, parent
from ..analysis.usage import after, inside
from ..analysis.values import Cls, Func
from ..analysis.walk import descendants
from ..context import Context
from .clock import reads_clock

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)

# What a setting measures, by the last ``_``-separated word of its name.
_EXPIRY = "expiry"  # a lifetime: sleeping past it or inside it, the test watches it run out
_IDLE = "idle"  # an idle threshold: the sleep makes something idle, whether the threshold comes before or after
_BOUND = "bound"  # a deadline: the subject only when the sleep outlasts it
# a period (a heartbeat, a health-check interval, a retry backoff): as a bound, and only in a test named
# for it (``test_heartbeat_*``); elsewhere a short period speeds up background work the sleep waits for
_PERIOD = "period"
# ``age`` is left out: a ``metadata_max_age`` sets how often a client refreshes in the background, and
# a sleep past it waits for that refresh. A connection's recycling age is applied when it is next used.
_EXPIRY_WORDS = frozenset({"ttl", "ex", "px", "exat", "pxat", "expiry", "lifetime", "window", "recycle"})
_IDLE_WORDS = frozenset({"idle", "inactive", "inactivity", "keepalive", "alive"})
_PERIOD_WORDS = frozenset({"interval", "period", "heartbeat", "backoff", "delay"})
_QUALIFIERS = frozenset({"max", "min", "default", "initial", "base"})
# A unit word ending a setting's name, and what it takes to make seconds: ``max_idle_ms=200``.
_UNITS = {"ms": 0.001, "msec": 0.001, "millis": 0.001, "milliseconds": 0.001, "s": 1.0, "sec": 1.0, "secs": 1.0,
          "seconds": 1.0}
# A server setting changed through SQL: ``SET wait_timeout=1``, ``SET GLOBAL wait_timeout=%s``.
_SQL_SET = re.compile(
    r"\bSET\s+(?:(?:GLOBAL|SESSION|LOCAL)\s+)?(?:@@(?:\w+\.)?)?(\w+)\s*(?:=|\bTO\b)\s*"
    r"(?:'?(\d+(?:\.\d+)?)\s*(ms|s)?'?|(%s|%\(\w+\)s|\?|\$\d+|\{\w*\}))",
    re.IGNORECASE,
)


class _Window:
    __slots__ = ("node", "kind", "seconds", "words")

    def __init__(self, node: ast.AST, kind: str, seconds: float | None, name: str = "") -> None:
        self.node = node  # where it is set
        self.kind = kind
        self.seconds = seconds  # for a bound: its length, when written as a number
        self.words = frozenset(_words(name)) - _QUALIFIERS - _UNITS.keys()  # what a period is of


def sleeps_past_a_window(ctx: Context, call: ast.Call, delay: float, test: FunctionInfo) -> bool:
    """``test`` set, before ``call``, an expiry or a bound no longer than ``delay`` (a bound of 0
    is no window: the other side acts at once), a period as a bound if the test is named for it,
    or anywhere an idle threshold."""
    for window in _windows(ctx, test):
        if _apart(window.node, call):
            continue
        if window.kind == _IDLE:
            return True
        if not after(call, window.node):
            continue
        if window.kind == _EXPIRY:
            return True
        if window.seconds is not None and 0 < window.seconds <= delay:
            if window.kind == _BOUND or _stems(window.words) & _stems(_test_words(test)):
                return True
    return False


def _apart(setting: ast.AST, call: ast.AST) -> bool:
    """``setting`` and ``call`` are in different arms of an ``if`` (the scenarios of a parametrized
    test): the window is not set on the way to the sleep."""
    child, current = setting, parent(setting)
    while current is not None:
        if isinstance(current, ast.If) and inside(call, current):
            arm = next((arm for arm in (current.body, current.orelse) if any(child is s for s in arm)), [])
            if arm and not any(inside(call, statement) for statement in arm):
                return True
        child, current = current, parent(current)
    return False


def _test_words(test: FunctionInfo) -> set[str]:
    """The words of the test's name and of its class's: what it is about."""
    words = set(_words(test.name))
    if test.owner is not None:
        words.update(word.lower() for word in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", test.owner.name))
    return words


def _words(name: str) -> list[str]:
    return [word for word in name.lower().split("_") if word]


def _stems(words: set[str] | frozenset[str]) -> set[str]:
    """``pings`` -> ``ping``: a test named for the pings is about the ping interval."""
    return {word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word for word in words}


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
    setting: tuple[str, float] | None
    if isinstance(node, ast.keyword) and node.arg:
        setting = _setting(node.arg)
        if setting is not None and not _ended(node.arg, parent(node)):
            yield _Window(node.value, setting[0], _scaled(seconds(ctx, node.value, scope), setting[1]), node.arg)
    elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
        for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
            setting = _attribute_setting(target.attr) if isinstance(target, ast.Attribute) else None
            if setting is not None:
                value = _scaled(seconds(ctx, node.value, scope), setting[1])
                yield _Window(node, setting[0], value, target.attr)  # type: ignore[union-attr]
    elif isinstance(node, ast.Dict):  # a configuration: {"idle_timeout": 0.1}, {CONF_POLL_INTERVAL: 0.2}
        for key, value in zip(node.keys, node.values):
            name = _key_name(key)
            setting = _setting(name) if name else None
            if setting is not None and _is_number(value):
                yield _Window(value, setting[0], _scaled(seconds(ctx, value, scope), setting[1]), name)
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
        if "max-age=" in node.value.lower():
            yield _Window(node, _EXPIRY, None)  # a cookie's or a cache's Max-Age
        elif "set" in node.value.lower():
            for name, number, unit, _ in _SQL_SET.findall(node.value):
                kind = _server_setting(name)
                if kind is not None and number:
                    yield _Window(node, kind, float(number) * (_UNITS[unit.lower()] if unit else 1.0), name)
    elif isinstance(node, ast.Call) and own:  # its callee resolves in the test's scope
        yield from _call_windows(ctx, node, scope)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and _handed_over(node, scope):
        if reads_clock(ctx, node.left, scope) or reads_clock(ctx, node.right, scope):
            yield _Window(node, _EXPIRY, None)  # a deadline handed over: now + offset


def _key_name(key: ast.expr | None) -> str | None:
    """A configuration key's name: a string, or the constant it is spelt with (``config.CONF_X``)."""
    if isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value.isidentifier():
        return key.value
    if isinstance(key, ast.Attribute):
        return key.attr
    return key.id if isinstance(key, ast.Name) else None


def _handed_over(value: ast.expr, scope: Scope) -> bool:
    """``value`` is passed to a call, directly or through the name it is stored in
    (``until = time.time() + 2; await pause(until)``)."""
    holder = parent(value)
    if isinstance(holder, (ast.Call, ast.keyword)):
        return True
    if isinstance(holder, ast.Assign) and len(holder.targets) == 1 and isinstance(holder.targets[0], ast.Name):
        return any(isinstance(parent(read), (ast.Call, ast.keyword)) for read in scope.reads(holder.targets[0].id))
    return False


def _call_windows(ctx: Context, call: ast.Call, scope: Scope) -> Iterator[_Window]:
    """``x.expire(...)``, ``cache.set_max_lifetime(1)``, ``loop.call_later(0.05, ...)``, and
    numbers passed by position to a parameter named like a window (``weakref_handle(cb, "f",
    0.01, loop)``, whose third parameter is ``timeout``) or that the callee sets a server timeout
    with (``set_timeout(conn, 2)`` running ``SET GLOBAL wait_timeout=%s``)."""
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
    callee = _callee(ctx, call, scope)
    if callee is None:
        yield from _named_by_callee(ctx, call, name, numbers, scope)
        return
    parameters = _parameters(callee)
    server = _server_parameters(ctx, callee.info)
    for index, arg in numbers:
        parameter = parameters[index] if index < len(parameters) else ""
        setting = _setting(parameter) if parameter else None
        if setting is not None and not _ended(parameter, call):
            # a period is of what the callee does: ``start_periodic_scans(period)``, ``reschedule(delay)``
            described = f"{name}_{parameter}"
            yield _Window(arg, setting[0], _scaled(seconds(ctx, arg, scope), setting[1]), described)
        elif parameter in server:
            yield _Window(arg, server[parameter], seconds(ctx, arg, scope))


def _named_by_callee(
    ctx: Context, call: ast.Call, name: str, numbers: list[tuple[int, ast.expr]], scope: Scope
) -> Iterator[_Window]:
    """The one number passed to a callee we cannot read whose name says what it sets:
    ``start_periodic_scans(0.1)``, ``set_timeout(0.2)``. Not a context manager's (``async with
    asyncio.timeout(1)`` bounds its block)."""
    if len(numbers) != 1 or isinstance(parent(call), ast.withitem):
        return
    kind = _named_kind(_words(name))
    if kind is not None:
        yield _Window(numbers[0][1], kind, seconds(ctx, numbers[0][1], scope), name)


def _named_kind(words: list[str]) -> str | None:
    """A bound if a word is ``timeout``, a period if one says so (``interval``, ``delay``...)."""
    if "timeout" in words:
        return _BOUND
    return _PERIOD if any(word in _PERIOD_WORDS or word.startswith("period") for word in words) else None


def _attribute_setting(name: str) -> tuple[str, float] | None:
    """What an attribute the test sets measures: as a keyword, or any ``timeout`` or period word
    in its name (``comm_params.timeout_connect = 0.1``, ``x.reconnect_delay``): an object's setting
    stays in force, unlike a call's timeout, which ends with the call."""
    setting = _setting(name)
    if setting is not None:
        return setting
    words = _words(name)
    kind = _named_kind(words)
    return (kind, _UNITS.get(words[-1], 1.0) if len(words) > 1 else 1.0) if kind is not None else None


def _ended(name: str, call: ast.AST | None) -> bool:
    """A ``timeout`` of a call awaited on the spot bounds that call: it is over before the sleep."""
    return call is not None and name == "timeout" and isinstance(parent(call), ast.Await)


def _callee(ctx: Context, call: ast.Call, scope: Scope) -> Func | None:
    """The function or class ``__init__`` that ``call`` runs, when we read it."""
    callee = ctx.resolver.value(call.func, scope)
    if isinstance(callee, Cls):
        callee = ctx.resolver.class_attribute(callee.info, "__init__", instance=True)
    return callee if isinstance(callee, Func) else None


def _parameters(callee: Func) -> list[str]:
    """The callee's positional parameters, as a call passes them."""
    args = callee.info.node.args
    names = [a.arg for a in (*args.posonlyargs, *args.args)]
    return names[1:] if callee.bound else names


def _server_parameters(ctx: Context, function: FunctionInfo) -> dict[str, str]:
    """The parameters ``function`` passes to a SQL statement setting a server timeout with a
    placeholder (``cur.execute("SET GLOBAL wait_timeout=%s", t)``), with the window's kind; found
    once per function."""
    cache: dict[FunctionInfo, dict[str, str]]
    cache = ctx.cache.setdefault("server_parameters", {})  # type: ignore[assignment]
    found = cache.get(function)
    if found is not None:
        return found
    found = cache[function] = {}
    parameters = {a.arg for a in (*function.node.args.posonlyargs, *function.node.args.args)}
    for node in descendants(function.node, stop=_SCOPES):
        if not isinstance(node, ast.Call):
            continue
        kinds = [
            kind
            for arg in node.args
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            for name, _, _, placeholder in _SQL_SET.findall(arg.value)
            if placeholder and (kind := _server_setting(name)) is not None
        ]
        if kinds:
            for arg in (*node.args, *(e for a in node.args if isinstance(a, (ast.Tuple, ast.List)) for e in a.elts)):
                if isinstance(arg, ast.Name) and arg.id in parameters:
                    found[arg.id] = kinds[0]
    return found


def _server_setting(name: str) -> str | None:
    """What a server variable set through SQL measures: any ``*_timeout`` is a window the server
    enforces on the session (``wait_timeout``, ``idle_session_timeout``)."""
    kind = _kind(name)
    if kind is None and name.lower().endswith("timeout"):
        return _BOUND
    return kind


def _setting(name: str) -> tuple[str, float] | None:
    """What a setting measures and the factor that makes its number seconds: ``heartbeat_interval_ms``
    is a bound counted in milliseconds."""
    words = _words(name)
    if not words:
        return None
    scale = _UNITS.get(words[-1]) if len(words) > 1 else None
    kind = _kind("_".join(words[:-1]) if scale is not None else name)
    return None if kind is None else (kind, scale or 1.0)


def _scaled(value: float | None, scale: float) -> float | None:
    return None if value is None else value * scale


def _kind(name: str) -> str | None:
    """What a setting measures, by its name: ``max_inactive_connection_lifetime`` or ``max_idle``
    is an idle threshold; ``ttl``, ``ex``, ``expires_in``, ``failure_detection_window``,
    ``pool_recycle`` expiries; ``timeout`` a bound; ``heartbeat``, ``health_check_interval``,
    ``retry_backoff``, ``watchdog_period``, ``reconnect_delay`` periods. ``poll_timeout`` or
    ``connect_timeout`` bound one operation, not a window the test sleeps past (as an attribute
    they stay in force: ``_attribute_setting``)."""
    words = _words(name)
    if len(words) > 1 and words[-1] == "in":
        words.pop()  # expires_in
    if not words:
        return None
    last = words[-1]
    if _IDLE_WORDS.intersection(words) and ({"timeout", "lifetime"}.intersection(words) or last == "time"):
        return _IDLE  # keepalive_timeout, keep_alive_timeout, timeout_keep_alive, min_idle_time
    if len(words) > 1 and last in ("idle", "inactivity"):
        return _IDLE
    if last in _EXPIRY_WORDS or last.startswith("expir"):
        return _EXPIRY
    if last in _PERIOD_WORDS:
        return _PERIOD
    if words == ["timeout"]:
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
