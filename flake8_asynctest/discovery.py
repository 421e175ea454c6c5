"""Which files a standalone run reads: recursion, ``.gitignore``, and the directories nobody wants linted.

Inside a git work tree a directory's files are what ``git ls-files`` lists (tracked, plus untracked
files that are not ignored); elsewhere, or when git cannot answer, a walk. Either way only ``*.py``
files, never through a symlinked directory (so a symlink loop cannot trap us), in one stable order.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence

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


class Exclusion:
    """What a search leaves out: the directories above (``--exclude`` globs replace them, as in
    flake8), ``--extend-exclude`` globs, and virtualenvs. The user's globs (``patterns``) also leave
    out files and paths named on the command line: pre-commit names every file it checks."""

    def __init__(self, exclude: Sequence[str] | None = None, extend: Sequence[str] = ()) -> None:
        self.defaults = exclude is None
        self.patterns = (*(exclude or ()), *extend)

    def directory(self, parent: str, name: str) -> bool:
        if self.defaults and (name in SKIP_DIRS or name.endswith(".egg-info")):
            return True
        if self.named(os.path.join(parent, name)):
            return True
        return os.path.isfile(os.path.join(parent, name, "pyvenv.cfg"))  # a virtualenv, whatever its name

    def named(self, path: str) -> bool:
        """Is ``path``, or a directory it is in below the current one, excluded by the user's globs?"""
        if not self.patterns:
            return False
        from .patterns import matches

        relative = os.path.relpath(os.path.abspath(path))
        if relative.startswith(os.pardir):
            return matches(path, self.patterns)
        parts = relative.split(os.sep)
        return any(matches(os.path.join(*parts[: depth + 1]), self.patterns) for depth in range(len(parts)))


DEFAULT_EXCLUSION = Exclusion()


def python_files(path: str, exclusion: Exclusion = DEFAULT_EXCLUSION) -> Iterator[str]:
    """``path`` itself if it is not a directory (a named file is checked whatever its name), else the
    ``.py`` files under it; nothing when the user's globs exclude it."""
    if exclusion.named(path):
        return
    if not os.path.isdir(path):
        yield path
        return
    listed = _git_files(path) if _in_git_work_tree(path) else None
    if listed == [] and _git(["check-ignore", "-q", "."], path) is not None:
        listed = None  # the directory named is itself ignored: it was asked for, so walk it
    found = _kept(path, listed, exclusion) if listed is not None else _walk(path, exclusion)
    yield from sorted(found, key=_order)


def _order(path: str) -> list[str]:
    """Directory by directory, names sorted: the same order for git's listing and for the walk."""
    return path.split(os.sep)


def _walk(root: str, exclusion: Exclusion) -> Iterator[str]:
    try:
        entries = list(os.scandir(root))
    except OSError:  # a directory we may not read: skipped, as os.walk does
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            if not exclusion.directory(root, entry.name):
                yield from _walk(entry.path, exclusion)
        elif entry.name.endswith(".py") and _is_file(entry) and not exclusion.named(entry.path):
            yield entry.path


def _is_file(entry: os.DirEntry[str]) -> bool:
    """A symlink to a file is read; a dangling one, or one in a loop, is not."""
    try:
        return entry.is_file()
    except OSError:  # ELOOP: is_file() raises where a dangling link returns False
        return False


def _in_git_work_tree(path: str) -> bool:
    directory = os.path.abspath(path)
    while True:
        if os.path.exists(os.path.join(directory, ".git")):
            return True
        parent = os.path.dirname(directory)
        if parent == directory:
            return False
        directory = parent


def _git_files(root: str) -> list[str] | None:
    """The files under ``root`` that git does not ignore, relative to it; None when git cannot say."""
    listed = _git(["ls-files", "-z", "--cached", "--others", "--exclude-standard"], root)
    return None if listed is None else [os.fsdecode(name) for name in listed.split(b"\0") if name]


def _git(args: list[str], cwd: str) -> bytes | None:
    """git's output, or None when it fails (not installed, not a repository it trusts, a "no" answer)."""
    import subprocess  # only runs inside a git work tree pay for it

    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None


def _kept(root: str, listed: Iterable[str], exclusion: Exclusion) -> Iterator[str]:
    """git's listing under the same rules as the walk: Python files, no skipped directory, no symlinked
    directory on the way, each once, still on disk (a deleted file stays listed until committed)."""
    verdicts: dict[str, bool] = {"": True}
    seen = set()
    for name in listed:
        if not name.endswith(".py") or name in seen:
            continue
        seen.add(name)
        directory, _, _ = name.rpartition("/")
        if not _directory_kept(root, directory, verdicts, exclusion):
            continue
        path = os.path.join(root, *name.split("/"))
        if os.path.isfile(path) and not exclusion.named(path):
            yield path


def _directory_kept(root: str, directory: str, verdicts: dict[str, bool], exclusion: Exclusion) -> bool:
    if directory not in verdicts:
        parent, _, name = directory.rpartition("/")
        full_parent = os.path.join(root, *parent.split("/")) if parent else root
        verdicts[directory] = (
            _directory_kept(root, parent, verdicts, exclusion)
            and not exclusion.directory(full_parent, name)
            and not os.path.islink(os.path.join(full_parent, name))
        )
    return verdicts[directory]
