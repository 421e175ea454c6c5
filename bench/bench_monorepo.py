"""Files per second on a synthetic monorepo, one process (-j1) against a pool (-jN).

Usage: python bench/bench_monorepo.py [--files 10000] [--jobs N] [--repeat 3]

Generates the tree into a temporary directory (removed afterwards; nothing is committed): packages
of test modules in the shapes real suites have (unittest classes, pytest tests and fixtures,
helpers), some with bugs. Each run is ``python -m flake8_asynctest -jK DIR`` in a fresh process,
best of ``--repeat``; the outputs of both runs must be identical.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time

from flake8_asynctest.parallel import default_jobs

UNITTEST = '''\
"""Tests for service {n}."""
import asyncio
import unittest
from unittest import mock

from services.svc{pkg} import Client{n}, connect


class Client{n}Test(unittest.{base}):
    async def asyncSetUp(self):
        self.client = await connect("svc-{n}")
        self.addAsyncCleanup(self.client.close)

    async def test_get_{n}(self):
        response = await self.client.get("/items/{n}")
        self.assertEqual(response.status, 200)
        {bug1}

    async def test_put_{n}(self):
        payload = {{"id": {n}, "name": "item-{n}"}}
        response = await self.client.put("/items/{n}", payload)
        self.assertIn(response.status, (200, 201))

    async def test_timeout_{n}(self):
        with self.assertRaises(asyncio.TimeoutError):
            await asyncio.wait_for(self.client.slow(), timeout=0.01)

    def test_sync_helper_{n}(self):
        with mock.patch("services.svc{pkg}.connect") as fake:
            fake.return_value = mock.AsyncMock()
            self.assertTrue(fake.called is False)


class Helpers{n}Test(unittest.TestCase):
    def setUp(self):
        self.values = list(range({n} % 17 + 3))

    def test_sum(self):
        self.assertEqual(sum(self.values), sum(range(len(self.values))))

    def test_loop(self):
        loop = asyncio.new_event_loop()
        try:
            self.assertEqual(loop.run_until_complete(asyncio.sleep(0, result={n})), {n})
        finally:
            loop.close()
'''

PYTEST = '''\
"""pytest suite {n}."""
import asyncio

import pytest
import pytest_asyncio

from services.svc{pkg} import connect


@pytest_asyncio.fixture
async def client():
    client = await connect("svc-{n}")
    yield client
    await client.close()


@pytest.fixture
def numbers():
    return [i * {n} for i in range(10)]


@pytest.mark.asyncio
async def test_fetch_{n}(client):
    result = await client.fetch({n})
    assert result.ok
    {bug2}


@pytest.mark.asyncio
@pytest.mark.parametrize("value", [1, 2, 3])
async def test_values_{n}(client, value):
    assert await client.echo(value) == value


def test_numbers_{n}(numbers):
    assert numbers[1] == {n}


async def helper_{n}(client):
    await asyncio.sleep(0)
    return await client.fetch({n})
'''

BUGS1 = ["", "", "", "self.client.flush()", "asyncio.sleep(0.5)", "loop = asyncio.get_event_loop()"]
BUGS2 = ["", "", "", "asyncio.sleep(0)", "client.close()"]


def generate(root: str, count: int) -> int:
    """Write ``count`` test modules under ``root``; their total number of lines."""
    lines = 0
    rng = random.Random(20240601)
    for n in range(count):
        pkg = n // 100
        directory = os.path.join(root, f"service_{pkg:03d}", "tests", "unit" if n % 2 else "integration")
        os.makedirs(directory, exist_ok=True)
        if n % 3:
            base = rng.choice(["IsolatedAsyncioTestCase"] * 9 + ["TestCase"])
            text = UNITTEST.format(n=n, pkg=pkg, base=base, bug1=rng.choice(BUGS1) or "pass")
        else:
            text = PYTEST.format(n=n, pkg=pkg, bug2=rng.choice(BUGS2) or "pass")
        with open(os.path.join(directory, f"test_module_{n}.py"), "w", encoding="utf-8") as handle:
            handle.write(text)
        lines += text.count("\n")
    with open(os.path.join(root, "pytest.ini"), "w", encoding="utf-8") as handle:
        handle.write("[pytest]\nasyncio_mode = strict\n")
    return lines


def timed(root: str, jobs: int, repeat: int) -> tuple[float, bytes]:
    best = float("inf")
    output = b""
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "flake8_asynctest", f"-j{jobs}", root], capture_output=True, check=False
        )
        best = min(best, time.perf_counter() - start)
        if done.returncode not in (0, 1):
            raise SystemExit(f"-j{jobs} failed ({done.returncode}):\n{done.stderr.decode()}")
        output = done.stdout
    return best, output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=default_jobs(), help="processes for -jN (default: CPUs)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="atc-monorepo-") as root:
        lines = generate(root, args.files)
        print(f"{args.files} files, {lines} lines, {args.jobs} CPUs")
        one, out_one = timed(root, 1, args.repeat)
        many, out_many = timed(root, args.jobs, args.repeat)
        assert out_one == out_many, "-j1 and -jN disagree"
        findings = out_one.count(b"\n")
        print(f"-j1: {one:6.2f} s  {args.files / one:8.0f} files/s")
        print(f"-j{args.jobs}: {many:6.2f} s  {args.files / many:8.0f} files/s  ({one / many:.2f}x)")
        print(f"identical output: {findings} findings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
