"""Fixed tests really run: the runnable fixture suites are run with unittest before and after --fix.

Each suite has a test that fails on purpose ("this test ran"): before the fix it never runs (the
suite "passes", or cannot even be imported); after the fix it fails, which proves it ran."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from .annotations import FIXTURES

RUNNABLE = FIXTURES / "runnable"
SENTINEL = "AssertionError: this test ran"


def run_unittest(path, tmp_path):
    copy = tmp_path / path.name.replace(".fixed", "")
    shutil.copy(path, copy)
    return subprocess.run(
        [sys.executable, "-m", "unittest", "-v", copy.stem], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )


@pytest.mark.skipif(sys.version_info < (3, 11), reason="the migrated suites use the runtime TestCase (3.11+)")
@pytest.mark.parametrize(
    "name",
    [
        "test_never_run",
        "test_legacy_asynctest",
        "test_legacy_runtime_features",
        "test_legacy_generator_coroutines",
        "test_legacy_loop_assigned",
    ],
)
def test_fixed_suite_runs_its_tests(name, tmp_path):
    before = run_unittest(RUNNABLE / f"{name}.py", tmp_path)
    assert SENTINEL not in before.stderr
    after = run_unittest(RUNNABLE / f"{name}.fixed.py", tmp_path)
    assert after.returncode == 1
    assert SENTINEL in after.stderr
    assert "FAIL: test_fails_when_it_runs" in after.stderr
    assert re.search(r"FAILED \(failures=1(, skipped=\d+)?\)$", after.stderr.rstrip()), after.stderr  # no errors


@pytest.mark.parametrize("name", ["test_legacy_asynctest", "test_legacy_generator_coroutines"])
def test_the_asynctest_suite_cannot_run_before_the_fix(name, tmp_path):
    before = run_unittest(RUNNABLE / f"{name}.py", tmp_path)
    assert "ModuleNotFoundError" in before.stderr or "AttributeError" in before.stderr


def test_the_unfixed_testcase_passes_without_running(tmp_path):
    before = run_unittest(RUNNABLE / "test_never_run.py", tmp_path)
    assert before.returncode == 0
    assert "Ran 2 tests" in before.stderr and before.stderr.rstrip().endswith("OK")
    assert "was never awaited" in before.stderr
