"""A grammar of the risky patterns in async test suites, as hypothesis strategies.

Random Python rarely reaches our rules; these modules are made of what they look for (unawaited calls,
loops run by hand, async hooks, cleanups, markers, mocks) and of their look-alikes, nested in every scope,
with ``# noqa`` comments, tabs, CRLF, a BOM or a cookie. Every module compiles, so the fixes' output
must too.
"""

from __future__ import annotations

from hypothesis import strategies as st

MAX_DEPTH = 3

HEADER = (
    '"""Generated."""',
    "from __future__ import annotations",
    "import asyncio",
    "import functools",
    "import time",
    "import unittest",
    "from unittest import IsolatedAsyncioTestCase, TestCase, mock",
    "from unittest.mock import AsyncMock, MagicMock, patch",
    "import pytest",
    "import pytest_asyncio",
    "import asynctest",
    "import anyio",
    "from asyncio import get_event_loop, new_event_loop, run",
    "from app.testing import Unknown, fetch",
)

HELPERS = (
    "class Client:\n    async def close(self):\n        pass\n\n    def detach(self):\n        pass",
    "async def helper(*args):\n    return 1",
    "def sync_helper(*args):\n    return 1",
    "def make_coro():\n    return helper()",
    "class Base(unittest.TestCase):\n    pass",
    "class AsyncBase(unittest.IsolatedAsyncioTestCase):\n    loop = None",
    "pytestmark = pytest.mark.asyncio",
    "pytest_plugins = ['aiohttp.pytest_plugin']",
    "loop = asyncio.new_event_loop()",
)

# Expressions that make a coroutine (or look as if they might), and callables to hand to cleanups.
CALLS = (
    "helper()",
    "helper(1, x=2)",
    "sync_helper()",
    "make_coro()",
    "self.client.close()",
    "Client().close()",
    "client.detach()",
    "fetch()",
    "asyncio.sleep(0)",
    "asyncio.sleep(1)",
    "anyio.sleep(2)",
    "asyncio.wait_for(helper(), 1)",
    "asyncio.gather(helper(), make_coro())",
    "AsyncMock()()",
    "self.mock()",
    "loop.create_task(helper())",
)
CALLABLES = (
    "helper",
    "sync_helper",
    "make_coro",
    "self.client.close",
    "Client().detach",
    "functools.partial(helper, 1)",
)

ANY_SCOPE = (
    "{call}",
    "x = {call}",
    "_ = {call}",
    "self.result = {call}",
    "assert {call}",
    "assert not {call}, 'message'",
    "self.assertTrue({call})",
    "self.assertEqual({call}, 1)",
    "self.assertIsNotNone({call})",
    "f = lambda: {call}",
    "asyncio.run({call})",
    "run({call})",
    "loop.run_until_complete({call})",
    "self.loop.run_until_complete({call})",
    "loop.run_forever()",
    "loop = asyncio.get_event_loop()",
    "loop = get_event_loop()",
    "loop = asyncio.new_event_loop()",
    "self.loop = new_event_loop()",
    "asyncio.set_event_loop(loop)",
    "asyncio.set_event_loop(None)",
    "loop.close()",
    "self.addCleanup(loop.close)",
    "self.addCleanup(lambda: {call})",
    "self.addCleanup({fn})",
    "self.addCleanup({fn}, 1)",
    "self.addAsyncCleanup({fn})",
    "self.addClassCleanup({fn})",
    "task = asyncio.ensure_future({call})",
    "time.sleep(0.5)",
    "m = MagicMock(return_value={call})",
    "self.client.close = AsyncMock()",
    "patch.object(Client, 'close', MagicMock()).start()",
    "pass",
)
ASYNC_ONLY = (
    "await {call}",
    "x = await {call}",
    "assert await {call}",
    "self.assertTrue(await {call})",
    "await asyncio.sleep(0.5)",
    "task = asyncio.create_task({call})",
    "await asyncio.gather({call}, return_exceptions=True)",
    "loop = asyncio.get_running_loop()",
)
COMPOUND = (
    "if {call}:",
    "for _ in range(2):",
    "while x:",
    "with mock.patch('app.fetch', new=MagicMock()):",
    "with self.assertRaises(RuntimeError):",
)
ASYNC_COMPOUND = ("async with Client() as c:", "async for item in helper():")
NOQA = ("", "", "", "", "  # noqa", "  # noqa: ATC101", "  # noqa:ATC1,E501", "  # NOQA: ATC201 ATC202")

BASES = (
    "",
    "(unittest.TestCase)",
    "(unittest.IsolatedAsyncioTestCase)",
    "(TestCase)",
    "(IsolatedAsyncioTestCase)",
    "(asynctest.TestCase)",
    "(Base)",
    "(AsyncBase)",
    "(Unknown)",
    "(unittest.TestCase, metaclass=type)",
    "(object)",
)
METHODS = (
    "setUp",
    "tearDown",
    "asyncSetUp",
    "asyncTearDown",
    "setUpClass",
    "tearDownClass",
    "test_one",
    "test_two",
    "test_three",
    "check_helper",
)
CLASS_DECORATORS = ("", "", "@pytest.mark.asyncio", "@mock.patch('app.fetch')")
FUNCTION_DECORATORS = (
    "",
    "",
    "@pytest.mark.asyncio",
    "@pytest.mark.anyio",
    "@pytest.fixture",
    "@pytest_asyncio.fixture",
    "@pytest.mark.parametrize('x', [1, 2])",
    "@mock.patch('app.fetch')",
    "@functools.wraps(helper)",
)
FUNCTIONS = ("test_module_level", "test_other", "client", "server", "check")
MODULE_TAIL = ("", "if __name__ == '__main__':\n    unittest.main()", "asyncio.run(helper())")

Lines = list[tuple[int, str]]  # (indent level, text); a text may hold an already indented block


def _fill(draw: st.DrawFn, template: str) -> str:
    return template.format(call=draw(st.sampled_from(CALLS)), fn=draw(st.sampled_from(CALLABLES)))


@st.composite
def statement(draw: st.DrawFn, is_async: bool, depth: int) -> Lines:
    simple = ANY_SCOPE + (ASYNC_ONLY if is_async else ())
    if depth >= MAX_DEPTH or draw(st.integers(0, 3)):
        return [(0, _fill(draw, draw(st.sampled_from(simple))) + draw(st.sampled_from(NOQA)))]
    shape = draw(st.sampled_from(("compound", "try", "def", "async def")))
    if shape == "def" or shape == "async def":
        body = draw(block(shape == "async def", depth + 1))
        return [(0, f"{shape} inner():"), *_indent(body)]
    if shape == "try":
        handler = draw(st.sampled_from(("finally:", "except Exception:")))
        first, second = draw(block(is_async, depth + 1)), draw(block(is_async, depth + 1))
        return [(0, "try:"), *_indent(first), (0, handler), *_indent(second)]
    header = _fill(draw, draw(st.sampled_from(COMPOUND + (ASYNC_COMPOUND if is_async else ()))))
    return [(0, header + draw(st.sampled_from(NOQA))), *_indent(draw(block(is_async, depth + 1)))]


@st.composite
def block(draw: st.DrawFn, is_async: bool, depth: int = 0) -> Lines:
    parts = draw(st.lists(statement(is_async, depth), min_size=1, max_size=4))
    return [line for part in parts for line in part]


@st.composite
def function(draw: st.DrawFn, name: str, params: str, decorators: tuple[str, ...]) -> Lines:
    is_async = draw(st.booleans())
    decorator = draw(st.sampled_from(decorators))
    body = draw(block(is_async))
    if draw(st.booleans()):
        # a fixture yields; anything else may return a value (never both: an async generator cannot)
        body.append((0, draw(st.sampled_from(("yield", "yield {call}", "return {call}", "return")))))
        body[-1] = (0, _fill(draw, body[-1][1]))
    head = [(0, decorator)] if decorator else []
    keyword = "async def" if is_async else "def"
    return [*head, (0, f"{keyword} {name}({params}):" + draw(st.sampled_from(NOQA))), *_indent(body)]


@st.composite
def test_class(draw: st.DrawFn, number: int) -> Lines:
    lines: Lines = []
    decorator = draw(st.sampled_from(CLASS_DECORATORS))
    if decorator:
        lines.append((0, decorator))
    lines.append((0, f"class Test{number}{draw(st.sampled_from(BASES))}:" + draw(st.sampled_from(NOQA))))
    if draw(st.booleans()):
        lines.append((1, draw(st.sampled_from(("pytestmark = pytest.mark.asyncio", "client = Client()")))))
    for name in draw(st.lists(st.sampled_from(METHODS), min_size=1, max_size=5, unique=True)):
        if name.endswith("Class"):
            lines.append((1, "@classmethod"))
            lines += _indent(draw(function(name, "cls", ("",))))
        else:
            lines += _indent(draw(function(name, "self", FUNCTION_DECORATORS)))
    return lines


@st.composite
def module_lines(draw: st.DrawFn) -> list[str]:
    # in order: a docstring and ``from __future__`` must come first
    units = [line for line in HEADER + HELPERS if draw(st.integers(0, 3))]
    for number in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            units.append(_render(draw(test_class(number))))
        else:
            name = draw(st.sampled_from(FUNCTIONS))
            params = draw(st.sampled_from(("", "client", "event_loop")))
            units.append(_render(draw(function(name, params, FUNCTION_DECORATORS))))
    units.append(draw(st.sampled_from(MODULE_TAIL)))
    return [unit for unit in units if unit]


@st.composite
def risky_module(draw: st.DrawFn) -> bytes:
    """A whole module as bytes, in one of the layouts and encodings real files come in."""
    indent = draw(st.sampled_from(("    ", "  ", "\t")))
    newline = draw(st.sampled_from(("\n", "\r\n")))
    text = "\n\n".join(draw(module_lines())) + "\n"
    text = text.replace("    ", indent).replace("\n", newline)
    prefix = draw(st.sampled_from(("", "\ufeff", "# -*- coding: latin-1 -*-" + newline)))
    encoding = "latin-1" if "latin-1" in prefix else "utf-8"
    return (prefix + text).encode(encoding)


def _indent(lines: Lines) -> Lines:
    return [(level + 1, text) for level, text in lines]


def _render(lines: Lines) -> str:
    return "\n".join("    " * level + text.replace("\n", "\n" + "    " * level) for level, text in lines)
