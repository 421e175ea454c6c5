"""The flake8 plugin and the standalone checker are two shells over one checker."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from .annotations import FIXTURES, ROOT


# fixtures/site stands in for an installed package: put it on sys.path, as site-packages is
ENV = {**os.environ, "PYTHONPATH": str(FIXTURES / "site")}


def flake8(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=ENV,
    )


def standalone(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "flake8_asynctest", *map(str, args)], capture_output=True, text=True, cwd=cwd, env=ENV
    )


@pytest.mark.parametrize("extra", [[], ["--extend-select", "ATC203"]])
def test_both_modes_report_the_same_findings_on_the_fixtures(extra):
    ours = standalone("--isolated", "fixtures", *extra)
    theirs = flake8("--select", "ATC", *extra, "fixtures")
    assert ours.returncode == 1, ours.stderr
    assert sorted(theirs.stdout.splitlines()) == sorted(ours.stdout.splitlines())
    assert len(ours.stdout.splitlines()) > 40


def test_the_quick_start_shows_every_default_rule_and_no_fixed_twin():
    """README's first command, from the repository's root: the examples, not what --fix made of them."""
    from flake8_asynctest.catalogue import RULES

    done = standalone("fixtures")
    paths = {line.split(":")[0] for line in done.stdout.splitlines()}
    codes = {line.split(": ")[1].split()[0] for line in done.stdout.splitlines()}
    assert [path for path in paths if path.endswith(".fixed.py")] == []
    assert codes == {code for code, rule in RULES.items() if rule.default}


def test_plugin_is_registered_under_atc():
    result = subprocess.run([sys.executable, "-m", "flake8", "--version"], capture_output=True, text=True)
    assert "flake8-asynctest" in result.stdout


def test_not_selected_means_no_findings():
    result = flake8("--select", "E9,F", str(FIXTURES / "atc103.py"))
    assert "ATC" not in result.stdout


def test_options_are_read_from_the_flake8_config(tmp_path):
    (tmp_path / "app.py").write_text("import asyncio\n\nasync def main():\n    asyncio.sleep(1)\n")
    (tmp_path / "setup.cfg").write_text(
        textwrap.dedent(
            """\
            [flake8]
            select = ATC
            asynctest-scope = all
            asynctest-max-sleep = 0.5
            """
        )
    )
    result = subprocess.run([sys.executable, "-m", "flake8", "app.py"], capture_output=True, text=True, cwd=tmp_path)
    assert "app.py:4:5: ATC101" in result.stdout, result.stderr
    (tmp_path / "setup.cfg").write_text("[flake8]\nselect = ATC\n")
    result = subprocess.run([sys.executable, "-m", "flake8", "app.py"], capture_output=True, text=True, cwd=tmp_path)
    assert result.stdout == ""


def test_noqa_is_honoured_by_flake8(tmp_path):
    path = tmp_path / "test_a.py"
    path.write_text(
        "import unittest\n\nclass T(unittest.TestCase):\n    async def test_x(self):  # noqa: ATC103\n        pass\n"
    )
    assert flake8("--select", "ATC", path).stdout == ""


def test_codes_can_be_ignored_in_config(tmp_path):
    path = tmp_path / "test_a.py"
    path.write_text("import unittest\n\nclass T(unittest.TestCase):\n    async def test_x(self):\n        pass\n")
    (tmp_path / "tox.ini").write_text("[flake8]\nextend-ignore = ATC103\n")
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "ATC", "test_a.py"], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.stdout == ""


IN_HOUSE_PROJECT = {
    "checks.py": (
        "import asyncio\nfrom inhouse import AsyncBase\n\n\nclass Checks(AsyncBase):\n"
        "    async def test_x(self):\n        asyncio.sleep(0)\n"
    ),
    "suite/pytest.ini": "[pytest]\nasyncio_mode = strict\n",
    "suite/test_marked.py": (
        "import inhouse\nimport pytest\n\n\n@pytest.mark.inhouse_async\n"
        "async def test_x():\n    inhouse.fetch()\n"
    ),
    "suite/test_plain.py": "import inhouse\n\n\nasync def test_y():\n    inhouse.fetch()\n",
    "specs/login_spec.py": "import asyncio\n\n\nasync def check():\n    asyncio.sleep(0)\n",
    "legacy/test_old.py": (
        "import unittest\n\n\nclass T(unittest.TestCase):\n    async def test_x(self):\n        pass\n"
    ),
}


def make_project(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_every_option_from_the_flake8_config_matches_the_standalone_pyproject(tmp_path):
    make_project(tmp_path, IN_HOUSE_PROJECT)
    (tmp_path / "setup.cfg").write_text(
        textwrap.dedent(
            """\
            [flake8]
            select = ATC1
            extend-select = ATC203
            per-file-ignores =
                legacy/*: ATC103
            asynctest-test-patterns = *_spec.py
            asynctest-runner-bases = inhouse.AsyncBase
            asynctest-runner-decorators = pytest.mark.inhouse_async
            asynctest-coroutine-functions = inhouse.fetch, inhouse.other
            """
        )
    )
    (tmp_path / "pyproject.toml").write_text(
        textwrap.dedent(
            """\
            [tool.flake8-asynctest]
            select = ["ATC1"]
            extend-select = ["ATC203"]
            per-file-ignores = { "legacy/*" = ["ATC103"] }
            test-patterns = ["*_spec.py"]
            runner-bases = ["inhouse.AsyncBase"]
            runner-decorators = ["pytest.mark.inhouse_async"]
            coroutine-functions = ["inhouse.fetch", "inhouse.other"]
            """
        )
    )
    theirs = subprocess.run([sys.executable, "-m", "flake8", "."], capture_output=True, text=True, cwd=tmp_path)
    ours = standalone(".", cwd=tmp_path)
    assert sorted(theirs.stdout.splitlines()) == sorted(ours.stdout.splitlines()), theirs.stderr
    found = sorted((line.split(":")[0], line.split(": ")[1].split()[0]) for line in ours.stdout.splitlines())
    assert found == [
        ("./checks.py", "ATC101"),  # a runner base: its class is test code
        ("./specs/login_spec.py", "ATC101"),  # a test pattern
        ("./suite/test_marked.py", "ATC101"),  # a coroutine function...
        ("./suite/test_plain.py", "ATC101"),
        ("./suite/test_plain.py", "ATC105"),  # ...and the runner decorator keeps test_marked.py from ATC105
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("asynctest-runner-bases = AsyncBase", "asynctest-runner-bases: 'AsyncBase' is not a qualified name"),
        ("asynctest-scope = everything", "asynctest-scope: expected one of 'tests', 'all', got 'everything'"),
        ("asynctest-max-sleep = -1", "asynctest-max-sleep: must be >= 0, got -1.0"),
        ("asynctest-resolve = web", "asynctest-resolve: expected one of 'imports', 'file', got 'web'"),
        (
            "asynctest-runner-base = x.Base",
            "unknown option 'asynctest-runner-base' in flake8's configuration; did you mean 'asynctest-runner-bases'?",
        ),
        ("asynctest_coroutines = x.f", "unknown option 'asynctest_coroutines' in flake8's configuration"),
    ],
)
def test_flake8_config_mistakes_name_the_option(tmp_path, line, message):
    (tmp_path / "test_a.py").write_text("x = 1\n")
    (tmp_path / "setup.cfg").write_text(f"[flake8]\nselect = ATC\n{line}\n")
    result = subprocess.run([sys.executable, "-m", "flake8", "."], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode != 0
    assert f"flake8-asynctest: {message}" in result.stdout + result.stderr


FLAKE8_ONLY = """\
[flake8]
max-line-length = 100
select = E,F,W,C90,ATC
extend-select =
    ATC203,
    B950
extend-ignore = ATC202
per-file-ignores =
    legacy/*: ATC103, E501, ASYNC100
    conftest.py: S101
asynctest-max-sleep = 0.5
asynctest-scope = all
extend-exclude = generated
"""
FLAKE8_ONLY_PROJECT = {
    "pyproject.toml": "[project]\nname = 'demo'\n",  # no table of ours
    "app.py": "import asyncio\n\n\nasync def main():\n    asyncio.sleep(1)\n",
    "tests/test_a.py": (
        "import asyncio\nimport unittest\n\n\nclass T(unittest.TestCase):\n    async def test_x(self):\n"
        "        await asyncio.sleep(0.3)\n        await asyncio.sleep(0.6)\n        asyncio.get_event_loop()\n\n"
        "    def test_y(self):\n        asyncio.run(asyncio.sleep(0))\n"
    ),
    "legacy/test_old.py": IN_HOUSE_PROJECT["legacy/test_old.py"],
    "generated/test_gen.py": IN_HOUSE_PROJECT["legacy/test_old.py"],
}


@pytest.mark.parametrize("name", ["setup.cfg", "tox.ini", ".flake8"])
def test_a_project_configured_for_flake8_only_gets_the_same_findings_standalone(tmp_path, name):
    make_project(tmp_path, {**FLAKE8_ONLY_PROJECT, name: FLAKE8_ONLY})
    ours = subprocess.run([sys.executable, "-m", "flake8_asynctest", "."], capture_output=True, text=True, cwd=tmp_path)
    theirs = subprocess.run([sys.executable, "-m", "flake8", "."], capture_output=True, text=True, cwd=tmp_path)
    atc = sorted(line for line in theirs.stdout.splitlines() if ": ATC" in line)
    assert sorted(ours.stdout.splitlines()) == atc, ours.stderr
    # every option at work: scope all (app.py), max-sleep 0.5 (not 0.3), ATC203 opted in, ATC202 ignored,
    # legacy/ per-file-ignored, generated/ excluded
    assert [(line.split(":")[0], line.split(": ")[1][:6]) for line in ours.stdout.splitlines()] == [
        ("./app.py", "ATC101"),
        ("./tests/test_a.py", "ATC103"),
        ("./tests/test_a.py", "ATC401"),
        ("./tests/test_a.py", "ATC203"),
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[flake8]\nselect = E,ATC999\n", "setup.cfg: [flake8] select: 'ATC999' matches no rule"),
        ("[flake8]\nper-file-ignores = tests/*: ATX101\n", ""),  # another plugin's code: flake8's business
        ("[flake8]\nper-file-ignores = tests/*: ATC10O\n", "[flake8] per-file-ignores: 'ATC10O' matches no rule"),
        ("[flake8]\nasynctest-max-slep = 1\n", "unknown option 'asynctest-max-slep' in [flake8]; did you mean"),
        ("[flake8]\nasynctest-scope = everything\n", "setup.cfg: [flake8] asynctest-scope: expected one of"),
    ],
)
def test_mistakes_in_flake8s_file_are_errors_standalone(tmp_path, body, message):
    make_project(tmp_path, {"tests/test_a.py": "x = 1\n", "setup.cfg": body})
    done = subprocess.run([sys.executable, "-m", "flake8_asynctest", "."], capture_output=True, text=True, cwd=tmp_path)
    if not message:
        assert done.returncode == 0, done.stderr
        return
    assert (done.returncode, done.stdout) == (2, "")
    assert message in done.stderr


def test_a_flake8_selection_of_other_plugins_only_keeps_our_default(tmp_path):
    """``select = E,F`` in a flake8 file is about flake8's other checks: run to check our rules, the
    standalone checker keeps its default selection (and the file's ignores) instead of selecting nothing."""
    test = "import asyncio\nimport unittest\n\n\nclass T(unittest.TestCase):\n    async def test_x(self):\n        pass\n"
    make_project(tmp_path, {"tests/test_a.py": test, "setup.cfg": "[flake8]\nselect = E,F\nignore = E501\n"})
    done = subprocess.run([sys.executable, "-m", "flake8_asynctest", "."], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "ATC103" in done.stdout


def test_our_pyproject_table_wins_over_flake8s_file(tmp_path):
    make_project(tmp_path, {**FLAKE8_ONLY_PROJECT, "setup.cfg": FLAKE8_ONLY})
    (tmp_path / "pyproject.toml").write_text("[tool.flake8-asynctest]\nselect = ['ATC103']\n")
    done = subprocess.run([sys.executable, "-m", "flake8_asynctest", "."], capture_output=True, text=True, cwd=tmp_path)
    assert [line.split(": ")[1][:6] for line in done.stdout.splitlines()] == ["ATC103", "ATC103", "ATC103"]


def test_disable_noqa_under_flake8_also_reports_what_a_peer_s_noqa_silences(tmp_path):
    """A ``# noqa: ASYNC251`` silences our ATC402 in both front ends, and ``--disable-noqa`` shows it in both."""
    test = (
        "import asyncio\nimport time\n\n\nasync def test_x():\n    task = asyncio.create_task(asyncio.sleep(0))\n"
        "    time.sleep(0.5)  # noqa: ASYNC251\n    await task\n"
    )
    (tmp_path / "test_a.py").write_text(test)
    assert flake8("--select", "ATC", "test_a.py", cwd=tmp_path).stdout == ""
    assert standalone("--isolated", "test_a.py", cwd=tmp_path).stdout == ""
    theirs = flake8("--select", "ATC", "--disable-noqa", "test_a.py", cwd=tmp_path).stdout.splitlines()
    ours = standalone("--isolated", "--disable-noqa", "test_a.py", cwd=tmp_path).stdout.splitlines()
    assert [line.split(": ")[1][:6] for line in theirs] == ["ATC402"]
    assert theirs == ours
