"""Read what the fixtures promise: ``# error: ATC101`` on each line that must be reported."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
ERROR_COMMENT = re.compile(r"#\s*error:\s*(?P<codes>[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)")


def fixture_files() -> list[Path]:
    """Every fixture source file (``.fixed.py`` twins are fix expectations, not check inputs)."""
    return sorted(p for p in FIXTURES.rglob("*.py") if not p.name.endswith(".fixed.py"))


def expected(path: Path) -> set[tuple[int, str]]:
    found = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = ERROR_COMMENT.search(line)
        if match:
            found.update((number, code.strip()) for code in match.group("codes").split(","))
    return found
