"""What an expression is known to evaluate to. Anything not provable is ``UNKNOWN``."""

from __future__ import annotations

from dataclasses import dataclass

from .model import ClassInfo, FunctionInfo


class Value:
    __slots__ = ()


@dataclass(frozen=True)
class Unknown(Value):
    pass


UNKNOWN = Unknown()


@dataclass(frozen=True)
class Ext(Value):
    """A module, function, class or attribute outside this file, by canonical qualified name."""

    qualname: str


@dataclass(frozen=True)
class Func(Value):
    """A function or method defined in analysed source."""

    info: FunctionInfo
    bound: bool = False


@dataclass(frozen=True)
class Cls(Value):
    """A class defined in analysed source."""

    info: ClassInfo


@dataclass(frozen=True)
class Obj(Value):
    """An instance of a class: analysed (``ClassInfo``) or external (qualified name).

    ``plain`` is False for mocks built with a spec, whose children may be async or sync.
    """

    cls: ClassInfo | str
    plain: bool = True


@dataclass(frozen=True)
class Super(Value):
    """``super()`` inside a method of ``cls``."""

    cls: ClassInfo


@dataclass(frozen=True)
class Coro(Value):
    """A coroutine object, and what awaiting it gives."""

    result: Value = UNKNOWN


@dataclass(frozen=True)
class Tup(Value):
    items: tuple[Value, ...]
