"""What each name asynctest offers becomes when a file migrates off it (ATC601), shared by the check,
which must know which uses the fix cannot migrate, and by the codemod that rewrites them.

asynctest does ``from unittest import *`` and imports its own submodules (``asynctest.mock``,
``asynctest.case``..., and ``asynctest.asynctest``, the package reached as its own attribute), so a
name can be spelled through any of them: ``asynctest.asynctest.mock.patch.object`` is
``unittest.mock.patch.object``.
"""

from __future__ import annotations

# Submodules that re-export their names at the top of the package (and the package itself).
_SUBMODULES = frozenset({"asynctest", "case", "mock", "helpers", "_fail_on"})
# Names asynctest re-exports from unittest (``unittest.__all__``, 3.8-3.13).
UNITTEST_NAMES = frozenset(
    {
        "TestResult",
        "IsolatedAsyncioTestCase",
        "TestSuite",
        "TextTestRunner",
        "TestLoader",
        "FunctionTestCase",
        "main",
        "defaultTestLoader",
        "SkipTest",
        "skip",
        "skipIf",
        "skipUnless",
        "expectedFailure",
        "TextTestResult",
        "installHandler",
        "registerResult",
        "removeResult",
        "removeHandler",
        "addModuleCleanup",
        "doModuleCleanups",
        "getTestCaseNames",
        "makeSuite",
        "findTestCases",
    }
)
# asynctest.mock's names that unittest.mock has under the same name.
MOCK_NAMES = frozenset(
    {
        "Mock",
        "MagicMock",
        "NonCallableMock",
        "NonCallableMagicMock",
        "PropertyMock",
        "patch",
        "call",
        "ANY",
        "DEFAULT",
        "FILTER_DIR",
        "sentinel",
        "create_autospec",
        "mock_open",
        "seal",
    }
)
# What only flake8_asynctest's runtime keeps: with any of them a TestCase becomes
# flake8_asynctest.TestCase instead of unittest.IsolatedAsyncioTestCase.
RUNTIME_NAMES = frozenset({"ClockedTestCase", "fail_on", "strict", "lenient", "exhaust_callbacks"})
TEST_CASE = "TestCase"
ISOLATED = "unittest.IsolatedAsyncioTestCase"
RUNTIME_TEST_CASE = "flake8_asynctest.TestCase"


def is_asynctest(qualname: str | None) -> bool:
    return qualname is not None and (qualname == "asynctest" or qualname.startswith("asynctest."))


def _path(qualname: str) -> list[str]:
    """The name's parts below the package and its re-exporting submodules: ``["patch", "object"]``
    for ``asynctest.asynctest.mock.patch.object``; ``["mock"]`` for the mock module itself."""
    parts = qualname.split(".")[1:]
    while len(parts) > 1 and parts[0] in _SUBMODULES:
        parts = parts[1:]
    return [] if parts == ["asynctest"] or (len(parts) == 1 and parts[0] in ("case", "helpers")) else parts


def replacement(qualname: str, test_case: str = ISOLATED) -> str | None:
    """The qualified name that replaces the asynctest name ``qualname``, or None when there is none
    (``asynctest.selector.FileMock``, ``asynctest.GLOBAL``...). ``test_case`` replaces TestCase."""
    parts = _path(qualname)
    if not parts:
        return None
    head, rest = parts[0], "".join(f".{part}" for part in parts[1:])
    if head == "mock":
        return f"unittest.mock{rest}"
    if head in UNITTEST_NAMES:
        return f"unittest.{head}{rest}"
    if head in MOCK_NAMES:
        return f"unittest.mock.{head}{rest}"
    if head == "CoroutineMock":
        return f"unittest.mock.AsyncMock{rest}"
    if head == TEST_CASE:
        return f"{test_case}{rest}"
    if head == "exhaust_callbacks":
        return f"flake8_asynctest.runtime.exhaust_callbacks{rest}"
    if head in RUNTIME_NAMES:
        return f"flake8_asynctest.{head}{rest}"
    return None


class MigrationOptions:
    """What the check decided about the module: the class test cases become, the names whose uses
    have no replacement (their imports stay), whether ``self.loop`` reads become the running loop."""

    __slots__ = ("test_case", "kept", "rewrite_loop")

    def __init__(self, test_case: str, kept: frozenset[str], rewrite_loop: bool) -> None:
        self.test_case = test_case
        self.kept = kept
        self.rewrite_loop = rewrite_loop
