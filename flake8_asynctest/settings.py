"""Options shared by the flake8 plugin and the standalone checker."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_MAX_SLEEP = 0.1
SCOPES = ("tests", "all")


@dataclass(frozen=True)
class Settings:
    """What a run checks: the enabled codes and the rules' options."""

    enabled: frozenset[str] = field(default_factory=frozenset)
    max_sleep: float = DEFAULT_MAX_SLEEP
    scope: str = "tests"  # "tests": only test code; "all": every file
