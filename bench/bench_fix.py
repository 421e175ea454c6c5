"""``--fix``: its cost when there is nothing to fix, per fixed file, and on one big file.

Usage: python bench/bench_fix.py [DIR] [--large MB] [--against CHECKOUT]
       (DIR default: CPython's Lib/test/test_asyncio; --large default 5; --against: another copy of
       this project, e.g. a ``git worktree`` of main, measured the same way for before/after)

1. A copy of DIR is fixed once (so nothing fixable is left), then ``--fix`` and a plain check run on
   it: ``--fix`` must cost about nothing more (target <= 1.2x), since libcst only ever touches a
   file with something to fix.
2. Fresh copies of DIR are fixed from scratch: (fix time - check time) / files changed, and the peak
   memory of the run.
3. A generated test file of MB megabytes, every class with three fixes: time and peak memory of
   ``--fix`` against a check of it (target: memory about the check's).
Best of N (the big file: once), in one run; read the ratios. Peak memory is the process's maximum
resident set (``-j1``: one process does it all).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

from bench_check import best, compile_package, default_dir

OPT_IN = ["--extend-select", "ATC203,ATC404,ATC504"]
BLOCK = """

class TestCase{n}(unittest.TestCase):
    async def test_sleep(self):
        task = asyncio.create_task(self.work())
        asyncio.sleep(0)
        time.sleep(0.01)
        await task

    async def work(self):
        return {n}
"""


def run(project: str, *args: str) -> tuple[str, float, int]:
    """``python -m flake8_asynctest ARGS`` with ``project`` first on the path: its stderr, seconds
    and peak resident memory in MB."""
    env = {**os.environ, "PYTHONPATH": project}
    command = [sys.executable, "-m", "flake8_asynctest", "--isolated", *OPT_IN, *args]
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, _, usage = os.wait4(process.pid, 0)  # the child's own peak, not the largest child's so far
        elapsed = time.perf_counter() - start
        process.returncode = 0
        err.seek(0)
        return err.read().decode(), elapsed, usage.ru_maxrss // 1024


def big_file(path: str, size: int) -> int:
    """A test module of ``size`` bytes, its classes each with an ATC103, an ATC101 and an ATC402 fix."""
    parts = ["import asyncio\nimport time\nimport unittest\n"]
    total, count = len(parts[0]), 0
    while total < size:
        parts.append(BLOCK.format(n=count))
        total += len(parts[-1])
        count += 1
    with open(path, "w") as handle:
        handle.write("".join(parts))
    return count


def measure(name: str, project: str, source: str, work: str, megabytes: float) -> None:
    compile_package(project)
    print(f"== {name} ({project})")
    clean = shutil.copytree(source, f"{work}/{name}-clean")
    run(project, "--fix", "--unsafe-fixes", clean)
    check = best(lambda: run(project, clean))
    fix = best(lambda: run(project, "--fix", clean))
    print(f"nothing to fix in {source}")
    print(f"  check:        {check:.3f} s")
    print(f"  --fix:        {fix:.3f} s  ({fix / check:.2f}x the check, target <= 1.2x)")

    fixing, memory, changed = [], [], 0
    for attempt in range(3):
        copy = shutil.copytree(source, f"{work}/{name}-fresh{attempt}")
        summary, seconds, peak = run(project, "--fix", "--unsafe-fixes", "-j1", copy)
        fixing.append(seconds)
        memory.append(peak)
        changed = int(summary.split(" in ")[-1].split()[0]) if " in " in summary else 0
    check_runs = [run(project, "-j1", source) for _ in range(3)]
    check_fresh = min(seconds for _, seconds, _ in check_runs)
    print(f"fixing {source} from scratch (-j1): {changed} files changed")
    print(f"  check:        {check_fresh:.3f} s, {min(peak for _, _, peak in check_runs)} MB")
    per_file = (min(fixing) - check_fresh) / max(changed, 1) * 1000
    print(f"  --fix:        {min(fixing):.3f} s, {min(memory)} MB  ({per_file:.0f} ms per fixed file)")

    if megabytes:
        path = f"{work}/{name}-big/test_big.py"
        os.makedirs(os.path.dirname(path))
        classes = big_file(path, int(megabytes * 1_000_000))
        _, check_seconds, check_peak = run(project, path)
        summary, fix_seconds, fix_peak = run(project, "--fix", path)
        print(f"one generated file of {os.path.getsize(path) / 1e6:.1f} MB ({classes} classes, {3 * classes} fixes)")
        print(f"  check:        {check_seconds:.1f} s, {check_peak} MB")
        print(
            f"  --fix:        {fix_seconds:.1f} s, {fix_peak} MB  "
            f"({fix_seconds / check_seconds:.1f}x the check's time, {fix_peak / check_peak:.2f}x its memory)"
        )
        print(f"  {summary.strip().splitlines()[-1]}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("dir", nargs="?", default=default_dir())
    parser.add_argument("--large", type=float, default=5, metavar="MB", help="size of the big file (0: none)")
    parser.add_argument("--against", metavar="CHECKOUT", help="another copy of the project to measure too")
    args = parser.parse_args()
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as work:
        if args.against:
            measure("against", os.path.abspath(args.against), args.dir, work, args.large)
        measure("this", here, args.dir, work, args.large)
    return 0


if __name__ == "__main__":
    sys.exit(main())
