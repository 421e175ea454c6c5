"""Which checks run: defaults, and asynctest's ``fail_on``/``strict``/``lenient`` decorators.

The decorators only record choices on the class or function; :func:`resolve_checks`
combines them when a test runs: defaults, then the class (subclasses inherit and
extend it), then the method, which wins.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

#: Every check and whether it is on by default.
DEFAULT_CHECKS: Mapping[str, bool] = {
    "pending_tasks": True,
    "active_handles": True,
    "active_selector_callbacks": True,
    "unawaited_coroutines": True,
    "lost_exceptions": True,
    "unclosed_resources": True,
    "slow_callbacks": False,
    "unused_loop": False,
}

#: asynctest's name for a check that has a different name here.
ALIASES: Mapping[str, str] = {"unhandled_exceptions": "lost_exceptions"}

_ATTR = "__asynctest_fail_on__"

T = TypeVar("T")


def validate_checks(checks: Mapping[str, Any], where: str = "fail_on()") -> dict[str, bool]:
    """Map aliases to check names; reject unknown names and non-boolean values."""
    valid: dict[str, bool] = {}
    for name, value in checks.items():
        name = ALIASES.get(name, name)
        if name not in DEFAULT_CHECKS:
            known = ", ".join(DEFAULT_CHECKS)
            raise TypeError(f"{where} got an unknown check {name!r}; known checks: {known}")
        if not isinstance(value, bool):
            raise TypeError(f"{where}: {name} must be True or False, not {value!r}")
        valid[name] = value
    return valid


def _record(target: T, checks: Mapping[str, bool]) -> T:
    # getattr (not __dict__) so that a class decorator extends what its bases chose.
    merged = {**getattr(target, _ATTR, {}), **checks}
    setattr(target, _ATTR, merged)
    return target


def fail_on(**checks: bool) -> Callable[[T], T]:
    """Turn checks on or off for a test class or method: ``@fail_on(active_handles=False)``."""
    valid = validate_checks(checks)
    return lambda target: _record(target, valid)


def strict(target: T | None = None) -> Any:
    """Turn every check on; usable as ``@strict`` or ``@strict()``."""
    decorate = fail_on(**dict.fromkeys(DEFAULT_CHECKS, True))
    return decorate if target is None else decorate(target)


def lenient(target: T | None = None) -> Any:
    """Turn every check off; usable as ``@lenient`` or ``@lenient()``."""
    decorate = fail_on(**dict.fromkeys(DEFAULT_CHECKS, False))
    return decorate if target is None else decorate(target)


def chosen_checks(obj: object) -> Mapping[str, bool]:
    """What the decorators recorded on a class, function or bound method (possibly nothing)."""
    return getattr(obj, _ATTR, {})


def resolve_checks(cls: type, method: object) -> dict[str, bool]:
    """The checks in force for one test: defaults < class (and bases) < method."""
    return {**DEFAULT_CHECKS, **chosen_checks(cls), **chosen_checks(method)}
