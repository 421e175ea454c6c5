"""The linter reads the code it checks and never imports or runs it: standalone, under flake8, or fixing.

Every planted module writes a marker file when it runs; after a check that reports the planted bugs, no
marker may exist.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from .fix_runner import DIFF_OPTIONS, FIX_OPTIONS, requires_fix

PLANT = "import pathlib\npathlib.Path({markers!r}, {name!r}).write_text('ran')\n"

TEST_FILE = textwrap.dedent(
    """\
    import asyncio
    import unittest

    import helpers
    from tests.helpers import fetch


    class TestPlanted(unittest.TestCase):
        async def test_fetch(self):
            asyncio.get_event_loop()
            fetch()


    if __name__ == "__main__":
        {plant}
    """
)

MODES = {
    "standalone": ["-m", "flake8_asynctest"],
    "flake8": ["-m", "flake8", "--select", "ATC"],
    "fix": ["-m", "flake8_asynctest", *FIX_OPTIONS],
    "diff": ["-m", "flake8_asynctest", *DIFF_OPTIONS],
}


@pytest.fixture
def project(tmp_path):
    """A suite whose every module, plugin and config hook writes a marker to ``markers/`` when it runs."""
    markers = tmp_path / "markers"
    markers.mkdir()
    root = tmp_path / "project"
    (root / "tests").mkdir(parents=True)

    def plant(relative: str, code: str = "") -> None:
        path = root / relative
        path.write_text(PLANT.format(markers=str(markers), name=relative.replace("/", ".")) + code)

    plant("setup.py")
    plant("planted_plugin.py")
    plant("helpers.py", "async def fetch():\n    pass\n")
    plant("tests/__init__.py")
    plant("tests/conftest.py", "import pytest_asyncio\npytest_plugins = ['planted_plugin']\n")
    plant("tests/helpers.py", "async def fetch():\n    pass\n")
    planted_main = PLANT.format(markers=str(markers), name="__main__").replace("\n", "\n    ")
    plant("tests/test_planted.py", TEST_FILE.format(plant=planted_main))
    (root / "pytest.ini").write_text("[pytest]\naddopts = -p planted_plugin\n")
    return root, markers


@pytest.mark.parametrize(
    "mode",
    ["standalone", "flake8", pytest.param("fix", marks=requires_fix), pytest.param("diff", marks=requires_fix)],
)
def test_checking_never_imports_or_runs_the_checked_code(project, mode):
    root, markers = project
    before = (root / "tests" / "test_planted.py").read_bytes()
    result = subprocess.run(
        [sys.executable, *MODES[mode], "tests", "setup.py", "planted_plugin.py", "helpers.py"],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    if mode == "fix":
        assert (root / "tests" / "test_planted.py").read_bytes() != before, "--fix did not fix the planted bugs"
    elif mode == "diff":
        assert "test_planted.py" in result.stdout, result
    else:
        assert "tests/test_planted.py:11:5: ATC103" in result.stdout, result
    assert sorted(p.name for p in markers.iterdir()) == []
