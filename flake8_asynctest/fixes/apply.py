"""Fixing one file for a run: apply, verify, then write atomically or describe the change as a diff."""

from __future__ import annotations

import sys
from collections import Counter

from ..checker import FileResult
from ..settings import Settings
from .engine import fix_source
from .files import unified_diff, write_atomically
from .options import FixOptions


def fix_file(
    path: str, data: bytes, result: FileResult, settings: Settings, options: FixOptions
) -> tuple[FileResult, Counter[str], str]:
    """The findings that remain, the fixes applied by code, and the diff (``diff`` mode only).
    Whatever goes wrong, the file is left as it was and the run goes on."""
    fixed: Counter[str] = Counter()
    try:
        new, _, remaining = fix_source(data, path, settings, options.unsafe, result, fixed)
        if new == data:
            return remaining, Counter(), ""
        if options.mode == "diff":
            return result, fixed, unified_diff(path, data, new)
        write_atomically(path, new)
    except Exception as error:  # a fix must never cost the user their file or the run
        print(f"{path}: not fixed, left unchanged ({type(error).__name__}: {error})", file=sys.stderr)
        return result, Counter(), ""
    return remaining, fixed, ""
