"""Writing fixed files as an editor does: in place, so that the inode, owner, group, mode, hard links
and symlinks pointing at the file all stay; never a file the user may not write; never over another
writer's change; never half-written.

Safety: the new text is first written in full beside the file (``.atc-NAME.*.tmp``) and synced;
only then is it copied over the file's bytes, with SIGINT and SIGTERM deferred until the copy is
complete and synced, and the copy beside it removed. An interrupt therefore leaves the old bytes or
the new; a failed copy (a full disk) puts the old bytes back. Only a crash of the machine (or
SIGKILL) in the middle of the copy can tear the file; the complete new text is then in the ``.tmp``
file beside it.
"""

from __future__ import annotations

import difflib
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import BinaryIO, TypeVar

from ..interrupts import deferred

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; the content check below still applies
    fcntl = None  # type: ignore[assignment]

T = TypeVar("T")

# Another program that keeps changing the file between our reading and our writing wins.
ATTEMPTS = 3


class NotWritten(Exception):
    """The file was left as it is; the message says why."""


def rewrite(path: str, data: bytes, change: Callable[[bytes], tuple[bytes, T]]) -> T:
    """Write ``change(data)``'s new bytes over ``path``, which held ``data`` when read, and return
    what ``change`` said about them. If the file no longer holds ``data`` (another writer, another
    run of ours), the change is made again from what it holds now. Raises ``NotWritten``."""
    new, outcome = change(data)
    if new == data:
        return outcome
    reason = why_not_writable(path)
    if reason is not None:
        raise NotWritten(reason)
    with locked(path) as handle:
        for _ in range(ATTEMPTS):
            current = read_all(handle)
            if current == data:
                write_in_place(handle, path, new, data)
                return outcome
            data = current
            new, outcome = change(data)
            if new == data:
                return outcome
    raise NotWritten("another program kept changing it while it was being fixed")


def why_not_writable(path: str) -> str | None:
    """Why ``path`` must not be fixed, or None. A file without any write permission is read-only on
    purpose, even for root (an editor asks before writing it)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        return error.strerror or str(error)
    if not stat.S_ISREG(mode):
        return "not a regular file"
    if not mode & 0o222:
        return f"read-only (mode {stat.S_IMODE(mode):04o})"
    if not os.access(path, os.W_OK):
        return "no permission to write it"
    return None


@contextmanager
def locked(path: str) -> Iterator[BinaryIO]:
    """``path`` open for reading and writing, locked against our other runs (an advisory lock: two
    ``--fix`` runs on one tree take turns on each file)."""
    with open(path, "r+b") as handle:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield handle  # closing the file releases the lock


def read_all(handle: BinaryIO) -> bytes:
    handle.seek(0)
    return handle.read()


def write_in_place(handle: BinaryIO, path: str, data: bytes, old: bytes) -> None:
    """Replace the content ``old`` of the open file ``handle`` (``path``) with ``data``: old bytes
    or new, whatever happens. If the copy fails (the disk is full), the old bytes go back."""
    with deferred():
        aside = _write_aside(path, data)
        try:
            _overwrite(handle, data)
        except BaseException:
            try:
                _overwrite(handle, old)  # it fits: the file held it a moment ago
            except OSError as error:
                reason = f"writing it failed, and so did putting it back ({error})"
                raise NotWritten(f"{reason}: the fixed text is in {aside}") from error
            os.unlink(aside)
            raise
        os.unlink(aside)


def _overwrite(handle: BinaryIO, data: bytes) -> None:
    handle.seek(0)
    handle.write(data)
    handle.truncate()
    handle.flush()
    os.fsync(handle.fileno())


def _write_aside(path: str, data: bytes) -> str:
    """The complete new text, synced, beside the file (or in the temporary directory when the
    file's directory is not writable): its name says which file it belongs to."""
    real = os.path.realpath(path)
    prefix = f".atc-{os.path.basename(real)}."
    try:
        handle, aside = tempfile.mkstemp(dir=os.path.dirname(real), prefix=prefix, suffix=".tmp")
    except PermissionError:
        handle, aside = tempfile.mkstemp(prefix=prefix, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        os.unlink(aside)
        raise
    return aside


def unified_diff(path: str, before: bytes, after: bytes, encoding: str = "utf-8") -> str:
    old = before.decode(encoding, "replace").splitlines(keepends=True)
    new = after.decode(encoding, "replace").splitlines(keepends=True)
    return "".join(difflib.unified_diff(old, new, fromfile=path, tofile=path))
