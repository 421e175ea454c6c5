"""The flake8 adapter: flake8 parses, selects and applies ``# noqa``; ``checker`` finds."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

from . import __version__
from .settings import DEFAULT_MAX_SLEEP, RESOLVE, SCOPES, Settings


class Plugin:
    name = "flake8-asynctest"
    version = __version__
    settings: Settings | None = None  # set by parse_options; None until flake8 configured us

    def __init__(self, tree: ast.Module, filename: str, lines: list[str]) -> None:
        self.tree = tree
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, manager: Any) -> None:
        manager.add_option(
            "--asynctest-max-sleep",
            type=float,
            default=DEFAULT_MAX_SLEEP,
            parse_from_config=True,
            metavar="SECONDS",
            help="ATC401: report constant sleeps of at least this long (default: %(default)s)",
        )
        manager.add_option(
            "--asynctest-resolve",
            choices=RESOLVE,
            default="imports",
            parse_from_config=True,
            help="flake8-asynctest: follow imports into the project and installed packages (default), or not",
        )
        manager.add_option(
            "--asynctest-scope",
            choices=SCOPES,
            default="tests",
            parse_from_config=True,
            help="flake8-asynctest: check only test code (default) or every file",
        )

    @classmethod
    def parse_options(cls, options: Any) -> None:
        cls.settings = Settings(
            enabled=_enabled_under_flake8(options),
            max_sleep=options.asynctest_max_sleep,
            scope=options.asynctest_scope,
            resolve=options.asynctest_resolve,
        )

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        settings = self.settings
        if settings is None or not settings.enabled:
            return
        from .checker import check_tree

        for finding in check_tree(self.tree, self.filename, "".join(self.lines), settings):
            yield finding.line, finding.col, finding.message, type(self)


def _enabled_under_flake8(options: Any) -> frozenset[str]:
    """Our codes that flake8 will show: its own decision, plus our opt-in rule policy."""
    from flake8.style_guide import Decision, DecisionEngine

    from .catalogue import RULES
    from .selection import opted_in

    engine = DecisionEngine(options)
    named = [*(getattr(options, "select", None) or []), *(getattr(options, "extend_select", None) or [])]
    return frozenset(
        code
        for code, rule in RULES.items()
        if engine.decision_for(code) is Decision.Selected and (rule.default or opted_in(code, named))
    )
