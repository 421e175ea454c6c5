"""``[tool.flake8-asynctest]`` in pyproject.toml: found, read, and every key checked.

A mistake stops the run with a message naming the file and the key: a misspelt option silently
ignored is a check silently not done.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from ..tomlfile import toml_module
from . import ConfigError, did_you_mean
from . import values as check

TABLE = "tool.flake8-asynctest"


KEYS: dict[str, Callable[[object, str], Any]] = {
    "select": check.codes,
    "ignore": check.codes,
    "extend-select": check.codes,
    "extend-ignore": check.codes,
    "per-file-ignores": check.per_file_ignores,
    "max-sleep": check.max_sleep,
    "scope": check.scope,
    "resolve": check.resolve,
    "test-patterns": check.globs,
    "runner-bases": check.dotted_names,
    "runner-decorators": check.dotted_names,
    "coroutine-functions": check.dotted_names,
    "python": check.python,
    "exclude": check.globs,
    "extend-exclude": check.globs,
}


def option_name(key: str) -> str:
    return key.replace("-", "_")


def read_table(table: Mapping[str, object], source: str, base_dir: str) -> dict[str, Any]:
    """The table's values, checked, keyed by option name (``max_sleep``)."""
    values = {}
    for key, raw in table.items():
        checker = KEYS.get(key)
        if checker is None:
            raise ConfigError(f"{source}: unknown key {key!r} in [{TABLE}]{did_you_mean(key, tuple(KEYS))}")
        try:
            values[option_name(key)] = checker(raw, base_dir)
        except ValueError as error:
            raise ConfigError(f"{source}: [{TABLE}] {key}: {error}") from None
    return values


def find_pyproject(start: str) -> str | None:
    """The nearest pyproject.toml, from ``start`` up, that has a ``[tool.flake8-asynctest]`` table."""
    directory = os.path.abspath(start)
    while True:
        candidate = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(candidate) and _table(candidate) is not None:
            return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def load(path: str | None = None, start: str = ".") -> dict[str, Any]:
    """The configured values: from ``path`` when given (its table must exist), else from the nearest
    pyproject.toml that has one, else none."""
    if path is None:
        path = find_pyproject(start)
        if path is None:
            return {}
    elif not os.path.isfile(path):
        raise ConfigError(f"{path}: no such configuration file")
    table = _table(path)
    if table is None:
        raise ConfigError(f"{path}: no [{TABLE}] table")
    return read_table(table, path, os.path.dirname(os.path.abspath(path)))


def _table(path: str) -> Mapping[str, object] | None:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise ConfigError(f"{path}: {error.strerror or error}") from None
    if b"asynctest" not in data.lower():  # most pyproject.toml files: no TOML parser to import
        return None
    toml = toml_module()
    try:
        document = toml.loads(data.decode("utf-8"))
    except (toml.TOMLDecodeError, UnicodeDecodeError, RecursionError) as error:  # RecursionError: nested too deep
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    tool = document.get("tool")
    table = tool.get("flake8-asynctest") if isinstance(tool, dict) else None
    if table is None and isinstance(tool, dict):
        for name in tool:
            if name != "flake8-asynctest" and name.replace("_", "-").lower() in ("flake8-asynctest", "flake8asynctest"):
                raise ConfigError(f"{path}: [tool.{name}] is not read; the table is [{TABLE}]")
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: [{TABLE}] must be a table, got {table!r}")
    return table
