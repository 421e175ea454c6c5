"""Property-based fuzzing: generated programs never crash the checker, and ``--fix`` never breaks a file.

Programs come from Python's grammar (hypothesmith) and from our own grammar of risky async test patterns
(``risky_programs``). Example counts are kept small for CI; for a long run:
``ATC_FUZZ_EXAMPLES=5000 pytest tests/test_fuzz.py --hypothesis-show-statistics``.
"""

from __future__ import annotations

import ast
import os
import tempfile
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flake8_asynctest.catalogue import RULES
from flake8_asynctest.checker import check_source
from flake8_asynctest.settings import Settings

from .fix_runner import fix_in_process, fixable, requires_fix
from .risky_programs import risky_module

pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")  # the generated programs are odd on purpose
EXAMPLES = int(os.environ.get("ATC_FUZZ_EXAMPLES", "60"))
EVERYTHING = Settings(enabled=frozenset(RULES))
EVERY_FILE = Settings(enabled=frozenset(RULES), scope="all")
NOT_CHECKED = {"E999", "E902"}
TRIGGER = "\n# async\n"  # random programs rarely say "async": this lets the pre-filter pass them to the rules

fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
grammar_programs = hypothesmith.from_grammar().map(lambda source: (source + TRIGGER).encode("utf-8", "surrogatepass"))


def parses(data: bytes) -> bool:
    try:
        ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def assert_sound(data: bytes, settings: Settings) -> list:
    """Check ``data``: no exception, and either one diagnostic or findings that point into the file."""
    findings = check_source(data, "test_generated.py", settings).findings
    codes = [f.code for f in findings]
    if NOT_CHECKED & set(codes):
        assert len(codes) == 1, findings
        # E999 only when Python cannot parse it; E902 also where ast.parse is laxer than Python reading a
        # file (it accepts a comment in invalid UTF-8 that Python refuses to run)
        assert codes == ["E902"] or not parses(data), findings
        return findings
    assert parses(data), "a file that does not parse was reported as clean"
    lines = max(1, len(data.splitlines()))
    for finding in findings:
        assert finding.code in RULES, finding
        assert finding.message.startswith(finding.code + " ")
        assert 1 <= finding.line <= lines and finding.col >= 0, finding
    return findings


@fuzz
@given(grammar_programs)
def test_programs_from_the_python_grammar_never_crash_the_checker(data):
    assert_sound(data, EVERY_FILE)


@settings(fuzz, max_examples=max(1, EXAMPLES // 6))
@given(hypothesmith.from_node().map(lambda source: (source + TRIGGER).encode("utf-8", "surrogatepass")))
def test_programs_from_libcst_nodes_never_crash_the_checker(data):
    assert_sound(data, EVERY_FILE)


@fuzz
@given(risky_module())
def test_risky_async_test_modules_compile_and_never_crash_the_checker(data):
    compile(data, "test_generated.py", "exec", dont_inherit=True)
    assert_sound(data, EVERYTHING)


@fuzz
@given(risky_module(), st.data())
def test_a_damaged_module_gives_one_diagnostic_or_a_normal_result(data, choices):
    """Cut anywhere or spliced with any bytes (NULs, invalid UTF-8, stray quotes), a file still gets a result."""
    at = choices.draw(st.integers(0, len(data)))
    odd_bytes = st.sampled_from([b"\0", b"\xff", b"'''", b"(", b"\\", b"\r"])
    damage = choices.draw(st.one_of(st.just(b""), st.binary(min_size=1, max_size=8), odd_bytes))
    keep_tail = choices.draw(st.booleans())
    assert_sound(data[:at] + damage + (data[at:] if keep_tail else b""), EVERYTHING)


def fix_twice(data: bytes) -> tuple[bytes, bytes]:
    """``--fix`` the file, then ``--fix`` the result: both outputs."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "test_generated.py")
        path.write_bytes(data)
        fix_in_process(str(path))
        once = path.read_bytes()
        fix_in_process(str(path))
        return once, path.read_bytes()


def assert_fix_properties(data: bytes, settings: Settings) -> None:
    findings = check_source(data, "test_generated.py", settings).findings
    once, twice = fix_twice(data)
    assert twice == once, "a second --fix changed the file again"
    if not fixable(findings):
        assert once == data, "--fix changed a file with no fixable finding"
    compile(once, "test_generated.py", "exec", dont_inherit=True)


@requires_fix
@fuzz
@given(risky_module())
def test_fix_output_compiles_is_idempotent_and_touches_only_fixable_files(data):
    assert_fix_properties(data, EVERYTHING)


@requires_fix
@fuzz
@given(grammar_programs)
def test_fix_leaves_programs_from_the_python_grammar_compiling(data):
    assert_fix_properties(data, EVERYTHING)
