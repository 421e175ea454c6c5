"""The flake8 adapter: flake8 parses, selects, applies ``# noqa`` and per-file ignores; ``checker`` finds.

The rule options come from flake8's configuration (``[flake8]`` in setup.cfg, tox.ini or .flake8)
under the names the standalone checker uses as flags, and get the same value checks.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from typing import Any

from . import __version__
from .settings import DEFAULT_MAX_SLEEP, RESOLVE, SCOPES, Settings

# option name -> help; all comma-separated lists
LIST_OPTIONS = {
    "asynctest-test-patterns": "globs of more files that are test code, e.g. *_spec.py,it/*",
    "asynctest-runner-bases": "qualified names of base classes that run their async tests themselves",
    "asynctest-runner-decorators": "qualified names of decorators that run the async function they wrap",
    "asynctest-coroutine-functions": "qualified names of functions that return a coroutine",
}
OPTIONS = ("asynctest-max-sleep", "asynctest-scope", "asynctest-resolve", "asynctest-python", *LIST_OPTIONS)


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
        manager.add_option(
            "--asynctest-python",
            default=None,
            parse_from_config=True,
            normalize_paths=True,
            metavar="PATH",
            help="flake8-asynctest: resolve imports against this interpreter's (or virtualenv's) packages "
            "(default: the active virtualenv, else .venv or venv at the project root, else flake8's)",
        )
        for option, help_text in LIST_OPTIONS.items():
            manager.add_option(
                f"--{option}",
                default=[],
                parse_from_config=True,
                comma_separated_list=True,
                normalize_paths=option == "asynctest-test-patterns",
                help=f"flake8-asynctest: {help_text}",
            )

    @classmethod
    def parse_options(cls, options: Any) -> None:
        from flake8.exceptions import ExecutionError

        from .config import ConfigError

        try:
            cls.settings = _settings(options)
        except ConfigError as error:
            raise ExecutionError(f"flake8-asynctest: {error}") from None

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        settings = self.settings
        if settings is None or not settings.enabled:
            return
        from .checker import check_tree

        for finding in check_tree(self.tree, self.filename, "".join(self.lines), settings):
            yield finding.line, finding.col, finding.message, type(self)


def _settings(options: Any) -> Settings:
    """Settings from flake8's options, each value checked as the standalone checker checks it."""
    from .config import ConfigError
    from .config import values as check_value
    from .config.environment import find_environment
    from .config.plan import knowledge
    from .config.pyproject import option_name

    _reject_unknown_options(options)
    found: dict[str, Any] = {}
    for option, check in (
        ("asynctest-max-sleep", check_value.max_sleep),
        ("asynctest-scope", check_value.scope),  # argparse skips its choices check for a config-file value
        ("asynctest-resolve", check_value.resolve),
        ("asynctest-test-patterns", check_value.globs),  # flake8 made path globs absolute from the config file
        ("asynctest-runner-bases", check_value.dotted_names),
        ("asynctest-runner-decorators", check_value.dotted_names),
        ("asynctest-coroutine-functions", check_value.dotted_names),
    ):
        name = option_name(option.removeprefix("asynctest-"))
        try:
            found[name] = check(getattr(options, option.replace("-", "_")), "")
        except ValueError as error:
            raise ConfigError(f"{option}: {error}") from None
    python = getattr(options, "asynctest_python", None)
    try:
        python = check_value.python(python, "") if python else None
    except ValueError as error:
        raise ConfigError(f"asynctest-python: {error}") from None
    search_path = find_environment(python, os.getcwd()).search_path if found["resolve"] == "imports" else None
    return Settings(
        enabled=_enabled_under_flake8(options),
        max_sleep=found["max_sleep"],
        scope=found["scope"],
        resolve=found["resolve"],
        knowledge=knowledge(found),
        test_patterns=found["test_patterns"],
        search_path=search_path,
        disable_noqa=bool(getattr(options, "disable_noqa", False)),  # a peer's noqa silences nothing either
    )


def _reject_unknown_options(options: Any) -> None:
    """flake8 ignores options it does not know: a misspelt ``asynctest-`` option would be silently lost."""
    from flake8.options.config import load_config

    from .config import ConfigError, did_you_mean

    if not hasattr(options, "isolated"):  # not configured from files (flake8's legacy API)
        return
    cfg, _ = load_config(options.config, list(options.append_config or ()), isolated=options.isolated)
    if not cfg.has_section("flake8"):
        return
    for key in cfg["flake8"]:
        if key.replace("_", "-").startswith("asynctest-") and key.replace("_", "-") not in OPTIONS:
            raise ConfigError(f"unknown option {key!r} in flake8's configuration{did_you_mean(key, OPTIONS)}")


def _enabled_under_flake8(options: Any) -> frozenset[str]:
    """Our codes that flake8 will show: its own decision, plus our opt-in rule policy."""
    from flake8.style_guide import Decision, DecisionEngine

    from .catalogue import RULES
    from .config.selection import opted_in

    engine = DecisionEngine(options)
    named = [*(getattr(options, "select", None) or []), *(getattr(options, "extend_select", None) or [])]
    return frozenset(
        code
        for code, rule in RULES.items()
        if engine.decision_for(code) is Decision.Selected and (rule.default or opted_in(code, named))
    )
