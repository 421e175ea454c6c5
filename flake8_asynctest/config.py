"""The standalone checker's configuration: ``[tool.flake8-asynctest]`` in pyproject.toml, then flags.

Every key is checked when read, and a mistake stops the run with a message naming the file and the
key: a misspelt option silently ignored is a check silently not done. The same value checks serve
the command line and the flake8 plugin (see ``plugin``), so a value means the same everywhere.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .settings import DEFAULT_MAX_SLEEP, RESOLVE, SCOPES, Settings

if TYPE_CHECKING:
    from .analysis.known import Knowledge

TABLE = "tool.flake8-asynctest"
CODE = re.compile(r"^[A-Z]{1,3}[0-9]{0,3}$")  # flake8's own rule for a code or prefix
DOTTED_NAME = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$")


class ConfigError(Exception):
    """A configuration the user must fix; the message says where and what."""


# -- value checks: raw value (TOML, or a flag's text) and the directory relative paths start from ---------


def codes(value: object, base_dir: str = "") -> tuple[str, ...]:
    """A list of codes or prefixes (``ATC1``), or flake8's comma-separated string of them."""
    items = _strings(value, "a list of codes such as [\"ATC1\", \"ATC203\"]")
    found = tuple(item.upper() for item in items)
    for code in found:
        if not CODE.match(code):
            raise ValueError(f"{code!r} is not a code or prefix such as ATC1 or ATC203")
    return found


def dotted_names(value: object, base_dir: str = "") -> tuple[str, ...]:
    """Qualified names as the code imports them: ``mypkg.testing.AsyncTestCase``."""
    names = _strings(value, "a list of qualified names such as [\"mypkg.testing.AsyncTestCase\"]")
    for name in names:
        if not DOTTED_NAME.match(name):
            raise ValueError(f"{name!r} is not a qualified name such as mypkg.testing.AsyncTestCase")
    return tuple(names)


def globs(value: object, base_dir: str = "") -> tuple[str, ...]:
    """File globs (see ``patterns``); a path glob is relative to ``base_dir``."""
    from .patterns import normalize_all

    return normalize_all(_strings(value, "a list of file globs such as [\"*_spec.py\"]"), base_dir)


def max_sleep(value: object, base_dir: str = "") -> float:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a number of seconds") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise ValueError(f"expected a number of seconds, got {value!r}")
    if value < 0:
        raise ValueError(f"must be >= 0, got {value!r}")
    return float(value)


def _one_of(choices: tuple[str, ...]) -> Callable[[object, str], str]:
    def check(value: object, base_dir: str = "") -> str:
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(map(repr, choices))}, got {value!r}")
        return str(value)

    return check


scope = _one_of(SCOPES)
resolve = _one_of(RESOLVE)


def per_file_ignores(value: object, base_dir: str = "") -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A table of glob -> codes, or flake8's text form ``glob,glob:CODE,CODE glob:CODE``."""
    from .patterns import normalize

    if isinstance(value, str):
        entries = _parse_per_file_text(value)
    elif isinstance(value, Mapping):
        entries = [(str(pattern), codes(value[pattern])) for pattern in value]
    else:
        raise ValueError(f"expected a table such as {{\"tests/legacy/*\" = [\"ATC103\"]}}, got {value!r}")
    return tuple((normalize(pattern, base_dir), found) for pattern, found in entries)


def _parse_per_file_text(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """flake8's grammar: globs, a colon, codes; commas and whitespace separate, so a multi-line
    ``tests/*: ATC103, ATC104`` in an ini file reads the same as ``tests/*:ATC103,ATC104``."""
    tokens = re.findall(r"[^\s,:]+|:", text)
    entries: list[tuple[str, tuple[str, ...]]] = []
    position = 0
    while position < len(tokens):
        start = position
        while position < len(tokens) and tokens[position] != ":":
            position += 1
        found_globs = tokens[start:position]
        position += 1  # the colon
        first_code = position
        while position < len(tokens) and CODE.match(tokens[position]):
            position += 1
        found_codes = tuple(tokens[first_code:position])
        if not found_globs or not found_codes:
            raise ValueError(f"expected GLOB:CODES pairs such as 'tests/legacy/*:ATC103,ATC104', got {text!r}")
        entries.extend((glob, found_codes) for glob in found_globs)
    return entries


def _strings(value: object, expected: str) -> list[str]:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return [item.strip() for item in value if item.strip()]
    raise ValueError(f"expected {expected}, got {value!r}")


# -- the table ---------------------------------------------------------------------------------------------

KEYS: dict[str, Callable[[object, str], Any]] = {
    "select": codes,
    "ignore": codes,
    "extend-select": codes,
    "extend-ignore": codes,
    "per-file-ignores": per_file_ignores,
    "max-sleep": max_sleep,
    "scope": scope,
    "resolve": resolve,
    "test-patterns": globs,
    "runner-bases": dotted_names,
    "runner-decorators": dotted_names,
    "coroutine-functions": dotted_names,
}


KNOWLEDGE_OPTIONS = ("coroutine_functions", "runner_bases", "runner_decorators")


def option_name(key: str) -> str:
    return key.replace("-", "_")


def read_table(table: Mapping[str, object], source: str, base_dir: str) -> dict[str, Any]:
    """The table's values, checked, keyed by option name (``max_sleep``)."""
    values = {}
    for key, raw in table.items():
        check = KEYS.get(key)
        if check is None:
            raise ConfigError(f"{source}: unknown key {key!r} in [{TABLE}]{did_you_mean(key)}")
        try:
            values[option_name(key)] = check(raw, base_dir)
        except ValueError as error:
            raise ConfigError(f"{source}: [{TABLE}] {key}: {error}") from None
    return values


def did_you_mean(key: str, known: Sequence[str] = tuple(KEYS)) -> str:
    import difflib

    close = difflib.get_close_matches(key.replace("_", "-").lower(), known, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; known keys: {', '.join(known)}"


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
    if b"flake8-asynctest" not in data:  # most pyproject.toml files: no TOML parser to import
        return None
    toml = toml_module()
    try:
        document = toml.loads(data.decode("utf-8"))
    except (toml.TOMLDecodeError, UnicodeDecodeError, RecursionError) as error:  # RecursionError: nested too deep
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    tool = document.get("tool")
    table = tool.get("flake8-asynctest") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: [{TABLE}] must be a table, got {table!r}")
    return table


def toml_module() -> Any:
    """tomllib, or its backport tomli on Python 3.10 (a dependency there)."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    return tomllib


def knowledge(values: Mapping[str, Any]) -> Knowledge:
    """The well-known APIs plus the configured in-house ones."""
    from .analysis.known import DEFAULT_KNOWLEDGE, Knowledge

    extras = {name: tuple(values.get(name) or ()) for name in KNOWLEDGE_OPTIONS}
    return Knowledge(**extras) if any(extras.values()) else DEFAULT_KNOWLEDGE


# -- from values to what each file is checked with ---------------------------------------------------------


class Plan:
    """What the configuration asks of each file: its Settings, with per-file ignores applied.

    Built once in the main process and sent to each worker of a pool, so it holds plain data only.
    """

    def __init__(self, values: Mapping[str, Any]) -> None:
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
            )
        return settings
