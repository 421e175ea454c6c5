"""Which files a standalone run reads: recursion, and the directories nobody wants linted."""

from __future__ import annotations

import os
from collections.abc import Iterator

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".bzr",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        ".env",
        "__pycache__",
        "build",
        "dist",
        ".eggs",
        "node_modules",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
        "site-packages",
    }
)


def _skipped(directory: str, name: str) -> bool:
    if name in SKIP_DIRS or name.endswith(".egg-info"):
        return True
    return os.path.isfile(os.path.join(directory, name, "pyvenv.cfg"))  # a virtualenv, whatever its name


def python_files(path: str) -> Iterator[str]:
    """``path`` itself if it is a file (checked whatever its name), else the ``.py`` files under it,
    in a stable order. Symlinked directories are not followed, so a symlink loop cannot trap us."""
    if not os.path.isdir(path):
        yield path
        return
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not _skipped(root, d))
        for name in sorted(files):
            if name.endswith(".py"):
                yield os.path.join(root, name)
