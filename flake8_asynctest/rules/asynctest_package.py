"""ATC601: the dead ``asynctest`` package."""

from __future__ import annotations

import ast
from typing import Any

from ..analysis.model import parent
from ..analysis.usage import attribute_names, identifiers
from ..analysis.walk import descendants
from ..context import Context
from ..fix import Edit, Fix
from ..rule import Rule
from .family import Family

ATC601 = Rule(
    code="ATC601",
    name="asynctest-imported",
    summary="`asynctest` imported: unmaintained, and fails to import on Python 3.11+",
    message="asynctest is unmaintained since 2019 and fails to import on Python 3.11+ (asyncio.coroutine is "
    "gone); migrate to unittest.IsolatedAsyncioTestCase and unittest.mock.AsyncMock",
    fix="migration codemod to `unittest.IsolatedAsyncioTestCase` / `unittest.mock`",
    what="""
        Finds every import of `asynctest`: `import asynctest`, `import asynctest.mock`,
        `from asynctest import ...`, `from asynctest.mock import ...`. Not an import that never
        runs where asynctest fails: the fallback in `except ImportError` of a `try` that imports
        something else first (`from unittest import IsolatedAsyncioTestCase`), or one under
        `if sys.version_info < (3, N)` with N <= 11.
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


def _is_asynctest(module: str | None) -> bool:
    return module is not None and (module == "asynctest" or module.startswith("asynctest."))


_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError"})
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


def _only_before_3_11(node: ast.AST) -> bool:
    """Under ``if sys.version_info < (3, N)`` with N <= 11 (or the ``else`` of ``>=``): the import
    never runs where asynctest fails."""
    child, current = node, parent(node)
    while current is not None:
        if isinstance(current, ast.If):
            below = _below_3_11(current.test)
            if below is not None and any(child is stmt for stmt in (current.body if below else current.orelse)):
                return True
        child, current = current, parent(current)
    return False


def _below_3_11(test: ast.expr) -> bool | None:
    """True for ``sys.version_info < (3, N)``, False for ``>= (3, N)`` (N <= 11), else None."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Attribute)):
        return None
    version = test.comparators[0]
    if test.left.attr != "version_info" or not isinstance(version, ast.Tuple) or len(version.elts) < 2:
        return None
    major, minor = version.elts[:2]
    if not all(isinstance(part, ast.Constant) and isinstance(part.value, int) for part in (major, minor)):
        return None
    if (major.value, minor.value) > (3, 11):
        return None
    if isinstance(test.ops[0], ast.Lt):
        return True
    return False if isinstance(test.ops[0], ast.GtE) else None


def _imports_asynctest(node: ast.Import | ast.ImportFrom) -> bool:
    if isinstance(node, ast.Import):
        return any(_is_asynctest(alias.name) for alias in node.names)
    return node.level == 0 and _is_asynctest(node.module)


def _catches_import_error(caught: ast.expr | None) -> bool:
    names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
    return any(isinstance(name, ast.Name) and name.id in _IMPORT_ERRORS for name in names)


class AsynctestPackage(Family):
    rules = (ATC601,)
    triggers = ("asynctest",)
    wanted = (ast.Import, ast.ImportFrom)

    def check(self, ctx: Context) -> None:
        for node, _ in ctx.module.of_type(ast.Import, ast.ImportFrom):
            if _imports_asynctest(node) and not _fallback(node) and not _only_before_3_11(node):
                ctx.report(ATC601, node, migration_fix(ctx))


# -- the migration codemod (ATC601's fix) ---------------------------------------------------------

_MOCK_NAMES = (
    "Mock",
    "MagicMock",
    "NonCallableMock",
    "NonCallableMagicMock",
    "PropertyMock",
    "patch",
    "call",
    "ANY",
    "DEFAULT",
    "sentinel",
    "create_autospec",
    "mock_open",
    "seal",
)
# asynctest name -> its replacement (a qualified name); "TestCase" is decided per module (below)
MIGRATION = {
    **{f"asynctest.{name}": f"unittest.mock.{name}" for name in _MOCK_NAMES},
    **{f"asynctest.mock.{name}": f"unittest.mock.{name}" for name in _MOCK_NAMES},
    "asynctest.CoroutineMock": "unittest.mock.AsyncMock",
    "asynctest.mock.CoroutineMock": "unittest.mock.AsyncMock",
    "asynctest.FunctionTestCase": "unittest.FunctionTestCase",
    "asynctest.ClockedTestCase": "flake8_asynctest.ClockedTestCase",
    "asynctest.fail_on": "flake8_asynctest.fail_on",
    "asynctest.strict": "flake8_asynctest.strict",
    "asynctest.lenient": "flake8_asynctest.lenient",
    "asynctest.helpers.exhaust_callbacks": "flake8_asynctest.runtime.exhaust_callbacks",
}
_TEST_CASES = ("asynctest.TestCase", "asynctest.case.TestCase")
# Features only flake8_asynctest.TestCase keeps: with them, a TestCase becomes that one instead of
# unittest.IsolatedAsyncioTestCase.
_RUNTIME_FEATURES = frozenset({"fail_on", "strict", "lenient", "ClockedTestCase", "exhaust_callbacks"})
_HOOK_RENAMES = {"setUp": "asyncSetUp", "tearDown": "asyncTearDown"}
_ASSERT_RENAMES = {"assertAsyncRaises": "assertRaises", "assertAsyncRaisesRegex": "assertRaisesRegex"}


def migration_fix(ctx: Context) -> Fix:
    """The whole-module edit that migrates a file off asynctest (ATC601's fix). Test cases become
    unittest.IsolatedAsyncioTestCase, or flake8_asynctest.TestCase when they use what only it keeps
    (fail_on/strict/lenient, the virtual clock, ``self.loop`` outside coroutines)."""
    runtime = bool(_RUNTIME_FEATURES & identifiers(ctx.module.tree))
    for function in ctx.module.functions:
        if not function.is_async and function.owner is not None and "loop" in attribute_names(function.node):
            runtime = True
    target = "flake8_asynctest.TestCase" if runtime else "unittest.IsolatedAsyncioTestCase"
    return Fix(Edit(ctx.module.tree, "Module", lambda node, _: _migrate(node, target)))


def _migrate(module: Any, test_case: str) -> Any:
    """Run the migration over the module; unchanged if any asynctest name has no replacement."""
    import libcst as cst
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor
    from libcst.metadata import MetadataWrapper

    context = CodemodContext()
    migration = _migration_transformer()(test_case, context)
    migrated = MetadataWrapper(module).visit(migration)
    if migration.unknown:
        return module
    return AddImportsVisitor(context).transform_module(migrated) if isinstance(migrated, cst.Module) else module


def _migration_transformer() -> type:
    """Built on first use so that libcst is imported on the --fix path only."""
    import libcst as cst
    from libcst.codemod.visitors import AddImportsVisitor
    from libcst.metadata import QualifiedNameProvider

    class Migration(cst.CSTTransformer):
        METADATA_DEPENDENCIES = (QualifiedNameProvider,)

        def __init__(self, test_case: str, context: Any) -> None:
            super().__init__()
            self.mapping = {**MIGRATION, **{name: test_case for name in _TEST_CASES}}
            self.context = context
            self.unknown: set[str] = set()
            self.test_classes: list[bool] = []  # is the class being visited migrated from asynctest?
            self.coroutines: list[bool] = []

        def _qualified(self, node: Any) -> str | None:
            names = {q.name for q in self.get_metadata(QualifiedNameProvider, node, set())}
            asynctest = [name for name in names if name == "asynctest" or name.startswith("asynctest.")]
            return asynctest[0] if len(asynctest) == 1 else None

        def _reference(self, original: Any, updated: Any, module_style: bool) -> Any:
            name = self._qualified(original)
            if name is None or name in ("asynctest", "asynctest.mock", "asynctest.case"):
                return updated
            new = self.mapping.get(name)
            if new is None:
                self.unknown.add(name)
                return updated
            module, _, attr = new.rpartition(".")
            if module_style:
                AddImportsVisitor.add_needed_import(self.context, module)
                return cst.parse_expression(new)
            AddImportsVisitor.add_needed_import(self.context, module, attr)
            return cst.Name(attr)

        def leave_Attribute(self, original_node: Any, updated_node: Any) -> Any:
            if (
                self._in_migrated_coroutine()
                and updated_node.attr.value == "loop"
                and isinstance(updated_node.value, cst.Name)
                and updated_node.value.value == "self"
            ):
                AddImportsVisitor.add_needed_import(self.context, "asyncio")
                return cst.parse_expression("asyncio.get_running_loop()")
            return self._reference(original_node, updated_node, module_style=True)

        def leave_Name(self, original_node: Any, updated_node: Any) -> Any:
            return self._reference(original_node, updated_node, module_style=False)

        # asynctest's imports go; AddImportsVisitor adds what the new names need
        def leave_Import(self, original_node: Any, updated_node: Any) -> Any:
            kept = [a for a in updated_node.names if not _is_asynctest(_dotted(a.name))]
            if not kept:
                return cst.RemoveFromParent()
            return updated_node.with_changes(names=_fix_commas(kept))

        def leave_ImportFrom(self, original_node: Any, updated_node: Any) -> Any:
            if (
                updated_node.module is not None
                and not updated_node.relative
                and _is_asynctest(_dotted(updated_node.module))
            ):
                return cst.RemoveFromParent()
            return updated_node

        def visit_ImportAlias(self, node: Any) -> bool:
            return False  # names in import statements are not references to rewrite

        def visit_ImportFrom(self, node: Any) -> bool:
            return False

        def visit_ClassDef(self, node: Any) -> None:
            self.test_classes.append(any(self._qualified(arg.value) in self.mapping for arg in node.bases))

        def leave_ClassDef(self, original_node: Any, updated_node: Any) -> Any:
            self.test_classes.pop()
            return updated_node

        def visit_FunctionDef(self, node: Any) -> None:
            self.coroutines.append(node.asynchronous is not None)

        def leave_FunctionDef(self, original_node: Any, updated_node: Any) -> Any:
            self.coroutines.pop()
            name = updated_node.name.value
            if self.test_classes and self.test_classes[-1] and updated_node.asynchronous and name in _HOOK_RENAMES:
                return updated_node.with_changes(name=cst.Name(_HOOK_RENAMES[name]))
            return updated_node

        def _in_migrated_coroutine(self) -> bool:
            return bool(self.test_classes and self.test_classes[-1] and self.coroutines and self.coroutines[-1])

        def leave_Call(self, original_node: Any, updated_node: Any) -> Any:
            # await super().setUp() -> await super().asyncSetUp() in a renamed hook
            func = updated_node.func
            if (
                self._in_migrated_coroutine()
                and isinstance(func, cst.Attribute)
                and func.attr.value in _HOOK_RENAMES
                and isinstance(func.value, cst.Call)
                and isinstance(func.value.func, cst.Name)
                and func.value.func.value == "super"
            ):
                return updated_node.with_changes(func=func.with_changes(attr=cst.Name(_HOOK_RENAMES[func.attr.value])))
            return updated_node

        def leave_SimpleStatementLine(self, original_node: Any, updated_node: Any) -> Any:
            """``await self.assertAsyncRaises(E, aw)`` -> ``with self.assertRaises(E): await aw``."""
            body = updated_node.body
            if not (self._in_migrated_coroutine() and len(body) == 1 and isinstance(body[0], cst.Expr)):
                return updated_node
            value = body[0].value
            call = value.expression if isinstance(value, cst.Await) else None
            if not (
                isinstance(call, cst.Call)
                and isinstance(call.func, cst.Attribute)
                and call.func.attr.value in _ASSERT_RENAMES
                and len(call.args) >= 2
                and not any(arg.keyword or arg.star for arg in call.args)
            ):
                return updated_node
            checker = call.func.with_changes(attr=cst.Name(_ASSERT_RENAMES[call.func.attr.value]))
            arguments = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in call.args[:-1]]
            manager = cst.Call(func=checker, args=arguments)
            awaited = cst.Await(expression=call.args[-1].value)
            return _with_statement(manager, awaited).with_changes(leading_lines=updated_node.leading_lines)

    def _with_statement(manager: Any, awaited: Any) -> Any:
        return cst.With(
            items=[cst.WithItem(item=manager)],
            body=cst.IndentedBlock(body=[cst.SimpleStatementLine(body=[cst.Expr(value=awaited)])]),
        )

    def _dotted(node: Any) -> str:
        if isinstance(node, cst.Name):
            return str(node.value)
        if isinstance(node, cst.Attribute):
            return f"{_dotted(node.value)}.{node.attr.value}"
        return ""

    def _fix_commas(aliases: list[Any]) -> list[Any]:
        return [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in aliases]

    return Migration
