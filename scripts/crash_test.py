"""Crash test over real code: users run us on every commit, so a crash or a hang costs more than a miss.

Every ``.py`` file under the given paths goes through the checker in-process, the standalone CLI, the
flake8 plugin and, once the CLI has ``--fix``, ``--diff`` and ``--fix`` on a copy. Expected: no
exception, no traceback, no hang; a file that does not parse gets exactly one diagnostic; both front ends
report the same findings; fixed files still parse, a second ``--fix`` changes nothing, and a file with no
fixable finding is never changed.

Usage: python scripts/crash_test.py [PATH ...] [--sample N]
Default paths: this interpreter's site-packages, plus the real-world corpus in ``.realworld/`` when it
exists (see bench/README.md). ``--sample N`` takes at most N
files from each path, evenly spread (the test suite runs a sample). Exit status 0 means no problem.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
import traceback
from collections import Counter, defaultdict

from flake8_asynctest.catalogue import RULES
from flake8_asynctest.checker import NOQA_FILE, check_source
from flake8_asynctest.settings import Settings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, ".realworld")
EVERYTHING = Settings(enabled=frozenset(RULES), scope="all")
# The same on the command line, for both front ends: naming every code also runs the opt-in rules, and
# no configuration file is read.
CLI_OPTIONS = ["--isolated", "--select", ",".join(RULES), "--asynctest-scope", "all"]
NOT_CHECKED = ("E999", "E902")  # the one diagnostic a file that does not parse or decode gets
CHUNK = 200  # files per command line
TIMEOUT = 900  # seconds per command: a hang is reported as one
SUMMARY = ("files checked in-process", "files that do not parse or decode", "findings", "ATC000 (analysis skipped)")
OUTPUT_LINE = re.compile(r"^(?P<path>.*):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) ")


def default_paths() -> list[str]:
    paths = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    return paths + ([CORPUS] if os.path.isdir(CORPUS) else [])


def python_files(path: str, sample: int | None) -> list[str]:
    """Every regular ``.py`` file under ``path`` (nothing skipped), or ``sample`` of them evenly spread."""
    found = sorted(
        os.path.join(directory, name)
        for directory, _, names in os.walk(path)
        for name in names
        if name.endswith(".py") and stat.S_ISREG(os.lstat(os.path.join(directory, name)).st_mode)
    )
    if sample is None or len(found) <= sample:
        return found
    return [found[i * len(found) // sample] for i in range(sample)]


class Report:
    """Problems found, by kind, and the counts the summary prints."""

    def __init__(self) -> None:
        self.problems: dict[str, list[str]] = defaultdict(list)
        self.counts: Counter[str] = Counter(dict.fromkeys(SUMMARY, 0))

    def problem(self, kind: str, detail: str) -> None:
        self.problems[kind].append(detail)

    def print(self) -> None:
        for kind, details in sorted(self.problems.items()):
            print(f"\n{kind}: {len(details)}")
            for detail in details[:20]:
                print("  " + detail.replace("\n", "\n    "))
        print()
        for name, value in self.counts.items():
            print(f"{name}: {value}")
        crashes = sum(len(v) for k, v in self.problems.items() if k.endswith((": crash", ": hang")))
        print(f"crashes and hangs: {crashes}")
        print(f"problems (crashes included): {sum(map(len, self.problems.values()))}")


def parses(data: bytes) -> bool:
    try:
        ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # UnicodeDecodeError is a ValueError
        return False
    return True


def check_in_process(files: list[str], report: Report) -> dict[str, list[tuple[int, int, str]]]:
    """``check_source`` on each file: the findings by file, for the front ends to agree with."""
    findings = {}
    for path in files:
        with open(path, "rb") as handle:
            data = handle.read()
        try:
            result = check_source(data, path, EVERYTHING)
        except Exception:  # noqa: BLE001 - any exception is what this script looks for
            report.problem("check_source: crash", f"{path}\n{traceback.format_exc(limit=-4)}")
            continue
        codes = [f.code for f in result.findings]
        skipped = result.source is not None and any(NOQA_FILE.match(line) for line in result.source.splitlines())
        if any(code in NOT_CHECKED for code in codes):
            report.counts["files that do not parse or decode"] += 1
            if len(codes) != 1:
                report.problem("not one diagnostic for a file that does not parse", f"{path}: {codes}")
            elif codes == ["E999"] and parses(data):  # E902 may be stricter than ast.parse, as Python is
                report.problem("E999 for a file that parses", f"{path}: {result.findings}")
        elif not parses(data) and not skipped:
            report.problem("no diagnostic for a file that does not parse", f"{path}: {codes}")
        report.counts["ATC000 (analysis skipped)"] += codes.count("ATC000")
        report.counts["findings"] += len(codes)
        findings[path] = sorted((f.line, f.col + 1, f.code) for f in result.findings)
    report.counts["files checked in-process"] = len(files)
    return findings


def run_chunks(name: str, command: list[str], files: list[str], ok_codes: tuple[int, ...], report: Report) -> str:
    """Run ``command`` on the files, CHUNK at a time; a traceback, an odd exit or a hang is a problem."""
    out = []
    for start in range(0, len(files), CHUNK):
        chunk = files[start : start + CHUNK]
        try:
            result = subprocess.run(command + chunk, capture_output=True, text=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            report.problem(f"{name}: hang", f"no result after {TIMEOUT} s on {chunk[0]} .. {chunk[-1]}")
            continue
        if result.returncode not in ok_codes or "Traceback" in result.stderr or "critical error" in result.stderr:
            report.problem(f"{name}: crash", f"exit {result.returncode} on {chunk[0]} ..\n{result.stderr[-3000:]}")
        out.append(result.stdout)
    report.counts[f"files checked by {name}"] = len(files)
    return "".join(out)


def parse_output(text: str, codes: tuple[str, ...] = ()) -> dict[str, list[tuple[int, int, str]]]:
    found: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for line in text.splitlines():
        match = OUTPUT_LINE.match(line)
        if match and match["code"].startswith(codes):
            found[match["path"]].append((int(match["line"]), int(match["col"]), match["code"]))
    return {path: sorted(items) for path, items in found.items()}


def compare(name: str, files: list[str], want: dict, got: dict, report: Report, codes: tuple[str, ...] = ()) -> None:
    for path in files:
        if path not in want:
            continue  # check_source crashed: already reported
        expected = [f for f in want[path] if f[2].startswith(codes)]
        if got.get(path, []) != expected:
            report.problem(f"{name}: findings differ from check_source", f"{path}: {got.get(path, [])} != {expected}")


def cli_help() -> str:
    command = [sys.executable, "-m", "flake8_asynctest", "--help"]
    return subprocess.run(command, capture_output=True, text=True, timeout=60).stdout


def check_fix(files: list[str], help_text: str, report: Report) -> None:
    """``--diff`` and ``--fix`` on a copy of the files (never on the originals), laid out as they are."""
    unsafe = ["--unsafe-fixes"] if "--unsafe-fixes" in help_text else []
    base = [sys.executable, "-m", "flake8_asynctest", *CLI_OPTIONS, *unsafe]
    report.counts["files changed by --fix"] = 0
    with tempfile.TemporaryDirectory(prefix="atc-crash-") as tmp:
        copies = {}
        for path in files:
            copy = os.path.join(tmp, os.path.abspath(path).lstrip(os.sep))
            os.makedirs(os.path.dirname(copy), exist_ok=True)
            shutil.copyfile(path, copy)
            copies[copy] = path
        before = {copy: _read(copy) for copy in copies}
        run_chunks("--diff", [*base, "--diff"], list(copies), (0, 1, 2), report)
        for copy in copies:
            if _read(copy) != before[copy]:
                report.problem("--diff wrote a file", copies[copy])
        run_chunks("--fix", [*base, "--fix"], list(copies), (0, 1, 2), report)
        fixed = {copy: _read(copy) for copy in copies}
        for copy, original in copies.items():
            if fixed[copy] == before[copy]:
                continue
            report.counts["files changed by --fix"] += 1
            found = check_source(before[copy], copy, EVERYTHING).findings
            if not any(RULES[f.code].fix for f in found if f.code in RULES):
                report.problem("--fix changed a file with no fixable finding", original)
            if parses(before[copy]) and not parses(fixed[copy]):
                report.problem("--fix output does not parse", original)
        run_chunks("--fix (second run)", [*base, "--fix"], list(copies), (0, 1, 2), report)
        for copy, original in copies.items():
            if _read(copy) != fixed[copy]:
                report.problem("--fix is not idempotent", original)


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help="default: site-packages and .realworld/")
    parser.add_argument("--sample", type=int, metavar="N", help="at most N files from each path")
    args = parser.parse_args(argv)
    report = Report()
    files = []
    for path in args.paths or default_paths():
        found = python_files(path, args.sample)
        print(f"{len(found):6} files from {path}")
        files.extend(found)

    findings = check_in_process(files, report)
    ours = run_chunks("standalone", [sys.executable, "-m", "flake8_asynctest", *CLI_OPTIONS], files, (0, 1, 2), report)
    compare("standalone", files, findings, parse_output(ours), report)
    flake8 = [sys.executable, "-m", "flake8", *CLI_OPTIONS]
    theirs = run_chunks("flake8 plugin", flake8, files, (0, 1), report)
    compare("flake8 plugin", files, findings, parse_output(theirs, ("ATC",)), report, ("ATC",))
    help_text = cli_help()
    if "--fix" in help_text:
        check_fix(files, help_text, report)
    else:
        print("--fix: skipped, the CLI has no --fix yet")
    report.print()
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
