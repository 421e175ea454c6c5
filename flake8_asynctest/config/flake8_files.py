"""flake8's configuration files, read by the standalone checker when pyproject.toml has no table of ours.

A project configured for flake8 only (``[flake8]`` in setup.cfg, tox.ini or .flake8) gets the same
findings from ``python -m flake8_asynctest`` as from ``flake8``: the same file is found (flake8's
search), and its ``select``/``ignore``/``per-file-ignores``, ``exclude`` and ``asynctest-*`` options
mean what they mean there. Codes of other plugins (``E501``, ``S101``) are flake8's business and
skipped; an ``ATC`` code that matches no rule is a typo and an error.
"""

from __future__ import annotations

import os
import re
from typing import Any

from . import ConfigError, did_you_mean
from . import values as check
from .pyproject import KEYS, option_name

CANDIDATES = ("setup.cfg", "tox.ini", ".flake8")  # flake8's order within a directory
SECTION = "flake8"
_CODE_LISTS = ("select", "ignore", "extend-select", "extend-ignore")
# A selection naming none of our codes (``select = E,F,W``) is about flake8's other checks: the
# standalone checker, run to check our rules, keeps its default rather than selecting nothing.
_SELECTIONS = ("select", "extend-select")
_PATH_LISTS = ("exclude", "extend-exclude")
ANY_CODE = re.compile(r"^[A-Z][A-Z0-9]*$")  # any plugin's code (ASYNC100, WPS432), as flake8 reads them


def find(start: str) -> str | None:
    """The file flake8 would read: from ``start`` up to the home directory, the first candidate with a
    ``[flake8]`` section."""
    import configparser

    directory = os.path.abspath(start)
    home = os.path.expanduser("~")
    while True:
        for name in CANDIDATES:
            path = os.path.join(directory, name)
            parser = configparser.RawConfigParser()
            try:
                parser.read(path, encoding="utf-8")
            except (configparser.Error, UnicodeDecodeError):
                continue  # flake8 would fail on it; a file of another tool is not ours to judge
            if parser.has_section(SECTION) or parser.has_section(f"{SECTION}:local-plugins"):
                return path
        parent = os.path.dirname(directory)
        if parent == directory or directory == home:
            return None
        directory = parent


def load(path: str) -> dict[str, Any]:
    """The ``[flake8]`` options that concern us, checked, keyed by option name."""
    import configparser

    parser = configparser.RawConfigParser()
    try:
        if not parser.read(path, encoding="utf-8"):
            raise ConfigError(f"{path}: no such configuration file")
    except (configparser.Error, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not a valid configuration file: {error}") from None
    if not parser.has_section(SECTION):
        raise ConfigError(f"{path}: no [{SECTION}] section")
    base_dir = os.path.dirname(os.path.abspath(path))
    values: dict[str, Any] = {}
    for raw_key, raw in parser.items(SECTION):
        key = raw_key.replace("_", "-")
        where = f"{path}: [{SECTION}] {raw_key}"
        try:
            if key in _CODE_LISTS:
                codes = _our_codes(raw)
                if codes or key not in _SELECTIONS:
                    values[option_name(key)] = codes
            elif key == "per-file-ignores":
                values["per_file_ignores"] = _our_per_file_ignores(raw, base_dir)
            elif key in _PATH_LISTS:
                values[option_name(key)] = check.globs(raw, base_dir)
            elif key.startswith("asynctest-"):
                name = key.removeprefix("asynctest-")
                ours = [k for k in KEYS if k not in (*_CODE_LISTS, *_PATH_LISTS, "per-file-ignores")]
                if name not in ours:
                    known = [f"asynctest-{k}" for k in ours]
                    raise ConfigError(f"{path}: unknown option {raw_key!r} in [{SECTION}]{did_you_mean(key, known)}")
                values[option_name(name)] = KEYS[name](raw.strip(), base_dir)
        except ValueError as error:
            raise ConfigError(f"{where}: {error}") from None
    return values


def _our_codes(text: str) -> tuple[str, ...]:
    """The codes and prefixes that concern our rules; another plugin's are skipped."""
    from .selection import unknown_code

    found = []
    for item in re.split(r"[,\s]+", text.strip()):
        if not item:
            continue
        if unknown_code(item) is None:
            found.append(item.upper())
        elif item.upper().startswith("ATC"):
            found.append(check.codes(item)[0])  # raises: ours, and a typo
    return tuple(found)


def _our_per_file_ignores(text: str, base_dir: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    from ..patterns import normalize

    entries = []
    for pattern, codes in check.per_file_entries(text, ANY_CODE):
        ours = _our_codes(",".join(codes))
        if ours:
            entries.append((normalize(pattern, base_dir), ours))
    return tuple(entries)
