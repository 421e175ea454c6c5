"""The rule catalogue: every code the tool can report, collected from the rule families.

README's rule table, ``--list-rules``, ``--explain`` and the tests' completeness checks read it.
"""

from __future__ import annotations

from typing import Any

from .rule import Rule
from .rules import FAMILIES

RULES: dict[str, Rule] = {rule.code: rule for family in FAMILIES for rule in family.rules}
RULES = dict(sorted(RULES.items()))


def rule_table() -> str:
    """The Markdown table of all rules, as the README shows it."""
    lines = ["| Code | Name | Default | Autofix | What it finds |", "|---|---|---|---|---|"]
    for rule in RULES.values():
        default = "on" if rule.default else "opt-in"
        fix = rule.fix_text if rule.fix else ""
        lines.append(f"| {rule.code} | {rule.name} | {default} | {fix} | {rule.summary} |")
    return "\n".join(lines)


def list_rules() -> str:
    width = max(len(rule.name) for rule in RULES.values())
    return "\n".join(
        f"{rule.code}  {rule.name:<{width}}  {'on ' if rule.default else 'off'}  {'fix' if rule.fix else '   '}  "
        f"{rule.summary}"
        for rule in RULES.values()
    )


def find_rule(name: str) -> Rule | None:
    """A rule by its code (``ATC103``) or its name (``async-test-never-run``), in any case."""
    wanted = name.strip().upper()
    return RULES.get(wanted) or next((rule for rule in RULES.values() if rule.name.upper() == wanted), None)


def rule_record(rule: Rule) -> dict[str, Any]:
    """A rule as ``--list-rules --format json`` shows it."""
    return {
        "code": rule.code,
        "name": rule.name,
        "summary": rule.summary,
        "default": rule.default,
        "fix": rule.fix,
        "unsafe_fix": rule.unsafe_fix,
        "peers": list(rule.peers),
        "url": rule.url,
    }
