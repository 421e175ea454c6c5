"""Generator-based coroutines (``@asyncio.coroutine`` with ``yield from``): removed in Python 3.11,
asked about by the event-loop rules (a module that cannot be imported) and by ATC602 (the port)."""

from __future__ import annotations

import ast

from .model import FunctionInfo, Module, parent
from .resolve import Resolver
from .usage import own_nodes

# The decorator that made a generator a coroutine, removed in Python 3.11.
REMOVED_COROUTINE_DECORATORS = frozenset({"asyncio.coroutine", "asyncio.coroutines.coroutine"})


def legacy_coroutines(module: Module, resolver: Resolver) -> list[FunctionInfo]:
    """The functions decorated with ``@asyncio.coroutine`` (computed once per module: three rule
    families ask)."""
    found = module._legacy_coroutines
    if found is None:
        found = module._legacy_coroutines = [
            function
            for function in module.functions
            if function.node.decorator_list
            and REMOVED_COROUTINE_DECORATORS.intersection(resolver.decorator_names(function))
        ]
    return found


def ported_coroutines(module: Module, resolver: Resolver) -> dict[FunctionInfo, list[FunctionInfo]]:
    """The legacy coroutines ATC602's fix ports, each with its port plan (the generators ported
    with it): not those that run only before 3.11 (not reported), nor those whose port is not
    mechanical (no plan). Computed once per module: the rule, its import fix and ATC601's fix ask."""
    found = module._ported_coroutines
    if found is None:
        found = module._ported_coroutines = {}
        for function in legacy_coroutines(module, resolver):
            if only_before_3_11(function.node):
                continue
            plan = port_plan(function, module, resolver)
            if plan is not None:
                found[function] = plan
    return found


def defined_on_import(node: ast.AST) -> bool:
    """The def or class statement runs, unconditionally, when its module is imported."""
    owner = parent(node)
    if isinstance(owner, ast.Module):
        return True
    return isinstance(owner, ast.ClassDef) and node in owner.body and defined_on_import(owner)


def port_plan(function: FunctionInfo, module: Module, resolver: Resolver) -> list[FunctionInfo] | None:
    """The plain generator functions of this module that ``function`` drives with ``yield from``
    (its helpers, and theirs): ported to ``async def`` with it, since ``await`` takes no generator.
    None when the port is not mechanical: a bare ``yield`` (a generator yielding values, or a
    coroutine yielding to the loop), a plain ``def`` that returns what may be an awaitable (the
    decorator awaited it), or a helper the module also iterates as a generator."""
    plan: list[FunctionInfo] = []
    pending = [function]
    while pending:
        current = pending.pop()
        nodes = own_nodes(current.node)
        if any(isinstance(node, ast.Yield) for node in nodes):
            return None
        if not current.is_generator and any(_returns_value(node) for node in nodes):
            return None
        for node in nodes:
            if not (isinstance(node, ast.YieldFrom) and isinstance(node.value, ast.Call)):
                continue
            callee = resolver.value(node.value.func, current.scope)
            helper = getattr(callee, "info", None)
            if isinstance(helper, FunctionInfo) and helper.is_generator and not helper.is_async:
                if helper is function or helper in plan or helper.scope is None or helper not in module.functions:
                    continue
                if REMOVED_COROUTINE_DECORATORS.intersection(resolver.decorator_names(helper)):
                    continue  # ported on its own
                if _iterated_elsewhere(helper, module, resolver):
                    return None
                plan.append(helper)
                pending.append(helper)
    return plan


def _iterated_elsewhere(helper: FunctionInfo, module: Module, resolver: Resolver) -> bool:
    """A call of ``helper`` that is not driven with ``yield from`` (``list(helper())``): it is a
    generator there, and must stay one."""
    for call, scope in module.calls_named(helper.name):
        if isinstance(parent(call), ast.YieldFrom):
            continue
        if getattr(resolver.value(call.func, scope), "info", None) is helper:
            return True
    return False


def _returns_value(node: ast.AST) -> bool:
    return isinstance(node, ast.Return) and node.value is not None and not isinstance(node.value, ast.Constant)


def only_before_3_11(node: ast.AST) -> bool:
    """Under ``if sys.version_info < (3, N)`` with N <= 11 (or the ``else`` of ``>=``), or in a test
    skipped from 3.11 on (``@pytest.mark.skipif(sys.version_info >= (3, 11), ...)``): the code never
    runs where asynctest and ``asyncio.coroutine`` are gone."""
    child, current = node, parent(node)
    while current is not None:
        if isinstance(current, ast.If):
            below = _below_3_11(current.test)
            if below is not None and any(child is stmt for stmt in (current.body if below else current.orelse)):
                return True
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if any(_skipped_from_3_11(decorator) for decorator in current.decorator_list):
                return True
        child, current = current, parent(current)
    return False


_SKIPS = {"skipif": False, "skipIf": False, "skipUnless": True}  # skip when the condition is true/false


def _skipped_from_3_11(decorator: ast.expr) -> bool:
    """``@pytest.mark.skipif(sys.version_info >= (3, 11), ...)``, ``@unittest.skipIf(...)`` or
    ``@unittest.skipUnless(sys.version_info < (3, 11), ...)``: the test never runs on 3.11+."""
    if not isinstance(decorator, ast.Call) or not isinstance(decorator.func, (ast.Attribute, ast.Name)):
        return False
    name = decorator.func.attr if isinstance(decorator.func, ast.Attribute) else decorator.func.id
    conditions = [*decorator.args[:1], *(k.value for k in decorator.keywords if k.arg == "condition")]
    return name in _SKIPS and any(_below_3_11(c) is _SKIPS[name] for c in conditions)


def _below_3_11(test: ast.expr) -> bool | None:
    """True when ``test`` holds only before Python 3.11 (``sys.version_info < (3, 8)``,
    ``sys.version_info.minor < 8``, ``sys.version_info[:2] <= (3, 10)``), False when it holds on
    every Python since 3.11 (its ``else`` runs only before), else None."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return None
    bound = _minor_bound(test.left, test.ops[0], test.comparators[0])
    if bound is None or bound[1] > 11:
        return None
    return bound[0] == "below"


def _minor_bound(left: ast.expr, op: ast.cmpop, right: ast.expr) -> tuple[str, int] | None:
    """The comparison as ``("below", K)`` (true while the minor version < K) or ``("from", K)``."""
    exact = True  # comparing the minor number alone, or ``version_info[:2]``
    if isinstance(left, ast.Attribute) and left.attr == "minor":
        left, minor = left.value, right.value if isinstance(right, ast.Constant) else None
    elif isinstance(left, ast.Subscript) and isinstance(left.slice, ast.Constant) and left.slice.value == 1:
        left, minor = left.value, right.value if isinstance(right, ast.Constant) else None
    else:
        if isinstance(left, ast.Subscript) and isinstance(left.slice, ast.Slice):
            left = left.value
        else:
            exact = False
        minor = _minor_of(right)
    if not (isinstance(left, ast.Attribute) and left.attr == "version_info") or not isinstance(minor, int):
        return None
    if isinstance(op, ast.Lt):
        return ("below", minor)
    if isinstance(op, ast.LtE):
        return ("below", minor + 1 if exact else minor)
    if isinstance(op, ast.Gt):
        return ("from", minor + 1 if exact else minor)
    return ("from", minor) if isinstance(op, ast.GtE) else None


def _minor_of(version: ast.expr) -> int | None:
    """N in ``(3, N, ...)``."""
    if not isinstance(version, ast.Tuple) or len(version.elts) < 2:
        return None
    major, minor = version.elts[:2]
    if not all(isinstance(part, ast.Constant) and isinstance(part.value, int) for part in (major, minor)):
        return None
    return minor.value if major.value == 3 else None  # type: ignore[union-attr,return-value]
