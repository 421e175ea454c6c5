"""Real code, odd configuration and pathological inputs: each gives a clear diagnostic or a normal result,
never a traceback or a hang, in memory that grows with the file and not with the run."""

from __future__ import annotations

import gc
import os
import re
import subprocess
import sys
import sysconfig
import textwrap
import weakref
from pathlib import Path

import pytest

from flake8_asynctest.catalogue import RULES
from flake8_asynctest.checker import check_source
from flake8_asynctest.settings import Settings

from .fix_runner import FIX_OPTIONS, requires_fix
from .test_cli import run_cli as checker_process

EVERYTHING = Settings(enabled=frozenset(RULES))
ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 120  # seconds: a hang becomes a failure, not a stuck CI run
SUMMARY = re.compile(r"^\d+ files? checked")

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
    return checker_process(*args, cwd=cwd, timeout=TIMEOUT)


def stderr_problems(result: subprocess.CompletedProcess) -> list[str]:
    """What the CLI wrote to stderr besides its closing summary line: nothing, after a normal run."""
    return [line for line in result.stderr.splitlines() if not SUMMARY.match(line)]


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


def test_our_table_in_a_pyproject_nested_too_deep_for_tomllib_is_a_configuration_error(tmp_path):
    """Regression: tomllib's RecursionError escaped as a traceback instead of the usual config message."""
    deep = "[" * 5000 + "]" * 5000
    (tmp_path / "pyproject.toml").write_text(f'[tool.flake8-asynctest]\nselect = ["ATC"]\n\n[other]\na = {deep}\n')
    (tmp_path / "test_bug.py").write_text(BUG)
    result = run_cli(".", cwd=tmp_path)
    assert result.returncode == 2
    assert "pyproject.toml: not valid TOML" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
def test_a_named_pipe_in_a_walked_directory_is_skipped_not_read(tmp_path):
    """Regression: opening a FIFO that nobody writes to blocked the run forever."""
    os.mkfifo(tmp_path / "test_pipe.py")
    (tmp_path / "test_bug.py").write_text(BUG)
    result = run_cli(tmp_path)
    assert result.returncode == 1, result.stderr
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == [str(tmp_path / "test_bug.py")] * 2
    assert "Traceback" not in result.stderr


ESCAPES = textwrap.dedent(
    """\
    import re
    import unittest

    from helpers import fetch


    class TestX(unittest.TestCase):
        async def test_never_runs(self):
            fetch()
            re.match("\\d", "1")
    """
)


def escapes(tmp_path) -> Path:
    """A test file and the module it imports, each with an invalid escape (a warning when parsed)."""
    (tmp_path / "helpers.py").write_text('import re\n\n\nasync def fetch():\n    return re.match("\\d", "1")\n')
    path = tmp_path / "test_escape.py"
    path.write_text(ESCAPES)
    return path


def run_with_warnings(options: list[str], *args) -> subprocess.CompletedProcess:
    command = [sys.executable, *options, "-m", "flake8_asynctest", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)


@pytest.mark.parametrize("options", [[], ["-W", "error"]], ids=["default", "W-error"])
def test_the_checked_codes_own_warnings_are_neither_printed_nor_errors(tmp_path, options):
    """Regression: an invalid escape printed a SyntaxWarning on every parse (3.12+), of the checked file and
    of a module it imports; under ``-W error`` (``PYTHONWARNINGS=error`` in many CIs) the valid file got
    E999 and the imported module went unread."""
    result = run_with_warnings(options, escapes(tmp_path))
    assert (result.returncode, stderr_problems(result)) == (1, [])
    assert [line.split()[1] for line in result.stdout.splitlines()] == ["ATC103", "ATC101"]


@requires_fix
def test_fixing_under_w_error_is_not_refused_for_a_warning(tmp_path):
    """Regression: the fixed output is parsed again; under ``-W error`` its invalid escape refused the fix."""
    path = escapes(tmp_path)
    result = run_with_warnings(["-W", "error"], *FIX_OPTIONS, path)
    assert "Warning" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert path.read_text() != ESCAPES


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


# -- pathological inputs, through the command line as users meet them ----------------------------------

OUTPUT_LINE = re.compile(r"^.+:\d+:\d+: (ATC\d{3}|E999|E902) ")
# The CLI, then its peak memory: Linux's VmHWM is this process's own (ru_maxrss can include the parent's
# size at fork time, since Linux keeps it across exec).
CHILD_WITH_PEAK_MEMORY = """\
import sys
from flake8_asynctest.cli import main
status = main(sys.argv[1:])
with open("/proc/self/status") as status_file:
    print(*[line for line in status_file if line.startswith("VmHWM:")], file=sys.stderr)
sys.exit(status)
"""


def check_bytes(tmp_path, data: bytes, name: str = "test_x.py"):
    """Run the CLI on one file holding ``data``: its exit status and findings as (line, code)."""
    path = tmp_path / name
    path.write_bytes(data)
    result = run_cli(path)
    assert stderr_problems(result) == []
    assert all(OUTPUT_LINE.match(line) for line in result.stdout.splitlines()), result.stdout
    return result.returncode, [(int(line.split(":")[1]), line.split()[1]) for line in result.stdout.splitlines()]


@pytest.mark.parametrize(
    ("data", "findings"),
    [
        (b"", []),
        (b"\xef\xbb\xbf" + BUG.encode(), BUG_FINDINGS),
        (BUG.replace("\n", "\r\n").encode(), BUG_FINDINGS),
        (BUG.replace("\n", "\r").encode(), BUG_FINDINGS),
        (
            ("# -*- coding: latin-1 -*-\n" + BUG + "        s = 'caf\xe9'\n").encode("latin-1"),
            [(6, "ATC103"), (7, "ATC101")],
        ),
    ],
    ids=["empty", "bom", "crlf", "cr", "latin-1-with-cookie"],
)
def test_encodings_and_line_endings_give_the_normal_result(tmp_path, data, findings):
    assert check_bytes(tmp_path, data) == ((1, findings) if findings else (0, []))


def test_latin_1_without_a_cookie_is_one_cannot_decode_diagnostic(tmp_path):
    status, findings = check_bytes(tmp_path, (BUG + "s = 'caf\xe9'\n").encode("latin-1"))
    assert (status, [code for _, code in findings]) == (2, ["E902"])


def test_a_nul_byte_is_one_syntax_diagnostic(tmp_path):
    assert check_bytes(tmp_path, (BUG + "x = 1\0\n").encode()) == (1, [(1, "E999")])


def test_a_one_megabyte_line_is_checked_and_columns_stay_right(tmp_path):
    prefix = '        x = "' + "a" * 1_000_000 + '"; '
    path = tmp_path / "test_long.py"
    path.write_text(BUG + prefix + "asyncio.sleep(2)\n")
    result = run_cli(path)
    assert result.stdout.splitlines()[-1].startswith(f"{path}:7:{len(prefix) + 1}: ATC101"), result.stdout[-300:]


DEEP = 1000
NESTED = {
    "parentheses": "x = " + "(" * DEEP + "1" + ")" * DEEP,
    "lists": "x = " + "[" * DEEP + "]" * DEEP,
    "blocks": "".join(" " * i + "if x:\n" for i in range(DEEP)) + " " * DEEP + "pass",
    "lambdas": "f = " + "lambda: " * DEEP + "asyncio.sleep(1)",
    "unary": "x = " + "-" * DEEP + "1",
    "not": "x = " + "not " * DEEP + "x",
    "attributes": "x = a" + ".b" * DEEP,
    "calls": "x = f" + "()" * DEEP,
    "subscripts": "x = a" + "[0]" * DEEP,
    "additions": "x = " + " + ".join(["a"] * DEEP),
    "conditionals": "x = " + "a if b else " * DEEP + "c",
    "calls-100000": "x = f" + "()" * 100 * DEEP,
    "attributes-100000": "x = a" + ".b" * 100 * DEEP,
    "additions-100000": "x = " + " + ".join(["a"] * 100 * DEEP),
}


@pytest.mark.parametrize("shape", NESTED)
def test_deep_nesting_gives_one_syntax_diagnostic_or_the_normal_result(tmp_path, shape):
    """Python's parser refuses some shapes (one E999); what it accepts is checked, the bug above it found;
    an analysis too deep to finish says so with ATC000 instead of a RecursionError."""
    status, findings = check_bytes(tmp_path, (BUG + NESTED[shape] + "\n").encode())
    assert status == 1
    if [code for _, code in findings] != ["E999"]:
        assert set(BUG_FINDINGS) <= set(findings) <= {*BUG_FINDINGS, (1, "ATC000")}


def test_a_long_chain_of_wrappers_costs_no_findings(tmp_path):
    """Plain defs that each return the next one's call, the last an async def's coroutine: what a
    call returns is worked out so many functions deep and no deeper, never past the stack; a call
    near the end of the chain is still known to make a coroutine."""
    wrappers = "".join(f"def f{i}():\n    return f{i + 1}()\n\n\n" for i in range(DEEP))
    test = "class TestChain(unittest.IsolatedAsyncioTestCase):\n    async def test_x(self):\n        f995()\n"
    source = f"import asyncio\nimport unittest\n\n{wrappers}def f{DEEP}():\n    return asyncio.sleep(0)\n\n\n{test}"
    status, findings = check_bytes(tmp_path, source.encode())
    assert (status, findings) == (1, [(len(source.splitlines()), "ATC101")])


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="peak memory is read from Linux's /proc")
def test_a_10_mb_file_is_checked_in_memory_that_grows_with_its_size(tmp_path):
    comments = ("# " + "x" * 97 + "\n") * 98_000
    data = (BUG + "        x = 1\n" * 10_000 + comments + BUG.replace("TestX", "TestY")).encode()
    assert len(data) > 9_500_000
    path = tmp_path / "test_big.py"
    path.write_bytes(data)
    result = subprocess.run(
        [sys.executable, "-c", CHILD_WITH_PEAK_MEMORY, str(path)], capture_output=True, text=True, timeout=TIMEOUT
    )
    end = data.count(b"\n") - 1
    assert [line.split(":")[1] for line in result.stdout.splitlines()] == ["5", "6", str(end), str(end + 1)], result
    peak = int(re.search(r"VmHWM:\s+(\d+) kB", result.stderr).group(1)) * 1024
    assert peak < 20 * len(data), f"peak memory {peak / 2**20:.0f} MiB for a {len(data) / 2**20:.0f} MiB file"


def test_a_directory_symlink_loop_is_not_followed(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "test_bug.py").write_text(BUG)
    (tmp_path / "pkg" / "loop").symlink_to(tmp_path)
    (tmp_path / "pkg" / "self").symlink_to(tmp_path / "pkg")
    result = run_cli(tmp_path)
    assert (result.returncode, stderr_problems(result)) == (1, [])
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == [str(tmp_path / "pkg" / "test_bug.py")] * 2


def unopenable(tmp_path) -> list[Path]:
    """A bug to find next to a dangling symlink and two symlinks in a loop."""
    (tmp_path / "test_bug.py").write_text(BUG)
    (tmp_path / "test_dangling.py").symlink_to(tmp_path / "nowhere.py")
    (tmp_path / "test_loop_a.py").symlink_to(tmp_path / "test_loop_b.py")
    (tmp_path / "test_loop_b.py").symlink_to(tmp_path / "test_loop_a.py")
    return [tmp_path / name for name in ("test_dangling.py", "test_loop_a.py", "test_loop_b.py")]


def test_a_walk_passes_over_symlinks_that_lead_nowhere(tmp_path):
    """Regression: a symlink loop in a walked directory raised OSError (ELOOP) out of the walk."""
    unopenable(tmp_path)
    result = run_cli(tmp_path)
    assert (result.returncode, stderr_problems(result)) == (1, [])
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == [str(tmp_path / "test_bug.py")] * 2


def test_named_files_that_cannot_be_opened_are_reported_and_the_run_goes_on(tmp_path):
    named = unopenable(tmp_path)
    result = run_cli(tmp_path / "test_bug.py", *named)
    assert result.returncode == 2
    output = (result.stdout + result.stderr).splitlines()
    assert [line.split(":")[0] for line in output if ": E902 " in line] == [str(path) for path in named]
    assert len([line for line in output if ": ATC" in line]) == 2
    assert "Traceback" not in result.stderr


ROOT_READS_ANYTHING = pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads anything")


@ROOT_READS_ANYTHING
def test_a_file_without_read_permission_is_reported_and_the_run_goes_on(tmp_path):
    (tmp_path / "test_bug.py").write_text(BUG)
    secret = tmp_path / "test_secret.py"
    secret.write_text(BUG)
    secret.chmod(0)
    result = run_cli(tmp_path)
    assert result.returncode == 2
    assert f"{secret}:0:1: E902 Permission denied" in result.stdout + result.stderr
    assert len([line for line in result.stdout.splitlines() if ": ATC" in line]) == 2
    assert "Traceback" not in result.stderr


@ROOT_READS_ANYTHING
def test_a_walk_passes_over_a_directory_it_may_not_read(tmp_path):
    """Regression: PermissionError from listing a directory escaped the walk as a traceback."""
    (tmp_path / "test_bug.py").write_text(BUG)
    closed = tmp_path / "closed"
    closed.mkdir()
    (closed / "test_inside.py").write_text(BUG)
    closed.chmod(0)
    try:
        result = run_cli(tmp_path)
    finally:
        closed.chmod(0o755)
    assert (result.returncode, stderr_problems(result)) == (1, [])
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == [str(tmp_path / "test_bug.py")] * 2


@pytest.mark.parametrize("fixture", ["atc101.py", "atc106.py", "atc204.py"])
def test_nothing_a_check_builds_outlives_its_result(fixture):
    """Memory stays bounded over many files: once a result is dropped, its tree and model are garbage."""
    path = ROOT / "fixtures" / fixture
    result = check_source(path.read_bytes(), str(path), EVERYTHING)
    assert result.findings
    left = [weakref.ref(result.tree), *(weakref.ref(f.node) for f in result.findings if f.node is not None)]
    del result
    gc.collect()
    assert [ref for ref in left if ref() is not None] == []


@pytest.mark.parametrize("fixture", ["atc602.py", "atc202_generator_coroutines_guarded.py", "atc601.py"])
def test_checking_the_same_tree_twice_gives_the_same_findings(fixture):
    """flake8 may hand one tree to a check again: nothing the first check caches on it (the legacy
    coroutines once were, and outlived the model they pointed into) costs the second its findings."""
    import ast

    from flake8_asynctest.checker import check_tree

    path = ROOT / "fixtures" / fixture
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    first = [(f.line, f.code, f.message) for f in check_tree(tree, str(path), source, EVERYTHING)]
    second = [(f.line, f.code, f.message) for f in check_tree(tree, str(path), source, EVERYTHING)]
    assert first and "ATC000" not in {code for _, code, _ in first}
    assert second == first


def test_a_fifo_named_conftest_does_not_block(tmp_path):
    import os
    import subprocess
    import sys

    os.mkfifo(tmp_path / "conftest.py")
    test = tmp_path / "test_a.py"
    test.write_text("import pytest_asyncio\n\nasync def test_x():\n    pass\n")
    done = subprocess.run(
        [sys.executable, "-m", "flake8_asynctest", "--isolated", str(test)], capture_output=True, text=True, timeout=30
    )
    assert "ATC105" in done.stdout


def test_a_symlink_loop_named_on_the_command_line_says_so(tmp_path, capsys):
    import os

    from flake8_asynctest.cli import main

    os.symlink(tmp_path / "loop.py", tmp_path / "loop.py")
    assert main(["--isolated", str(tmp_path / "loop.py")]) == 2
    assert "E902 a dangling or looping symbolic link" in capsys.readouterr().out


def test_a_rule_that_fails_costs_its_findings_not_the_run(monkeypatch, tmp_path):
    from flake8_asynctest.checker import check_source
    from flake8_asynctest.rules import FAMILIES
    from flake8_asynctest.config.selection import enabled_codes
    from flake8_asynctest.settings import Settings

    broken = FAMILIES[0]
    monkeypatch.setattr(type(broken), "check", lambda self, ctx: 1 / 0)
    source = b"import unittest\n\nclass T(unittest.TestCase):\n    async def test_x(self):\n        pass\n"
    codes = [
        f.code for f in check_source(source, str(tmp_path / "test_a.py"), Settings(enabled=enabled_codes())).findings
    ]
    assert "ATC000" in codes and "ATC103" in codes
