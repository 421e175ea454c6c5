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

    __slots__ = ("line", "col", "code", "message", "column", "fixable")

    def __init__(self, line: int, col: int, code: str, message: str, column: int, fixable: bool = False) -> None:
        self.line = line
        self.col = col  # 0-based UTF-8 byte offset, as ast and flake8 count
        self.code = code
        self.message = message  # starts with the code, as flake8 prints it
        self.column = column  # 1-based, in characters, as editors and SARIF count
        self.fixable = fixable  # --fix can repair it (safe fixes only)

    @property
    def text(self) -> str:
        """The message without its leading code."""
        return self.message[len(self.code) + 1 :] if self.message.startswith(self.code + " ") else self.message

    def __repr__(self) -> str:
        return f"Diagnostic({self.line}, {self.col}, {self.message!r})"


class FileReport:
    """A checked file's diagnostics; ``failed`` when it could not be read (its one diagnostic says why).
    With fixing: ``fixed`` fixes applied (or, with --diff, that would be) and the ``diff`` to print."""

    __slots__ = ("path", "diagnostics", "failed", "fixed", "diff")

    def __init__(self, path: str, diagnostics: list[Diagnostic], failed: bool = False) -> None:
        self.path = path
        self.diagnostics = diagnostics
        self.failed = failed
        self.fixed = 0
        self.diff = ""


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
        fixable = finding.fix is not None and not finding.fix.unsafe
        found.append(Diagnostic(finding.line, finding.col, finding.code, finding.message, column, fixable))
    return found


class Summary:
    """Totals for the summary line and ``--statistics``."""

    def __init__(self, fix_mode: str | None = None) -> None:
        self.files = 0  # files read and checked
        self.errors = 0  # files (or named paths) that could not be read
        self.counts: Counter[str] = Counter()
        self.fixable = 0  # remaining findings --fix could repair
        self.fix_mode = fix_mode
        self.fixed = 0  # fixes applied (with --diff: that would be)
        self.fixed_files = 0

    def add(self, report: FileReport) -> None:
        if report.failed:
            self.errors += 1
            return
        self.files += 1
        self.counts.update(d.code for d in report.diagnostics)
        self.fixable += sum(d.fixable for d in report.diagnostics)
        if report.fixed:
            self.fixed += report.fixed
            self.fixed_files += 1

    @property
    def findings(self) -> int:
        return sum(self.counts.values())

    def line(self) -> str:
        files = _plural(self.files, "file")
        if not self.findings:
            found = "no findings"
        else:
            found = f"{_plural(self.findings, 'finding')} ({self.fixable} fixable)"
        errors = f"; {_plural(self.errors, 'file')} could not be read" if self.errors else ""
        fixed = ""
        if self.fix_mode is not None:
            verb = "would fix" if self.fix_mode == "diff" else "fixed"
            fixed = f"; {verb} {_plural(self.fixed, 'finding')} in {_plural(self.fixed_files, 'file')}"
            if self.fix_mode == "diff":
                return f"{files} checked{fixed}{errors}"
            found = f"{found} remaining" if self.findings else found
        return f"{files} checked: {found}{fixed}{errors}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
