"""Runtime checks for asyncio tests: what static analysis cannot see.

``TestCase`` fails a test that leaves tasks, timers, readers or writers behind on its
loop, drops a coroutine unawaited or loses a task's exception; ``ClockedTestCase`` adds
virtual time. ``pytest_plugin`` gives pytest-asyncio tests the same checks.
Requires Python 3.11+ (unittest's asyncio machinery changed in 3.11).
"""

import sys

if sys.version_info < (3, 11):
    raise ImportError(
        "flake8_asynctest.runtime needs Python 3.11 or newer (it builds on the "
        "IsolatedAsyncioTestCase and asyncio.Runner of 3.11); this is Python "
        f"{sys.version.split()[0]}. The flake8 plugin itself still works on 3.10."
    )

from .case import ClockedTestCase, TestCase  # noqa: E402
from .clock import UnsupportedLoopError, VirtualClock  # noqa: E402
from .decorators import DEFAULT_CHECKS, fail_on, lenient, strict  # noqa: E402
from .helpers import exhaust_callbacks  # noqa: E402
from .internals import PrivateAPIError  # noqa: E402

__all__ = [
    "DEFAULT_CHECKS",
    "ClockedTestCase",
    "PrivateAPIError",
    "TestCase",
    "UnsupportedLoopError",
    "VirtualClock",
    "exhaust_callbacks",
    "fail_on",
    "lenient",
    "strict",
]
