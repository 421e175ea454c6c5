"""File globs as flake8 reads them, so a pattern means the same in pyproject.toml and a flake8 config.

A pattern without a ``/`` matches a file's name; one with a ``/`` is a path, relative to the directory
of the file that configured it, matched against the file's absolute path. ``*`` crosses directories.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from fnmatch import fnmatch


def normalize(pattern: str, base_dir: str) -> str:
    """The pattern as ``matches`` wants it: a path pattern made absolute from ``base_dir``."""
    pattern = pattern.strip()
    if "/" in pattern.replace(os.sep, "/"):
        return os.path.abspath(os.path.join(base_dir, pattern))
    return pattern


def normalize_all(patterns: Iterable[str], base_dir: str) -> tuple[str, ...]:
    return tuple(normalize(p, base_dir) for p in patterns)


def matching(path: str, patterns: Sequence[str]) -> list[str]:
    """The patterns that match ``path`` (its name, or else its absolute path)."""
    if not patterns:
        return []
    name = os.path.basename(path)
    absolute = None
    found = []
    for pattern in patterns:
        if fnmatch(name, pattern):
            found.append(pattern)
            continue
        if absolute is None:
            absolute = os.path.abspath(path)
        if fnmatch(absolute, pattern):
            found.append(pattern)
    return found


def matches(path: str, patterns: Sequence[str]) -> bool:
    return bool(matching(path, patterns))
