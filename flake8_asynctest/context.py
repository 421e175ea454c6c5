"""What a rule family gets to look at, and how it reports."""

from __future__ import annotations

import ast
from .analysis.model import Module
from .analysis.reachability import unreachable
from .analysis.resolve import Resolver
from .analysis.testcode import TestCode
from .fix import Fix
from .rule import Rule
from .settings import Settings


class Finding:
    """One reported problem. Findings compare and sort by position, code and message."""

    __slots__ = ("line", "col", "code", "message", "node", "fix")

    def __init__(
        self, line: int, col: int, code: str, message: str, node: ast.AST | None = None, fix: Fix | None = None
    ) -> None:
        self.line = line
        self.col = col  # 0-based, as in ast and flake8's plugin API
        self.code = code
        self.message = message  # starts with the code
        self.node = node
        self.fix = fix  # how --fix repairs it, if it can

    @property
    def key(self) -> tuple[int, int, str, str]:
        return (self.line, self.col, self.code, self.message)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Finding) and other.key == self.key

    def __lt__(self, other: Finding) -> bool:
        return self.key < other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return f"Finding{self.key!r}"


class Context:
    """One file under check: its model, the resolver, test facts, the settings, the findings."""

    def __init__(self, module: Module, resolver: Resolver, tests: TestCode, settings: Settings, source: str) -> None:
        self.module = module
        self.source = source
        self.resolver = resolver
        self.tests = tests
        self.settings = settings
        self.findings: list[Finding] = []
        self.cache: dict[str, object] = {}  # per-file results that several rules share

    def enabled(self, rule: Rule) -> bool:
        return rule.code in self.settings.enabled

    def report(self, rule: Rule, node: ast.AST, fix: Fix | None = None, **fields: object) -> None:
        if rule.code in self.settings.enabled and not unreachable(node, self.resolver):
            line = getattr(node, "lineno", 1)
            col = getattr(node, "col_offset", 0)
            if fix is not None and rule.unsafe_fix:
                fix.unsafe = True
            self.findings.append(Finding(line, col, rule.code, rule.format(**fields), node, fix))
