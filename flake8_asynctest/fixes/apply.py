"""Fixing one file for a run: apply, verify, then write in place or describe the change as a diff."""

from __future__ import annotations

from collections import Counter

from ..checker import FileResult
from ..interrupts import raise_if_received
from ..settings import Settings
from .engine import fix_source
from .files import NotWritten, rewrite, unified_diff
from .options import FixOptions


class Fixed:
    """What fixing a file came to: the findings that remain (None: those found before, the file
    being as it was), the fixes applied by code, the diff (``diff`` mode), and why the file was left
    as it was, if it was (the run then exits 2)."""

    __slots__ = ("result", "codes", "diff", "failure")

    def __init__(
        self, result: FileResult | None, codes: Counter[str] | None = None, diff: str = "", failure: str = ""
    ) -> None:
        self.result = result
        self.codes = codes if codes is not None else Counter()
        self.diff = diff
        self.failure = failure


def fix_file(path: str, data: bytes, result: FileResult, settings: Settings, options: FixOptions) -> Fixed:
    """Fix ``path``, whose bytes were ``data`` and their check ``result`` (used up: report its
    findings before). Whatever goes wrong, the file is left as it was and the run goes on; an
    interrupt stops it."""

    def change(content: bytes, checked: FileResult | None = None) -> tuple[bytes, Fixed]:
        codes: Counter[str] = Counter()
        new, _, remaining = fix_source(content, path, settings, options.unsafe, checked, codes)
        return new, Fixed(remaining, codes if new != content else None)

    try:
        if options.mode == "diff":
            new, outcome = change(data, result)
            return Fixed(None, outcome.codes, unified_diff(path, data, new) if new != data else "")
        return rewrite(path, data, lambda content: change(content, result if content is data else None))
    except Exception as error:  # a fix must never cost the user their file or the run
        raise_if_received()  # an interrupt that something turned into another exception
        reason = str(error) if isinstance(error, NotWritten) else f"{type(error).__name__}: {error}"
        return Fixed(None, failure=reason)
