"""Helpers for the runtime tests: run a unittest case programmatically, inspect its result."""

from __future__ import annotations

import sys
import unittest
from dataclasses import dataclass

import pytest

# the runtime needs Python 3.11+ (the static checker, tested outside this directory, runs on 3.10)
collect_ignore_glob = ["test_*.py"] if sys.version_info < (3, 11) else []


@dataclass
class Outcome:
    failures: list[str]
    errors: list[str]
    skipped: int
    expected_failures: int
    successes: int

    @property
    def text(self) -> str:
        return "\n".join(self.failures + self.errors)


def run_case(case: unittest.TestCase) -> Outcome:
    result = unittest.TestResult()
    case.run(result)
    return Outcome(
        failures=[text for _, text in result.failures],
        errors=[text for _, text in result.errors],
        skipped=len(result.skipped),
        expected_failures=len(result.expectedFailures),
        successes=result.testsRun - len(result.failures) - len(result.errors)
        - len(result.skipped) - len(result.expectedFailures) - len(result.unexpectedSuccesses),
    )


@pytest.fixture
def run():
    """``run(CaseClass, "test_name")`` -> Outcome of that one test."""
    return lambda case_class, name="test_it": run_case(case_class(name))
