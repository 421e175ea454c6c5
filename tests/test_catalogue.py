"""The catalogue is the single source of truth, and every view of it is derived and complete."""

from __future__ import annotations

import ast
import textwrap

import pytest

from flake8_asynctest.catalogue import RULES
from flake8_asynctest.docs import render
from flake8_asynctest.rule import Rule

from .annotations import ROOT


def test_readme_is_generated_from_the_catalogue():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert render(readme) == readme, "README is stale: run `python -m flake8_asynctest.docs`"
    assert all(f"| {code} |" in readme for code in RULES)


@pytest.mark.parametrize("rule", RULES.values(), ids=lambda r: r.code)
def test_rule_is_fully_documented(rule: Rule):
    assert rule.code.startswith("ATC") and len(rule.code) == 6
    for field in ("name", "summary", "message", "what", "why", "example", "use_instead"):
        assert getattr(rule, field).strip(), f"{rule.code}.{field} is empty"
    assert "\n" not in rule.message
    for snippet in (rule.example, rule.use_instead):
        ast.parse(textwrap.dedent(snippet))


def test_codes_and_names_are_unique():
    names = [rule.name for rule in RULES.values()]
    assert len(set(names)) == len(names)
