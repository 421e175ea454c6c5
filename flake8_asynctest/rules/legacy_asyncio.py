"""ATC602: generator-based coroutines (``@asyncio.coroutine`` and ``yield from``), gone since Python 3.11."""

from __future__ import annotations

import ast
from typing import Any

from ..analysis.legacy import (
    REMOVED_COROUTINE_DECORATORS,
    defined_on_import,
    legacy_coroutines,
    only_before_3_11,
    ported_coroutines,
)
from ..analysis.model import FunctionInfo, parent, scope_of
from ..context import Context
from ..fix import Edit, Fix
from ..rule import Rule
from .family import Family

ATC602 = Rule(
    code="ATC602",
    name="generator-coroutine",
    summary="`@asyncio.coroutine` generator: the decorator is gone since Python 3.11",
    message="{what}; {advice}",
    fix="`async def` with `await` for `yield from` (and the plain generators it drives)",
    what="""
        Finds functions decorated with `@asyncio.coroutine` (generator-based coroutines, driven
        with `yield from`), in test code whether or not it uses asynctest. The fix makes each an
        `async def` whose `yield from x` becomes `await x`, together with the plain generator
        functions of the module it drives with `yield from` (`await` takes no generator). A
        coroutine `setUp`/`tearDown` then becomes `asyncSetUp`/`asyncTearDown` where its class
        needs it (ATC104, or ATC601's migration, in the same `--fix` run), and
        `from asyncio import coroutine` goes once nothing it decorates remains. Not reported: code
        that runs only before 3.11 (under `if sys.version_info < (3, 11)`, or in a test skipped from
        3.11 on). Not fixed: a function with a bare `yield`, or a plain `def` returning a value the
        decorator would have awaited (an `async def` would return it unawaited).
        """,
    why="""
        `asyncio.coroutine` was removed in Python 3.11: applying it raises AttributeError, so a
        module that decorates a function as it is imported cannot even be imported, and none of its
        tests run (unittest reports an import error; pytest a collection error).
        """,
    example="""
        class TestClient(unittest.IsolatedAsyncioTestCase):
            @asyncio.coroutine
            def test_get(self):
                response = yield from self.client.get("/")
        """,
    use_instead="""
        class TestClient(unittest.IsolatedAsyncioTestCase):
            async def test_get(self):
                response = await self.client.get("/")
        """,
)

_ON_IMPORT = "@asyncio.coroutine is gone since Python 3.11: importing this module raises AttributeError"
_ON_CALL = "@asyncio.coroutine is gone since Python 3.11: running this def statement raises AttributeError"
_IMPORT = "`{name}` (asyncio.coroutine) is gone since Python 3.11: this import raises ImportError"
_DROP = "drop it once the functions it decorates are `async def`"
_PORT = "make {name} an `async def` and `await` what it drives with `yield from`"


class LegacyAsyncio(Family):
    rules = (ATC602,)
    triggers = ("coroutine",)
    wanted = (ast.Call,)  # calls of the generators a coroutine drives: are they iterated elsewhere?

    def check(self, ctx: Context) -> None:
        ported = ported_coroutines(ctx.module, ctx.resolver)
        for function in legacy_coroutines(ctx.module, ctx.resolver):
            if only_before_3_11(function.node):
                continue
            names = ctx.resolver.decorator_names(function)
            dropped = frozenset(i for i, name in enumerate(names) if name in REMOVED_COROUTINE_DECORATORS)
            plan = ported.get(function)
            fix = None
            if plan is not None:
                edits = [Edit(function.node, "FunctionDef", _ported(dropped))]
                edits += [Edit(helper.node, "FunctionDef", _ported(frozenset())) for helper in plan]
                fix = Fix(*edits)
            what = _ON_IMPORT if defined_on_import(function.node) else _ON_CALL
            decorator = function.node.decorator_list[min(dropped)]
            ctx.report(ATC602, decorator, fix, what=what, advice=_PORT.format(name=_name(function)))
        self._imports(ctx)

    def _imports(self, ctx: Context) -> None:
        """``from asyncio import coroutine`` itself fails since 3.11: it goes when every function it
        decorates is ported."""
        scope = ctx.module.scope
        for name, binding in ctx.module.imports:
            node = binding.node
            if binding.qualname not in REMOVED_COROUTINE_DECORATORS or not isinstance(node, ast.ImportFrom):
                continue
            if binding not in scope.bindings.get(name, ()) or only_before_3_11(node):
                continue
            ported = all(_ported_decorator(ctx, read) for read in scope.reads(name))
            fix = Fix(Edit(node, "ImportFrom", _without(name))) if ported else None
            ctx.report(ATC602, node, fix, what=_IMPORT.format(name=name), advice=_DROP)


def _ported_decorator(ctx: Context, read: ast.Name) -> bool:
    """``read`` decorates a function that --fix ports (and so drops it)."""
    function = parent(read)
    if not isinstance(function, ast.FunctionDef) or read not in function.decorator_list:
        return False
    return scope_of(function).info in ported_coroutines(ctx.module, ctx.resolver)


def _without(name: str) -> Any:
    def apply(node: Any, module: Any) -> Any:
        from ..fixes.imports import binding, without_aliases  # libcst, on the --fix path only

        return without_aliases(node, lambda alias: binding(node, alias) != name)

    return apply


def _name(function: FunctionInfo) -> str:
    return f"{function.owner.name}.{function.name}()" if function.owner is not None else f"{function.name}()"


def _ported(dropped: frozenset[int]) -> Any:
    def apply(node: Any, module: Any) -> Any:
        from .legacy_port import port  # libcst, on the --fix path only

        return port(node, dropped)

    return apply
