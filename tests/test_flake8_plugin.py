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
    ours = standalone("fixtures", *extra)
    theirs = flake8("--select", "ATC", *extra, "fixtures")
    assert ours.returncode == 1, ours.stderr
    assert sorted(theirs.stdout.splitlines()) == sorted(ours.stdout.splitlines())
    assert len(ours.stdout.splitlines()) > 40


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
