"""Imports resolve against the project's environment, wherever the checker itself is installed.

Two real virtualenvs, made once: ``with_async`` holds a package ``fakedb`` whose ``connect`` is an
``async def``; ``without`` holds one whose ``connect`` is a plain ``def``. A test that calls
``fakedb.connect()`` without await is a finding only when resolved against ``with_async``.
``without`` also plays the checker's own environment (pre-commit's, pipx's): it runs the checker
from this work tree through PYTHONPATH.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from .annotations import ROOT

TEST = textwrap.dedent(
    """\
    import unittest

    import fakedb


    class T(unittest.IsolatedAsyncioTestCase):
        async def test_connect(self):
            fakedb.connect()
    """
)


def make_virtualenv(path, connect):
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = path / "bin" / "python"
    purelib = subprocess.run(
        [python, "-I", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    package = path / purelib / "fakedb"  # purelib is absolute: the join keeps it
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(connect)
    return python


@pytest.fixture(scope="module")
def envs(tmp_path_factory):
    root = tmp_path_factory.mktemp("envs")
    return {
        "with_async": make_virtualenv(root / "with_async", "async def connect():\n    pass\n"),
        "without": make_virtualenv(root / "without", "def connect():\n    pass\n"),
    }


@pytest.fixture
def project(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_db.py").write_text(TEST)
    return tmp_path


def _dependency_paths():
    """Where the checker's own runtime dependencies live: an installed checker (pipx's) has them.
    Only tomli on Python 3.10; the checker needs neither flake8 nor libcst to report."""
    if sys.version_info >= (3, 11):
        return []
    import tomli

    return [os.path.dirname(os.path.dirname(tomli.__file__))]


DEPENDENCIES = _dependency_paths()


def check(project, *args, python=sys.executable, **env):
    """The checker run by ``python`` in ``project``; the environment variables of this process
    that choose an environment are replaced by ``env``."""
    base = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PRE_COMMIT")}
    base["PYTHONPATH"] = os.pathsep.join([str(ROOT), *DEPENDENCIES])
    return subprocess.run(
        [str(python), "-m", "flake8_asynctest", *map(str, args)],
        capture_output=True, text=True, cwd=project, env={**base, **env}, timeout=120,
    )


def reported(done):
    assert done.returncode in (0, 1), done.stderr
    return [line.split(": ")[1].split()[0] for line in done.stdout.splitlines()]


def test_python_names_the_environment(project, envs):
    assert reported(check(project, "--python", envs["with_async"], ".")) == ["ATC101"]
    assert reported(check(project, "--python", envs["without"], ".")) == []
    assert reported(check(project, "--python", envs["with_async"].parent.parent, ".")) == ["ATC101"]  # the venv


def test_python_in_pyproject_is_relative_to_it(project, envs):
    os.symlink(envs["with_async"].parent.parent, project / "env")
    (project / "pyproject.toml").write_text("[tool.flake8-asynctest]\npython = 'env/bin/python'\n")
    (project / "tests" / "pyproject.toml").write_text("")  # no table: looked past
    done = check(project / "tests", "-v", ".")
    assert reported(done) == ["ATC101"]
    assert f"imports resolve against {project / 'env' / 'bin' / 'python'} (--python)" in done.stderr


def test_the_projects_virtualenv_is_found(project, envs):
    os.symlink(envs["with_async"].parent.parent, project / ".venv")
    done = check(project / "tests", "-v", ".")  # from a subdirectory: found at the project root
    assert reported(done) == ["ATC101"]
    assert f"imports resolve against {project / '.venv' / 'bin' / 'python'} (the project's virtualenv)" in done.stderr
    assert reported(check(project, ".", python=envs["without"])) == ["ATC101"]  # installed elsewhere (pipx)


def test_an_active_virtualenv_wins_over_the_projects(project, envs):
    os.symlink(envs["with_async"].parent.parent, project / "venv")
    active = str(envs["without"].parent.parent)
    done = check(project, "-v", ".", VIRTUAL_ENV=active)
    assert reported(done) == []
    assert "(the active virtualenv, VIRTUAL_ENV)" in done.stderr
    assert reported(check(project, ".", VIRTUAL_ENV=str(envs["with_async"].parent.parent))) == ["ATC101"]


def test_under_pre_commit_the_projects_virtualenv_replaces_the_hooks(project, envs):
    """pre-commit runs the hook in its own virtualenv and sets VIRTUAL_ENV to it."""
    os.symlink(envs["with_async"].parent.parent, project / ".venv")
    hook_env = str(envs["without"].parent.parent)
    assert reported(check(project, ".", python=envs["without"], VIRTUAL_ENV=hook_env, PRE_COMMIT="1")) == ["ATC101"]
    # outside pre-commit, a checker run from the active virtualenv is in the project's environment
    done = check(project, "-v", ".", python=envs["without"], VIRTUAL_ENV=hook_env)
    assert reported(done) == []
    assert "(this interpreter, in the active virtualenv)" in done.stderr


def test_pth_paths_are_followed_and_their_code_never_runs(project, envs, tmp_path):
    extra = tmp_path / "extra"
    (extra / "fakeextra").mkdir(parents=True)
    (extra / "fakeextra" / "__init__.py").write_text("async def connect():\n    pass\n")
    marker = tmp_path / "ran"
    site = envs["without"].parent.parent / "lib"
    (site_packages,) = site.glob("python*/site-packages")
    code = f"import pathlib; pathlib.Path({str(marker)!r}).touch()"
    (site_packages / "zz_extra.pth").write_text(f"# a comment\n{extra}\n{code}\n")
    try:
        (project / "tests" / "test_db.py").write_text(TEST.replace("fakedb", "fakeextra"))
        assert reported(check(project, "--python", envs["without"], ".")) == ["ATC101"]
        assert not marker.exists()
    finally:
        (site_packages / "zz_extra.pth").unlink()


def test_the_interpreter_is_asked_once_per_run(project, envs, tmp_path):
    counter = tmp_path / "asked"
    wrapper = tmp_path / "python"
    wrapper.write_text(f'#!/bin/sh\necho asked >> "{counter}"\nexec "{envs["with_async"]}" "$@"\n')
    wrapper.chmod(0o755)
    for i in range(60):  # enough for a pool of processes
        (project / "tests" / f"test_{i}.py").write_text(TEST)
    assert reported(check(project, "--python", wrapper, "-j2", ".")) == ["ATC101"] * 61
    assert counter.read_text() == "asked\n"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nowhere/python", "argument --python: 'nowhere/python': no such interpreter"),
        ("tests", "argument --python: 'tests' is a directory but not a virtualenv"),
        ("pyproject.toml", "argument --python: 'pyproject.toml' is not executable"),
    ],
)
def test_a_bad_python_flag_is_a_usage_error(project, value, message):
    done = check(project, "--python", value, ".")
    assert (done.returncode, done.stdout) == (2, "")
    assert message in done.stderr


def test_an_interpreter_that_does_not_answer_is_an_error(project, tmp_path):
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\necho 'cannot start' >&2\nexit 3\n")
    broken.chmod(0o755)
    done = check(project, "--python", broken, ".")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"flake8-asynctest: {broken}: did not answer with its sys.path (exit status 3: cannot start)\n"
    )


def test_a_bad_python_key_names_the_file(project):
    (project / "pyproject.toml").write_text("[tool.flake8-asynctest]\npython = 3\n")
    done = check(project, ".")
    assert (done.returncode, done.stdout) == (2, "")
    assert f"{project / 'pyproject.toml'}: [tool.flake8-asynctest] python: expected the path of a Python" in done.stderr


def test_flake8_resolves_against_the_same_environment(project, envs):
    args = ["-m", "flake8", "--isolated", "--select", "ATC", "."]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("VIRTUAL_ENV", None)
    done = subprocess.run(
        [sys.executable, *args, "--asynctest-python", str(envs["with_async"])],
        capture_output=True, text=True, cwd=project, env=env,
    )
    assert reported(done) == ["ATC101"]
    assert done.stdout == check(project, "--python", envs["with_async"], ".").stdout
    os.symlink(envs["with_async"].parent.parent, project / ".venv")
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=project, env=env)
    assert reported(done) == ["ATC101"]
