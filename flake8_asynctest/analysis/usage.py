"""Small questions about how a value is used, answered from parent links set by the walk."""

from __future__ import annotations

import ast

from .model import Scope, parent
from .walk import descendants

_MAX_DESCRIPTION = 60


def describe(expr: ast.AST) -> str:
    """Short source text for messages: ``self.client.close``."""
    text = _dotted(expr)
    if text is None:
        try:
            text = ast.unparse(expr)
        except (ValueError, RecursionError):  # pragma: no cover - pathological trees
            return "<expression>"
    return text if len(text) <= _MAX_DESCRIPTION else text[: _MAX_DESCRIPTION - 3] + "..."


def source_key(expr: ast.AST) -> str:
    """``expr``'s source text, to tell whether two expressions are written alike (``ast.dump``
    would leave a reference cycle behind on every call)."""
    text = _dotted(expr)
    if text is not None:
        return text
    try:
        return ast.unparse(expr)
    except (ValueError, RecursionError):  # pragma: no cover - pathological trees
        return f"<node {id(expr)}>"  # equal to no other


def _dotted(expr: ast.AST) -> str | None:
    """``a.b.c`` spelt as ``ast.unparse`` would, without its visitor (most texts asked for are these)."""
    attrs = []
    while isinstance(expr, ast.Attribute):
        attrs.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return None
    attrs.append(expr.id)
    return ".".join(reversed(attrs))


def attribute_loads(attr: str, root: ast.AST) -> list[ast.Attribute]:
    """Every read of ``<anything>.<attr>`` inside ``root``."""
    return _reads(root).get(attr, [])


def _reads(root: ast.AST) -> dict[str, list[ast.Attribute]]:
    """Reads of attributes under ``root``, indexed once per root."""
    cached = getattr(root, "_atc_reads", None)
    if cached is None:
        cached = root._atc_reads = {}  # type: ignore[attr-defined]
        for node in descendants(root):
            if node.__class__ is ast.Attribute and node.ctx.__class__ is ast.Load:  # type: ignore[attr-defined]
                cached.setdefault(node.attr, []).append(node)  # type: ignore[attr-defined]
    return cached


_NEW_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def own_nodes(function: ast.AST) -> list[ast.AST]:
    """The nodes of a function's own body, not those of functions or classes nested in it."""
    return descendants(function, stop=_NEW_SCOPES)


def identifiers(root: ast.AST) -> frozenset[str]:
    """Every name and attribute name used under ``root``, computed once per root."""
    cached = getattr(root, "_atc_identifiers", None)
    if cached is None:
        found = set()
        for node in descendants(root):
            kind = node.__class__
            if kind is ast.Name:
                found.add(node.id)  # type: ignore[attr-defined]
            elif kind is ast.Attribute:
                found.add(node.attr)  # type: ignore[attr-defined]
        cached = root._atc_identifiers = frozenset(found)  # type: ignore[attr-defined]
    return cached


def is_self(expr: ast.expr, scope: Scope) -> bool:
    """``expr`` is the ``self`` parameter of the method that ``scope`` belongs to."""
    function = scope.function
    return (
        isinstance(expr, ast.Name)
        and function is not None
        and function.owner is not None
        and expr.id == function.self_name
    )


def after(node: ast.AST, anchor: ast.AST) -> bool:
    """``node`` starts after ``anchor`` in the source."""
    return (node.lineno, node.col_offset) > (anchor.lineno, anchor.col_offset)  # type: ignore[attr-defined]


def block_of(statement: ast.AST) -> tuple[list[ast.stmt], int] | None:
    """The block (a body, else or finally) that holds ``statement``, and its index there."""
    holder = parent(statement)
    for field in ("body", "orelse", "finalbody"):
        block = getattr(holder, field, None)
        if isinstance(block, list):
            for index, item in enumerate(block):
                if item is statement:
                    return block, index
    return None


def inside(node: ast.AST, root: ast.AST) -> bool:
    """``node`` is ``root`` or one of its descendants (by parent links)."""
    current: ast.AST | None = node
    while current is not None:
        if current is root:
            return True
        current = parent(current)
    return False


_FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def enclosing_with_calls(node: ast.AST) -> list[ast.Call]:
    """The context-manager calls of the ``with`` blocks whose body holds ``node``, innermost first,
    up to the enclosing function (``with self.assertRaises(E):``, ``with pytest.warns(W):``)."""
    found = []
    child, current = node, parent(node)
    while current is not None and not isinstance(current, _FUNCTION_NODES):
        if isinstance(current, (ast.With, ast.AsyncWith)) and any(child is stmt for stmt in current.body):
            found.extend(item.context_expr for item in current.items if isinstance(item.context_expr, ast.Call))
        child, current = current, parent(current)
    return found


def callee_name(call: ast.Call) -> str | None:
    """The last name of the callee: ``raises`` for ``pytest.raises(...)``."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None
