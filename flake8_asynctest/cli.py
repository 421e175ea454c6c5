"""``python -m flake8_asynctest``: the standalone checker, a thin shell over ``checker``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from . import __version__
from .checker import batched_gc, check_source, collect_if_due
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
    return run(args.paths, settings)


def run(paths: Sequence[str], settings: Settings) -> int:
    with batched_gc():
        return _run(paths, settings)


def _run(paths: Sequence[str], settings: Settings) -> int:
    status = EXIT_CLEAN
    out = sys.stdout
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
            collect_if_due()
            if result.unreadable:
                status = EXIT_ERROR
            elif result.findings and status == EXIT_CLEAN:
                status = EXIT_FINDINGS
            for finding in result.findings:
                out.write(f"{filename}:{finding.line}:{finding.col + 1}: {finding.message}\n")
    return status
