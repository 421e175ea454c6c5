"""From configured values to what each file is checked with."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..settings import DEFAULT_MAX_SLEEP, Settings

if TYPE_CHECKING:
    from ..analysis.known import Knowledge

KNOWLEDGE_OPTIONS = ("coroutine_functions", "runner_bases", "runner_decorators")


def knowledge(values: Mapping[str, Any]) -> Knowledge:
    """The well-known APIs plus the configured in-house ones."""
    from ..analysis.known import DEFAULT_KNOWLEDGE, Knowledge

    extras = {name: tuple(values.get(name) or ()) for name in KNOWLEDGE_OPTIONS}
    return Knowledge(**extras) if any(extras.values()) else DEFAULT_KNOWLEDGE


class Plan:
    """What the configuration asks of each file: its Settings, with per-file ignores applied.

    Built once in the main process and sent to each worker of a pool, so it holds plain data only.
    """

    def __init__(self, values: Mapping[str, Any], search_path: tuple[str, ...] | None = None) -> None:
        from .selection import PerFileSelection

        self.selection = PerFileSelection(
            values.get("select"),
            values.get("ignore", ()),
            values.get("extend_select", ()),
            values.get("extend_ignore", ()),
            values.get("per_file_ignores", ()),
        )
        self.knowledge = knowledge(values)
        self.max_sleep = values.get("max_sleep", DEFAULT_MAX_SLEEP)
        self.scope = values.get("scope", "tests")
        self.resolve = values.get("resolve", "imports")
        self.test_patterns = tuple(values.get("test_patterns", ()))
        self.search_path = search_path  # the project environment's (see ``environment``); None: ours
        self.disable_noqa = bool(values.get("disable_noqa", False))
        self._settings: dict[frozenset[str], Settings] = {}

    def settings_for(self, filename: str) -> Settings:
        enabled = self.selection.enabled_for(filename)
        settings = self._settings.get(enabled)
        if settings is None:
            settings = self._settings[enabled] = Settings(
                enabled=enabled,
                max_sleep=self.max_sleep,
                scope=self.scope,
                resolve=self.resolve,
                knowledge=self.knowledge,
                test_patterns=self.test_patterns,
                search_path=self.search_path,
                disable_noqa=self.disable_noqa,
            )
        return settings
