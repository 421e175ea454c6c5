"""Module names of files, found the way Python's import system would see them (no import)."""

from __future__ import annotations

import os
from functools import lru_cache


@lru_cache(maxsize=4096)
def module_name_for(path: str) -> str:
    """``pkg.sub.mod`` for ``.../pkg/sub/mod.py``: climb while the directory is a package."""
    path = os.path.abspath(path)
    directory, base = os.path.split(path)
    name = os.path.splitext(base)[0]
    parts = [] if name == "__init__" else [name]
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        directory, package = os.path.split(directory)
        parts.insert(0, package)
        if not package:
            break
    return ".".join(parts)
