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
    """``text`` with each ``# error:`` comment cut down to the codes still ``reported`` on its line:
    a fixed file's lines are no longer reported, so its twin must not claim they are."""
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        match = ERROR_COMMENT.search(line)
        if not match:
            continue
        number = index + 1
        codes = [c.strip() for c in match.group("codes").split(",") if (number, c.strip()) in reported]
        body, ending = line[: match.start()].rstrip(), line[len(line.rstrip("\r\n")) :]
        lines[index] = (
            (f"{body}  # error: {', '.join(codes)}" if codes else body)
            + line[match.end() : len(line) - len(ending)]
            + ending
        )
    return "".join(lines)
