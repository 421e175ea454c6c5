"""Benchmark the runtime checks (a script, not a test).

    python bench/bench_runtime.py [--tests 1000] [--repeat 3] [--heap 2000000] [--skip-pytest]

1. unittest: per-test overhead of flake8_asynctest.runtime.TestCase over plain
   unittest.IsolatedAsyncioTestCase on small tests, with the default checks, with every
   check off (the cost of the hook itself), and with one check at a time (what dominates);
   then again with a large heap, comparing the end-of-test gc.collect() strategies:
   collect what the test allocated (gc.freeze(), the default) vs a full collection.
2. pytest (pytest-asyncio), in subprocesses, timing only the test loop: the same small
   tests opted in (``asynctest_checks = true``) against the plugin not loaded, small and
   large heaps; and trivial tests that did not opt in, plugin loaded or not (no change).
3. Virtual time: ClockedTestCase sleeping through an hour; 10,000 sleeps under
   ClockedTestCase and under the pytest ``virtual_clock`` fixture.

Times are the process's CPU time (other processes on a shared machine barely move them);
absolute times still drift from run to run: compare ratios within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import subprocess
import sys
import tempfile
import time
import unittest
from collections.abc import Callable

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from flake8_asynctest.runtime import ClockedTestCase, TestCase, fail_on, lenient  # noqa: E402
from flake8_asynctest.runtime import checks as checks_module  # noqa: E402
from flake8_asynctest.runtime.decorators import DEFAULT_CHECKS  # noqa: E402


async def small_test(self: object) -> None:
    """A small but real async test: a task, a timer, a future."""
    loop = asyncio.get_running_loop()
    task = asyncio.create_task(asyncio.sleep(0))
    handle = loop.call_later(10, print)
    future = loop.create_future()
    loop.call_soon(future.set_result, 1)
    assert await future == 1
    await task
    handle.cancel()


def make_case(base: type, count: int, decorator: Callable[[type], type] | None = None) -> type:
    body = {f"test_{i}": small_test for i in range(count)}
    case = type(f"Bench{base.__name__}", (base,), body)
    return decorator(case) if decorator else case


def run_suite(case: type, count: int) -> float:
    suite = unittest.TestSuite(case(f"test_{i}") for i in range(count))
    result = unittest.TestResult()
    gc.collect()  # start every run from the same heap state
    start = time.process_time()
    suite.run(result)
    elapsed = time.process_time() - start
    if not result.wasSuccessful():
        raise SystemExit(f"benchmark tests failed: {(result.failures + result.errors)[0][1]}")
    return elapsed


def overhead_table(count: int, repeat: int, label: str, per_check: bool) -> None:
    plain_case = make_case(unittest.IsolatedAsyncioTestCase, count)
    variants = [
        ("plain IsolatedAsyncioTestCase", plain_case),
        ("TestCase, default checks", make_case(TestCase, count)),
        ("TestCase, @lenient (hook only)", make_case(TestCase, count, lenient)),
    ]
    # In a large heap an automatic full collection inside a test step takes >0.1 s, which
    # slow_callbacks rightly reports: per-check rows only run on the small heap.
    for check in DEFAULT_CHECKS if per_check else ():
        only = fail_on(**{name: name == check for name in DEFAULT_CHECKS})
        variants.append((f"TestCase, only {check}", make_case(TestCase, count, only)))
    best = dict.fromkeys(name for name, _ in variants)
    for _ in range(repeat):  # round-robin, so drift in the machine hits every variant alike
        for name, case in variants:
            seconds = run_suite(case, count)
            best[name] = seconds if best[name] is None else min(best[name], seconds)
    plain = best["plain IsolatedAsyncioTestCase"]
    print(f"\n{label}: {count} small tests, best of {repeat}")
    print(f"  {'variant':42} {'total s':>8} {'ms/test':>8} {'x plain':>8}")
    for name, seconds in best.items():
        print(f"  {name:42} {seconds:8.3f} {seconds / count * 1000:8.3f} {seconds / plain:8.2f}")


def gc_strategies(count: int) -> None:
    """Full collections are so slow in a large heap that 1/10 of the tests, once, will do."""
    plain_case = make_case(unittest.IsolatedAsyncioTestCase, count)
    checked_case = make_case(TestCase, count)
    plain = min(run_suite(plain_case, count) for _ in range(3))
    freeze = min(run_suite(checked_case, count) for _ in range(3))
    may_freeze = checks_module._may_freeze
    checks_module._may_freeze = lambda: False  # fall back to a full gc.collect() per test
    try:
        full = run_suite(checked_case, count)
    finally:
        checks_module._may_freeze = may_freeze
    print(f"  end-of-test collection strategy (default checks, {count} tests):")
    for name, seconds in (
        ("collect only what the test allocated (gc.freeze)", freeze),
        ("full gc.collect() per test", full),
    ):
        print(f"  {name:52} {seconds / count * 1000:8.3f} ms/test {seconds / plain:8.2f} x plain")


def clocked(repeat: int) -> None:
    class HourOfSleeps(ClockedTestCase):
        async def test_seconds(self):
            for _ in range(3600):
                await asyncio.sleep(1)
            assert self.loop.time() == 3600

        async def test_one_hour(self):
            await asyncio.sleep(3600)
            assert self.loop.time() == 3600

        async def test_concurrent(self):
            await asyncio.gather(*(asyncio.sleep(s) for s in range(1, 3601)))
            assert self.loop.time() == 3600

        async def test_advance(self):
            for s in range(1, 3601):
                self.loop.call_later(s, lambda: None)
            await self.advance(3600)

    print("\nClockedTestCase, an hour of virtual time (wall time, best of %d):" % repeat)
    for name, what in (
        ("test_seconds", "3600 x sleep(1)"),
        ("test_one_hour", "1 x sleep(3600)"),
        ("test_concurrent", "3600 tasks sleeping 1..3600 s"),
        ("test_advance", "advance(3600) through 3600 timers"),
    ):
        seconds = min(run_suite_named(HourOfSleeps, name) for _ in range(repeat))
        print(f"  {what:40} {seconds * 1000:8.1f} ms")


class TenThousandSleeps(ClockedTestCase):
    async def test_sleeps(self):
        for _ in range(10_000):
            await asyncio.sleep(1)


PYTEST_TIMER = """
import time
import pytest

@pytest.hookimpl(hookwrapper=True)
def pytest_runtestloop(session):
    start = time.process_time()
    yield
    print(f"\\nRUNTESTLOOP {time.process_time() - start:.6f}")
"""

PYTEST_HEAP = """
import os
HEAP = [[i] for i in range(int(os.environ.get("BENCH_HEAP", "0")))]
"""

# the pytest suite's tests run the unittest suite's body itself: one workload for both
PYTEST_SMALL = """
from bench_runtime import small_test


async def small():
    await small_test(None)
"""

PYTEST_SLEEPS = """
import asyncio

async def test_sleeps(virtual_clock):
    for _ in range(10_000):
        await asyncio.sleep(1)
"""


def pytest_suite(directory: str, name: str, body: str, count: int, header: str = "") -> str:
    """Write test_<name>.py: ``header``, then ``count`` tests made from ``body``; return its path."""
    path = os.path.join(directory, f"test_{name}.py")
    tests = "".join(f"\n\n{body.format(i=i)}" for i in range(count))
    with open(path, "w") as f:
        f.write(header + tests)
    return path


def run_pytest(directory: str, path: str, *options: str, heap: int = 0) -> float:
    """Seconds pytest spent in its test loop (collection and startup excluded)."""
    path_entries = [directory, ROOT, os.path.dirname(os.path.abspath(__file__))]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path_entries), "BENCH_HEAP": str(heap)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "bench_timer", *options, path]
    done = subprocess.run(command, cwd=directory, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"pytest failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return float(done.stdout.rsplit("RUNTESTLOOP ", 1)[1].split()[0])


def pytest_tables(count: int, repeat: int, heap: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        for name, text in (("bench_timer.py", PYTEST_TIMER), ("conftest.py", PYTEST_HEAP)):
            with open(os.path.join(directory, name), "w") as f:
                f.write(text)
        with open(os.path.join(directory, "pytest.ini"), "w") as f:
            f.write("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n")
        small = pytest_suite(directory, "small", "async def test_{i}():\n    await small()", count, PYTEST_SMALL)
        trivial = pytest_suite(directory, "trivial", "def test_{i}():\n    pass", count * 4)
        trivial_async = pytest_suite(directory, "trivial_async", "async def test_{i}():\n    pass", count)
        off = ("-p", "no:flake8_asynctest")
        rows = [
            ("small async tests, plugin not loaded", small, off, 0),
            ("small async tests, asynctest_checks = true", small, ("-o", "asynctest_checks=true"), 0),
            (f"same, large heap ({heap:,} lists), plugin not loaded", small, off, heap),
            ("same, large heap, asynctest_checks = true", small, ("-o", "asynctest_checks=true"), heap),
            (f"{count * 4} trivial sync tests, plugin not loaded", trivial, off, 0),
            (f"{count * 4} trivial sync tests, installed, not opted in", trivial, (), 0),
            (f"{count} trivial async tests, plugin not loaded", trivial_async, off, 0),
            (f"{count} trivial async tests, installed, not opted in", trivial_async, (), 0),
        ]
        best: dict[str, float] = {}
        for _ in range(repeat):  # round-robin against drift
            for label, path, options, size in rows:
                seconds = run_pytest(directory, path, *options, heap=size)
                best[label] = min(best.get(label, seconds), seconds)
        print(f"\npytest (pytest-asyncio), test loop only, best of {repeat}")
        print(f"  {'variant':58} {'total s':>8} {'x baseline':>10}")
        for index, (label, *_) in enumerate(rows):
            baseline = best[rows[index - index % 2][0]]
            print(f"  {label:58} {best[label]:8.3f} {best[label] / baseline:10.2f}")
        sleeps = pytest_suite(directory, "sleeps", "", 0, header=PYTEST_SLEEPS)
        fixture = min(run_pytest(directory, sleeps) for _ in range(repeat))
    case = min(run_suite_named(TenThousandSleeps, "test_sleeps") for _ in range(repeat))
    print(f"\n10,000 x sleep(1) in virtual time (best of {repeat}):")
    print(f"  {'ClockedTestCase':40} {case * 1000:8.1f} ms")
    print(f"  {'pytest virtual_clock fixture':40} {fixture * 1000:8.1f} ms")


def run_suite_named(case: type, name: str) -> float:
    result = unittest.TestResult()
    start = time.process_time()
    case(name).run(result)
    elapsed = time.process_time() - start
    if not result.wasSuccessful():
        raise SystemExit(f"benchmark test failed: {(result.failures + result.errors)[0][1]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tests", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--heap", type=int, default=2_000_000, help="live container objects for the large-heap run")
    parser.add_argument("--skip-pytest", action="store_true", help="only the unittest and clock benchmarks")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}")
    overhead_table(args.tests, args.repeat, "Small heap", per_check=True)
    heap = [[i] for i in range(args.heap)]  # kept alive: tracked by the collector
    gc.collect()
    overhead_table(args.tests, args.repeat, f"Large heap ({len(heap):,} extra live lists)", per_check=False)
    gc_strategies(max(1, args.tests // 10))
    del heap
    clocked(args.repeat)
    if not args.skip_pytest:
        pytest_tables(args.tests, args.repeat, args.heap)


if __name__ == "__main__":
    main()
