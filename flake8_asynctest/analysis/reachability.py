"""Code that never runs: a statement after one that always leaves its block.

A test that starts with ``pytest.skip("flaky")`` or ``self.skipTest(...)`` keeps its old body for
later; nothing in it runs, so nothing in it is a bug today.
"""

from __future__ import annotations

import ast

from .model import parent, scope_of
from .resolve import Resolver

_LEAVING = (ast.Return, ast.Raise, ast.Continue, ast.Break)
_PYTEST_EXITS = frozenset({"pytest.skip", "pytest.fail", "pytest.exit", "pytest.xfail"})
_TESTCASE_EXITS = frozenset({"skipTest", "fail"})
_BLOCKS = ("body", "orelse", "finalbody", "handlers")
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def unreachable(node: ast.AST, resolver: Resolver) -> bool:
    """Does ``node`` sit after a statement that always leaves the block holding it (a ``return``,
    a ``raise``, ``pytest.skip()``, ``self.skipTest()``)? Only the blocks of the function holding
    ``node`` are looked at."""
    current: ast.AST | None = node
    while current is not None and not isinstance(current, (*_FUNCTIONS, ast.Lambda, ast.ClassDef, ast.Module)):
        holder = parent(current)
        if holder is None:
            return False
        for field in _BLOCKS:
            block = getattr(holder, field, None)
            if isinstance(block, list) and any(item is current for item in block):
                for statement in block:
                    if statement is current:
                        break
                    if _leaves(statement, holder, resolver):
                        return True
        current = holder
    return False


def _leaves(statement: ast.AST, holder: ast.AST, resolver: Resolver) -> bool:
    if isinstance(statement, _LEAVING):
        return True
    call = statement.value if isinstance(statement, ast.Expr) else None
    if not isinstance(call, ast.Call):
        return False
    function = holder
    while function is not None and not isinstance(function, _FUNCTIONS):
        function = parent(function)
    if function is None:
        return False
    scope = scope_of(function)
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in _TESTCASE_EXITS:
        info = scope.function
        return info is not None and isinstance(func.value, ast.Name) and func.value.id == info.self_name
    return resolver.qualname(func, scope) in _PYTEST_EXITS
