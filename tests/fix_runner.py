"""The CLI's ``--fix`` for the tests that hold it to its promises; they are skipped, saying why, until it exists."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from collections.abc import Iterable

import pytest

from flake8_asynctest.catalogue import RULES
from flake8_asynctest.cli import main
from flake8_asynctest.context import Finding

HELP = subprocess.run(
    [sys.executable, "-m", "flake8_asynctest", "--help"], capture_output=True, text=True, timeout=60
).stdout
HAS_FIX = "--fix" in HELP
# Every code named (the opt-in rules run too), unsafe fixes applied, no configuration file read.
EVERYTHING = [
    *(["--isolated"] if "--isolated" in HELP else []),
    "--select",
    ",".join(RULES),
    *(["--unsafe-fixes"] if "--unsafe-fixes" in HELP else []),
]
FIX_OPTIONS = [*EVERYTHING, "--fix"]
DIFF_OPTIONS = [*EVERYTHING, "--diff"]  # the fixes as a diff, files untouched

requires_fix = pytest.mark.skipif(
    not HAS_FIX, reason="`python -m flake8_asynctest --help` has no --fix yet: these run once the fix engine lands"
)


def fixable(findings: Iterable[Finding]) -> bool:
    return any(RULES[f.code].fix for f in findings if f.code in RULES)


def fix_in_process(*args: str) -> str:
    """``python -m flake8_asynctest --fix ARGS`` without a new interpreter; returns what it printed.
    A file left unfixed fails the test, unless a fix made code that does not parse (the engine
    refuses to write it: a bug of that fix, not of the engine)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([*FIX_OPTIONS, *args])
    assert status != 2 or "the fixed code does not parse" in err.getvalue(), err.getvalue()
    return out.getvalue()
