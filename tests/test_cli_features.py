"""The standalone CLI's everyday features: exclusion, standard input, output file, source lines,
--show-fixes, --add-noqa, -v/-q, --explain by name, --list-rules as JSON, the progress line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from flake8_asynctest.catalogue import RULES
from flake8_asynctest.cli import main

from .annotations import ROOT
from .terminal import run_on_a_terminal

NEVER_RUNS = textwrap.dedent(
    """\
    import unittest


    class TestX(unittest.TestCase):
        async def test_never_runs(self):
            pass
    """
)
UNAWAITED = textwrap.dedent(
    """\
    import asyncio
    import unittest


    class TestY(unittest.IsolatedAsyncioTestCase):
        async def test_sleeps(self):
            asyncio.sleep(1)
    """
)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "pyproject.toml", "[project]\nname = 'demo'\n")
    return tmp_path


def run(capsys, *args):
    status = main([*map(str, args)])
    out, err = capsys.readouterr()
    return status, out, err


def paths_reported(out):
    return sorted({line.split(":")[0] for line in out.splitlines()})


def usage_error(capsys, *args):
    with pytest.raises(SystemExit) as exit_info:
        main([*map(str, args)])
    out, err = capsys.readouterr()
    assert (exit_info.value.code, out) == (2, "")
    return err


# -- exclusion --------------------------------------------------------------------------------------------


def test_extend_exclude_adds_to_the_default_list(project, capsys):
    for name in ("tests/test_a.py", "tests/legacy/test_b.py", "tests/gen_test.py", "build/test_c.py"):
        write(project / name, NEVER_RUNS)
    everything = ["./tests/gen_test.py", "./tests/legacy/test_b.py", "./tests/test_a.py"]
    assert paths_reported(run(capsys, ".")[1]) == everything
    out = run(capsys, "--extend-exclude", "legacy,gen_*.py", ".")[1]
    assert paths_reported(out) == ["./tests/test_a.py"]  # build/ is still left out


def test_exclude_replaces_the_default_list(project, capsys):
    write(project / "build" / "test_c.py", NEVER_RUNS)
    write(project / "tests" / "legacy" / "test_b.py", NEVER_RUNS)
    assert paths_reported(run(capsys, "--exclude", "tests/legacy", ".")[1]) == ["./build/test_c.py"]


def test_exclusion_from_pyproject_applies_to_named_files_as_pre_commit_names_them(project, capsys):
    write(project / "tests" / "test_a.py", NEVER_RUNS)
    write(project / "tests" / "legacy" / "test_b.py", NEVER_RUNS)
    write(project / "pyproject.toml", '[tool.flake8-asynctest]\nextend-exclude = ["tests/legacy"]\n')
    status, out, _ = run(capsys, "tests/test_a.py", "tests/legacy/test_b.py")
    assert (status, paths_reported(out)) == (1, ["tests/test_a.py"])
    os.chdir(project / "tests")  # the glob is relative to the pyproject.toml, not to where we run
    assert paths_reported(run(capsys, ".")[1]) == ["./test_a.py"]


def test_a_bad_exclude_value_names_the_key(project, capsys):
    write(project / "pyproject.toml", "[tool.flake8-asynctest]\nexclude = 3\n")
    status, out, err = run(capsys, ".")
    assert (status, out) == (2, "")
    assert "[tool.flake8-asynctest] exclude: expected a list of file globs" in err


# -- standard input --------------------------------------------------------------------------------------


def check_stdin(args, text, cwd):
    return subprocess.run(
        [sys.executable, "-m", "flake8_asynctest", *args], input=text, capture_output=True, text=True, cwd=cwd
    )


def test_stdin_is_checked_as_the_file_it_names(project):
    write(project / "pyproject.toml", '[tool.flake8-asynctest]\nper-file-ignores = { "legacy/*" = ["ATC1"] }\n')
    done = check_stdin(["-", "--stdin-filename", "tests/test_a.py"], NEVER_RUNS, project)
    assert (done.returncode, done.stdout.split(": ")[0]) == (1, "tests/test_a.py:5:5")
    assert check_stdin(["-", "--stdin-filename", "legacy/test_a.py"], NEVER_RUNS, project).stdout == ""
    # test code is recognised by the name too: without one, the same text in app.py is not a test
    not_a_test = UNAWAITED.replace("TestY(unittest.Is", "Y(Is")
    assert check_stdin(["-", "--stdin-filename", "app.py"], not_a_test, project).stdout == ""
    assert check_stdin(["-"], NEVER_RUNS, project).stdout.startswith("stdin:5:5: ATC103")


def test_stdin_of_an_excluded_file_reports_nothing(project):
    write(project / "pyproject.toml", '[tool.flake8-asynctest]\nextend-exclude = ["legacy"]\n')
    done = check_stdin(["-", "--stdin-filename", "legacy/test_a.py"], NEVER_RUNS, project)
    assert (done.returncode, done.stdout) == (0, "")


def test_stdin_diff_shows_the_fix_and_changes_nothing(project):
    done = check_stdin(["-", "--stdin-filename", "tests/test_a.py", "--diff"], UNAWAITED, project)
    assert done.returncode == 1
    assert "+        await asyncio.sleep(1)" in done.stdout
    assert not (project / "tests").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--stdin-filename", "x.py", "."], "--stdin-filename names what '-' (standard input) holds"),
        (["--fix", "-"], "standard input cannot be fixed in place: use --diff with '-'"),
        (["--add-noqa", "-"], "standard input cannot be fixed in place"),
        (["--show-fixes", "."], "--show-fixes lists what --fix, --fix-only, --diff or --add-noqa changed"),
        (["--list-rules", "--format", "sarif"], "--list-rules and --explain print text or json"),
        (["--add-noqa", "--fix", "."], "not allowed with argument"),
        (["-v", "-q", "."], "not allowed with argument"),
    ],
)
def test_flags_that_mean_nothing_together_are_usage_errors(project, capsys, args, message):
    assert message in usage_error(capsys, *args)


# -- output ------------------------------------------------------------------------------------------------


def test_output_file_holds_what_stdout_would(project, capsys):
    write(project / "tests" / "test_a.py", NEVER_RUNS)
    status, out, err = run(capsys, "--output-file", "report.txt", "--color", "auto", "tests")
    assert (status, out) == (1, "")
    assert err == "1 file checked: 1 finding (1 fixable)\n"
    assert (project / "report.txt").read_text().startswith("tests/test_a.py:5:5: ATC103 ")
    run(capsys, "--output-file", "report.json", "--format", "json", "tests")
    assert json.loads((project / "report.json").read_text())["summary"]["findings"] == 1


def test_an_output_file_that_cannot_be_written_is_an_error(project, capsys):
    write(project / "tests" / "test_a.py", NEVER_RUNS)
    status, out, err = run(capsys, "--output-file", "missing/report.txt", "tests")
    assert (status, out) == (2, "")
    assert err == "flake8-asynctest: --output-file missing/report.txt: No such file or directory\n"


def test_show_source_prints_the_line_and_a_caret_at_the_column(project, capsys):
    text = "import asyncio\n\n\nasync def test_x():\n\tname = 'café'; asyncio.sleep(1)\n"
    write(project / "tests" / "test_a.py", text)
    out = run(capsys, "--show-source", "tests")[1]
    assert out.splitlines()[1:] == ["\tname = 'café'; asyncio.sleep(1)", "\t               ^"]


def test_show_fixes_lists_each_files_fixes_by_code(project, capsys):
    write(project / "tests" / "test_a.py", NEVER_RUNS)
    write(project / "tests" / "test_b.py", UNAWAITED.replace("sleep(1)", "sleep(0)") + "        asyncio.sleep(0)\n")
    status, out, err = run(capsys, "--fix", "--show-fixes", "tests")
    assert status == 0
    assert out == (
        "Fixed 3 findings:\n"
        "- tests/test_a.py:\n"
        "    1 x ATC103 (async-test-never-run)\n"
        "- tests/test_b.py:\n"
        "    2 x ATC101 (coroutine-never-awaited)\n"
    )
    assert run(capsys, "--fix", "--show-fixes", "tests")[1] == ""  # nothing left to fix


def test_verbose_says_which_configuration_and_quiet_drops_the_summary(project, capsys):
    write(project / "tests" / "test_a.py", NEVER_RUNS)
    err = run(capsys, "-v", "tests")[2]
    assert err.splitlines()[0] == "flake8-asynctest: configuration: none (defaults)"
    assert err.splitlines()[1].startswith("flake8-asynctest: imports resolve against ")
    write(project / "pyproject.toml", "[tool.flake8-asynctest]\nscope = 'tests'\n")
    assert run(capsys, "-v", "tests")[2].startswith(f"flake8-asynctest: configuration: {project / 'pyproject.toml'}\n")
    status, out, err = run(capsys, "-q", "tests")
    assert (status, err) == (1, "")
    assert out.startswith("tests/test_a.py:5:5: ATC103")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_a_progress_line_on_a_terminal_only(project):
    for i in range(200):
        write(project / "tests" / f"test_{i}.py", "x = 1\n")
    terminal = run_on_a_terminal(["-j1", "tests"], project, stream="stderr")
    assert "\rchecked 2/200 files" in terminal and "\rchecked 200/200 files\r\033[K" in terminal
    assert terminal.endswith("200 files checked: no findings\r\n")
    piped = subprocess.run(
        [sys.executable, "-m", "flake8_asynctest", "tests"], cwd=project, capture_output=True, text=True
    )
    assert piped.stderr == "200 files checked: no findings\n"


# -- --add-noqa ---------------------------------------------------------------------------------------------

LEGACY = textwrap.dedent(
    '''\
    import asyncio
    import unittest


    class TestOld(unittest.TestCase):
        async def test_a(self):  # a comment
            pass


    class TestNew(unittest.IsolatedAsyncioTestCase):
        async def test_b(self):
            asyncio.sleep(1)  # noqa: E501
            asyncio.sleep(2); asyncio.run(asyncio.sleep(0))
            x = """text
            """; asyncio.sleep(3)
            y = 1 + \\
                2; asyncio.sleep(4)
    '''
)
LEGACY_SILENCED = textwrap.dedent(
    '''\
    import asyncio
    import unittest


    class TestOld(unittest.TestCase):
        async def test_a(self):  # a comment  # noqa: ATC103
            pass


    class TestNew(unittest.IsolatedAsyncioTestCase):
        async def test_b(self):
            asyncio.sleep(1)  # noqa: E501, ATC101
            asyncio.sleep(2); asyncio.run(asyncio.sleep(0))  # noqa: ATC101,ATC201
            x = """text
            """; asyncio.sleep(3)  # noqa: ATC101
            y = 1 + \\
                2; asyncio.sleep(4)  # noqa: ATC101
    '''
)


def test_add_noqa_silences_every_finding_once(project, capsys):
    path = write(project / "tests" / "test_legacy.py", LEGACY)
    status, out, err = run(capsys, "--add-noqa", "--show-fixes", "tests")
    assert path.read_text(encoding="utf-8") == LEGACY_SILENCED
    assert status == 0
    assert out == (
        "Silenced with noqa comments 6 findings:\n"
        "- tests/test_legacy.py:\n"
        "    4 x ATC101 (coroutine-never-awaited)\n"
        "    1 x ATC103 (async-test-never-run)\n"
        "    1 x ATC201 (loop-run-in-coroutine)\n"
    )
    assert err == "1 file checked: no findings; silenced 6 findings in 1 file with noqa comments\n"
    assert run(capsys, "--add-noqa", "tests")[:2] == (0, "")  # idempotent
    assert path.read_text(encoding="utf-8") == LEGACY_SILENCED
    assert run(capsys, "tests")[0] == 0  # the suite passes; only new code fails from now on


def test_add_noqa_leaves_a_line_that_ends_inside_a_string_and_reports_it(project, capsys):
    text = 'import asyncio\n\n\nasync def test_x():\n    asyncio.sleep(f"""{1}\n    """)\n'
    path = write(project / "tests" / "test_a.py", text)
    status, out, _ = run(capsys, "--add-noqa", "tests")
    assert (status, path.read_text()) == (1, text)
    assert out.startswith("tests/test_a.py:5:5: ATC101")


def test_add_noqa_keeps_the_encoding_bom_and_line_endings(project, capsys):
    text = (
        "# -*- coding: latin-1 -*-\r\nimport asyncio\r\n\r\n\r\n"
        "async def test_x():\r\n    asyncio.sleep(1)  # é\r\n"
    )
    path = project / "tests" / "test_a.py"
    path.parent.mkdir()
    path.write_bytes(text.encode("latin-1"))
    assert run(capsys, "--add-noqa", "tests")[0] == 0
    assert path.read_bytes() == text.replace("# é", "# é  # noqa: ATC101").encode("latin-1")
    path.write_bytes(b"\xef\xbb\xbf" + "import asyncio\n\n\nasync def test_x():\n    asyncio.sleep(1)\n".encode())
    assert run(capsys, "--add-noqa", "tests")[0] == 0
    assert path.read_bytes().startswith(b"\xef\xbb\xbfimport asyncio\n")
    assert path.read_bytes().endswith(b"asyncio.sleep(1)  # noqa: ATC101\n")


# -- the catalogue ----------------------------------------------------------------------------------------


def test_explain_by_code_or_name(capsys):
    by_code = run(capsys, "--explain", "ATC301")[1]
    assert run(capsys, "--explain", "Task-Dropped")[1] == by_code
    status, out, err = run(capsys, "--explain", "task-droped")
    assert (status, out) == (2, "")
    assert "unknown rule 'task-droped'" in err
    record = json.loads(run(capsys, "--explain", "task-dropped", "--format", "json")[1])
    assert (record["code"], record["explanation"]) == ("ATC301", by_code.rstrip("\n"))


def test_list_rules_as_json_is_the_catalogue(capsys):
    listed = json.loads(run(capsys, "--list-rules", "--format", "json")[1])
    assert [rule["code"] for rule in listed] == list(RULES)
    for rule in listed:
        catalogued = RULES[rule["code"]]
        assert (rule["name"], rule["default"], rule["fix"]) == (catalogued.name, catalogued.default, catalogued.fix)


def test_readme_documents_every_flag():
    from flake8_asynctest.cli import build_parser

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    actions = build_parser()._actions
    flags = [option for action in actions for option in action.option_strings if option.startswith("--")]
    import re

    assert [flag for flag in flags if not re.search(rf"(?<![\w-]){flag}(?![\w-])", readme) and flag != "--help"] == []


def test_disable_noqa_reports_what_noqa_comments_silence(project, capsys):
    """``--disable-noqa``, as in flake8: inline and file-level noqa comments silence nothing, so a
    suite whose conftest says ``# flake8: noqa`` can still be checked and migrated."""
    write(project / "tests" / "conftest.py", "# flake8: noqa\nimport asynctest\n")
    write(project / "tests" / "test_a.py", "import asyncio\n\n\nasync def test_x():\n    asyncio.sleep(1)  # noqa\n")
    status, out, err = run(capsys, "tests")
    assert (status, out) == (0, "")
    assert "1 file skipped by a file-level '# flake8: noqa' (--disable-noqa checks them)" in err
    status, out, _ = run(capsys, "--disable-noqa", "tests")
    assert status == 1
    assert sorted(line.split(": ")[0] for line in out.splitlines()) == [
        "tests/conftest.py:2:1",
        "tests/test_a.py:5:5",
    ]
