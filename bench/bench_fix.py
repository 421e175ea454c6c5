"""``--fix``: its cost when there is nothing to fix, and the time per fixed file.

Usage: python bench/bench_fix.py [DIR]   (default: CPython's Lib/test/test_asyncio)

1. A copy of DIR is fixed once (so nothing fixable is left), then ``--fix`` and a plain check run on
   it: ``--fix`` must cost about nothing more (target <= 1.2x), since libcst only ever touches a
   file with something to fix.
2. Fresh copies of DIR are fixed from scratch: (fix time - check time) / files changed.
Best of N, in one run; read the ratios.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time

from bench_check import best, compile_package, default_dir

OPT_IN = ["--extend-select", "ATC203,ATC404,ATC504"]


def run(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "flake8_asynctest", *OPT_IN, *args], capture_output=True, text=True, check=False
    )
    return result.stderr


def main() -> int:
    compile_package()
    source = sys.argv[1] if len(sys.argv) > 1 else default_dir()
    with tempfile.TemporaryDirectory() as work:
        clean = shutil.copytree(source, f"{work}/clean")
        run("--fix", "--unsafe-fixes", clean)
        check = best(lambda: run(clean))
        fix = best(lambda: run("--fix", clean))
        print(f"nothing to fix in {source}")
        print(f"  check:        {check:.3f} s")
        print(f"  --fix:        {fix:.3f} s  ({fix / check:.2f}x the check, target <= 1.2x)")

        timings = []
        changed = 0
        for attempt in range(3):
            copy = shutil.copytree(source, f"{work}/fresh{attempt}")
            start = time.perf_counter()
            summary = run("--fix", "--unsafe-fixes", copy)
            timings.append(time.perf_counter() - start)
            changed = int(summary.split(" in ")[-1].split()[0]) if " in " in summary else 0
        fixing = min(timings)
        check_fresh = best(lambda: run(source))
        print(f"fixing {source} from scratch: {changed} files changed")
        print(f"  check:        {check_fresh:.3f} s")
        print(
            f"  --fix:        {fixing:.3f} s  ({(fixing - check_fresh) / max(changed, 1) * 1000:.0f} ms per fixed file)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
