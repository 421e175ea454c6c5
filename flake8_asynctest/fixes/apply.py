"""Fixing one file for a run: apply, verify, then write atomically or describe the change as a diff."""

from __future__ import annotations

import sys

from ..checker import FileResult
from ..settings import Settings
from .engine import fix_source
from .files import unified_diff, write_atomically
from .options import FixOptions


def fix_file(
    path: str, data: bytes, result: FileResult, settings: Settings, options: FixOptions
) -> tuple[FileResult, int, str]:
    """The findings that remain, how many fixes were applied, and the diff (``diff`` mode only).
    Whatever goes wrong, the file is left as it was and the run goes on."""
    try:
        new, applied, remaining = fix_source(data, path, settings, options.unsafe, result)
        if new == data:
            return remaining, 0, ""
        if options.mode == "diff":
            return result, applied, unified_diff(path, data, new)
        write_atomically(path, new)
    except Exception as error:  # a fix must never cost the user their file or the run
        print(f"{path}: not fixed, left unchanged ({type(error).__name__}: {error})", file=sys.stderr)
        return result, 0, ""
    return remaining, applied, ""
