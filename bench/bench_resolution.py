"""Cross-file resolution: what it costs, and that the cost does not grow with site-packages.

Usage: python bench/bench_resolution.py [DIR]   (default: CPython's Lib/test/test_asyncio)

1. On DIR: in-process ``ast.parse`` of every file vs ``python -m flake8_asynctest`` with
   ``--asynctest-resolve file`` (same-file analysis) and with imports followed (the default).
2. A generated test tree (200 files importing 5 packages) checked against a generated
   site-packages of 100 packages and of 10,000 packages, put on ``PYTHONPATH``: the time must
   stay flat, since modules are located by path on demand, never listed or scanned.
All in one run, best of N; read the ratios, not the absolute times.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tempfile
import time

from bench_check import best, compile_package, default_dir, python_files

TEST_FILES = 200
IMPORTED = 5


def make_site(root: str, packages: int) -> None:
    for index in range(packages):
        package = os.path.join(root, f"pkg{index}")
        os.makedirs(package)
        with open(os.path.join(package, "__init__.py"), "w") as handle:
            handle.write("from .client import Client, fetch\n")
        with open(os.path.join(package, "client.py"), "w") as handle:
            handle.write(
                "class Client:\n    async def close(self):\n        pass\n\n"
                "    def name(self):\n        return ''\n\n\n"
                "async def fetch(key):\n    return key\n"
            )


def make_tests(root: str) -> None:
    tests = os.path.join(root, "tests")
    os.makedirs(tests)
    imports = "\n".join(f"import pkg{i}" for i in range(IMPORTED))
    body = "\n".join(
        f"    async def test_{i}(self):\n        client = pkg{i}.Client()\n        await client.close()\n"
        f"        await pkg{i}.fetch(1)\n        client.name()\n"
        for i in range(IMPORTED)
    )
    # one bug per file that only cross-file resolution can see: Client.close is async in pkg0
    body += "\n    async def test_bug(self):\n        pkg0.Client().close()\n"
    for index in range(TEST_FILES):
        with open(os.path.join(tests, f"test_{index}.py"), "w") as handle:
            handle.write(
                f"import unittest\n{imports}\n\n\nclass Test{index}(unittest.IsolatedAsyncioTestCase):\n{body}"
            )


def check(paths: list[str], *options: str, pythonpath: str | None = None) -> int:
    """Run the standalone checker; the number of findings it printed."""
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = pythonpath
    result = subprocess.run(
        [sys.executable, "-m", "flake8_asynctest", *options, *paths],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return len(result.stdout.splitlines())


def main() -> int:
    compile_package()
    root = sys.argv[1] if len(sys.argv) > 1 else default_dir()
    files = python_files(root)

    def parse_all() -> None:
        for path in files:
            with open(path, "rb") as handle:
                ast.parse(handle.read(), path)

    parse = best(parse_all)
    same_file = best(lambda: check([root], "--asynctest-resolve", "file"))
    imports = best(lambda: check([root]))
    print(f"{len(files)} files in {root}")
    print(f"in-process ast.parse:                 {parse:.3f} s")
    print(f"check, same-file analysis:            {same_file:.3f} s  ({same_file / parse:.2f}x parse)")
    print(f"check, imports followed (default):    {imports:.3f} s  ({imports / parse:.2f}x parse, target <= 2x)")

    with tempfile.TemporaryDirectory() as work:
        make_tests(work)
        sites = {}
        for size in (100, 10_000):
            site = os.path.join(work, f"site{size}")
            start = time.perf_counter()
            make_site(site, size)
            sites[size] = site
            print(f"generated a site-packages of {size} packages in {time.perf_counter() - start:.1f} s")
        tests = [os.path.join(work, "tests")]
        found = check(tests, pythonpath=sites[10_000])
        print(f"findings that need the installed package's source: {found} (one per test file expected)")
        small = best(lambda: check(tests, pythonpath=sites[100]))
        large = best(lambda: check(tests, pythonpath=sites[10_000]))
        print(f"{TEST_FILES} test files importing {IMPORTED} packages, site-packages of 100:    {small:.3f} s")
        print(
            f"{TEST_FILES} test files importing {IMPORTED} packages, site-packages of 10,000: {large:.3f} s "
            f"({large / small:.2f}x)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
