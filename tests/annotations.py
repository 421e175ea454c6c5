"""Read what the fixtures promise: ``# error: ATC101`` on each line that must be reported."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
ERROR_COMMENT = re.compile(r"#\s*error:\s*(?P<codes>[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)")


def fixture_files(twins: bool = True) -> list[Path]:
    """Every fixture file; ``twins=False`` leaves out the ``.fixed.py`` twins (what --fix makes)."""
    return sorted(p for p in FIXTURES.rglob("*.py") if twins or not p.name.endswith(".fixed.py"))


def expected(path: Path) -> set[tuple[int, str]]:
    found = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = ERROR_COMMENT.search(line)
        if match:
            found.update((number, code.strip()) for code in match.group("codes").split(","))
    return found


def reannotate(text: str, reported: set[tuple[int, str]]) -> str:
    """``text`` with its ``# error:`` comments made to list exactly the codes ``reported`` on each
    line: a fixed file's lines are no longer reported, and a fix can reveal a finding (an asynctest
    cleanup that IsolatedAsyncioTestCase no longer awaits)."""
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        codes = sorted(code for number, code in reported if number == index + 1)
        ending = line[len(line.rstrip("\r\n")) :]
        content = line[: len(line) - len(ending)]
        match = ERROR_COMMENT.search(content)
        if match:
            content = content[: match.start()].rstrip() + content[match.end() :]
        if codes:
            content = f"{content}  # error: {', '.join(codes)}"
        lines[index] = content + ending
    return "".join(lines)
