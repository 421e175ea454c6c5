"""Keep README's generated sections in step with the catalogue: ``python -m flake8_asynctest.docs``."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from .catalogue import RULES, rule_table

_SECTION = re.compile(r"(<!-- (?P<name>[a-z-]+):start -->\n).*?(<!-- (?P=name):end -->)", re.DOTALL)


def rule_details() -> str:
    """Every rule's What / Why / Example / Use instead, as Markdown."""
    return "\n\n".join(rule.markdown() for rule in RULES.values())


GENERATORS = {"rules": rule_table, "rule-details": rule_details}


def render(readme: str) -> str:
    """README text with every generated section rewritten from the catalogue."""
    return _SECTION.sub(lambda m: f"{m.group(1)}{GENERATORS[m.group('name')]()}\n{m.group(3)}", readme)


def main() -> int:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    text = path.read_text(encoding="utf-8")
    updated = render(text)
    if updated != text:
        path.write_text(updated, encoding="utf-8")
        print(f"updated {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
