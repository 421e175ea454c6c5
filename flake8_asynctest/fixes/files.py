"""Writing fixed files: atomically, with their permissions, and only when the bytes changed."""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile


def write_atomically(path: str, data: bytes) -> None:
    """Replace ``path``'s content in one step: a crash leaves the old file or the new, never half."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".atc-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        shutil.copymode(path, temporary)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def unified_diff(path: str, before: bytes, after: bytes, encoding: str = "utf-8") -> str:
    old = before.decode(encoding, "replace").splitlines(keepends=True)
    new = after.decode(encoding, "replace").splitlines(keepends=True)
    return "".join(difflib.unified_diff(old, new, fromfile=path, tofile=path))
