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

    __slots__ = ("line", "col", "code", "message", "column", "fixable", "end", "source_line")

    def __init__(
        self,
        line: int,
        col: int,
        code: str,
        message: str,
        column: int,
        fixable: bool = False,
        end: tuple[int, int] | None = None,
        source_line: str = "",
    ) -> None:
        self.line = line
        self.col = col  # 0-based UTF-8 byte offset, as ast and flake8 count
        self.code = code
        self.message = message  # starts with the code, as flake8 prints it
        self.column = column  # 1-based, in characters, as editors and SARIF count
        self.fixable = fixable  # --fix can repair it (safe fixes only)
        self.end = end  # where the reported node ends: (line, 1-based character column), if known
        self.source_line = source_line  # the line reported, for --show-source

    @property
    def text(self) -> str:
        """The message without its leading code."""
        return self.message[len(self.code) + 1 :] if self.message.startswith(self.code + " ") else self.message

    def __repr__(self) -> str:
        return f"Diagnostic({self.line}, {self.col}, {self.message!r})"


class FileReport:
    """A checked file's diagnostics; ``failed`` when it could not be read (its one diagnostic says why).
    With fixing: ``fixed`` counts the fixes applied by code (with --diff: that would be; with
    --add-noqa: the codes silenced), ``diff`` is the diff to print, and ``not_fixed`` says why a file
    with something to fix was left as it was (read-only, changed meanwhile, a failed fix)."""

    __slots__ = ("path", "diagnostics", "failed", "fixed", "diff", "not_fixed", "noqa_file")

    def __init__(self, path: str, diagnostics: list[Diagnostic], failed: bool = False, noqa_file: bool = False) -> None:
        self.path = path
        self.diagnostics = diagnostics
        self.failed = failed
        self.noqa_file = noqa_file  # skipped whole by a file-level ``# flake8: noqa``
        self.fixed: Counter[str] = Counter()
        self.diff = ""
        self.not_fixed = ""


def diagnostics(findings: Iterable[Finding], source: str | None) -> list[Diagnostic]:
    """Findings as diagnostics, with the character columns of each (ast gives byte offsets) and the
    line it is on."""
    lines: list[str] = []
    found = []
    for finding in findings:
        if source is not None and not lines:
            lines = source.splitlines()
        column = _column(lines, finding.line, finding.col)
        node = finding.node
        end_line, end_col = getattr(node, "end_lineno", None), getattr(node, "end_col_offset", None)
        end = (end_line, _column(lines, end_line, end_col)) if end_line is not None and end_col is not None else None
        line = lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""
        fixable = finding.fix is not None and not finding.fix.unsafe
        found.append(Diagnostic(finding.line, finding.col, finding.code, finding.message, column, fixable, end, line))
    return found


def _column(lines: list[str], line: int, offset: int) -> int:
    """The 1-based character column of a UTF-8 byte ``offset`` into ``line``."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    if text.isascii():
        return offset + 1
    return len(text.encode("utf-8")[:offset].decode("utf-8", "ignore")) + 1


class Summary:
    """Totals for the summary line and ``--statistics``."""

    def __init__(self, fix_mode: str | None = None) -> None:
        self.files = 0  # files read and checked
        self.errors = 0  # files (or named paths) that could not be read
        self.noqa_files = 0  # files a file-level ``# flake8: noqa`` skipped: said, so that nobody wonders
        self.not_fixed = 0  # files with something to fix that were left as they were
        self.counts: Counter[str] = Counter()
        self.fixable = 0  # remaining findings --fix could repair
        self.fix_mode = fix_mode
        self.fixed = 0  # fixes applied (with --diff: that would be; with --add-noqa: comments added)
        self.fixed_files = 0
        self.fixes: list[tuple[str, Counter[str]]] = []  # for --show-fixes: each fixed file's fixes by code

    def add(self, report: FileReport) -> None:
        if report.failed:
            self.errors += 1
            return
        self.files += 1
        self.noqa_files += report.noqa_file
        self.not_fixed += bool(report.not_fixed)
        self.counts.update(d.code for d in report.diagnostics)
        self.fixable += sum(d.fixable for d in report.diagnostics)
        if report.fixed:
            self.fixed += sum(report.fixed.values())
            self.fixed_files += 1
            self.fixes.append((report.path, report.fixed))

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
        if self.noqa_files:
            skipped = _plural(self.noqa_files, "file")
            errors += f"; {skipped} skipped by a file-level '# flake8: noqa' (--disable-noqa checks them)"
        if self.not_fixed:
            errors += f"; {_plural(self.not_fixed, 'file')} left unchanged"
        fixed = ""
        if self.fix_mode == "add-noqa":
            silenced = f"{_plural(self.fixed, 'finding')} in {_plural(self.fixed_files, 'file')}"
            fixed = f"; silenced {silenced} with noqa comments"
            found = f"{found} remaining" if self.findings else found
        elif self.fix_mode is not None:
            verb = "would fix" if self.fix_mode == "diff" else "fixed"
            fixed = f"; {verb} {_plural(self.fixed, 'finding')} in {_plural(self.fixed_files, 'file')}"
            if self.fix_mode == "diff":
                return f"{files} checked{fixed}{errors}"
            found = f"{found} remaining" if self.findings else found
        return f"{files} checked: {found}{fixed}{errors}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
