"""Options shared by the flake8 plugin and the standalone checker."""

from __future__ import annotations

from .analysis.known import DEFAULT_KNOWLEDGE, Knowledge

DEFAULT_MAX_SLEEP = 0.1
SCOPES = ("tests", "all")
RESOLVE = ("imports", "file")  # follow imports into other modules, or stay within the file


class Settings:
    """What a run checks: the enabled codes and the rules' options."""

    __slots__ = ("enabled", "max_sleep", "scope", "knowledge", "resolve", "search_path")

    def __init__(
        self,
        enabled: frozenset[str] = frozenset(),
        max_sleep: float = DEFAULT_MAX_SLEEP,
        scope: str = "tests",
        knowledge: Knowledge = DEFAULT_KNOWLEDGE,
        resolve: str = "imports",
        search_path: tuple[str, ...] | None = None,
    ) -> None:
        self.enabled = enabled
        self.max_sleep = max_sleep
        self.scope = scope  # "tests": only test code; "all": every file
        self.knowledge = knowledge  # the well-known APIs plus the configured extras
        self.resolve = resolve
        # where installed packages are looked up (None: the interpreter's sys.path, stdlib excluded)
        self.search_path = search_path
