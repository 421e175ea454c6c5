"""What an expression is known to evaluate to. Anything not provable is ``UNKNOWN``.

Plain classes with ``__slots__`` (not dataclasses): they are created by the thousand per file and
the checker's start-up time counts on every commit.
"""

from __future__ import annotations

from typing import Any

from .model import ClassInfo, FunctionInfo


class Value:
    """Values compare equal when they are of one type with equal fields (analysed definitions
    compare by identity)."""

    __slots__ = ()

    def _fields(self) -> tuple[Any, ...]:
        slots: tuple[str, ...] = self.__slots__  # type: ignore[assignment]
        return tuple(getattr(self, name) for name in slots)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._fields() == self._fields()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self._fields()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}{self._fields()!r}"


class Unknown(Value):
    __slots__ = ()


UNKNOWN = Unknown()


class Ext(Value):
    """A module, function, class or attribute outside this file, by canonical qualified name."""

    __slots__ = ("qualname",)

    def __init__(self, qualname: str) -> None:
        self.qualname = qualname


class Func(Value):
    """A function or method defined in analysed source."""

    __slots__ = ("info", "bound")

    def __init__(self, info: FunctionInfo, bound: bool = False) -> None:
        self.info = info
        self.bound = bound


class Cls(Value):
    """A class defined in analysed source."""

    __slots__ = ("info",)

    def __init__(self, info: ClassInfo) -> None:
        self.info = info


class Obj(Value):
    """An instance of a class: analysed (``ClassInfo``) or external (qualified name).

    ``plain`` is False for mocks built with a spec, whose children may be async or sync.
    """

    __slots__ = ("cls", "plain")

    def __init__(self, cls: ClassInfo | str, plain: bool = True) -> None:
        self.cls = cls
        self.plain = plain


class Super(Value):
    """``super()`` inside a method of ``cls``."""

    __slots__ = ("cls",)

    def __init__(self, cls: ClassInfo) -> None:
        self.cls = cls


class Coro(Value):
    """A coroutine object, and what awaiting it gives."""

    __slots__ = ("result",)

    def __init__(self, result: Value = UNKNOWN) -> None:
        self.result = result


class Tup(Value):
    __slots__ = ("items",)

    def __init__(self, items: tuple[Value, ...]) -> None:
        self.items = items
