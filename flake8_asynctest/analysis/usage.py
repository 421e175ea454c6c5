"""Small questions about how a value is used, answered from parent links set by the walk."""

from __future__ import annotations

import ast

from .model import parent

_MAX_DESCRIPTION = 40


def describe(expr: ast.AST) -> str:
    """Short source text for messages: ``self.client.close``."""
    try:
        text = ast.unparse(expr)
    except (ValueError, RecursionError):  # pragma: no cover - pathological trees
        return "<expression>"
    return text if len(text) <= _MAX_DESCRIPTION else text[: _MAX_DESCRIPTION - 3] + "..."


def name_loads(name: str, root: ast.AST) -> list[ast.Name]:
    """Every read of ``name`` inside ``root`` (nested functions included: they may close over it)."""
    return [n for n in ast.walk(root) if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)]


def statement_of(node: ast.AST) -> ast.AST | None:
    """The statement that contains ``node``."""
    current: ast.AST | None = node
    while current is not None and not isinstance(current, ast.stmt):
        current = parent(current)
    return current


_NEW_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def own_nodes(function: ast.AST) -> list[ast.AST]:
    """The nodes of a function's own body, not those of functions or classes nested in it."""
    found: list[ast.AST] = []
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        found.append(node)
        if not isinstance(node, _NEW_SCOPES):
            stack.extend(ast.iter_child_nodes(node))
    return found
