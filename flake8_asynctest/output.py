"""Output formats of the standalone checker: one class each, fed file by file, closed with the totals.

``text`` is flake8's format (so editors and problem matchers read it), coloured on a terminal; ``json``
is one document for scripts; ``sarif`` is SARIF 2.1.0 for code scanning; ``github`` is workflow
commands that annotate a pull request. Findings go to stdout; the summary line goes to stderr so
stdout stays parseable. Columns are flake8's in ``text`` (ast's byte offset + 1), characters elsewhere.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any, TextIO

from . import __version__
from .report import Diagnostic, FileReport, Summary

TOOL = "flake8-asynctest"
NON_RULE_NAMES = {"E999": "syntax-error", "E902": "unreadable-file", "ATC000": "internal-error"}
COLOR_CHOICES = ("auto", "always", "never")


def use_color(choice: str, stream: TextIO) -> bool:
    """``auto``: on a terminal, unless NO_COLOR is set (https://no-color.org); the flag beats NO_COLOR."""
    if choice != "auto":
        return choice == "always"
    return bool(getattr(stream, "isatty", lambda: False)()) and not os.environ.get("NO_COLOR")


def rule_name(code: str) -> str:
    from .catalogue import RULES

    rule = RULES.get(code)
    return rule.name if rule is not None else NON_RULE_NAMES.get(code, "")


def rule_url(code: str) -> str:
    from .catalogue import RULES

    rule = RULES.get(code)
    return rule.url if rule is not None else ""


def display_path(path: str) -> str:
    """The path from the current directory, with ``/``: what CI annotations and SARIF URIs expect."""
    if os.path.isabs(path):
        try:
            relative = os.path.relpath(path)
        except ValueError:  # on another drive (Windows)
            relative = os.pardir
        if not relative.startswith(os.pardir):
            path = relative
    else:
        path = os.path.normpath(path)
    return path.replace(os.sep, "/")


class Format:
    """A format's common part: where things go, the totals, ``--statistics``."""

    stdout_is_one_document = False  # then the statistics go to stderr

    def __init__(
        self,
        out: TextIO,
        err: TextIO,
        color: bool = False,
        quiet: bool = False,
        show_source: bool = False,
        show_fixes: bool = False,
        show_url: bool = False,
    ) -> None:
        self.out = out
        self.err = err
        self.color = color
        self.quiet = quiet  # no summary line
        self.show_source = show_source  # the line of each finding, with a caret at its column (text)
        self.show_fixes = show_fixes  # what --fix changed, per file and code
        self.show_url = show_url  # each finding's rule documentation (text, github)

    def add(self, report: FileReport) -> None:
        raise NotImplementedError

    def finish(self, summary: Summary, statistics: bool) -> None:
        side = self.err if self.stdout_is_one_document else self.out
        if statistics:
            self.write_statistics(summary, side)
        if self.show_fixes:
            write_fixes(summary, side)
        if not self.quiet:
            self.err.write(summary.line() + "\n")
            for code, note in fix_notes(summary):
                self.err.write(f"note: {code}: {note}\n")

    @staticmethod
    def write_statistics(summary: Summary, stream: TextIO) -> None:
        for code, count in sorted(summary.counts.items()):
            fixable = " [fixable]" if _has_fix(code) else ""
            stream.write(f"{count:<5} {code:<7}{rule_name(code)}{fixable}\n")


def write_fixes(summary: Summary, stream: TextIO) -> None:
    """``--show-fixes``: each file's fixes by code, after the findings."""
    if not summary.fixes:
        return
    verb = {"diff": "Would fix", "add-noqa": "Silenced with noqa comments"}.get(summary.fix_mode or "", "Fixed")
    stream.write(f"{verb} {summary.fixed} finding{'' if summary.fixed == 1 else 's'}:\n")
    for path, codes in summary.fixes:
        stream.write(f"- {path}:\n")
        for code, count in sorted(codes.items()):
            stream.write(f"    {count} x {code} ({rule_name(code)})\n")


def fix_notes(summary: Summary) -> list[tuple[str, str]]:
    """The notes of the rules whose fixes the run applied (or, with --diff, would apply)."""
    from .catalogue import RULES

    codes = sorted({code for _, fixed in summary.fixes for code in fixed} & RULES.keys())
    return [(code, RULES[code].fix_note) for code in codes if RULES[code].fix_note and summary.fix_mode != "add-noqa"]


def _has_fix(code: str) -> bool:
    from .catalogue import RULES

    rule = RULES.get(code)
    return rule is not None and rule.fix is not None


class TextFormat(Format):
    """``path:line:col: CODE message``, exactly as flake8 prints it (E902 for a file it cannot read too)."""

    def add(self, report: FileReport) -> None:
        for d in report.diagnostics:
            self.out.write(self._line(report.path, d))
            if self.show_source and d.source_line:
                caret = "".join(c if c == "\t" else " " for c in d.source_line[: d.column - 1]) + "^"
                self.out.write(f"{d.source_line}\n{caret}\n")

    def _line(self, path: str, d: Diagnostic) -> str:
        url = f" {rule_url(d.code)}" if self.show_url and rule_url(d.code) else ""
        if not self.color:
            return f"{path}:{d.line}:{d.col + 1}: {d.message}{url}\n"
        sep = "\033[36m:\033[0m"
        return f"\033[1m{path}\033[0m{sep}{d.line}{sep}{d.col + 1}{sep} \033[1;31m{d.code}\033[0m {d.text}{url}\n"


class GithubFormat(Format):
    """GitHub Actions workflow commands: ``::error file=...,line=...,col=...,title=...::message``."""

    def add(self, report: FileReport) -> None:
        path = display_path(report.path)
        for d in report.diagnostics:
            props = [f"file={_escape_property(path)}"]
            if d.line > 0:
                props += [f"line={d.line}", f"col={d.column}"]
            title = f"{TOOL} {d.code} {rule_name(d.code)}".rstrip()
            props.append(f"title={_escape_property(title)}")
            url = f" ({rule_url(d.code)})" if self.show_url and rule_url(d.code) else ""
            self.out.write(f"::error {','.join(props)}::{_escape_data(d.message + url)}\n")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


class JsonFormat(Format):
    """One JSON document: findings, errors (unreadable files), summary and per-code statistics."""

    stdout_is_one_document = True

    def __init__(self, out: TextIO, err: TextIO, color: bool = False, **options: bool) -> None:
        super().__init__(out, err, color, **options)
        self.findings: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []

    def add(self, report: FileReport) -> None:
        for d in report.diagnostics:
            entry = {"path": report.path, "line": d.line, "column": d.column, "code": d.code}
            if report.failed:
                self.errors.append({**entry, "message": d.text})
            else:
                entry.update(name=rule_name(d.code), message=d.text, fixable=d.fixable)
                self.findings.append(entry)

    def finish(self, summary: Summary, statistics: bool) -> None:
        import json

        document = {
            "tool": TOOL,
            "version": __version__,
            "findings": self.findings,
            "errors": self.errors,
            "summary": {
                "files": summary.files,
                "findings": summary.findings,
                "fixable": summary.fixable,
                "errors": summary.errors,
            },
            "statistics": dict(sorted(summary.counts.items())),
        }
        json.dump(document, self.out, indent=2)
        self.out.write("\n")
        super().finish(summary, statistics)


SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT = "flake8AsynctestFinding/v1"


def _fingerprint(path: str, d: Diagnostic, occurrence: int) -> str:
    """Stable while the finding's line is unchanged, wherever it moves in its file: the path, the
    code, the line's text and which of the same (code, text) pairs in the file it is."""
    import hashlib

    key = "\0".join((display_path(path), d.code, d.source_line.strip(), str(occurrence)))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


SRCROOT = "%SRCROOT%"


class SarifFormat(Format):
    """SARIF 2.1.0: every rule described, a result per finding; files that could not be read or parsed
    (E902, E999) are tool notifications, not results, since no rule reported them."""

    stdout_is_one_document = True

    def __init__(self, out: TextIO, err: TextIO, color: bool = False, **options: bool) -> None:
        super().__init__(out, err, color, **options)
        from .catalogue import RULES

        self.rules = RULES
        self.rule_index = {code: index for index, code in enumerate(RULES)}
        self.results: list[dict[str, Any]] = []
        self.notifications: list[dict[str, Any]] = []
        self.failed = False

    def add(self, report: FileReport) -> None:
        self.failed = self.failed or report.failed
        seen: Counter[tuple[str, str]] = Counter()
        for d in report.diagnostics:
            location = self._location(report.path, d)
            if d.code in self.rule_index:
                seen[d.code, d.source_line.strip()] += 1
                self.results.append(
                    {
                        "ruleId": d.code,
                        "ruleIndex": self.rule_index[d.code],
                        "level": "error",
                        "message": {"text": d.text},
                        "locations": [location],
                        "partialFingerprints": {
                            FINGERPRINT: _fingerprint(report.path, d, seen[d.code, d.source_line.strip()])
                        },
                    }
                )
            else:
                self.notifications.append(
                    {
                        "level": "error",
                        "message": {"text": d.text},
                        "descriptor": {"id": d.code},
                        "locations": [location],
                    }
                )

    def _location(self, path: str, d: Diagnostic) -> dict[str, Any]:
        from urllib.parse import quote

        shown = display_path(path)
        if os.path.isabs(shown):
            from pathlib import Path

            artifact = {"uri": Path(shown).as_uri()}
        else:
            artifact = {"uri": quote(shown), "uriBaseId": SRCROOT}
        physical: dict[str, Any] = {"artifactLocation": artifact}
        if d.line > 0:
            physical["region"] = {"startLine": d.line, "startColumn": d.column}
            if d.end is not None:
                physical["region"].update(endLine=d.end[0], endColumn=d.end[1])
        return {"physicalLocation": physical}

    def finish(self, summary: Summary, statistics: bool) -> None:
        import json
        from pathlib import Path

        document = {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": TOOL,
                            "version": __version__,
                            "rules": [self._descriptor(rule) for rule in self.rules.values()],
                        }
                    },
                    "invocations": [
                        {"executionSuccessful": not self.failed, "toolExecutionNotifications": self.notifications}
                    ],
                    "originalUriBaseIds": {SRCROOT: {"uri": Path.cwd().as_uri() + "/"}},
                    "columnKind": "unicodeCodePoints",
                    "results": self.results,
                }
            ],
        }
        json.dump(document, self.out, indent=2)
        self.out.write("\n")
        super().finish(summary, statistics)

    @staticmethod
    def _descriptor(rule: Any) -> dict[str, Any]:
        return {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": " ".join(rule.what.split())},
            "help": {"text": rule.explain(), "markdown": rule.markdown()},
            "helpUri": rule.url,
            "defaultConfiguration": {"enabled": rule.default, "level": "error"},
            "properties": {"fixable": rule.fix is not None},
        }


FORMATS: dict[str, type[Format]] = {
    "text": TextFormat,
    "json": JsonFormat,
    "sarif": SarifFormat,
    "github": GithubFormat,
}


class Progress:
    """``checked 120/3000 files`` on a terminal's stderr, redrawn in place, for runs long enough to
    need it; cleared before anything else is printed to the terminal."""

    MIN_FILES = 200

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.stream = stream
        self.done = 0
        self.step = max(1, total // 100)  # redraw about a hundred times a run
        self.shown = False

    @classmethod
    def wanted(cls, total: int, stream: TextIO, quiet: bool) -> bool:
        return not quiet and total >= cls.MIN_FILES and bool(getattr(stream, "isatty", lambda: False)())

    def advance(self) -> None:
        self.done += 1
        if self.done % self.step == 0 or self.done == self.total:
            self.stream.write(f"\rchecked {self.done}/{self.total} files")
            self.stream.flush()
            self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.shown = False
