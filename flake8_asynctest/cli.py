"""``python -m flake8_asynctest``: the standalone checker, a thin shell over config, checker and output."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from . import __version__, interrupts
from .checker import batched_gc
from .config import ConfigError, flake8_files, pyproject
from .config import values as check
from .config.environment import find_environment
from .config.plan import Plan
from .discovery import DEFAULT_EXCLUSION, Exclusion, python_files
from .fixes.options import FixOptions
from .output import COLOR_CHOICES, FORMATS, Format, Progress, use_color
from .report import FileReport
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
    selection.add_argument(
        "--disable-noqa",
        action="store_true",
        help="report what '# noqa' comments would silence, and check files a '# flake8: noqa' line skips",
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
    files = parser.add_argument_group("files")
    files.add_argument(
        "--exclude",
        type=_flag_type(check.globs),
        metavar="GLOBS",
        help="comma-separated globs of files and directories to leave out, replacing the default list "
        "(.git, .tox, build, dist, virtualenvs...)",
    )
    files.add_argument(
        "--extend-exclude",
        type=_flag_type(check.globs),
        metavar="GLOBS",
        help="comma-separated globs to leave out, added to the default list",
    )
    files.add_argument(
        "--stdin-filename",
        metavar="PATH",
        help="with '-' among the paths: the name of the file standard input holds (for configuration and output)",
    )
    out = parser.add_argument_group("output")
    out.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    out.add_argument("--output-file", metavar="FILE", help="write the output here instead of standard output")
    out.add_argument("--color", choices=COLOR_CHOICES, default="auto", help="colour text output (default: auto)")
    out.add_argument("--show-source", action="store_true", help="show each finding's line, a caret at its column")
    out.add_argument("--show-url", action="store_true", help="add each rule's documentation URL (text, github)")
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
    modes.add_argument(
        "--add-noqa",
        action="store_true",
        help="add '# noqa: CODE' to every finding's line (adopting the linter on a legacy suite), then report "
        "what could not be silenced",
    )
    fixing.add_argument("--unsafe-fixes", action="store_true", help="also apply the fixes marked unsafe (ATC303)")
    fixing.add_argument("--show-fixes", action="store_true", help="list what the fixes changed, per file and code")
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
    run.add_argument(
        "--config",
        metavar="FILE",
        help="read [tool.flake8-asynctest] from this TOML file, or [flake8] from this setup.cfg, tox.ini or .flake8",
    )
    run.add_argument("--isolated", action="store_true", help="read no configuration file")
    info = parser.add_argument_group("information")
    info.add_argument("--list-rules", action="store_true", help="print the rule catalogue (text or --format json)")
    info.add_argument("--explain", metavar="RULE", help="explain one rule, by code or name (text or --format json)")
    info.add_argument("--version", action="version", version=f"flake8-asynctest {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the checker; SIGINT or SIGTERM end it with one line and 130 or 143, each file either
    fixed or as it was."""
    with interrupts.handled():
        try:
            return _main(argv)
        except interrupts.Interrupted as stop:
            return interrupts.announce(stop)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _check_combinations(parser, args)
    if args.list_rules or args.explain:
        return _describe(args.explain, args.format)
    try:
        plan, exclusion = _plan(args)
    except ConfigError as error:
        print(f"flake8-asynctest: {error}", file=sys.stderr)
        return EXIT_ERROR
    try:
        out = open(args.output_file, "w", encoding="utf-8") if args.output_file else sys.stdout
    except OSError as error:
        print(f"flake8-asynctest: --output-file {args.output_file}: {error.strerror or error}", file=sys.stderr)
        return EXIT_ERROR
    try:
        formatter = FORMATS[args.format](
            out,
            sys.stderr,
            use_color(args.color, out),
            quiet=args.quiet,
            show_source=args.show_source,
            show_fixes=args.show_fixes,
            show_url=args.show_url,
        )
        mode = next((m for m in ("fix", "fix_only", "diff", "add_noqa") if getattr(args, m)), None)
        fixing = FixOptions(mode.replace("_", "-"), args.unsafe_fixes) if mode else None
        return run(
            args.paths,
            plan,
            formatter,
            jobs=args.jobs,
            statistics=args.statistics,
            exit_zero=args.exit_zero,
            fixing=fixing,
            exclusion=exclusion,
            stdin_filename=args.stdin_filename,
        )
    finally:
        if out is not sys.stdout:
            out.close()


def _check_combinations(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Flags that mean nothing together are usage errors (exit 2), not silently ignored."""
    if args.stdin_filename is not None and "-" not in args.paths:
        parser.error("--stdin-filename names what '-' (standard input) holds: add '-' to the paths")
    if "-" in args.paths and (args.fix or args.fix_only or args.add_noqa):
        parser.error("standard input cannot be fixed in place: use --diff with '-'")
    if args.show_fixes and not (args.fix or args.fix_only or args.diff or args.add_noqa):
        parser.error("--show-fixes lists what --fix, --fix-only, --diff or --add-noqa changed: add one")
    if (args.list_rules or args.explain) and args.format not in ("text", "json"):
        parser.error("--list-rules and --explain print text or json")


def _plan(args: argparse.Namespace) -> tuple[Plan, Exclusion]:
    """The configuration file's values, the flags over them, and the environment imports resolve in."""
    source = None if args.isolated else args.config or pyproject.find_pyproject(".") or flake8_files.find(".")
    if source is None:
        values = {}
    elif source.endswith(".toml"):
        values = pyproject.load(source)
    else:
        values = flake8_files.load(source)
    _say(args, f"configuration: {source or 'none (defaults)'}")
    # a flag given on the command line replaces the file's value for that key
    flags = {name: getattr(args, name) for name in map(pyproject.option_name, pyproject.KEYS)}
    values.update({name: value for name, value in flags.items() if value is not None})
    search_path = None
    if values.get("resolve", "imports") == "imports":
        environment = find_environment(values.get("python"), os.getcwd())
        _say(args, f"imports resolve against {environment.description}")
        search_path = environment.search_path
    values["disable_noqa"] = args.disable_noqa
    plan = Plan(values, search_path)
    if not plan.selection.default:
        chosen = ", ".join(f"{key.replace('_', '-')} = {list(values[key])}" for key in SELECTION_KEYS if key in values)
        read = f"; configuration: {source}" if source else ""
        raise ConfigError(f"no rule is selected ({chosen}{read}); see --list-rules")
    return plan, Exclusion(values.get("exclude"), values.get("extend_exclude", ()))


def _say(args: argparse.Namespace, message: str) -> None:
    if args.verbose:
        print(f"flake8-asynctest: {message}", file=sys.stderr)


def _describe(name: str | None, format: str) -> int:
    """``--list-rules`` and ``--explain``, from the catalogue."""
    import json

    from .catalogue import RULES, find_rule, list_rules, rule_record

    if name is None:
        records = [rule_record(rule) for rule in RULES.values()]
        print(json.dumps(records, indent=2) if format == "json" else list_rules())
        return EXIT_CLEAN
    rule = find_rule(name)
    if rule is None:
        print(f"flake8-asynctest: unknown rule {name!r}; see --list-rules", file=sys.stderr)
        return EXIT_ERROR
    if format == "json":
        print(json.dumps({**rule_record(rule), "explanation": rule.explain()}, indent=2))
    else:
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
    exclusion: Exclusion = DEFAULT_EXCLUSION,
    stdin_filename: str | None = None,
) -> int:
    """Check ``paths`` (and fix them, with ``fixing``) and write what was found; the exit status.

    ``-`` is standard input, checked as ``stdin_filename``. ``--diff`` prints only the diffs and
    exits 1 if anything would change; ``--fix-only`` prints no findings; ``--fix`` and ``--add-noqa``
    report what remains."""
    from .parallel import check_data, check_files, default_jobs, unreadable
    from .report import Summary

    summary = Summary(fixing.mode if fixing else None)
    show = fixing is None or fixing.mode in ("fix", "add-noqa")

    def report(found: FileReport) -> None:
        if progress is not None:
            progress.clear()
        if show or found.failed:
            formatter.add(found)
        if found.not_fixed:
            what = "no noqa comments added" if summary.fix_mode == "add-noqa" else "not fixed"
            formatter.err.write(f"{found.path}: {what}, left unchanged: {found.not_fixed}\n")
        if found.diff:
            formatter.out.write(found.diff)
        summary.add(found)
        if progress is not None:
            progress.advance()

    progress = None
    with batched_gc():
        if "-" in paths:
            name = stdin_filename or "stdin"
            if stdin_filename is None or not exclusion.named(stdin_filename):
                report(check_data(name, sys.stdin.buffer.read(), plan, fixing))
        named = [path for path in paths if path != "-"]
        missing = [path for path in named if not os.path.exists(path)]
        for path in missing:
            reason = "a dangling or looping symbolic link" if os.path.lexists(path) else "No such file or directory"
            report(unreadable(path, reason))
        files = list(_unique(file for path in named if path not in missing for file in python_files(path, exclusion)))
        if Progress.wanted(len(files), sys.stderr, formatter.quiet):
            progress = Progress(len(files), sys.stderr)
        reports = check_files(files, plan, jobs or default_jobs(), fixing)
        try:
            for found in reports:
                report(found)
        finally:
            reports.close()  # an interrupt met here ends the pool of workers too, before we exit
            if progress is not None:
                progress.clear()
    formatter.finish(summary, statistics)
    if summary.errors or summary.not_fixed:
        return EXIT_ERROR
    if fixing is not None and fixing.mode == "diff":
        return EXIT_FINDINGS if summary.fixed else EXIT_CLEAN
    if fixing is not None and fixing.mode == "fix-only":
        return EXIT_CLEAN
    return EXIT_FINDINGS if summary.findings and not exit_zero else EXIT_CLEAN


def _unique(paths: Iterator[str]) -> Iterator[str]:
    """Each file once, under the first name it is found by: symlinks and hard links to a file are
    the same file (fixing it twice could not be right)."""
    seen = set()
    for path in paths:
        try:
            info = os.stat(path)
            key: object = (info.st_dev, info.st_ino) if info.st_ino else os.path.realpath(path)
        except OSError:
            key = os.path.normcase(os.path.abspath(path))
        if key not in seen:
            seen.add(key)
            yield path
