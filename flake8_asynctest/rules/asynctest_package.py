"""ATC601: the dead ``asynctest`` package."""

from __future__ import annotations

import ast
from collections.abc import Collection
from typing import Any

from ..analysis.known import IMPORT_ERRORS
from ..analysis.legacy import only_before_3_11, ported_coroutines
from ..analysis.model import FunctionInfo, Module, Scope, parent
from ..analysis.usage import attribute_loads
from ..analysis.walk import descendants
from ..context import Context
from ..fix import Edit, Fix
from ..rule import Rule
from .asynctest_names import ISOLATED, RUNTIME_TEST_CASE, MigrationOptions, is_asynctest, replacement
from .family import Family

ATC601 = Rule(
    code="ATC601",
    name="asynctest-imported",
    summary="`asynctest` imported: unmaintained, and fails to import on Python 3.11+",
    message="{what}; {advice}",
    fix="migration codemod to `unittest.IsolatedAsyncioTestCase` / `unittest.mock`",
    fix_note="migrated test cases keep asynctest's verdicts: asynctest checked nothing by default, so "
    "flake8_asynctest.TestCase classes carry @flake8_asynctest.lenient. To fail tests that leak tasks, timers "
    "or coroutines, remove it (and base IsolatedAsyncioTestCase classes on flake8_asynctest.TestCase) as a "
    "separate step",
    what="""
        Finds every import of `asynctest`: `import asynctest`, `import asynctest.mock`,
        `from asynctest import ...`, `from asynctest.mock import ...`. Not an import that never
        runs where asynctest fails: the fallback in `except ImportError` of a `try` that imports
        something else first (`from unittest import IsolatedAsyncioTestCase`), or one under a
        version check that holds only before 3.11 (`sys.version_info < (3, 8)`,
        `sys.version_info.minor >= 8` with the import in its `else`), or in a test skipped from 3.11
        on. A star import is reported without a fix. The fix migrates every name
        asynctest offers, through any path (`asynctest.mock.patch.object`, `asynctest.asynctest.CoroutineMock`,
        `skipIf` and the rest of what it re-exports from unittest); a use of a name with no
        standard replacement (`asynctest.selector`, `asynctest.GLOBAL`...) keeps its import and is
        reported on its own line, unfixable, while the rest of the file is migrated. Test cases keep
        asynctest's verdicts: IsolatedAsyncioTestCase, or flake8_asynctest.TestCase with
        `@flake8_asynctest.lenient` (asynctest's checks were all off by default) when the module
        uses what only it keeps (`fail_on`/`strict`/`lenient`, `ClockedTestCase`, `self.loop`
        read outside coroutines and never assigned). unittest's aliases removed in Python 3.12
        (`assertEquals`, `failUnless`, `assertRegexpMatches`...) are renamed in the migrated file.
        """,
    why="""
        asynctest's last release was in 2019. It uses `asyncio.coroutine`, removed in Python 3.11,
        so a suite that imports it cannot even be collected on current Python. Everything it
        offered has a standard replacement: IsolatedAsyncioTestCase, AsyncMock, addAsyncCleanup.
        """,
    example="""
        import asynctest

        class TestClient(asynctest.TestCase):
            async def setUp(self):
                self.client = asynctest.CoroutineMock()
        """,
    use_instead="""
        import unittest
        from unittest import mock

        class TestClient(unittest.IsolatedAsyncioTestCase):
            async def asyncSetUp(self):
                self.client = mock.AsyncMock()
        """,
)


_IMPORTS = (ast.Import, ast.ImportFrom)


def _fallback(node: ast.Import | ast.ImportFrom) -> bool:
    """An import in the ``except ImportError`` of a ``try`` that imports something else first
    (``try: from unittest import IsolatedAsyncioTestCase``): on a Python where the first import
    works, asynctest is never imported."""
    handler = parent(node)
    while handler is not None and not isinstance(handler, ast.ExceptHandler):
        if isinstance(handler, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return False
        handler = parent(handler)
    if handler is None or not _catches_import_error(handler.type):
        return False
    attempt = parent(handler)
    imports = [n for stmt in attempt.body for n in (stmt, *descendants(stmt)) if isinstance(n, _IMPORTS)]
    return bool(imports) and not any(_imports_asynctest(n) for n in imports)


def _imports_asynctest(node: ast.Import | ast.ImportFrom) -> bool:
    if isinstance(node, ast.Import):
        return any(is_asynctest(alias.name) for alias in node.names)
    return node.level == 0 and is_asynctest(node.module)


def _catches_import_error(caught: ast.expr | None) -> bool:
    names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
    return any(isinstance(name, ast.Name) and name.id in IMPORT_ERRORS for name in names)


class AsynctestPackage(Family):
    rules = (ATC601,)
    triggers = ("asynctest",)
    wanted = (ast.Import, ast.ImportFrom)

    def check(self, ctx: Context) -> None:
        imports = [(node, scope) for node, scope in ctx.module.of_type(*_IMPORTS) if _imports_asynctest(node)]
        reported = [node for node, _ in imports if not _fallback(node) and not only_before_3_11(node)]
        if not reported:
            return
        bound = _bound(ctx.module, [node for node, _ in imports])
        uses = _uses(imports, bound)
        kept = frozenset(name for name, _, qualname in uses if replacement(qualname) is None)
        stars = [node for node in reported if any(alias.name == "*" for alias in node.names)]
        migrated = [node for node in reported if not {name for name, _ in bound[node]} <= kept and node not in stars]
        fix = migration_fix(ctx, uses, kept) if migrated else None
        for node in migrated:
            ctx.report(ATC601, node, fix, what=_DEAD, advice=_MIGRATE)
        for node in stars:
            ctx.report(ATC601, node, what=_DEAD, advice=_STAR)
        for name, node in sorted(_unknown_uses(uses).items(), key=lambda item: _position(item[1])):
            ctx.report(ATC601, node, what=f"{name} {_NO_REPLACEMENT}", advice=_BY_HAND)


_DEAD = "asynctest is unmaintained since 2019 and fails to import on Python 3.11+ (asyncio.coroutine is gone)"
_MIGRATE = "migrate to unittest.IsolatedAsyncioTestCase and unittest.mock.AsyncMock"
_NO_REPLACEMENT = "fails to import on Python 3.11+ (asynctest is dead) and has no standard replacement"
_STAR = "import the names you use from unittest and unittest.mock (--fix cannot tell which a * brings)"
_BY_HAND = "rewrite this use by hand (--fix migrates the rest of the file)"

Use = tuple[str, ast.expr, str]  # (the name the import binds, the outermost node of the use, its qualified name)
Bound = dict[ast.AST, list[tuple[str, str]]]  # import statement -> (each name it binds, its qualified name)


def _bound(module: Module, nodes: list[ast.Import | ast.ImportFrom]) -> Bound:
    """The names each import statement binds, in order, with what each is (the walk's import
    bindings: ``import asynctest.mock`` binds ``asynctest``, ``from asynctest.mock import patch``
    ``patch`` as ``asynctest.mock.patch``; a star import binds none)."""
    found: Bound = {node: [] for node in nodes}
    for name, binding in module.imports:
        names = found.get(binding.node)
        if names is not None:
            names.append((name, binding.qualname))  # type: ignore[arg-type]  # an import's is set
    return found


def _uses(imports: list[tuple[ast.Import | ast.ImportFrom, Scope]], bound: Bound) -> list[Use]:
    """Every read of a name an asynctest import binds, as the attribute chain it starts
    (``asynctest.mock.patch.object``), with the asynctest name that chain spells."""
    found = []
    for node, scope in imports:
        for name, qualname in bound[node]:
            if isinstance(node, ast.Import) and not is_asynctest(qualname):
                continue  # ``import asynctest, os``: os
            for read in scope.reads(name):
                chain: ast.expr = read
                parts = [qualname]
                above = parent(chain)
                while isinstance(above, ast.Attribute) and above.value is chain:
                    chain, above = above, parent(above)
                    parts.append(chain.attr)
                found.append((name, chain, ".".join(parts)))
    return found


def _unknown_uses(uses: list[Use]) -> dict[str, ast.expr]:
    """Each asynctest name that has no replacement, at its first use."""
    unknown: dict[str, ast.expr] = {}
    for _, node, qualname in sorted(uses, key=lambda use: _position(use[1])):
        if replacement(qualname) is None:
            unknown.setdefault(qualname, node)
    return unknown


def _position(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def migration_fix(ctx: Context, uses: list[Use], kept: frozenset[str]) -> Fix:
    """The whole-module edit that migrates a file off asynctest, shared by every finding it removes.
    Test cases become unittest.IsolatedAsyncioTestCase, or flake8_asynctest.TestCase when they use
    what only it keeps (fail_on/strict/lenient, the virtual clock, ``self.loop`` outside coroutines)."""
    runtime = any((replacement(qualname) or "").startswith("flake8_asynctest.") for _, _, qualname in uses)
    assigns_loop = any("loop" in cls.self_attrs for cls in ctx.module.classes)
    if not assigns_loop and not runtime:
        ported: Collection[FunctionInfo] = ()  # ATC602 makes these coroutines in the same --fix run
        if "ATC602" in ctx.settings.enabled:
            ported = ported_coroutines(ctx.module, ctx.resolver)
        runtime = any(_reads_loop_outside_coroutines(function, ported) for function in ctx.module.functions)
    options = MigrationOptions(RUNTIME_TEST_CASE if runtime else ISOLATED, kept, rewrite_loop=not assigns_loop)
    return Fix(Edit(ctx.module.tree, "Module", lambda node, _: _migrate(node, options)))


def _reads_loop_outside_coroutines(function: FunctionInfo, ported: Collection[FunctionInfo]) -> bool:
    """A method that reads ``self.loop`` and stays a plain ``def`` after --fix."""
    if function.is_async or function.owner is None or function in ported:
        return False
    self_name = function.self_name
    reads = attribute_loads("loop", function.node)
    return any(isinstance(read.value, ast.Name) and read.value.id == self_name for read in reads)


def _migrate(module: Any, options: Any) -> Any:
    from .asynctest_migration import migrate  # libcst, on the --fix path only

    return migrate(module, options)
