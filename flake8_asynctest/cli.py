"""``python -m flake8_asynctest``: the standalone checker, a thin shell over config, checker and output."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from . import __version__
from .checker import batched_gc
from .config import ConfigError, pyproject
from .config import values as check
from .config.environment import find_environment
from .config.plan import Plan
from .discovery import python_files
from .fixes.options import FixOptions
from .output import COLOR_CHOICES, FORMATS, Format, use_color
from .settings import DEFAULT_MAX_SLEEP, RESOLVE, SCOPES

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
SELECTION_KEYS = ("select", "ignore", "extend_select", "extend_ignore")


def _flag_type(check: Callable[[object, str], Any]) -> Callable[[str], Any]:
    """A config value check as an argparse type: paths in a flag are relative to the current directory."""

    def convert(text: str) -> Any:
        try:
            return check(text, os.getcwd())
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    convert.__name__ = check.__name__
    return convert


def _jobs(text: str) -> int:
    if text == "auto":
        return 0
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a number of processes >= 1 or 'auto', got {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m flake8_asynctest",
        description="Find the bugs that make async test suites lie. Options given here override "
        "[tool.flake8-asynctest] in pyproject.toml.",
    )
    parser.add_argument("paths", nargs="*", default=["."], help="files or directories (default: .)")
    selection = parser.add_argument_group("selection")
    codes = _flag_type(check.codes)
    for flag, what in (
        ("--select", "codes or prefixes to report (default: ATC)"),
        ("--extend-select", "codes to add to the selection, e.g. opt-in rules"),
        ("--ignore", "codes or prefixes not to report"),
        ("--extend-ignore", "codes not to report, added to --ignore"),
    ):
        selection.add_argument(flag, type=codes, metavar="CODES", help=f"comma-separated {what}")
    selection.add_argument(
        "--per-file-ignores",
        type=_flag_type(check.per_file_ignores),
        metavar="GLOB:CODES",
        help="codes not to report in some files, as in flake8: 'tests/legacy/*:ATC103 conftest.py:ATC1'",
    )
    rules = parser.add_argument_group("rule options (same names under flake8)")
    rules.add_argument(
        "--asynctest-max-sleep",
        dest="max_sleep",
        type=_flag_type(check.max_sleep),
        metavar="SECONDS",
        help=f"ATC401: report constant sleeps of at least this long (default: {DEFAULT_MAX_SLEEP})",
    )
    rules.add_argument("--asynctest-scope", dest="scope", choices=SCOPES, help="check only test code (default: tests)")
    rules.add_argument(
        "--asynctest-resolve",
        dest="resolve",
        choices=RESOLVE,
        help="follow imports into the project and installed packages (default: imports), or stay within each file",
    )
    rules.add_argument(
        "--asynctest-test-patterns",
        dest="test_patterns",
        type=_flag_type(check.globs),
        metavar="GLOBS",
        help="comma-separated globs of more files that are test code, e.g. '*_spec.py,it/*'",
    )
    for flag, what in (
        ("runner-bases", "base classes that run their async tests themselves, e.g. mypkg.testing.AsyncCase"),
        ("runner-decorators", "decorators that run the async function they wrap"),
        ("coroutine-functions", "functions that return a coroutine (async APIs in libraries we cannot see)"),
    ):
        rules.add_argument(
            f"--asynctest-{flag}",
            dest=flag.replace("-", "_"),
            type=_flag_type(check.dotted_names),
            metavar="NAMES",
            help=f"comma-separated qualified names: {what}",
        )
    out = parser.add_argument_group("output")
    out.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    out.add_argument("--color", choices=COLOR_CHOICES, default="auto", help="colour text output (default: auto)")
    out.add_argument("--statistics", action="store_true", help="count findings per code")
    loudness = out.add_mutually_exclusive_group()
    loudness.add_argument(
        "-v", "--verbose", action="store_true", help="say which configuration and environment are used"
    )
    loudness.add_argument("-q", "--quiet", action="store_true", help="no summary line or progress on stderr")
    out.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings (errors still exit 2)")
    fixing = parser.add_argument_group("fixing")
    modes = fixing.add_mutually_exclusive_group()
    modes.add_argument("--fix", action="store_true", help="apply the fixes in place, then report what remains")
    modes.add_argument("--diff", action="store_true", help="print the fixes as a unified diff; change nothing")
    modes.add_argument("--fix-only", action="store_true", help="apply the fixes in place; report nothing else")
    fixing.add_argument("--unsafe-fixes", action="store_true", help="also apply the fixes marked unsafe (ATC303)")
    run = parser.add_argument_group("run")
    run.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        default=0,
        metavar="N",
        help="processes to check files in (default: auto, one per CPU)",
    )
    run.add_argument(
        "--python",
        type=_flag_type(check.python),
        metavar="PATH",
        help="resolve imports against this interpreter's installed packages (or a virtualenv's); "
        "default: the active virtualenv, else .venv or venv at the project root, else this interpreter",
    )
    run.add_argument("--config", metavar="FILE", help="read [tool.flake8-asynctest] from this TOML file")
    run.add_argument("--isolated", action="store_true", help="read no configuration file")
    info = parser.add_argument_group("information")
    info.add_argument("--list-rules", action="store_true", help="print the rule catalogue and exit")
    info.add_argument("--explain", metavar="CODE", help="explain one rule and exit")
    info.add_argument("--version", action="version", version=f"flake8-asynctest {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.list_rules or args.explain:
        return _describe(args.explain)
    try:
        plan = _plan(args)
    except ConfigError as error:
        print(f"flake8-asynctest: {error}", file=sys.stderr)
        return EXIT_ERROR
    formatter = FORMATS[args.format](sys.stdout, sys.stderr, use_color(args.color, sys.stdout), args.quiet)
    mode = "fix" if args.fix else "fix-only" if args.fix_only else "diff" if args.diff else None
    fixing = FixOptions(mode, args.unsafe_fixes) if mode else None
    return run(
        args.paths, plan, formatter, jobs=args.jobs, statistics=args.statistics, exit_zero=args.exit_zero,
        fixing=fixing,
    )


def _plan(args: argparse.Namespace) -> Plan:
    """The configuration file's values, the flags over them, and the environment imports resolve in."""
    source = None if args.isolated else args.config or pyproject.find_pyproject(".")
    values = pyproject.load(source) if source else {}
    _say(args, f"configuration: {source or 'none (defaults)'}")
    # a flag given on the command line replaces the file's value for that key
    flags = {name: getattr(args, name) for name in map(pyproject.option_name, pyproject.KEYS)}
    values.update({name: value for name, value in flags.items() if value is not None})
    search_path = None
    if values.get("resolve", "imports") == "imports":
        environment = find_environment(values.get("python"), os.getcwd())
        _say(args, f"imports resolve against {environment.description}")
        search_path = environment.search_path
    plan = Plan(values, search_path)
    if not plan.selection.default:
        chosen = ", ".join(f"{key.replace('_', '-')} = {list(values[key])}" for key in SELECTION_KEYS if key in values)
        raise ConfigError(f"no rule is selected ({chosen}); see --list-rules")
    return plan


def _say(args: argparse.Namespace, message: str) -> None:
    if args.verbose:
        print(f"flake8-asynctest: {message}", file=sys.stderr)


def _describe(code: str | None) -> int:
    from .catalogue import RULES, list_rules

    if code is None:
        print(list_rules())
        return EXIT_CLEAN
    rule = RULES.get(code.strip().upper())
    if rule is None:
        print(f"unknown rule {code!r}; see --list-rules", file=sys.stderr)
        return EXIT_ERROR
    print(rule.explain())
    return EXIT_CLEAN


def run(
    paths: Sequence[str],
    plan: Plan,
    formatter: Format,
    jobs: int = 0,
    statistics: bool = False,
    exit_zero: bool = False,
    fixing: FixOptions | None = None,
) -> int:
    """Check ``paths`` (and fix them, with ``fixing``) and write what was found; the exit status.

    ``--diff`` prints only the diffs and exits 1 if anything would change; ``--fix-only`` prints
    no findings; ``--fix`` reports what remains after fixing."""
    from .parallel import check_files, default_jobs, unreadable
    from .report import Summary

    summary = Summary(fixing.mode if fixing else None)
    show = fixing is None or fixing.mode == "fix"
    with batched_gc():
        missing = [path for path in paths if not os.path.exists(path)]
        for path in missing:
            reason = "a dangling or looping symbolic link" if os.path.lexists(path) else "No such file or directory"
            report = unreadable(path, reason)
            formatter.add(report)
            summary.add(report)
        files = list(_unique(file for path in paths if path not in missing for file in python_files(path)))
        for report in check_files(files, plan, jobs or default_jobs(), fixing):
            if show or report.failed:
                formatter.add(report)
            if report.diff:
                sys.stdout.write(report.diff)
            summary.add(report)
    formatter.finish(summary, statistics)
    if summary.errors:
        return EXIT_ERROR
    if fixing is not None and fixing.mode == "diff":
        return EXIT_FINDINGS if summary.fixed else EXIT_CLEAN
    if fixing is not None and fixing.mode == "fix-only":
        return EXIT_CLEAN
    return EXIT_FINDINGS if summary.findings and not exit_zero else EXIT_CLEAN


def _unique(paths: Iterator[str]) -> Iterator[str]:
    seen = set()
    for path in paths:
        key = os.path.normcase(os.path.abspath(path))
        if key not in seen:
            seen.add(key)
            yield path
