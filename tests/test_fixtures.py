"""The fixtures are the specification: every `# error:` line is reported, nothing else is."""

from __future__ import annotations

import pytest

from flake8_asynctest.catalogue import RULES
from flake8_asynctest.checker import check_source
from flake8_asynctest.config.selection import enabled_codes
from flake8_asynctest.settings import Settings

from .annotations import FIXTURES, expected, fixture_files

# fixtures/site stands in for an installed package: it is on the search path, as site-packages is
SEARCH_PATH = (str(FIXTURES / "site"),)
DEFAULT = Settings(enabled=enabled_codes(), search_path=SEARCH_PATH)
EVERYTHING = Settings(enabled=frozenset(RULES), search_path=SEARCH_PATH)


def _found(path, settings):
    result = check_source(path.read_bytes(), str(path), settings)
    return {(f.line, f.code) for f in result.findings}


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_default_selection_reports_exactly_the_enabled_annotations(path):
    want = {(line, code) for line, code in expected(path) if code in DEFAULT.enabled}
    assert sorted(_found(path, DEFAULT)) == sorted(want)


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_rule_enabled_reports_exactly_the_annotations(path):
    assert sorted(_found(path, EVERYTHING)) == sorted(expected(path))


def test_every_rule_has_a_fixture_with_findings():
    annotated = {code for path in fixture_files() for _, code in expected(path)}
    named = {path.stem.split("_")[0].split(".")[0].upper() for path in fixture_files()}
    missing = [code for code in RULES if code not in annotated or code not in named]
    assert not missing, f"rules without a fixtures/<code>.py that reports them: {missing}"


def test_fixtures_name_only_known_codes():
    unknown = {(path.name, code) for path in fixture_files() for _, code in expected(path) if code not in RULES}
    assert not unknown
