"""Pathological inputs: each gives a clear diagnostic or a normal result, never a traceback or a hang."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

from flake8_asynctest.catalogue import RULES
from flake8_asynctest.checker import check_source
from flake8_asynctest.settings import Settings

EVERYTHING = Settings(enabled=frozenset(RULES))
ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 120  # seconds: a hang becomes a failure, not a stuck CI run

# One ATC103 (line 5) and one ATC101 (line 6): a file that reaches the rules reports both.
BUG = textwrap.dedent(
    """\
    import asyncio
    import unittest

    class TestX(unittest.TestCase):
        async def test_never_runs(self):
            asyncio.sleep(1)
    """
)
BUG_FINDINGS = [(5, "ATC103"), (6, "ATC101")]

PYTEST_TEST = "import pytest\n\n\n@pytest.fixture\nasync def client():\n    return 1\n"


def run_cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "flake8_asynctest", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=TIMEOUT,
    )


def found(data: bytes, filename: str = "test_x.py") -> list[tuple[int, str]]:
    return [(f.line, f.code) for f in check_source(data, filename, EVERYTHING).findings]


@pytest.mark.parametrize(
    "pyproject",
    [
        "tool = 1\n",
        "[tool]\npytest = 3\n",
        "[tool.pytest]\nini_options = 3\n",
        "a = " + "[" * 5000 + "]" * 5000 + "\n",
    ],
    ids=["tool-not-a-table", "pytest-not-a-table", "ini-options-not-a-table", "nested-5000-deep"],
)
def test_a_pyproject_that_does_not_configure_pytest_is_no_configuration(tmp_path, pyproject):
    """Regression: valid TOML with a non-table ``tool``/``pytest``/``ini_options`` crashed the checker."""
    (tmp_path / "pyproject.toml").write_text("")
    path = tmp_path / "test_fixture.py"
    path.write_text(PYTEST_TEST)
    without = found(path.read_bytes(), str(path))
    odd = tmp_path / "odd"
    odd.mkdir()
    (odd / "pyproject.toml").write_text(pyproject)
    path = odd / "test_fixture.py"
    path.write_text(PYTEST_TEST)
    assert found(path.read_bytes(), str(path)) == without


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
def test_a_named_pipe_in_a_walked_directory_is_skipped_not_read(tmp_path):
    """Regression: opening a FIFO that nobody writes to blocked the run forever."""
    os.mkfifo(tmp_path / "test_pipe.py")
    (tmp_path / "test_bug.py").write_text(BUG)
    result = run_cli(tmp_path)
    assert result.returncode == 1, result.stderr
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == [str(tmp_path / "test_bug.py")] * 2
    assert "Traceback" not in result.stderr


def test_the_crash_test_passes_on_a_sample_of_real_code():
    """The quick version of ``scripts/crash_test.py``: a sample of site-packages, the fixtures, CPython's
    asyncio tests; the full run over site-packages and the real-world corpus is the script's default."""
    paths = [sysconfig.get_paths()["purelib"], str(ROOT / "fixtures")]
    test_asyncio = os.path.join(sysconfig.get_paths()["stdlib"], "test", "test_asyncio")
    paths += [test_asyncio] if os.path.isdir(test_asyncio) else []
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "crash_test.py"), "--sample", "60", *paths],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "crashes and hangs: 0" in result.stdout
