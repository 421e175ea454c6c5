"""The value checks: a raw value (TOML, a flag's text, or flake8's option) to what a run uses.

The same checks serve pyproject.toml, the command line and the flake8 plugin, so a value means the
same everywhere. Each raises ValueError with a message that says what was expected.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping

from ..settings import RESOLVE, SCOPES

CODE = re.compile(r"^[A-Z]{1,3}[0-9]{0,3}$")  # flake8's own rule for a code or prefix
CODE_LIKE = re.compile(r"^[A-Z][A-Z0-9_-]*$")  # a misspelt code, or a rule's name
DOTTED_NAME = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$")


def codes(value: object, base_dir: str = "") -> tuple[str, ...]:
    """A list of codes or prefixes (``ATC1``), or flake8's comma-separated string of them."""
    items = _strings(value, "a list of codes such as [\"ATC1\", \"ATC203\"]")
    return tuple(_code(item) for item in items)


def _code(text: str) -> str:
    """A code or prefix of the catalogue's, upper-cased; anything else is a mistake that names it."""
    from .selection import unknown_code

    code = text.strip().upper()
    if not CODE.match(code):
        problem = unknown_code(text) if CODE_LIKE.match(code) else None
        raise ValueError(problem or f"{text!r} is not a code or prefix such as ATC1 or ATC203")
    problem = unknown_code(text)
    if problem:
        raise ValueError(problem)
    return code


def dotted_names(value: object, base_dir: str = "") -> tuple[str, ...]:
    """Qualified names as the code imports them: ``mypkg.testing.AsyncTestCase``."""
    names = _strings(value, "a list of qualified names such as [\"mypkg.testing.AsyncTestCase\"]")
    for name in names:
        if not DOTTED_NAME.match(name):
            raise ValueError(f"{name!r} is not a qualified name such as mypkg.testing.AsyncTestCase")
    return tuple(names)


def globs(value: object, base_dir: str = "") -> tuple[str, ...]:
    """File globs (see ``patterns``); a path glob is relative to ``base_dir``."""
    from ..patterns import normalize_all

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


def python(value: object, base_dir: str = "") -> str:
    """A Python interpreter (a path, or a command on PATH) or a virtualenv directory: its interpreter."""
    from .environment import interpreter_of, is_virtualenv

    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected the path of a Python interpreter or a virtualenv, got {value!r}")
    path = os.path.join(base_dir, os.path.expanduser(value.strip()))
    if not os.path.exists(path) and os.sep not in value and "/" not in value:
        import shutil

        path = shutil.which(value.strip()) or path
    if os.path.isdir(path):
        if not is_virtualenv(path):
            raise ValueError(f"{value!r} is a directory but not a virtualenv (no pyvenv.cfg and {interpreter_of('')})")
        path = interpreter_of(path)
    if not os.path.isfile(path):
        raise ValueError(f"{value!r}: no such interpreter")
    if not os.access(path, os.X_OK):
        raise ValueError(f"{value!r} is not executable")
    return os.path.abspath(path)


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
    from ..patterns import normalize

    if isinstance(value, str):
        entries = [(glob, tuple(map(_code, found))) for glob, found in per_file_entries(value)]
    elif isinstance(value, Mapping):
        entries = [(str(pattern), codes(value[pattern])) for pattern in value]
    else:
        raise ValueError(f"expected a table such as {{\"tests/legacy/*\" = [\"ATC103\"]}}, got {value!r}")
    return tuple((normalize(pattern, base_dir), found) for pattern, found in entries)


def per_file_entries(text: str, code: re.Pattern[str] = CODE) -> list[tuple[str, tuple[str, ...]]]:
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
        while position < len(tokens) and code.match(tokens[position]):
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
