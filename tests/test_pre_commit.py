"""The pre-commit hooks for real: pre-commit from PyPI installs this repository's hooks into a project.

Slow (it installs pre-commit, then pre-commit builds an environment with this package) and needs
PyPI, but it runs by default: ``.pre-commit-hooks.yaml`` is only tested here. The hooks come from a
git snapshot of this work tree, uncommitted changes included, so the test checks what is on disk.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import venv

import pytest

from .annotations import ROOT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git"),
]

TIMEOUT = 900  # seconds for one install or hook run: a hung network must not hang the suite

BUG = textwrap.dedent(
    """\
    import unittest


    class TestX(unittest.TestCase):
        async def test_never_runs(self):
            pass
    """
)
GIT_ENV = {
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def run(*args, cwd, env=None):
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def checked(*args, cwd, env=None):
    done = run(*args, cwd=cwd, env=env)
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done


def snapshot_of_this_repository(destination):
    """A one-commit git repository holding this work tree's files (tracked and untracked, not ignored)."""
    listed = checked("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT).stdout
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    env = {**os.environ, **GIT_ENV}
    checked("git", "init", "-q", cwd=destination, env=env)
    checked("git", "add", "-A", cwd=destination, env=env)
    checked("git", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "snapshot", cwd=destination, env=env)
    return checked("git", "rev-parse", "HEAD", cwd=destination).stdout.strip()


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A git project whose .pre-commit-config.yaml uses both hooks, with pre-commit installed to run it."""
    base = tmp_path_factory.mktemp("pre-commit")
    tools = base / "tools"
    venv.create(tools, with_pip=True)
    python = tools / ("Scripts" if sys.platform == "win32" else "bin") / "python"
    checked(python, "-m", "pip", "install", "--quiet", "pre-commit", cwd=base)

    hooks = base / "flake8-asynctest"
    hooks.mkdir()
    rev = snapshot_of_this_repository(hooks)

    project = base / "project"
    project.mkdir()
    (project / "tests").mkdir()
    (project / "tests" / "test_a.py").write_text(BUG, encoding="utf-8")
    (project / ".pre-commit-config.yaml").write_text(
        textwrap.dedent(
            f"""\
            repos:
              - repo: {hooks.as_posix()}
                rev: {rev}
                hooks:
                  - id: flake8-asynctest
                  - id: flake8-asynctest-fix
            """
        ),
        encoding="utf-8",
    )
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(base / "cache"), "PRE_COMMIT_COLOR": "never"}
    env.pop("NO_COLOR", None)
    checked("git", "init", "-q", cwd=project, env=env)
    checked("git", "add", "-A", cwd=project, env=env)  # pre-commit refuses an unstaged configuration

    def pre_commit(*args):
        return run(python, "-m", "pre_commit", *args, cwd=project, env=env)

    return project, pre_commit


def test_check_hook_reports_the_finding(project):
    root, pre_commit = project
    result = pre_commit("run", "flake8-asynctest", "--all-files")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "flake8-asynctest" in result.stdout and "Failed" in result.stdout
    assert "tests/test_a.py:5:5: ATC103 async test test_never_runs never runs" in result.stdout
    assert "1 file checked: 1 finding (1 fixable)" in result.stdout


def fix_is_available() -> bool:
    """``--fix`` is built separately: this test starts running once the CLI accepts it."""
    done = subprocess.run([sys.executable, "-m", "flake8_asynctest", "--help"], capture_output=True, text=True)
    return "--fix" in done.stdout


def test_fix_hook_fixes_the_finding(project):
    if not fix_is_available():
        pytest.skip("`python -m flake8_asynctest --fix` is not implemented yet (its own issue)")
    root, pre_commit = project
    path = root / "tests" / "test_a.py"
    result = pre_commit("run", "flake8-asynctest-fix", "--all-files")
    assert result.returncode == 1, result.stdout + result.stderr  # pre-commit fails a hook that changed files
    assert "files were modified by this hook" in result.stdout
    assert "unittest.IsolatedAsyncioTestCase" in path.read_text(encoding="utf-8")
    checked("git", "add", "-A", cwd=root)
    after = pre_commit("run", "flake8-asynctest", "--all-files")
    assert after.returncode == 0, after.stdout + after.stderr
