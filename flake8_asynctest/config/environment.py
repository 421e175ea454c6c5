"""Which installed packages imports resolve against: the project's environment, wherever we run.

Findings depend on the packages the checker can read (``asyncpg.connect`` is a coroutine function
only if asyncpg's source is found). pre-commit runs the hook in a virtualenv of its own that holds
none of the project's dependencies, so the checker looks for the project's: ``--python`` names its
interpreter; without it, an active virtualenv that is not ours, then ``.venv``/``venv`` at the
project root. Another interpreter is asked for its paths once per run, with ``-I -S``: no site
module, so no ``.pth`` file's code runs; its ``.pth`` path lines are then read as site would add
them, without executing the ``import`` lines.
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from typing import NamedTuple

from . import ConfigError

# What the other interpreter prints: its paths, as a literal (read with ast.literal_eval); nothing else
# runs. Without the site module a virtualenv's sys.prefix may be the base's: its site-packages are
# found as site finds them, from the pyvenv.cfg next to the executable or one directory up. Only site
# is imported beyond what start-up has, so the query costs little more than a bare start (~8 ms).
_ASK = """\
import os, site, sys
here = os.path.dirname(sys.executable)
venv = next((d for d in (here, os.path.dirname(here)) if os.path.isfile(os.path.join(d, 'pyvenv.cfg'))), None)
print(repr({
    'path': sys.path,
    'stdlib': [os.path.dirname(os.__file__)],
    'venv': venv,
    'venv_site': site.getsitepackages([venv]) if venv else [],
    'base_site': site.getsitepackages([sys.base_prefix, sys.base_exec_prefix]),
    'user_site': site.getusersitepackages(),
}))
"""
_PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")
_TIMEOUT = 60  # seconds: a hung interpreter must not hang the run


class Environment(NamedTuple):
    """Where installed packages are looked up (None: this interpreter's ``sys.path``), and why."""

    search_path: tuple[str, ...] | None
    description: str


def find_environment(python: str | None, start: str) -> Environment:
    """The environment named by ``python``, else the project's own found from ``start``, else ours."""
    if python is not None:
        return Environment(search_path_of(python), f"{python} (--python)")
    own = os.path.realpath(sys.prefix)
    active = os.environ.get("VIRTUAL_ENV")
    if active and is_virtualenv(active):
        if os.path.realpath(active) != own:
            return _other(active, "the active virtualenv, VIRTUAL_ENV")
        if not os.environ.get("PRE_COMMIT"):  # under pre-commit, VIRTUAL_ENV is the hook's own
            return Environment(None, f"{sys.executable} (this interpreter, in the active virtualenv)")
    project = _project_virtualenv(os.path.abspath(start))
    if project is not None and os.path.realpath(project) != own:
        return _other(project, "the project's virtualenv")
    return Environment(None, f"{sys.executable} (this interpreter)")


def _other(venv: str, why: str) -> Environment:
    python = interpreter_of(venv)
    return Environment(search_path_of(python), f"{python} ({why})")


def is_virtualenv(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, "pyvenv.cfg")) and os.path.exists(interpreter_of(directory))


def interpreter_of(venv: str) -> str:
    if sys.platform == "win32":
        return os.path.join(venv, "Scripts", "python.exe")
    return os.path.join(venv, "bin", "python")


def _project_virtualenv(directory: str) -> str | None:
    """The nearest ``.venv`` or ``venv`` from ``directory`` up to the project root (the first
    directory with a pyproject.toml, setup.py, setup.cfg or .git)."""
    while True:
        for name in (".venv", "venv"):
            if is_virtualenv(os.path.join(directory, name)):
                return os.path.join(directory, name)
        parent = os.path.dirname(directory)
        if parent == directory or any(os.path.exists(os.path.join(directory, m)) for m in _PROJECT_MARKERS):
            return None
        directory = parent


@lru_cache(maxsize=None)
def search_path_of(python: str) -> tuple[str, ...]:
    """``python``'s import path without its standard library, as ``default_search_path`` gives ours:
    the working directory (``python -m`` puts it first), then its site directories with their
    ``.pth`` paths. Asked once per run."""
    import ast
    import subprocess

    try:
        done = subprocess.run(
            [python, "-I", "-S", "-c", _ASK],
            capture_output=True,
            text=True,
            timeout=_TIMEOUT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ConfigError(f"{python}: cannot run it to ask for its sys.path ({error})") from None
    try:
        answer = ast.literal_eval(done.stdout.strip()) if done.returncode == 0 else None
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        answer = None
    if not isinstance(answer, dict):
        said = (done.stderr.strip().splitlines() or [done.stdout.strip()[:200]])[-1]
        raise ConfigError(f"{python}: did not answer with its sys.path (exit status {done.returncode}: {said})")
    return _search_path(answer)


def _search_path(answer: dict) -> tuple[str, ...]:
    stdlib = {os.path.realpath(entry) for entry in answer["stdlib"]}
    venv = answer["venv"]
    system_site = venv is None or _includes_system_site(venv)
    sites = [
        *answer["venv_site"],
        *([answer["user_site"], *answer["base_site"]] if system_site else []),
    ]
    found: list[str] = []

    def add(entry: str) -> None:
        entry = os.path.realpath(entry)
        if entry in found or not os.path.isdir(entry) or entry in stdlib:
            return
        if any(entry.startswith(s + os.sep) and "site-packages" not in entry for s in stdlib):
            return  # lib-dynload and friends
        found.append(entry)

    add(os.getcwd())
    for entry in answer["path"]:
        add(entry)
    for site_dir in sites:
        add(site_dir)
        for line in _pth_paths(site_dir):
            add(line)
    return tuple(found)


def _includes_system_site(venv: str) -> bool:
    try:
        with open(os.path.join(venv, "pyvenv.cfg"), encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return False
    for line in lines:
        key, _, value = line.partition("=")
        if key.strip().lower() == "include-system-site-packages":
            return value.strip().lower() == "true"
    return False


def _pth_paths(site_dir: str) -> list[str]:
    """The directories ``.pth`` files in ``site_dir`` add, as site reads them; ``import`` lines (code)
    are skipped, never run."""
    try:
        names = sorted(name for name in os.listdir(site_dir) if name.endswith(".pth") and not name.startswith("."))
    except OSError:
        return []
    found = []
    for name in names:
        try:
            with open(os.path.join(site_dir, name), encoding="utf-8", errors="replace") as handle:
                lines = handle.read().splitlines()
        except OSError:
            continue
        for line in lines:
            if not line.strip() or line.startswith("#") or line.startswith(("import ", "import\t")):
                continue
            found.append(os.path.join(site_dir, line.rstrip()))
    return found
