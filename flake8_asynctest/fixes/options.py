"""How a run fixes. Kept free of libcst: the check path imports it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..context import Finding


class FixOptions:
    """``fix``/``fix-only`` rewrite files, ``diff`` only prints, ``add-noqa`` silences every finding
with a comment; ``unsafe`` also applies unsafe fixes."""

    __slots__ = ("mode", "unsafe")

    def __init__(self, mode: str, unsafe: bool = False) -> None:
        self.mode = mode
        self.unsafe = unsafe

    def wants(self, findings: Iterable[Finding]) -> bool:
        """Is there a finding this run would fix? (libcst is only loaded for such files.)"""
        if self.mode == "add-noqa":
            return any(not f.code.startswith(("E", "ATC000")) for f in findings)
        return any(f.fix is not None and (self.unsafe or not f.fix.unsafe) for f in findings)
