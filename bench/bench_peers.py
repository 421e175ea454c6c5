"""Us against the peers, in one run, on CPython's test_asyncio and on the real-world corpus.

Usage: python bench/bench_peers.py [--repeat N] [DIR ...]
       (default DIRs: CPython's Lib/test/test_asyncio, and .realworld/ when it exists)

Rows: in-process ``ast.parse`` (the floor), our standalone checker, ``flake8 --select ATC``,
``flake8 --select E9,F`` (the baseline every flake8 user pays), ``flake8 --select E9,F,ATC``,
flake8-async under flake8, ruff (``--no-cache``), and ``--fix`` with nothing left to fix next to a check
of the same copy.
The peers come from PyPI into virtualenvs under bench/.cache/ (built on the first run, reused after);
flake8-async gets a virtualenv of its own, since installing it slows every flake8 run.
Every tool is given the same explicit list of files and its own defaults otherwise (flake8, ruff and
our CLI use every core). Times are the best of N runs of a fresh process; absolute times drift between
runs and machines, so read the ratios.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time

from bench_check import default_dir, python_files

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CACHE = os.path.join(HERE, ".cache")
CORPUS = os.path.join(ROOT, ".realworld")
PINS = {
    "ours": ["flake8==7.5.0", "ruff==0.17.6"],  # plus this project, editable
    "flake8-async": ["flake8==7.5.0", "flake8-async==26.8.1"],
}
SLOW = 60.0  # seconds: one run this long is measured once, not N times


def virtualenv(name: str, requirements: list[str], project: bool) -> str:
    """The python of bench/.cache/venv-NAME, (re)built when the pins or our pyproject.toml change."""
    path = os.path.join(CACHE, f"venv-{name}")
    python = os.path.join(path, "bin", "python")
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as handle:
        stamp = "\n".join([sys.version, *requirements, hashlib.sha256(handle.read()).hexdigest() if project else ""])
    stamp_file = os.path.join(path, "bench-stamp.txt")
    if os.path.exists(stamp_file):
        with open(stamp_file) as handle:
            if handle.read() == stamp:
                return python
    print(f"installing {' '.join(requirements)}{' and this project' if project else ''} into {path} ...")
    subprocess.run([sys.executable, "-m", "venv", "--clear", path], check=True)
    extra = ["-e", ROOT, "--config-settings", "editable_mode=compat"] if project else []
    subprocess.run([python, "-m", "pip", "install", "--quiet", *requirements, *extra], check=True)
    with open(stamp_file, "w") as handle:
        handle.write(stamp)
    return python


def best(run, repeat: int) -> float:
    times: list[float] = []
    while len(times) < repeat and not (times and times[-1] > SLOW):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def command(argv: list[str]):
    """A run of ``argv`` that fails loudly: timing a tool that crashed would mean nothing."""

    def run() -> None:
        result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if result.returncode not in (0, 1) or "Traceback" in result.stderr:
            sys.exit(f"{' '.join(argv[:6])} ... failed with exit {result.returncode}:\n{result.stderr[-2000:]}")

    return run


def parse_all(files: list[str]):
    def run() -> None:
        for path in files:
            with open(path, "rb") as handle:
                ast.parse(handle.read(), path)

    return run


def has_fix(python: str) -> bool:
    help_text = subprocess.run([python, "-m", "flake8_asynctest", "--help"], capture_output=True, text=True).stdout
    return "--fix" in help_text


PARSE, OURS, FLAKE8_ATC, BASELINE, FLAKE8_ALL = (
    "in-process ast.parse",
    "python -m flake8_asynctest",
    "flake8 --select ATC",
    "flake8 --select E9,F (baseline)",
    "flake8 --select E9,F,ATC",
)
FLAKE8_ASYNC, RUFF, FIXED_CHECK, FIX = (
    "flake8-async: flake8 --select ASYNC",
    "ruff check --no-cache --select ASYNC,RUF006",
    "python -m flake8_asynctest, on a fixed copy",
    "--fix on that copy: nothing to fix",
)


def rows(ours: str, peer: str, directory: str, files: list[str], repeat: int) -> dict[str, float | None]:
    """Seconds per tool for one set of files; None where a tool cannot run yet."""
    ruff = os.path.join(os.path.dirname(ours), "ruff")
    flake8 = [ours, "-m", "flake8", "--isolated", "--select"]
    argvs = {
        OURS: [ours, "-m", "flake8_asynctest", "--isolated"],  # as the peers: no configuration file decides
        FLAKE8_ATC: [*flake8, "ATC"],
        BASELINE: [*flake8, "E9,F"],
        FLAKE8_ALL: [*flake8, "E9,F,ATC"],
        FLAKE8_ASYNC: [peer, "-m", "flake8", "--isolated", "--select", "ASYNC"],
        RUFF: [ruff, "check", "--isolated", "--no-cache", "--select", "ASYNC,RUF006"],
    }
    measured: dict[str, float | None] = {PARSE: best(parse_all(files), repeat)}
    for tool, argv in argvs.items():
        print(f"  {tool}", flush=True)
        measured[tool] = best(command([*argv, *files]), repeat)
    fixing = fix_nothing(ours, directory, files, repeat) if has_fix(ours) else (None, None)
    measured[FIXED_CHECK], measured[FIX] = fixing
    return measured


def fix_nothing(ours: str, directory: str, files: list[str], repeat: int) -> tuple[float, float]:
    """Check, then ``--fix``, of a copy of ``directory`` whose fixable findings were fixed first (untimed)."""
    print(f"  {FIXED_CHECK} and {FIX}", flush=True)
    with tempfile.TemporaryDirectory(prefix="atc-bench-") as tmp:
        copy = os.path.join(tmp, os.path.basename(os.path.normpath(directory)))
        shutil.copytree(directory, copy, symlinks=True, ignore=shutil.ignore_patterns("*.tar.gz", "*.zip", "*.whl"))
        copies = [os.path.join(copy, os.path.relpath(path, directory)) for path in files]
        check = [ours, "-m", "flake8_asynctest", "--isolated", *copies]
        fix = [ours, "-m", "flake8_asynctest", "--isolated", "--fix", *copies]
        subprocess.run(fix, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        return best(command(check), repeat), best(command(fix), repeat)


def table(results: dict[str, dict[str, float | None]]) -> str:
    head = "| tool | " + " | ".join(f"{name}: s | x ast.parse | x ours" for name in results) + " |"
    lines = [head, "|---|" + "---:|---:|---:|" * len(results)]
    for tool in next(iter(results.values())):
        cells = []
        for measured in results.values():
            seconds = measured[tool]
            if seconds is None:
                cells.append("n/a (no --fix yet) | | ")
            else:
                cells.append(f"{seconds:.3f} | {seconds / measured[PARSE]:.1f}x | {seconds / measured[OURS]:.2f}x")
        lines.append(f"| {tool} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def targets(name: str, t: dict[str, float | None]) -> list[str]:
    """The ratios shared/design/performance.md sets targets for."""
    fix = f"{t[FIX] / t[FIXED_CHECK]:.2f}x" if t[FIX] and t[FIXED_CHECK] else "n/a (no --fix yet)"
    return [
        f"{name}: ours / ast.parse = {t[OURS] / t[PARSE]:.2f}x (target <= 2x)",
        f"{name}: flake8-async / ours = {t[FLAKE8_ASYNC] / t[OURS]:.1f}x (target >= 30x)",
        f"{name}: flake8 E9,F,ATC / E9,F = {t[FLAKE8_ALL] / t[BASELINE]:.2f}x (target <= 1.3x)",
        f"{name}: --fix with nothing to fix / check = {fix} (target <= 1.2x)",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="*", help="default: CPython's test_asyncio, and .realworld/ when present")
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool, the best is kept (default 3)")
    args = parser.parse_args()
    dirs = args.dirs or [default_dir(), *([CORPUS] if os.path.isdir(CORPUS) else [])]
    ours = virtualenv("ours", PINS["ours"], project=True)
    # Byte-compiled, as an install leaves it and as the peers are: with PYTHONDONTWRITEBYTECODE set (CI
    # images often set it) an editable install would compile from source on every run.
    subprocess.run([ours, "-m", "compileall", "-q", os.path.join(ROOT, "flake8_asynctest")], check=True)
    peer = virtualenv("flake8-async", PINS["flake8-async"], project=False)
    results = {}
    for directory in dirs:
        files = python_files(directory)
        lines = 0
        for path in files:
            with open(path, "rb") as handle:
                lines += handle.read().count(b"\n")
        name = f"{os.path.basename(os.path.normpath(directory))} ({len(files)} files, {lines} lines)"
        print(f"{name} in {directory}:", flush=True)
        results[name] = rows(ours, peer, directory, files, args.repeat)
    pins = ", ".join(PINS["ours"] + PINS["flake8-async"][1:])
    print(f"\nPython {sys.version.split()[0]}, {os.cpu_count()} cores, {pins}")
    print(f"best of {args.repeat} runs (a tool whose run takes over {SLOW:.0f} s is run once)\n")
    print(table(results))
    print()
    for name, measured in results.items():
        print("\n".join(targets(name.split(" (")[0], measured)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
