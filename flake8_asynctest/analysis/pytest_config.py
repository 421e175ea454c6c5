"""What pytest and its async plugins will do with a file: its ini/toml config and the conftest chain.

Read-only, text-level, cached per directory for the whole run. Nothing here is imported or executed.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import NamedTuple

# pytest's search order within one directory: the first file that configures pytest wins.
_CANDIDATES = ("pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")
_ASYNCIO_MODE_OPT = re.compile(r"--asyncio-mode[= ](\w+)")
_TIMEOUT_OPT = re.compile(r"--timeout[= ](\S+)")
# pytest plugins that run async tests and fixtures without pytest-asyncio's markers: aiohttp's (its
# own suite has hundreds of unmarked async tests) and pytest-sanic (its async fixtures).
_ASYNC_PLUGINS = ("aiohttp.pytest_plugin", "pytest-sanic", "pytest_sanic")
_ASYNC_PLUGIN_DISTRIBUTIONS = ("pytest-sanic",)
_DEFINES_ANYIO_BACKEND = re.compile(r"\bdef\s+anyio_backend\b")
# Where a project declares its test dependencies.
_PACKAGING_FILES = ("pyproject.toml", "setup.py", "setup.cfg", "tox.ini", "requirements-dev.txt",
                    "requirements-test.txt", "test-requirements.txt", "dev-requirements.txt")


class PytestConfig(NamedTuple):
    path: str | None = None
    asyncio_mode: str | None = None
    uses_pytest_asyncio: bool = False  # asyncio_* keys, or the plugin named in addopts/required_plugins
    trio_mode: bool = False
    async_plugin: bool = False
    test_timeout: float | None = None  # pytest-timeout's limit per test, in seconds (None: no limit)
    looptime: bool | None = None  # looptime's fake clock for every test (``--looptime``), or off for all (False)

    @property
    def rootdir(self) -> str | None:
        return os.path.dirname(self.path) if self.path else None


class SuiteFacts(NamedTuple):
    """What the conftest.py files above a test file tell us (text-level evidence only)."""

    pytest_asyncio: bool = False
    async_plugin: bool = False
    trio: bool = False
    adds_markers: bool = False
    anyio_backend: bool = False  # defines anyio's ``anyio_backend`` fixture: anyio runs the suite's async tests


def config_for(path: str) -> PytestConfig:
    """The pytest configuration that applies to the file at ``path``."""
    return _config_in(os.path.dirname(os.path.abspath(path)))


@lru_cache(maxsize=None)
def _config_in(directory: str) -> PytestConfig:
    for name in _CANDIDATES:
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate):
            options = _read_options(candidate)
            if options is not None:
                return _interpret(candidate, options)
    parent = os.path.dirname(directory)
    if parent == directory:
        return PytestConfig()
    return _config_in(parent)


def _read_options(path: str) -> dict[str, str] | None:
    """The pytest options in ``path`` as strings, or None when the file does not configure pytest."""
    import configparser  # only suites with pytest tests get here: keep it off the start-up path

    name = os.path.basename(path)
    try:
        if name == "pyproject.toml":
            return _read_toml(path)
        parser = configparser.RawConfigParser(strict=False, interpolation=None)
        parser.read(path, encoding="utf-8")
    except (OSError, UnicodeDecodeError, configparser.Error, ValueError):
        return None
    section = {"setup.cfg": "tool:pytest"}.get(name, "pytest")
    if name in ("pytest.ini", ".pytest.ini"):
        return dict(parser.items(section)) if parser.has_section(section) else {}
    return dict(parser.items(section)) if parser.has_section(section) else None


def _read_toml(path: str) -> dict[str, str] | None:
    from ..tomlfile import toml_module

    tomllib = toml_module()
    try:
        with open(path, "rb") as handle:
            tool = tomllib.load(handle).get("tool")
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    # valid TOML can still put anything under these keys: only tables configure pytest
    table = tool.get("pytest") if isinstance(tool, dict) else None
    options = table.get("ini_options", table) if isinstance(table, dict) else None
    if not isinstance(options, dict):
        return None
    return {str(k): " ".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in options.items()}


def _interpret(path: str, options: dict[str, str]) -> PytestConfig:
    addopts = " ".join(options.get(key, "") for key in ("addopts", "required_plugins", "plugins"))
    mode = options.get("asyncio_mode")
    match = _ASYNCIO_MODE_OPT.search(addopts)
    if match:
        mode = match.group(1)
    uses = any(key.startswith("asyncio_") for key in options) or "pytest_asyncio" in addopts
    uses = uses or "pytest-asyncio" in addopts or "asyncio-mode" in addopts
    trio_mode = options.get("trio_mode", "").strip().lower() in ("true", "1", "yes")
    return PytestConfig(
        path=path,
        asyncio_mode=mode.strip().strip("\"'").lower() if mode else None,
        uses_pytest_asyncio=uses,
        trio_mode=trio_mode,
        async_plugin=any(name in addopts for name in _ASYNC_PLUGINS),
        test_timeout=_test_timeout(options.get("timeout"), _TIMEOUT_OPT.search(options.get("addopts", ""))),
        looptime=_looptime(options.get("addopts", "").split()),
    )


def _looptime(addopts: list[str]) -> bool | None:
    """looptime's switch in addopts: ``--looptime`` runs every test on its fake clock, ``--no-looptime``
    none (the last one wins, as on the command line). ``-p looptime`` only loads the plugin: then
    only the tests marked ``looptime`` run on it."""
    switches = [option for option in addopts if option in ("--looptime", "--no-looptime")]
    return switches[-1] == "--looptime" if switches else None


def _test_timeout(ini: str | None, option: re.Match[str] | None) -> float | None:
    """pytest-timeout's ``timeout`` ini key, overridden by ``--timeout`` in addopts; 0 turns it off."""
    text = option.group(1) if option else ini
    try:
        seconds = float(text.split("#")[0].strip().strip("\"'")) if text else 0.0
    except ValueError:
        return None
    return seconds if seconds > 0 else None


def suite_facts(path: str) -> SuiteFacts:
    """Evidence from every conftest.py (and packaging file) between the file and its rootdir."""
    directory = os.path.dirname(os.path.abspath(path))
    stop = config_for(path).rootdir
    found = SuiteFacts(async_plugin=_async_plugin_installed())
    for _ in range(64):
        found = _merge(found, _merge(_conftest_facts(directory), _packaging_facts(directory)))
        parent = os.path.dirname(directory)
        if directory == stop or parent == directory or os.path.isdir(os.path.join(directory, ".git")):
            break
        directory = parent
    return found


@lru_cache(maxsize=None)
def _packaging_facts(directory: str) -> SuiteFacts:
    """A plugin named in the project's packaging files (its test dependencies)."""
    for name in _PACKAGING_FILES:
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    text = handle.read()
                if any(plugin in text for plugin in _ASYNC_PLUGINS):
                    return SuiteFacts(async_plugin=True)
            except OSError:
                continue
    return SuiteFacts()


@lru_cache(maxsize=1)
def _async_plugin_installed() -> bool:
    """Such a plugin installed where we run (metadata only: nothing is imported)."""
    from importlib import metadata

    for name in _ASYNC_PLUGIN_DISTRIBUTIONS:
        try:
            metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        return True
    return False


def text_facts(text: str) -> SuiteFacts:
    """Evidence in one source text (a conftest, or the test file itself)."""
    return SuiteFacts(
        pytest_asyncio="pytest_asyncio" in text or "mark.asyncio" in text,
        async_plugin=any(name in text for name in _ASYNC_PLUGINS),
        trio="trio_mode" in text or "pytest_trio" in text or "mark.trio" in text,
        adds_markers="add_marker" in text,
        # the substring test first: the pattern's scan of a whole file costs a third of a check
        anyio_backend="anyio_backend" in text and _DEFINES_ANYIO_BACKEND.search(text) is not None,
    )


@lru_cache(maxsize=None)
def _conftest_facts(directory: str) -> SuiteFacts:
    path = os.path.join(directory, "conftest.py")
    if not os.path.isfile(path):  # not a FIFO or a device: opening one would block the run
        return SuiteFacts()
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return text_facts(handle.read())
    except OSError:
        return SuiteFacts()


def _merge(a: SuiteFacts, b: SuiteFacts) -> SuiteFacts:
    return SuiteFacts(*(x or y for x, y in zip(a, b)))
