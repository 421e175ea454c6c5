"""ATC602's fix: a generator-based coroutine ported to ``async def`` (libcst; the --fix path only)."""

from __future__ import annotations

import libcst as cst

from .asynctest_migration import rename_deprecated_asserts

# Expressions ``await`` takes without parentheses (it binds tighter than any operator).
_PRIMARY = (
    cst.Name,
    cst.Attribute,
    cst.Call,
    cst.Subscript,
    cst.SimpleString,
    cst.ConcatenatedString,
    cst.FormattedString,
    cst.Integer,
    cst.Float,
    cst.List,
    cst.Dict,
    cst.Set,
    cst.Tuple,
)


def port(function: cst.FunctionDef, dropped: frozenset[int]) -> cst.FunctionDef:
    """``function`` as an ``async def`` without the decorators at ``dropped``, its ``yield from x``
    now ``await x`` (nested functions keep theirs: they are ported on their own)."""
    decorators = [d for i, d in enumerate(function.decorators) if i not in dropped]
    body = function.body.visit(_YieldFromToAwait())
    ported = function.with_changes(decorators=decorators, asynchronous=cst.Asynchronous(), body=body)
    return rename_deprecated_asserts(ported)


class _YieldFromToAwait(cst.CSTTransformer):
    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def leave_Yield(self, original_node: cst.Yield, updated_node: cst.Yield) -> cst.BaseExpression:
        if not isinstance(updated_node.value, cst.From):
            return updated_node
        item = updated_node.value.item
        if not isinstance(item, _PRIMARY) or (isinstance(item, cst.Tuple) and not item.lpar):
            if not getattr(item, "lpar", ()):
                item = item.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return cst.Await(expression=item, lpar=updated_node.lpar, rpar=updated_node.rpar)
