"""What is test code, and which functions are tests, fixtures and hooks, for unittest and pytest."""

from __future__ import annotations

import ast
import os
from functools import cached_property

from .known import FIXTURE_DECORATORS, Runner
from .model import ClassInfo, FunctionInfo, Module, Scope
from .resolve import Resolver

_TEST_DIRS = frozenset({"tests", "test", "testing"})
_TEST_LIBRARIES = ("asynctest", "pytest_asyncio", "aiounittest", "pytest")
ASYNC_MARKS = frozenset({"pytest.mark.asyncio", "pytest.mark.anyio", "pytest.mark.trio"})
_UNITTEST_HOOKS = frozenset({"setUp", "tearDown", "asyncSetUp", "asyncTearDown"})
_PYTEST_HOOKS = frozenset({"setup_method", "teardown_method"})


def is_test_path(path: str) -> bool:
    """``test_*.py``, ``*_test.py``, ``conftest.py``, or a file under a ``tests``/``test`` directory."""
    base = os.path.basename(path)
    if base.startswith("test_") or base.endswith("_test.py") or base in ("conftest.py", "tests.py", "test.py"):
        return True
    parts = os.path.normpath(path).split(os.sep)[:-1]
    return any(part in _TEST_DIRS for part in parts)


class TestCode:
    """Test facts about one module, computed on demand."""

    __test__ = False  # not a pytest test class

    def __init__(self, module: Module, resolver: Resolver, scope: str = "tests") -> None:
        self.module = module
        self.resolver = resolver
        self.scope = scope

    @cached_property
    def is_test_code(self) -> bool:
        if self.scope == "all" or is_test_path(self.module.filename):
            return True
        if any(m.partition(".")[0] in _TEST_LIBRARIES for m in self.module.imported_modules):
            return True
        if any(self.runner(cls) is not None for cls in self.module.classes):
            return True
        return bool(self.pytest_tests or self.fixtures)

    def runner(self, cls: ClassInfo) -> Runner | None:
        return self.resolver.runner(cls)

    def unittest_class(self, function: FunctionInfo) -> ClassInfo | None:
        """The unittest class ``function`` is a method of, if any."""
        owner = function.owner
        if owner is not None and self.runner(owner) is not None:
            return owner
        return None

    def is_unittest_test(self, function: FunctionInfo) -> bool:
        return function.name.startswith("test") and self.unittest_class(function) is not None

    @cached_property
    def pytest_tests(self) -> list[FunctionInfo]:
        """Functions pytest collects as tests under its default naming rules (never a fixture,
        whatever its name)."""
        found = []
        for function in self.module.functions:
            if not function.name.startswith("test") or function in self.fixtures:
                continue
            parent = function.parent
            if parent.kind == "module":
                found.append(function)
            elif parent.kind == "class" and self._pytest_class(parent.info):  # type: ignore[arg-type]
                found.append(function)
        return found

    def _pytest_class(self, cls: ClassInfo) -> bool:
        if not cls.name.startswith("Test") or "__init__" in cls.methods:
            return False
        if self.runner(cls) is not None:
            return False
        return cls.parent.kind in ("module", "class")

    @cached_property
    def fixtures(self) -> dict[FunctionInfo, str]:
        """pytest fixtures, with the qualified name of the decorator that made each."""
        found = {}
        for function in self.module.functions:
            for name in self.resolver.decorator_names(function):
                if name in FIXTURE_DECORATORS:
                    found[function] = name
                    break
        return found

    def is_test_function(self, function: FunctionInfo) -> bool:
        """A test, a fixture or a unittest hook: code the test runner calls itself."""
        return function in self.fixtures or self.is_unittest_test(function) or function in self._pytest_test_set

    def is_test_body(self, function: FunctionInfo | None) -> bool:
        """A test, a fixture, or a setup/teardown hook: code that runs as part of a test, where
        sleeping or polling is synchronisation (a nested helper or server handler is not)."""
        if function is None:
            return False
        if self.is_test_function(function):
            return True
        if function.name in _UNITTEST_HOOKS:
            return self.unittest_class(function) is not None
        if function.name in _PYTEST_HOOKS:
            return function.owner is not None and self._pytest_class(function.owner)
        return False

    @cached_property
    def _pytest_test_set(self) -> frozenset[FunctionInfo]:
        return frozenset(self.pytest_tests)

    def marks(self, info: FunctionInfo | ClassInfo | None) -> set[str]:
        """Qualified names of the pytest marks on a function or class (decorators, and a class's
        ``pytestmark``), or on the module (its ``pytestmark``) when ``info`` is None."""
        return {name for name, _ in self.mark_nodes(info)}

    def mark_nodes(self, info: FunctionInfo | ClassInfo | None) -> list[tuple[str, ast.expr]]:
        """The marks of ``marks``, each with the expression that applies it (``pytest.mark.timeout(5)``),
        for rules that read a mark's arguments."""
        if info is None:
            return self._pytestmark(self.module.tree.body, self.module.scope)
        found = [(name, d) for d in info.node.decorator_list if (name := self._mark_name(d, info.parent))]
        if isinstance(info, ClassInfo):
            found += self._pytestmark(info.node.body, info.scope)
        return found

    def _pytestmark(self, body: list[ast.stmt], scope: Scope) -> list[tuple[str, ast.expr]]:
        found: list[tuple[str, ast.expr]] = []
        for statement in body:
            if isinstance(statement, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "pytestmark" for t in statement.targets
            ):
                value = statement.value
                values = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
                found.extend((name, v) for v in values if (name := self._mark_name(v, scope)))
        return found

    def _mark_name(self, expr: ast.expr, scope: Scope) -> str | None:
        target = expr.func if isinstance(expr, ast.Call) else expr
        name = self.resolver.qualname(target, scope)
        return name if name and name.startswith("pytest.mark.") else None
