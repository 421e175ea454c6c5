"""Standalone check vs in-process ``ast.parse`` of the same files (target: at most 2x).

Usage: python bench/bench_check.py [DIR]   (default: CPython's Lib/test/test_asyncio)

Both are timed in one run, best of N, and reported as a ratio: absolute times drift between runs.
The checker runs as users run it, ``python -m flake8_asynctest DIR`` in a fresh process, so its
time includes interpreter start-up; the parse baseline is in-process (the floor for an ast linter).
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import sysconfig
import time

REPEAT = 5


def default_dir() -> str:
    return os.path.join(sysconfig.get_paths()["stdlib"], "test", "test_asyncio")


def python_files(root: str) -> list[str]:
    return sorted(os.path.join(d, f) for d, _, files in os.walk(root) for f in files if f.endswith(".py"))


def best(fn, repeat: int = REPEAT) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def compile_package(root: str | None = None) -> None:
    """Byte-compile the package, as an install does: with PYTHONDONTWRITEBYTECODE set (CI images
    often set it) every run would otherwise compile it from source, which is not what users pay.
    ``root``: the checkout whose package to compile (default: the one imported)."""
    import compileall

    if root is None:
        import flake8_asynctest

        package = os.path.dirname(flake8_asynctest.__file__)
    else:
        package = os.path.join(root, "flake8_asynctest")
    compileall.compile_dir(package, quiet=1)


def main() -> int:
    compile_package()
    root = sys.argv[1] if len(sys.argv) > 1 else default_dir()
    files = python_files(root)
    sources = []
    for path in files:
        with open(path, "rb") as handle:
            sources.append(handle.read())
    lines = sum(s.count(b"\n") for s in sources)

    def parse_all() -> None:
        for path in files:
            with open(path, "rb") as handle:
                ast.parse(handle.read(), path)

    def check_all(*options: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "flake8_asynctest", *options, root],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )

    def startup() -> None:
        subprocess.run([sys.executable, "-c", "pass"], check=False)

    parse = best(parse_all)
    check = best(check_all)
    single = best(lambda: check_all("-j1"))
    bare = best(startup)
    print(f"{len(files)} files, {lines} lines in {root}")
    print(f"in-process ast.parse:                   {parse:.3f} s")
    print(f"python -m flake8_asynctest (default):   {check:.3f} s  {check / parse:.2f}x  (target <= 2x)")
    print(f"python -m flake8_asynctest -j1:         {single:.3f} s  {single / parse:.2f}x  (one process)")
    print(f"interpreter start-up alone:             {bare:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
