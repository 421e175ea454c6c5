"""Every fix is specified by a before/after pair: ``fixtures/x.py`` and ``fixtures/x.fixed.py``."""

from __future__ import annotations

import ast
from collections import Counter

import pytest

from flake8_asynctest.catalogue import RULES
from flake8_asynctest.checker import check_source
from flake8_asynctest.fixes.engine import fix_source

from .annotations import FIXTURES, fixture_files, reannotate
from .test_fixtures import EVERYTHING

PAIRS = [p for p in fixture_files(twins=False) if p.with_name(p.stem + ".fixed.py").exists()]


def fixed(path):
    return path.with_name(path.stem + ".fixed.py")


def run_fix(data, path):
    return fix_source(data, str(path), EVERYTHING, unsafe=True)


def expected_twin(path):
    """What --fix makes of ``path``, its ``# error:`` comments cut down to what is still reported."""
    new, applied, result = run_fix(path.read_bytes(), path)
    return reannotate(new.decode(), {(f.line, f.code) for f in result.findings}), applied


@pytest.mark.parametrize("path", PAIRS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fix_gives_the_fixed_twin(path):
    new, applied = expected_twin(path)
    assert applied > 0
    assert new == fixed(path).read_text(encoding="utf-8")
    ast.parse(new)


@pytest.mark.parametrize("path", PAIRS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixing_twice_changes_nothing(path):
    twin = fixed(path)
    data = twin.read_bytes()
    new, applied, _ = run_fix(data, twin)
    assert (new, applied) == (data, 0)


def test_every_fixable_rule_is_fixed_by_some_pair():
    fixed_codes = set()
    for path in PAIRS:
        data = path.read_bytes()
        original = [f.code for f in check_source(data, str(path), EVERYTHING).findings]
        remaining = [f.code for f in run_fix(data, path)[2].findings]
        fixed_codes |= {code for code in set(original) if remaining.count(code) < original.count(code)}
    missing = sorted(code for code, rule in RULES.items() if rule.fix and code not in fixed_codes)
    assert not missing, f"fixable rules with no fixture pair that fixes them: {missing}"


@pytest.mark.parametrize("path", fixture_files(twins=False), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixing_adds_no_finding(path):
    """A fix must not make code that we report in turn (the ATC402 fix once made ATC401 sleeps)."""
    data = path.read_bytes()
    before = Counter(f.code for f in check_source(data, str(path), EVERYTHING).findings)
    _, _, result = run_fix(data, path)
    assert not Counter(f.code for f in result.findings) - before
