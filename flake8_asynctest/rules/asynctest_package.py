"""ATC601: the dead ``asynctest`` package."""

from __future__ import annotations

import ast

from ..context import Context
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
        `from asynctest import ...`, `from asynctest.mock import ...`.
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


class AsynctestPackage(Family):
    rules = (ATC601,)
    triggers = ("asynctest",)
    wanted = (ast.Import, ast.ImportFrom)

    def check(self, ctx: Context) -> None:
        for node, _ in ctx.module.of_type(ast.Import, ast.ImportFrom):
            if isinstance(node, ast.Import):
                if any(_is_asynctest(alias.name) for alias in node.names):
                    ctx.report(ATC601, node)
            elif node.level == 0 and _is_asynctest(node.module):
                ctx.report(ATC601, node)
