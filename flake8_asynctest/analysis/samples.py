"""Files a test suite reads as data and never runs: the inputs a test hands to a type checker.

A project that checks its type hints keeps "should fail" samples (motor's ``test/mypy_fails/``,
pydantic's ``tests/mypy/modules/``) in a directory that is not a package, and a test module beside
that directory names it and runs mypy or pyright on each file. Nothing imports or runs the samples,
so their module-level code is never executed. Text-level, cached per directory.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache

# A module that runs a type checker: imports it, or names it as a command.
_RUNS_TYPE_CHECKER = re.compile(
    r"^\s*(?:from|import)\s+(?:mypy|pyright|pytype)\b|[\"'](?:mypy|pyright|pytype)[\"']", re.MULTILINE
)
_NAME_STRING = re.compile(r"[\"']([\w.-]+)[\"']")
_MAX_BYTES = 1_000_000


def is_type_checker_input(path: str) -> bool:
    """``path`` is a module that no test collects or imports, in a directory that a module beside
    it names in a string and feeds to a type checker."""
    base = os.path.basename(path)
    if base.startswith("test_") or base.endswith("_test.py") or base in ("conftest.py", "__init__.py"):
        return False
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isfile(os.path.join(directory, "__init__.py")):
        return False  # a package: its modules can be imported by the tests
    return os.path.basename(directory) in _type_checked_directories(os.path.dirname(directory))


@lru_cache(maxsize=None)
def _type_checked_directories(directory: str) -> frozenset[str]:
    """The names that the modules in ``directory`` which run a type checker spell as strings."""
    names: set[str] = set()
    try:
        entries = os.listdir(directory)
    except OSError:
        return frozenset()
    for entry in entries:
        path = os.path.join(directory, entry)
        if not entry.endswith(".py") or not os.path.isfile(path):
            continue
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                text = handle.read(_MAX_BYTES)
        except OSError:
            continue
        if _RUNS_TYPE_CHECKER.search(text):
            names.update(_NAME_STRING.findall(text))
    return frozenset(names)
