"""What a rule family gets to look at, and how it reports."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from .analysis.model import Module
from .analysis.resolve import Resolver
from .analysis.testcode import TestCode
from .rule import Rule
from .settings import Settings


@dataclass(frozen=True, order=True)
class Finding:
    line: int
    col: int  # 0-based, as in ast and flake8's plugin API
    code: str
    message: str  # starts with the code
    node: ast.AST | None = field(default=None, compare=False, hash=False)


class Context:
    """One file under check: its model, the resolver, test facts, the settings, the findings."""

    def __init__(self, module: Module, resolver: Resolver, tests: TestCode, settings: Settings, source: str) -> None:
        self.module = module
        self.source = source
        self.resolver = resolver
        self.tests = tests
        self.settings = settings
        self.findings: list[Finding] = []

    def enabled(self, rule: Rule) -> bool:
        return rule.code in self.settings.enabled

    def report(self, rule: Rule, node: ast.AST, **fields: object) -> None:
        if rule.code in self.settings.enabled:
            line = getattr(node, "lineno", 1)
            col = getattr(node, "col_offset", 0)
            self.findings.append(Finding(line, col, rule.code, rule.format(**fields), node))
