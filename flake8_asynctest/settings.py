"""Options shared by the flake8 plugin and the standalone checker."""

from __future__ import annotations

from .analysis.known import DEFAULT_KNOWLEDGE, Knowledge

DEFAULT_MAX_SLEEP = 0.1
SCOPES = ("tests", "all")
RESOLVE = ("imports", "file")  # follow imports into other modules, or stay within the file


class Settings:
    """What a run checks: the enabled codes and the rules' options."""

    __slots__ = (
        "enabled",
        "max_sleep",
        "scope",
        "knowledge",
        "resolve",
        "search_path",
        "test_patterns",
        "disable_noqa",
    )

    def __init__(
        self,
        enabled: frozenset[str] = frozenset(),
        max_sleep: float = DEFAULT_MAX_SLEEP,
        scope: str = "tests",
        knowledge: Knowledge = DEFAULT_KNOWLEDGE,
        resolve: str = "imports",
        search_path: tuple[str, ...] | None = None,
        test_patterns: tuple[str, ...] = (),
        disable_noqa: bool = False,
    ) -> None:
        self.enabled = enabled
        self.max_sleep = max_sleep
        self.scope = scope  # "tests": only test code; "all": every file
        self.knowledge = knowledge  # the well-known APIs plus the configured extras
        self.resolve = resolve
        # where installed packages are looked up (None: the interpreter's sys.path, stdlib excluded)
        self.search_path = search_path
        self.test_patterns = test_patterns  # globs (see ``patterns``) of more files that are test code
        self.disable_noqa = disable_noqa  # report what ``# noqa`` comments (and a file-level one) would silence

    def scope_for(self, filename: str) -> str:
        """``all`` for a file the configured test patterns name: it is test code whatever it holds."""
        if self.scope == "tests" and self.test_patterns:
            from .patterns import matches

            if matches(filename, self.test_patterns):
                return "all"
        return self.scope
