"""Fixes are made in regions, the few lines around their edits parsed alone: the result is the one
libcst gives on the whole module, and libcst never reads more than the regions."""

from __future__ import annotations

import os
import textwrap

import libcst
from hypothesis import HealthCheck, given, settings

from flake8_asynctest.checker import check_source
from flake8_asynctest.fixes import engine
from flake8_asynctest.fixes.regions import Layout, Region

from .annotations import fixture_files
from .risky_programs import risky_module
from .test_fixtures import EVERYTHING

EXAMPLES = int(os.environ.get("ATC_FUZZ_EXAMPLES", "60"))


def fixed_both_ways(data, monkeypatch):
    """``data`` fixed in regions, and fixed with the whole module as the one region (or the
    message of the error that kept the fixes from being applied)."""
    result = check_source(data, "test_generated.py", EVERYTHING)
    fixable = [f for f in result.findings if f.fix is not None]

    def apply():
        try:
            return engine.apply_fixes(data, fixable, result.tree, result.source)
        except engine.FixError as error:  # a fix that makes code that does not parse, both ways
            return str(error)

    def one_region(self, fixes):
        whole = Region(1, len(self.lines))
        whole.fixes = list(fixes)
        return [whole]

    in_regions = apply()
    with monkeypatch.context() as patched:
        patched.setattr(Layout, "plan", one_region)
        whole = apply()
    return in_regions, whole


def test_every_fixture_is_fixed_as_in_the_whole_module(monkeypatch):
    for path in fixture_files():
        in_regions, whole = fixed_both_ways(path.read_bytes(), monkeypatch)
        assert in_regions == whole, path


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(risky_module())
def test_generated_modules_are_fixed_as_in_the_whole_module(monkeypatch, data):
    in_regions, whole = fixed_both_ways(data, monkeypatch)
    assert in_regions == whole


NESTED = textwrap.dedent(
    """\
    import asyncio
    import unittest


    class TestX(unittest.TestCase):
    \tasync def test_x(self):
    \t\tif True: asyncio.sleep(0)
    \t\tasyncio.sleep(0); asyncio.sleep(1)
    \t\tfor _ in range(2):
    \t\t\ttask = asyncio.create_task(asyncio.sleep(1))
    \t\t\ttask.cancel()
    """
)


def test_regions_are_whole_lines_of_whole_statements(monkeypatch):
    """A statement after a header on its line takes the header's statement; statements sharing a
    line go together; a nested block's new statements are indented as the file indents."""
    in_regions, whole = fixed_both_ways(NESTED.encode(), monkeypatch)
    assert in_regions == whole
    new = in_regions[0].decode()
    assert "\t\tif True: await asyncio.sleep(0)\n\t\tawait asyncio.sleep(0); await asyncio.sleep(1)\n" in new
    assert "\t\t\twith contextlib.suppress(asyncio.CancelledError):\n\t\t\t\tawait task\n" in new


def test_libcst_reads_the_regions_not_the_file(monkeypatch):
    """What makes fixing a big file cost about what checking it does: libcst's tree of a module
    takes some 400 bytes per byte of source."""
    block = "\n\nclass TestX{n}(unittest.TestCase):\n    async def test_x(self):\n        asyncio.sleep(0)\n"
    data = ("import asyncio\nimport unittest\n" + "".join(block.format(n=n) for n in range(300))).encode()
    parsed = []
    real = libcst.parse_module

    def recording(source, *args, **kwargs):
        parsed.append(len(source))
        return real(source, *args, **kwargs)

    monkeypatch.setattr(engine.cst, "parse_module", recording)
    new, applied, result = engine.fix_source(data, "test_big.py", EVERYTHING)
    assert applied == 600 and not result.findings
    assert max(parsed) < 200 and len(data) > 20_000
