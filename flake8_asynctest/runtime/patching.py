"""Shadow an object's method with an instance attribute, and take it back."""

from __future__ import annotations

from collections.abc import Callable

_ABSENT = object()


def shadow(obj: object, name: str, value: object) -> Callable[[], None]:
    """Set ``obj.name = value``; the returned function restores what was there before."""
    before = vars(obj).get(name, _ABSENT)
    setattr(obj, name, value)

    def restore() -> None:
        if before is _ABSENT:
            vars(obj).pop(name, None)
        else:
            setattr(obj, name, before)

    return restore
