"""What we know, without looking, about the stdlib and well-known async/test libraries.

Everything is keyed by canonical qualified name (see ``canonical``). A name missing here is unknown,
and rules stay silent on unknown names.
"""

from __future__ import annotations

import enum
from functools import lru_cache

# Public re-exports: a private module path is rewritten to the name users import.
_MODULE_ALIASES = {
    "asyncio.base_events": "asyncio",
    "asyncio.events": "asyncio",
    "asyncio.futures": "asyncio",
    "asyncio.locks": "asyncio",
    "asyncio.queues": "asyncio",
    "asyncio.runners": "asyncio",
    "asyncio.streams": "asyncio",
    "asyncio.taskgroups": "asyncio",
    "asyncio.tasks": "asyncio",
    "asyncio.timeouts": "asyncio",
    "asyncio.unix_events": "asyncio",
    "asyncio.selector_events": "asyncio",
    "asyncio.mixins": "asyncio",
    "unittest.case": "unittest",
    "unittest.async_case": "unittest",
    "mock": "unittest.mock",
    "asynctest.case": "asynctest",
    "asynctest.mock": "asynctest",
    "flake8_asynctest.runtime": "flake8_asynctest",
    "flake8_asynctest.runtime.case": "flake8_asynctest",
    "flake8_asynctest.runtime.clock": "flake8_asynctest",
}

# Distinct names for one class.
_CLASS_ALIASES = {
    "asyncio.PriorityQueue": "asyncio.Queue",
    "asyncio.LifoQueue": "asyncio.Queue",
    "asyncio.BaseEventLoop": "asyncio.AbstractEventLoop",
    "asyncio.SelectorEventLoop": "asyncio.AbstractEventLoop",
    "asyncio.ProactorEventLoop": "asyncio.AbstractEventLoop",
    "asyncio.DefaultEventLoopPolicy": "asyncio.AbstractEventLoopPolicy",
    "asyncio.subprocess.Process": "asyncio.Process",
    "unittest.mock.NonCallableMagicMock": "unittest.mock.NonCallableMock",
}


@lru_cache(maxsize=4096)
def canonical(qualname: str) -> str:
    """The one spelling of a qualified name that the tables below use."""
    probe = qualname
    while True:
        head, sep, _ = probe.rpartition(".")
        if not sep:
            break
        if head in _MODULE_ALIASES:
            qualname = f"{_MODULE_ALIASES[head]}.{qualname[len(head) + 1 :]}"
            break
        probe = head
    for alias, target in _CLASS_ALIASES.items():
        if qualname == alias or qualname.startswith(alias + "."):
            return target + qualname[len(alias) :]
    return qualname


LOOP = "asyncio.AbstractEventLoop"
TASK = "asyncio.Task"
FUTURE = "asyncio.Future"
ASYNC_MOCK = "unittest.mock.AsyncMock"
SYNC_MOCKS = frozenset({"unittest.mock.Mock", "unittest.mock.MagicMock", "unittest.mock.NonCallableMock"})
STREAM_READER = "asyncio.StreamReader"
STREAM_WRITER = "asyncio.StreamWriter"
PROCESS = "asyncio.Process"
SERVER = "asyncio.Server"

# Coroutine functions, with the class of the value they produce when awaited (None: not tracked).
# A tuple means the awaited value is unpacked into those classes.
COROUTINE_FUNCTIONS: dict[str, str | tuple[str, ...] | None] = {
    "asyncio.sleep": None,
    "asyncio.wait_for": None,
    "asyncio.wait": None,
    "asyncio.to_thread": None,
    "asyncio.open_connection": (STREAM_READER, STREAM_WRITER),
    "asyncio.open_unix_connection": (STREAM_READER, STREAM_WRITER),
    "asyncio.start_server": SERVER,
    "asyncio.start_unix_server": SERVER,
    "asyncio.create_subprocess_exec": PROCESS,
    "asyncio.create_subprocess_shell": PROCESS,
    "asyncio.subprocess.create_subprocess_exec": PROCESS,
    "asyncio.subprocess.create_subprocess_shell": PROCESS,
    "asyncio.staggered.staggered_race": None,
    "anyio.sleep": None,
    "anyio.sleep_forever": None,
    "anyio.sleep_until": None,
    "anyio.wait_all_tasks_blocked": None,
    "anyio.testing.wait_all_tasks_blocked": None,
    "anyio.lowlevel.checkpoint": None,
    "anyio.to_thread.run_sync": None,
    "anyio.connect_tcp": None,
    "anyio.connect_unix": None,
    "anyio.run_process": None,
    "anyio.open_process": None,
    "anyio.open_file": None,
    "trio.sleep": None,
    "trio.sleep_forever": None,
    "trio.sleep_until": None,
    "trio.testing.wait_all_tasks_blocked": None,
    "trio.lowlevel.checkpoint": None,
    "trio.to_thread.run_sync": None,
    "trio.open_tcp_stream": None,
    "trio.run_process": None,
    # methods of well-known classes
    "asyncio.Queue.get": None,
    "asyncio.Queue.put": None,
    "asyncio.Queue.join": None,
    "asyncio.Lock.acquire": None,
    "asyncio.Event.wait": None,
    "asyncio.Condition.acquire": None,
    "asyncio.Condition.wait": None,
    "asyncio.Condition.wait_for": None,
    "asyncio.Semaphore.acquire": None,
    "asyncio.BoundedSemaphore.acquire": None,
    "asyncio.Barrier.wait": None,
    "asyncio.Barrier.reset": None,
    "asyncio.Barrier.abort": None,
    "asyncio.StreamReader.read": None,
    "asyncio.StreamReader.readline": None,
    "asyncio.StreamReader.readexactly": None,
    "asyncio.StreamReader.readuntil": None,
    "asyncio.StreamWriter.drain": None,
    "asyncio.StreamWriter.wait_closed": None,
    "asyncio.StreamWriter.start_tls": None,
    "asyncio.Process.wait": None,
    "asyncio.Process.communicate": None,
    "asyncio.Server.start_serving": None,
    "asyncio.Server.serve_forever": None,
    "asyncio.Server.wait_closed": None,
    "asyncio.AbstractEventLoop.sock_recv": None,
    "asyncio.AbstractEventLoop.sock_recv_into": None,
    "asyncio.AbstractEventLoop.sock_recvfrom": None,
    "asyncio.AbstractEventLoop.sock_recvfrom_into": None,
    "asyncio.AbstractEventLoop.sock_sendall": None,
    "asyncio.AbstractEventLoop.sock_sendto": None,
    "asyncio.AbstractEventLoop.sock_connect": None,
    "asyncio.AbstractEventLoop.sock_accept": None,
    "asyncio.AbstractEventLoop.sock_sendfile": None,
    "asyncio.AbstractEventLoop.sendfile": None,
    "asyncio.AbstractEventLoop.start_tls": None,
    "asyncio.AbstractEventLoop.create_connection": None,
    "asyncio.AbstractEventLoop.create_server": SERVER,
    "asyncio.AbstractEventLoop.create_unix_connection": None,
    "asyncio.AbstractEventLoop.create_unix_server": SERVER,
    "asyncio.AbstractEventLoop.create_datagram_endpoint": None,
    "asyncio.AbstractEventLoop.connect_accepted_socket": None,
    "asyncio.AbstractEventLoop.connect_read_pipe": None,
    "asyncio.AbstractEventLoop.connect_write_pipe": None,
    "asyncio.AbstractEventLoop.subprocess_exec": None,
    "asyncio.AbstractEventLoop.subprocess_shell": None,
    "asyncio.AbstractEventLoop.getaddrinfo": None,
    "asyncio.AbstractEventLoop.getnameinfo": None,
    "asyncio.AbstractEventLoop.shutdown_asyncgens": None,
    "asyncio.AbstractEventLoop.shutdown_default_executor": None,
    "unittest.IsolatedAsyncioTestCase.asyncSetUp": None,
    "unittest.IsolatedAsyncioTestCase.asyncTearDown": None,
    "flake8_asynctest.TestCase.asyncSetUp": None,
    "flake8_asynctest.TestCase.asyncTearDown": None,
    "flake8_asynctest.ClockedTestCase.advance": None,
}

# Plain functions whose result has a known class.
RETURNS: dict[str, str] = {
    "asyncio.get_event_loop": LOOP,
    "asyncio.get_running_loop": LOOP,
    "asyncio.new_event_loop": LOOP,
    "asyncio.create_task": TASK,
    "asyncio.ensure_future": TASK,
    "asyncio.AbstractEventLoop.create_task": TASK,
    "asyncio.AbstractEventLoop.create_future": FUTURE,
    "asyncio.AbstractEventLoop.call_later": "asyncio.TimerHandle",
    "asyncio.AbstractEventLoop.call_at": "asyncio.TimerHandle",
    "asyncio.AbstractEventLoop.call_soon": "asyncio.Handle",
    "asyncio.TaskGroup.create_task": TASK,
    "asyncio.Runner.get_loop": LOOP,
}

# Classes we can follow: calling the name makes an instance of it.
KNOWN_CLASSES = frozenset(
    {
        "asyncio.Queue",
        "asyncio.Lock",
        "asyncio.Event",
        "asyncio.Condition",
        "asyncio.Semaphore",
        "asyncio.BoundedSemaphore",
        "asyncio.Barrier",
        "asyncio.StreamReader",
        "asyncio.Future",
        "asyncio.Task",
        "asyncio.TaskGroup",
        "asyncio.Runner",
        LOOP,
        "asyncio.Timeout",
        ASYNC_MOCK,
        *SYNC_MOCKS,
    }
)


class Runner(enum.Enum):
    """How a unittest base class treats coroutine methods."""

    SYNC = "sync"  # unittest.TestCase: never awaits anything
    ISOLATED = "isolated"  # IsolatedAsyncioTestCase: awaits tests, asyncSetUp/asyncTearDown, async cleanups
    AWAITS_ALL = "awaits_all"  # asynctest: also awaits async setUp/tearDown
    OTHER = "other"  # runs coroutines its own way (django, tornado, twisted...): we do not judge


TEST_CASE_BASES: dict[str, Runner] = {
    "unittest.TestCase": Runner.SYNC,
    "unittest.FunctionTestCase": Runner.SYNC,
    "unittest.IsolatedAsyncioTestCase": Runner.ISOLATED,
    "aiohttp.test_utils.AioHTTPTestCase": Runner.ISOLATED,
    "flake8_asynctest.TestCase": Runner.ISOLATED,
    "flake8_asynctest.ClockedTestCase": Runner.ISOLATED,
    "asynctest.TestCase": Runner.AWAITS_ALL,
    "asynctest.ClockedTestCase": Runner.AWAITS_ALL,
    "aiounittest.AsyncTestCase": Runner.OTHER,
    "tornado.testing.AsyncTestCase": Runner.OTHER,
    "tornado.testing.AsyncHTTPTestCase": Runner.OTHER,
    "tornado.testing.AsyncHTTPSTestCase": Runner.OTHER,
    "twisted.trial.unittest.TestCase": Runner.OTHER,
    "twisted.trial.unittest.SynchronousTestCase": Runner.OTHER,
    "django.test.SimpleTestCase": Runner.OTHER,
    "django.test.TestCase": Runner.OTHER,
    "django.test.TransactionTestCase": Runner.OTHER,
    "django.test.LiveServerTestCase": Runner.OTHER,
}

# Methods that, overridden in a TestCase subclass, can change how test methods are called.
RUNNER_HOOKS = frozenset(
    {"run", "__call__", "_callTestMethod", "__init__", "__init_subclass__", "__getattribute__", "__getattr__"}
)

# Decorators that leave a function's async-ness and its test-ness as they were.
TRANSPARENT_DECORATORS = frozenset(
    {
        "unittest.skip",
        "unittest.skipIf",
        "unittest.skipUnless",
        "unittest.expectedFailure",
        "unittest.mock.patch",
        "unittest.mock.patch.object",
        "unittest.mock.patch.dict",
        "unittest.mock.patch.multiple",
        "functools.wraps",
        "abc.abstractmethod",
        "typing.override",
        "typing_extensions.override",
    }
)

# Mock attributes that are real methods/properties, not child mocks.
MOCK_API = frozenset(
    {
        "assert_called",
        "assert_called_once",
        "assert_called_with",
        "assert_called_once_with",
        "assert_any_call",
        "assert_has_calls",
        "assert_not_called",
        "assert_awaited",
        "assert_awaited_once",
        "assert_awaited_with",
        "assert_awaited_once_with",
        "assert_any_await",
        "assert_has_awaits",
        "assert_not_awaited",
        "reset_mock",
        "configure_mock",
        "attach_mock",
        "mock_add_spec",
        "side_effect",
        "return_value",
        "called",
        "call_count",
        "call_args",
        "call_args_list",
        "method_calls",
        "mock_calls",
        "await_count",
        "await_args",
        "await_args_list",
    }
)

# The async libraries' sleeps (ATC401-403, ATC303's loop steps).
SLEEPS = frozenset({"asyncio.sleep", "anyio.sleep", "trio.sleep"})
# What an ``except`` catches when an import fails (the fallback imports and assignments it runs).
IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError"})
FIXTURE_DECORATORS = frozenset({"pytest.fixture", "pytest_asyncio.fixture", "pytest_asyncio.plugin.fixture"})
# Annotations of generator fixtures: the fixture's value is the first type argument.
ITERATOR_TYPES = frozenset(
    {
        "typing.Iterator",
        "typing.Iterable",
        "typing.Generator",
        "typing.AsyncIterator",
        "typing.AsyncIterable",
        "typing.AsyncGenerator",
        "collections.abc.Iterator",
        "collections.abc.Iterable",
        "collections.abc.Generator",
        "collections.abc.AsyncIterator",
        "collections.abc.AsyncIterable",
        "collections.abc.AsyncGenerator",
    }
)

# unittest.TestCase's own sync methods besides assert*/fail*: never coroutines.
UNITTEST_METHODS = frozenset(
    {
        "addCleanup", "addClassCleanup", "addTypeEqualityFunc", "doCleanups", "enterContext", "id", "run", "debug",
        "shortDescription", "skipTest", "subTest", "countTestCases", "defaultTestResult", "setUp", "tearDown",
    }
)

UNITTEST_ASSERTS_TRUTHY = frozenset({"assertTrue", "assertFalse", "assert_", "failUnless", "failIf"})
UNITTEST_ASSERTS_VALUE = frozenset(
    {
        "assertEqual",
        "assertEquals",
        "assertNotEqual",
        "assertIsNone",
        "assertIsNotNone",
        "assertIs",
        "assertIsNot",
        "assertIn",
        "assertNotIn",
        "assertCountEqual",
        "assertListEqual",
        "assertDictEqual",
        "assertTupleEqual",
        "assertSetEqual",
        "assertSequenceEqual",
        "assertGreater",
        "assertGreaterEqual",
        "assertLess",
        "assertLessEqual",
        "assertAlmostEqual",
        "assertNotAlmostEqual",
        "assertIsInstance",
        "assertNotIsInstance",
        "assertRegex",
        "assertNotRegex",
    }
)


class Knowledge:
    """The tables above plus what the user's configuration adds (in-house test bases, runner
    decorators, coroutine functions). One per run; the resolver asks it, never the tables."""

    def __init__(
        self,
        coroutine_functions: tuple[str, ...] = (),
        runner_bases: tuple[str, ...] = (),
        runner_decorators: tuple[str, ...] = (),
    ) -> None:
        self.coroutine_functions = {**COROUTINE_FUNCTIONS, **{canonical(q): None for q in coroutine_functions}}
        # the user's own names: they hold for code the checker can read too
        self.named_coroutine_functions = frozenset(canonical(q) for q in coroutine_functions)
        # a configured base runs coroutines its own way: we do not judge its tests
        self.test_case_bases = {**TEST_CASE_BASES, **{canonical(q): Runner.OTHER for q in runner_bases}}
        self.runner_decorators = frozenset(canonical(q) for q in runner_decorators)
        self.coroutine_names = frozenset(q.rpartition(".")[2] for q in self.coroutine_functions)
        self._known = frozenset(
            [
                *self.coroutine_functions,
                *self.test_case_bases,
                *self.runner_decorators,
                *RETURNS,
                *KNOWN_CLASSES,
                *TRANSPARENT_DECORATORS,
            ]
        )

    def knows(self, qualname: str) -> bool:
        """Is ``qualname`` (or the class it is a member of) described by the tables?"""
        return qualname in self._known or qualname.rpartition(".")[0] in self._known


DEFAULT_KNOWLEDGE = Knowledge()
