"""The standalone checker: discovery, output, selection, noqa and exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from flake8_asynctest.catalogue import RULES
from flake8_asynctest.cli import main

BUG = textwrap.dedent(
    """\
    import unittest


    class TestX(unittest.TestCase):
        async def test_never_runs(self):
            pass
    """
)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def run_cli(*args, cwd=None, timeout=60):
    """The standalone checker in a fresh process (a timeout turns a hang into a failure)."""
    return subprocess.run(
        [sys.executable, "-m", "flake8_asynctest", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
    )


def test_reports_in_flake8_format_and_exits_1(tmp_path):
    path = write(tmp_path / "test_a.py", BUG)
    result = run_cli(path)
    assert result.returncode == 1
    assert result.stdout == f"{path}:5:5: {RULES['ATC103'].format(name='test_never_runs', base='unittest.TestCase')}\n"


def test_clean_tree_exits_0(tmp_path):
    write(tmp_path / "test_ok.py", BUG.replace("unittest.TestCase", "unittest.IsolatedAsyncioTestCase"))
    result = run_cli(tmp_path)
    assert (result.returncode, result.stdout) == (0, "")


def test_default_path_is_the_current_directory(tmp_path):
    write(tmp_path / "pkg" / "test_a.py", BUG)
    result = run_cli(cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith(os.path.join(".", "pkg", "test_a.py") + ":5:5: ATC103")


def test_missing_path_exits_2_and_the_run_goes_on(tmp_path, capsys):
    write(tmp_path / "test_a.py", BUG)
    assert main([str(tmp_path / "nope"), str(tmp_path)]) == 2
    out = capsys.readouterr().out
    assert "nope:0:1: E902 No such file or directory" in out
    assert "ATC103" in out


def test_syntax_error_gives_one_diagnostic_and_the_run_goes_on(tmp_path, capsys):
    write(tmp_path / "test_broken.py", "def broken(:\n    pass\n")
    write(tmp_path / "test_b.py", BUG)
    assert main([str(tmp_path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    assert out[1].startswith(f"{tmp_path / 'test_broken.py'}:1:") and "E999 SyntaxError" in out[1]
    assert "ATC103" in out[0]


def test_undecodable_file_is_reported_and_exits_2(tmp_path, capsys):
    (tmp_path / "test_bin.py").write_bytes(b"# coding: utf-8\nx = '\xff\xfe'\n")
    assert main([str(tmp_path)]) == 2
    assert "E902 cannot decode file" in capsys.readouterr().out


def test_skips_vcs_build_and_virtualenv_directories(tmp_path, capsys):
    for skipped in (".git", "build", ".tox", "node_modules"):
        write(tmp_path / skipped / "test_a.py", BUG)
    write(tmp_path / "myenv" / "pyvenv.cfg", "home = /usr\n")
    write(tmp_path / "myenv" / "lib" / "test_a.py", BUG)
    write(tmp_path / "tests" / "test_real.py", BUG)
    write(tmp_path / "tests" / "notes.txt", BUG)
    assert main([str(tmp_path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out] == [str(tmp_path / "tests" / "test_real.py")]


def test_an_explicit_file_is_checked_whatever_its_name(tmp_path, capsys):
    path = write(tmp_path / "build" / "script.txt", BUG)
    assert main([str(path)]) == 1
    assert "ATC103" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("comment", "reported"),
    [
        ("", True),
        ("  # noqa", False),
        ("  # noqa: ATC103", False),
        ("  # noqa:ATC1", False),
        ("  # NOQA: E501,ATC103", False),
        ("  # noqa: ATC101", True),
        ("  # noqa: E501", True),
    ],
)
def test_noqa_comments(tmp_path, capsys, comment, reported):
    text = BUG.replace("async def test_never_runs(self):", "async def test_never_runs(self):" + comment)
    write(tmp_path / "test_a.py", text)
    assert main([str(tmp_path)]) == (1 if reported else 0)
    assert ("ATC103" in capsys.readouterr().out) is reported


def test_flake8_noqa_file_comment_skips_the_file(tmp_path, capsys):
    write(tmp_path / "test_a.py", "# flake8: noqa\n" + BUG)
    assert main([str(tmp_path)]) == 0


@pytest.mark.parametrize(
    ("args", "reported"),
    [
        ([], True),
        (["--ignore", "ATC103"], False),
        (["--ignore", "ATC1"], False),
        (["--select", "ATC2"], False),
        (["--select", "ATC1", "--ignore", "ATC"], True),
        (["--ignore", "ATC1", "--extend-select", "ATC103"], True),
        (["--select", "A"], True),
    ],
)
def test_select_and_ignore_by_prefix(tmp_path, capsys, args, reported):
    write(tmp_path / "test_a.py", BUG)
    assert main([*args, str(tmp_path)]) == (1 if reported else 0)
    assert ("ATC103" in capsys.readouterr().out) is reported


OPT_IN = textwrap.dedent(
    """\
    import asyncio
    import unittest


    class TestX(unittest.TestCase):
        def test_by_hand(self):
            asyncio.run(asyncio.sleep(0))
    """
)


@pytest.mark.parametrize(
    ("args", "reported"),
    [
        ([], False),
        (["--select", "ATC"], False),
        (["--extend-select", "ATC203"], True),
        (["--select", "ATC2"], True),
        (["--extend-select", "ATC203", "--ignore", "ATC203"], False),
    ],
)
def test_opt_in_rules_need_naming(tmp_path, capsys, args, reported):
    write(tmp_path / "test_a.py", OPT_IN)
    main([*args, str(tmp_path)])
    assert ("ATC203" in capsys.readouterr().out) is reported


def test_scope_all_checks_files_that_are_not_tests(tmp_path, capsys):
    text = "import asyncio\n\nasync def main():\n    asyncio.sleep(1)\n"
    write(tmp_path / "app.py", text)
    assert main([str(tmp_path)]) == 0
    assert main(["--asynctest-scope", "all", str(tmp_path)]) == 1
    assert "ATC101" in capsys.readouterr().out


def test_list_rules_and_explain(capsys):
    assert main(["--list-rules"]) == 0
    listed = capsys.readouterr().out
    assert all(code in listed for code in RULES)
    assert main(["--explain", "atc103"]) == 0
    explained = capsys.readouterr().out
    for heading in ("What it does", "Why is this bad", "Example", "Use instead"):
        assert heading in explained
    assert main(["--explain", "ATC999"]) == 2


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--asynctest-scope", "everything"])
    assert exit_info.value.code == 2
