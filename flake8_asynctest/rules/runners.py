"""ATC103, ATC104, ATC105: async tests, fixtures and hooks that no runner awaits."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from ..analysis import pytest_config
from ..analysis.known import Runner
from ..analysis.model import ClassInfo, FunctionInfo
from ..analysis.testcode import ASYNC_MARKS
from ..analysis.usage import own_nodes
from ..context import Context
from ..fix import Edit, Fix, isolated_base_fix, rename
from ..rule import Rule
from .family import Family

ATC103 = Rule(
    code="ATC103",
    summary="`async def test_*` in a plain `unittest.TestCase`: never runs",
    name="async-test-never-run",
    message="async test {name} never runs: {base} does not await coroutines, so it passes without running; "
    "derive from unittest.IsolatedAsyncioTestCase",
    fix="base `unittest.TestCase` -> `unittest.IsolatedAsyncioTestCase`",
    what="""
        Finds `async def test_*` methods in a class whose runner never awaits them: a plain
        `unittest.TestCase` subclass (bases followed into other modules). A class or base that runs
        coroutines (IsolatedAsyncioTestCase, asynctest, aiounittest, tornado, twisted, django, a
        metaclass, a class decorator, a wrapping method decorator, or a base we cannot see) is
        not reported.
        """,
    why="""
        `unittest.TestCase` calls the method, gets a coroutine object back, and records a pass.
        The body never runs. Python 3.11 adds only a DeprecationWarning. This is the most common
        async test bug in real suites.
        """,
    example="""
        class TestClient(unittest.TestCase):
            async def test_get(self):
                self.assertEqual(await client.get("/"), 200)
        """,
    use_instead="""
        class TestClient(unittest.IsolatedAsyncioTestCase):
            async def test_get(self):
                self.assertEqual(await client.get("/"), 200)
        """,
)

ATC104 = Rule(
    code="ATC104",
    summary="Async `setUp`/`tearDown`/class or module hook that unittest never awaits",
    name="async-hook-never-awaited",
    message="async {name} is never awaited by {runner}, so it never runs; {advice}",
    fix="rename `setUp`->`asyncSetUp`, `tearDown`->`asyncTearDown`",
    what="""
        Finds `async def setUp`/`tearDown` in an IsolatedAsyncioTestCase (or a plain TestCase),
        and `async def setUpClass`/`tearDownClass`/`setUpModule`/`tearDownModule` anywhere.
        """,
    why="""
        IsolatedAsyncioTestCase calls `setUp` and `tearDown` synchronously: an `async def setUp`
        returns a coroutine that is dropped, so the fixtures are never set up (typical after a
        migration from asynctest, which awaited them). unittest never awaits class or module hooks.
        """,
    example="""
        class TestDB(unittest.IsolatedAsyncioTestCase):
            async def setUp(self):
                self.db = await connect()
        """,
    use_instead="""
        class TestDB(unittest.IsolatedAsyncioTestCase):
            async def asyncSetUp(self):
                self.db = await connect()
        """,
)

ATC105 = Rule(
    code="ATC105",
    summary="pytest async test or fixture that pytest-asyncio (strict mode) will not run",
    name="pytest-async-not-run",
    message="{what} {name} is not run by pytest-asyncio in strict mode: {advice}",
    fix="add `@pytest.mark.asyncio` / use `@pytest_asyncio.fixture`",
    what="""
        In suites that use pytest-asyncio in strict mode (its default), finds async tests with no
        asyncio/anyio/trio marker (on the function, its class, or the module's `pytestmark`) and
        async fixtures declared with plain `@pytest.fixture`. Reads `asyncio_mode` from pytest's
        config (`auto` silences it), and stays silent where another plugin runs unmarked async
        tests (aiohttp's pytest plugin, pytest-trio's trio_mode, anyio). anyio's plugin also runs
        the async fixtures of the tests that use it: a plain `@pytest.fixture` that only
        anyio tests request (marked `anyio`, or requesting `anyio_backend`, directly or through
        the module's other fixtures), or any in a module or conftest that defines
        `anyio_backend`, is not reported.
        """,
    why="""
        Without a marker, pytest does not await the test: depending on the pytest version it is
        skipped with a warning or fails with an obscure error about unsupported async functions,
        and a plain `@pytest.fixture` on an `async def` hands the test a coroutine or async
        generator object instead of the value.
        """,
    example="""
        @pytest.fixture
        async def client():
            return await make_client()

        async def test_get(client):
            assert (await client.get("/")).status == 200
        """,
    use_instead="""
        @pytest_asyncio.fixture
        async def client():
            return await make_client()

        @pytest.mark.asyncio
        async def test_get(client):
            assert (await client.get("/")).status == 200
        """,
)

_SETUP_RENAMES = {"setUp": "asyncSetUp", "tearDown": "asyncTearDown"}
_CLASS_HOOKS = frozenset({"setUpClass", "tearDownClass"})
_MODULE_HOOKS = frozenset({"setUpModule", "tearDownModule"})
_ANYIO_MARK = "pytest.mark.anyio"
_RUNNER_NAMES = {Runner.SYNC: "unittest.TestCase", Runner.ISOLATED: "IsolatedAsyncioTestCase"}


class Runners(Family):
    rules = (ATC103, ATC104, ATC105)

    def check(self, ctx: Context) -> None:
        for cls in ctx.module.classes:
            runner = ctx.tests.runner(cls)
            if runner is None or runner is Runner.OTHER:
                continue
            if runner is Runner.SYNC:
                self._never_run_tests(ctx, cls)
            self._hooks(ctx, cls, runner)
        for function in ctx.module.functions:
            if function.parent.kind == "module" and function.name in _MODULE_HOOKS and function.is_async:
                ctx.report(
                    ATC104,
                    function.node,
                    name=function.name,
                    runner="unittest",
                    advice="do the async work in asyncSetUp/asyncTearDown or a fixture",
                )
        if ctx.enabled(ATC105):
            self._pytest(ctx)

    def _never_run_tests(self, ctx: Context, cls: ClassInfo) -> None:
        base = _sync_base(ctx, cls)
        fix = isolated_base_fix(ctx, cls)
        seen: set[str] = set()
        for entry in ctx.resolver.mro(cls) or ():
            if not isinstance(entry, ClassInfo):
                continue
            for name, method in entry.methods.items():
                if name in seen:
                    continue
                seen.add(name)
                if not (name.startswith("test") and method.is_async and ctx.resolver.plain_decorators(method)):
                    continue
                if entry is cls:
                    ctx.report(ATC103, method.node, fix, name=name, base=base)
                elif ctx.tests.runner(entry) is None:  # inherited from a mixin that is not a TestCase
                    ctx.report(ATC103, cls.node, fix, name=f"{name} (from {entry.name})", base=base)

    def _hooks(self, ctx: Context, cls: ClassInfo, runner: Runner) -> None:
        for name, method in cls.methods.items():
            if not method.is_async:
                continue
            if name in _SETUP_RENAMES and runner in (Runner.SYNC, Runner.ISOLATED):
                new = _SETUP_RENAMES[name]
                fix = None
                if runner is Runner.ISOLATED:
                    advice = f"rename it to {new}"
                    if new not in cls.methods:
                        fix = _rename_hook_fix(method, name, new)
                else:
                    advice = f"derive from IsolatedAsyncioTestCase and name it {new}"
                ctx.report(ATC104, method.node, fix, name=name, runner=_RUNNER_NAMES[runner], advice=advice)
            elif name in _CLASS_HOOKS:
                ctx.report(
                    ATC104,
                    method.node,
                    name=name,
                    runner="unittest",
                    advice="do the async work in asyncSetUp/asyncTearDown or a fixture",
                )

    def _pytest(self, ctx: Context) -> None:
        filename = ctx.module.filename
        config = pytest_config.config_for(filename)
        if config.asyncio_mode == "auto" or config.trio_mode or config.async_plugin:
            return
        suite = pytest_config.suite_facts(filename)
        here = pytest_config.text_facts(ctx.source)
        uses_pytest_asyncio = config.uses_pytest_asyncio or suite.pytest_asyncio or here.pytest_asyncio
        if not uses_pytest_asyncio:
            return
        for facts in (suite, here):
            if facts.async_plugin or facts.trio or facts.adds_markers:
                return
        module_marks = ctx.tests.marks(None)
        for test in ctx.tests.pytest_tests:
            if not test.is_async or not ctx.resolver.plain_decorators(test) or _requests_anyio(test):
                continue
            if not ASYNC_MARKS & (module_marks | _enclosing_marks(ctx, test)):
                ctx.report(
                    ATC105,
                    test.node,
                    Fix(Edit(test.node, "FunctionDef", _add_asyncio_mark), imports=[("pytest", None, None)]),
                    what="async test",
                    name=test.name,
                    advice="mark it with @pytest.mark.asyncio (or set asyncio_mode = auto)",
                )
        if suite.anyio_backend or here.anyio_backend:
            return  # anyio's plugin runs the async fixtures of the tests that use its backend
        run_by_anyio = _run_by_anyio(ctx, module_marks)
        for fixture, decorator in ctx.tests.fixtures.items():
            if fixture.is_async and decorator == "pytest.fixture" and fixture not in run_by_anyio:
                ctx.report(
                    ATC105,
                    fixture.node,
                    _fixture_decorator_fix(ctx, fixture),
                    what="async fixture",
                    name=fixture.name,
                    advice="declare it with @pytest_asyncio.fixture",
                )


def _enclosing_marks(ctx: Context, function: FunctionInfo) -> set[str]:
    """The pytest marks on a function and the classes around it."""
    marks = ctx.tests.marks(function)
    scope = function.parent
    while scope.kind == "class":
        marks |= ctx.tests.marks(scope.info)  # type: ignore[arg-type]
        scope = scope.parent  # type: ignore[assignment]
    return marks


def _sync_base(ctx: Context, cls: ClassInfo) -> str:
    """The base class to blame in the message: the nearest sync TestCase in the hierarchy."""
    for entry in ctx.resolver.mro(cls) or ():
        if isinstance(entry, str):
            return entry
    return "unittest.TestCase"


def _run_by_anyio(ctx: Context, module_marks: set[str]) -> set[FunctionInfo]:
    """The module's fixtures that only anyio tests request (directly or through other fixtures):
    anyio's plugin runs every async fixture of a test marked ``anyio`` or using ``anyio_backend``."""
    by_name: dict[str, list[FunctionInfo]] = {}
    for fixture in ctx.tests.fixtures:
        by_name.setdefault(fixture.name, []).append(fixture)
    anyio_only: dict[FunctionInfo, bool] = {}
    for test in ctx.tests.pytest_tests:
        names, fixtures = _requested(test, by_name)
        anyio = "anyio_backend" in names or _ANYIO_MARK in module_marks | _enclosing_marks(ctx, test)
        for fixture in fixtures:
            anyio_only[fixture] = anyio_only.get(fixture, True) and anyio
    return {fixture for fixture, only in anyio_only.items() if only}


def _requested(test: FunctionInfo, by_name: dict[str, list[FunctionInfo]]) -> tuple[set[str], set[FunctionInfo]]:
    """The fixture names a test requests, through the module's fixtures too, and those fixtures."""
    names: set[str] = set()
    fixtures: set[FunctionInfo] = set()
    pending = [test]
    while pending:
        args = pending.pop().node.args
        for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
            if arg.arg not in names:
                names.add(arg.arg)
                found = by_name.get(arg.arg, [])
                fixtures.update(found)
                pending.extend(found)
    return names, fixtures


def _requests_anyio(test: FunctionInfo) -> bool:
    """anyio's plugin runs any async test that requests its ``anyio_backend`` fixture."""
    args = test.node.args
    return any(a.arg == "anyio_backend" for a in (*args.posonlyargs, *args.args, *args.kwonlyargs))


def _rename_hook_fix(method: FunctionInfo, old: str, new: str) -> Fix:
    """Rename the method, and ``await super().setUp()`` in it to ``await super().asyncSetUp()``."""
    edits = [Edit(method.node, "FunctionDef", _rename_def(new))]
    for node in own_nodes(method.node):
        if (
            isinstance(node, ast.Await)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and node.value.func.attr == old
            and isinstance(node.value.func.value, ast.Call)
            and isinstance(node.value.func.value.func, ast.Name)
            and node.value.func.value.func.id == "super"
        ):
            edits.append(Edit(node.value.func, "Attribute", rename(new)))
    return Fix(*edits)


def _rename_def(new: str) -> Callable[[Any, Any], Any]:
    def apply(node: Any, module: Any) -> Any:
        import libcst as cst

        return node.with_changes(name=cst.Name(new))

    return apply


def _add_asyncio_mark(node: Any, module: Any) -> Any:
    import libcst as cst

    mark = cst.Decorator(decorator=cst.parse_expression("pytest.mark.asyncio"))
    return node.with_changes(decorators=[mark, *node.decorators])


def _fixture_decorator_fix(ctx: Context, fixture: FunctionInfo) -> Fix | None:
    """``@pytest.fixture(...)`` -> ``@pytest_asyncio.fixture(...)``, arguments kept."""
    for decorator in fixture.node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if ctx.resolver.qualname(target, fixture.parent) == "pytest.fixture":
            kind = type(target).__name__
            return Fix(
                Edit(target, kind, _replace_with("pytest_asyncio.fixture")), imports=[("pytest_asyncio", None, None)]
            )
    return None


def _replace_with(expression: str) -> Callable[[Any, Any], Any]:
    def apply(node: Any, module: Any) -> Any:
        import libcst as cst

        return cst.parse_expression(expression)

    return apply
