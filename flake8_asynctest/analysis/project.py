"""Other modules, found and read without importing them: the project's own and installed packages.

A module is located by the import system's rules over a list of roots (the checked file's package
root, the project root and its ``src/``, then the interpreter's ``sys.path``), a ``.pyi`` stub
winning over its ``.py``. It is parsed with ``ast`` on first use and kept for the rest of the run,
so each module is read at most once however many files import it. Nothing is scanned up front:
the cost follows what the checked files import, never the size of site-packages.
"""

from __future__ import annotations

import gc
import os
import sys
import sysconfig
from functools import lru_cache

from ..parsing import parse
from .model import Module
from .modules import module_name_for

# Libraries the knowledge tables describe: reading their source would only replace a precise,
# curated answer with a guess (pytest's re-exports, django's test runners...).
KNOWN_PACKAGES = frozenset(
    {
        "pytest",
        "_pytest",
        "pytest_asyncio",
        "asynctest",
        "aiounittest",
        "anyio",
        "trio",
        "tornado",
        "twisted",
        "django",
        "flake8_asynctest",
        "mock",
        "nest_asyncio",
        "async_timeout",
        "hypothesis",
    }
)
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) | {"test"}
_PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")
_MAX_FILE_BYTES = 2_000_000  # a generated monster module is not worth the parse


def is_opaque(qualname: str) -> bool:
    """Modules we never read: the standard library and the libraries ``known`` describes."""
    top = qualname.partition(".")[0]
    return top in _STDLIB or top in KNOWN_PACKAGES or not top.isidentifier()


@lru_cache(maxsize=1)
def default_search_path() -> tuple[str, ...]:
    """The interpreter's ``sys.path`` without the standard library (``''`` is the working directory)."""
    paths = sysconfig.get_paths()
    stdlib = {os.path.realpath(paths[key]) for key in ("stdlib", "platstdlib") if key in paths}
    found = []
    for entry in sys.path:
        entry = os.path.realpath(entry or os.getcwd())
        if entry in stdlib or not os.path.isdir(entry) or entry in found:
            continue
        if any(entry.startswith(s + os.sep) and "site-packages" not in entry for s in stdlib):
            continue  # lib-dynload and friends
        found.append(entry)
    return tuple(found)


class Project:
    """Finds and reads modules for one run; shared by every file checked in a process."""

    def __init__(self, search_path: tuple[str, ...]) -> None:
        self.search_path = search_path
        # path -> ((size, mtime), parsed module or None if unreadable); a changed file is read again
        self._modules: dict[str, tuple[tuple[int, int], Module | None]] = {}
        self._located: dict[tuple[tuple[str, ...], str], str | None] = {}

    def roots_for(self, filename: str) -> tuple[str, ...]:
        """Where imports in ``filename`` are looked up, first match wins."""
        return _roots_for(os.path.abspath(filename), self.search_path)

    def find(self, dotted: str, roots: tuple[str, ...]) -> str | None:
        """The file that defines module ``dotted`` (``pkg/mod.pyi``, ``pkg/mod.py``,
        ``pkg/mod/__init__.py``, or a ``pkg-stubs`` package), or None."""
        key = (roots, dotted)
        if key not in self._located:
            self._located[key] = _find(dotted, roots)
        return self._located[key]

    def conftests(self, filename: str) -> list[Module]:
        """The conftest.py modules whose fixtures a test in ``filename`` can request, nearest first."""
        found = []
        directory = os.path.dirname(os.path.abspath(filename))
        stop = _project_root(directory)
        while True:
            path = os.path.join(directory, "conftest.py")
            if os.path.isfile(path) and os.path.abspath(filename) != path:
                module = self.load(path, module_name_for(path))
                if module is not None:
                    found.append(module)
            parent = os.path.dirname(directory)
            if directory == stop or parent == directory:
                return found
            directory = parent

    def load(self, path: str, name: str) -> Module | None:
        """Module ``name`` from ``path``, parsed once while the file is unchanged (same size and
        modification time); None if it cannot be read or parsed."""
        try:
            stat = os.stat(path)
        except OSError:
            return None
        key = (stat.st_size, stat.st_mtime_ns)
        cached = self._modules.get(path)
        if cached is None or cached[0] != key:
            cached = self._modules[path] = (key, _parse(path, name, stat.st_size))
            # kept for the rest of the run: take it out of the cyclic collector's sight, or every
            # later collection (flake8 runs with the collector on) walks the whole cache again.
            # Young garbage is collected first so that none of it is frozen with the cache.
            gc.collect(1)
            gc.freeze()
        return cached[1]


@lru_cache(maxsize=1024)
def _roots_for(filename: str, search_path: tuple[str, ...]) -> tuple[str, ...]:
    roots: list[str] = []
    directory = os.path.dirname(filename)
    depth = module_name_for(filename).count(".")
    package_root = directory
    for _ in range(depth):
        package_root = os.path.dirname(package_root)
    roots.append(package_root)
    project = _project_root(directory)
    if project is not None:
        roots.extend([project, os.path.join(project, "src")])
    roots.extend(search_path)
    unique: list[str] = []
    for root in roots:
        if root not in unique and os.path.isdir(root):
            unique.append(root)
    return tuple(unique)


@lru_cache(maxsize=1024)
def _project_root(directory: str) -> str | None:
    current = directory
    while True:
        if any(os.path.exists(os.path.join(current, marker)) for marker in _PROJECT_MARKERS):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _find(dotted: str, roots: tuple[str, ...]) -> str | None:
    parts = dotted.split(".")
    if not all(part.isidentifier() for part in parts):
        return None
    stub_parts = [parts[0] + "-stubs", *parts[1:]]
    for root in roots:
        for candidate_parts in (stub_parts, parts):
            base = os.path.join(root, *candidate_parts)
            for candidate in (
                base + ".pyi",
                base + ".py",
                os.path.join(base, "__init__.pyi"),
                os.path.join(base, "__init__.py"),
            ):
                if os.path.isfile(candidate):
                    return candidate
    return None


def _parse(path: str, name: str, size: int) -> Module | None:
    from .walk import build

    if size > _MAX_FILE_BYTES:
        return None
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        tree = parse(data, path)
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    module = build(tree, path, links=False)
    module.name = name
    return module
