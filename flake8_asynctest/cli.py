"""``python -m flake8_asynctest``: the standalone checker, a thin shell over ``checker``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from . import __version__
from .checker import FileResult, batched_gc, check_source, collect_if_due
from .discovery import python_files
from .settings import DEFAULT_MAX_SLEEP, RESOLVE, SCOPES, Settings

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _codes(text: str) -> list[str]:
    return [part.strip().upper() for part in text.split(",") if part.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m flake8_asynctest",
        description="Find the bugs that make async test suites lie.",
    )
    parser.add_argument("paths", nargs="*", default=["."], help="files or directories (default: .)")
    parser.add_argument("--select", type=_codes, help="codes or prefixes to report (default: ATC)")
    parser.add_argument("--extend-select", type=_codes, default=[], help="add codes, e.g. opt-in rules")
    parser.add_argument("--ignore", type=_codes, default=[], help="codes or prefixes not to report")
    parser.add_argument("--extend-ignore", type=_codes, default=[], help="more codes not to report")
    parser.add_argument(
        "--asynctest-max-sleep",
        type=float,
        default=DEFAULT_MAX_SLEEP,
        metavar="SECONDS",
        help=f"ATC401: report constant sleeps of at least this long (default: {DEFAULT_MAX_SLEEP})",
    )
    parser.add_argument(
        "--asynctest-scope",
        choices=SCOPES,
        default="tests",
        help="check only test code (default) or every file",
    )
    parser.add_argument(
        "--asynctest-resolve",
        choices=RESOLVE,
        default="imports",
        help="follow imports into the project and installed packages (default), or stay within each file",
    )
    fixing = parser.add_mutually_exclusive_group()
    fixing.add_argument("--fix", action="store_true", help="apply the safe fixes in place, then report what remains")
    fixing.add_argument("--diff", action="store_true", help="print the fixes as a unified diff; change nothing")
    fixing.add_argument("--fix-only", action="store_true", help="apply the fixes; report nothing else")
    parser.add_argument("--unsafe-fixes", action="store_true", help="also apply fixes marked unsafe (ATC303)")
    parser.add_argument("--list-rules", action="store_true", help="print the rule catalogue and exit")
    parser.add_argument("--explain", metavar="CODE", help="explain one rule and exit")
    parser.add_argument("--version", action="version", version=f"flake8-asynctest {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from .catalogue import RULES, list_rules
    from .selection import enabled_codes

    if args.list_rules:
        print(list_rules())
        return EXIT_CLEAN
    if args.explain:
        rule = RULES.get(args.explain.strip().upper())
        if rule is None:
            print(f"unknown rule {args.explain!r}; see --list-rules", file=sys.stderr)
            return EXIT_ERROR
        print(rule.explain())
        return EXIT_CLEAN
    if args.asynctest_max_sleep < 0:
        parser.error("--asynctest-max-sleep must be >= 0")
    settings = Settings(
        enabled=enabled_codes(args.select, args.ignore, args.extend_select, args.extend_ignore),
        max_sleep=args.asynctest_max_sleep,
        scope=args.asynctest_scope,
        resolve=args.asynctest_resolve,
    )
    mode = "fix" if args.fix or args.fix_only else "diff" if args.diff else None
    fixing = Fixing(mode, args.unsafe_fixes, report=not args.fix_only) if mode else None
    return run(args.paths, settings, fixing)


class Fixing:
    """How this run fixes (``fix`` writes files, ``diff`` prints), and what it did."""

    def __init__(self, mode: str, unsafe: bool, report: bool) -> None:
        self.mode = mode
        self.unsafe = unsafe
        self.report = report  # print the findings that remain
        self.applied = 0
        self.files = 0

    def process(self, filename: str, data: bytes, result: FileResult, settings: Settings) -> FileResult:
        """Fix one file if a finding can be fixed; the findings that remain."""
        if not any(f.fix is not None and (self.unsafe or not f.fix.unsafe) for f in result.findings):
            return result
        from .fixes.engine import fix_source
        from .fixes.files import unified_diff, write_atomically

        try:
            new, applied, remaining = fix_source(data, filename, settings, self.unsafe, result)
            if new == data:
                return remaining
            if self.mode == "diff":
                sys.stdout.write(unified_diff(filename, data, new))
            else:
                write_atomically(filename, new)
        except Exception as error:  # a fix must never cost the user their file or the run
            print(f"{filename}: not fixed, left unchanged ({type(error).__name__}: {error})", file=sys.stderr)
            return result
        self.applied += applied
        self.files += 1
        return remaining

    def summary(self) -> str:
        verb = "would fix" if self.mode == "diff" else "fixed"
        return f"{verb} {self.applied} finding{'s' * (self.applied != 1)} in {self.files} file{'s' * (self.files != 1)}"


def run(paths: Sequence[str], settings: Settings, fixing: Fixing | None = None) -> int:
    with batched_gc():
        status = _run(paths, settings, fixing)
    if fixing is not None:
        print(fixing.summary(), file=sys.stderr)
        if fixing.mode == "diff":
            return EXIT_ERROR if status == EXIT_ERROR else EXIT_FINDINGS if fixing.files else EXIT_CLEAN
        if not fixing.report and status == EXIT_FINDINGS:
            return EXIT_CLEAN
    return status


def _run(paths: Sequence[str], settings: Settings, fixing: Fixing | None) -> int:
    status = EXIT_CLEAN
    out = sys.stdout
    show = fixing is None or (fixing.mode == "fix" and fixing.report)
    for path in paths:
        if not os.path.exists(path):
            print(f"{path}:0:1: E902 No such file or directory", file=sys.stderr)
            status = EXIT_ERROR
            continue
        for filename in python_files(path):
            try:
                with open(filename, "rb") as handle:
                    data = handle.read()
            except OSError as error:
                print(f"{filename}:0:1: E902 {error.strerror or error}", file=sys.stderr)
                status = EXIT_ERROR
                continue
            result = check_source(data, filename, settings)
            if fixing is not None and not result.unreadable:
                result = fixing.process(filename, data, result, settings)
            collect_if_due()
            if result.unreadable:
                status = EXIT_ERROR
            elif result.findings and status == EXIT_CLEAN:
                status = EXIT_FINDINGS
            if show:
                for finding in result.findings:
                    out.write(f"{filename}:{finding.line}:{finding.col + 1}: {finding.message}\n")
    return status
