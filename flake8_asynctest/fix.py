"""What a finding's autofix changes, said on the ``ast`` side (no libcst import: checking stays fast).

A rule describes its fix as edits on the nodes it found; the fix engine (``fixes.engine``, the only
place that imports libcst) finds the same nodes in libcst's tree by position and applies them.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .analysis.model import ClassInfo
    from .context import Context

# An import a fix needs, in libcst's AddImportsVisitor terms: (module, name or None, alias or None).
Import = tuple[str, "str | None", "str | None"]


class Edit:
    """Replace the libcst node of class ``kind`` that starts where ``node`` starts with
    ``apply(node, module)``: a new node, or a ``libcst.FlattenSentinel`` to add statements.
    ``module`` is the libcst module, for its parsing config (indentation, newlines)."""

    __slots__ = ("node", "kind", "apply")

    def __init__(self, node: ast.AST, kind: str, apply: Callable[[Any, Any], Any]) -> None:
        self.node = node
        self.kind = kind
        self.apply = apply


class Fix:
    """The edits for one finding, applied together or not at all, and the imports they need."""

    __slots__ = ("edits", "imports", "unsafe")

    def __init__(self, *edits: Edit, imports: Iterable[Import] = (), unsafe: bool = False) -> None:
        self.edits = edits
        self.imports = tuple(imports)
        self.unsafe = unsafe  # may change behaviour: applied only with --unsafe-fixes


# Edits several rules share. Each imports libcst when it runs, on the --fix path only.


def add_await(node: Any, module: Any) -> Any:
    """``call()`` -> ``await call()``."""
    import libcst as cst

    return cst.Await(expression=node)


def rename(new: str) -> Callable[[Any, Any], Any]:
    """Rename a ``Name`` or the last part of an ``Attribute`` (``mock.MagicMock`` -> ``mock.AsyncMock``)."""

    def apply(node: Any, module: Any) -> Any:
        import libcst as cst

        if isinstance(node, cst.Attribute):
            return node.with_changes(attr=cst.Name(new))
        if isinstance(node, cst.Name):
            return node.with_changes(value=new)
        return node

    return apply


def renamed(node: ast.expr, new: str, module: str) -> Fix | None:
    """A fix that renames the class or function ``node`` names to ``new`` from ``module``, in the
    style it was written: ``unittest.TestCase`` -> ``unittest.IsolatedAsyncioTestCase`` needs no
    import; ``TestCase`` -> ``IsolatedAsyncioTestCase`` imports it from ``module``."""
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Attribute):
        return Fix(Edit(target, "Attribute", rename(new)))
    if isinstance(target, ast.Name):
        return Fix(Edit(target, "Name", rename(new)), imports=[(module, new, None)])
    return None


def isolated_base_fix(ctx: Context, cls: ClassInfo) -> Fix | None:
    """``unittest.TestCase`` -> ``unittest.IsolatedAsyncioTestCase`` in the class's own bases (it
    runs sync tests unchanged). A sync base inherited from elsewhere is not changed."""
    for base in cls.node.bases:
        if ctx.resolver.qualname(base, cls.parent) == "unittest.TestCase":
            return renamed(base, "IsolatedAsyncioTestCase", "unittest")
    return None
