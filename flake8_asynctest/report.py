"""What a standalone run found, file by file, in a form every output format reads.

Plain slotted records: a worker process sends them back to the main one, so they stay small.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .context import Finding


class Diagnostic:
    """One finding, or one file-level problem (E902 unreadable, E999 unparsable), in one file."""

    __slots__ = ("line", "col", "code", "message", "column")

    def __init__(self, line: int, col: int, code: str, message: str, column: int) -> None:
        self.line = line
        self.col = col  # 0-based UTF-8 byte offset, as ast and flake8 count
        self.code = code
        self.message = message  # starts with the code, as flake8 prints it
        self.column = column  # 1-based, in characters, as editors and SARIF count

    @property
    def text(self) -> str:
        """The message without its leading code."""
        return self.message[len(self.code) + 1 :] if self.message.startswith(self.code + " ") else self.message

    def __repr__(self) -> str:
        return f"Diagnostic({self.line}, {self.col}, {self.message!r})"


class FileReport:
    """A checked file's diagnostics; ``failed`` when it could not be read (its one diagnostic says why)."""

    __slots__ = ("path", "diagnostics", "failed")

    def __init__(self, path: str, diagnostics: list[Diagnostic], failed: bool = False) -> None:
        self.path = path
        self.diagnostics = diagnostics
        self.failed = failed


def diagnostics(findings: Iterable[Finding], source: str | None) -> list[Diagnostic]:
    """Findings as diagnostics, with the character column of each (ast gives a byte offset)."""
    lines = None
    found = []
    for finding in findings:
        column = finding.col + 1
        if source is not None and not source.isascii():
            if lines is None:
                lines = source.splitlines()
            if 0 < finding.line <= len(lines):
                column = len(lines[finding.line - 1].encode("utf-8")[: finding.col].decode("utf-8", "ignore")) + 1
        found.append(Diagnostic(finding.line, finding.col, finding.code, finding.message, column))
    return found


def is_fixable(code: str) -> bool:
    """A rule with an autofix (the catalogue's ``fix``); the fix engine will refine this per finding."""
    from .catalogue import RULES

    rule = RULES.get(code)
    return rule is not None and rule.fix is not None


class Summary:
    """Totals for the summary line and ``--statistics``."""

    def __init__(self) -> None:
        self.files = 0  # files read and checked
        self.errors = 0  # files (or named paths) that could not be read
        self.counts: Counter[str] = Counter()

    def add(self, report: FileReport) -> None:
        if report.failed:
            self.errors += 1
            return
        self.files += 1
        self.counts.update(d.code for d in report.diagnostics)

    @property
    def findings(self) -> int:
        return sum(self.counts.values())

    @property
    def fixable(self) -> int:
        return sum(count for code, count in self.counts.items() if is_fixable(code))

    def line(self) -> str:
        files = _plural(self.files, "file")
        if not self.findings:
            found = "no findings"
        else:
            found = f"{_plural(self.findings, 'finding')} ({self.fixable} fixable)"
        errors = f"; {_plural(self.errors, 'file')} could not be read" if self.errors else ""
        return f"{files} checked: {found}{errors}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
