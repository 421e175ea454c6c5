"""``unittest.mock.patch`` and friends: what is patched, and with what kind of mock."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from . import known
from .model import FunctionInfo, Module, Scope, parent
from .usage import describe
from .values import UNKNOWN, Func, Obj, Value

if TYPE_CHECKING:
    from .resolve import Resolver

# patcher -> how many positional arguments name the target (patch: 1, patch.object: 2)
PATCHERS = {
    "unittest.mock.patch": 1,
    "unittest.mock.patch.object": 2,
    "asynctest.patch": 1,
    "asynctest.patch.object": 2,
}
# pytest-mock's fixtures, recognised by the parameter name pytest injects them under
MOCKER_FIXTURES = frozenset({"mocker", "class_mocker", "module_mocker", "package_mocker", "session_mocker"})


class Patch:
    """One ``patch(...)`` call: the patched target and the replacement it installs."""

    __slots__ = ("call", "arity", "target", "new", "new_callable", "autospec")

    def __init__(
        self, call: ast.Call, arity: int, target: Value, new: ast.expr | None, new_callable: ast.expr | None
    ) -> None:
        self.call = call
        self.arity = arity  # positional arguments naming the target: patch 1, patch.object 2
        self.target = target  # what the target resolves to (UNKNOWN if we cannot tell)
        self.new = new  # the explicit replacement object (``new=`` or positional)
        self.new_callable = new_callable
        self.autospec = any(k.arg in ("autospec", "spec", "spec_set") for k in call.keywords)

    @property
    def target_text(self) -> str:
        """The target as the user wrote it: ``pkg.mod.fn`` or ``Client.fetch``."""
        first = self.call.args[0]
        if self.arity == 2:
            return f"{describe(first)}.{self.call.args[1].value}"  # type: ignore[attr-defined]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
        return describe(first)


def patch_of(resolver: Resolver, call: ast.Call, scope: Scope) -> Patch | None:
    """The ``Patch`` for ``call`` if it is a patch (decorator, context manager or start/stop form)."""
    arity = _patcher_arity(resolver, call.func, scope)
    if arity is None or len(call.args) < arity:
        return None
    if arity == 1:
        target = resolver.dotted(call.args[0], scope)
    else:
        name = call.args[1]
        if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
            return None
        target = resolver.attribute(resolver.value(call.args[0], scope), name.value)
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    new = call.args[arity] if len(call.args) > arity else keywords.get("new")
    return Patch(call, arity, target, new, keywords.get("new_callable"))


def _patcher_arity(resolver: Resolver, func: ast.expr, scope: Scope) -> int | None:
    name = resolver.qualname(func, scope)
    if name in PATCHERS:
        return PATCHERS[name]
    # mocker.patch(...) / mocker.patch.object(...) with pytest-mock's injected fixture
    chain: list[str] = []
    while isinstance(func, ast.Attribute):
        chain.insert(0, func.attr)
        func = func.value
    if isinstance(func, ast.Name) and func.id in MOCKER_FIXTURES and chain in (["patch"], ["patch", "object"]):
        bindings = resolver.bindings(func.id, scope)
        if bindings and all(b.kind == "param" for b in bindings):
            return 1 if chain == ["patch"] else 2
    return None


def installed_mock(resolver: Resolver, patch: Patch, scope: Scope) -> Value:
    """What the patch installs (and binds with ``as``): since Python 3.8 a patch of an ``async def``
    without ``new``/``new_callable`` installs an AsyncMock."""
    if patch.new is not None:
        return resolver.value(patch.new, scope)
    if patch.new_callable is not None:
        return resolver.call_result(resolver.value(patch.new_callable, scope))
    if patch.autospec:
        return UNKNOWN
    if resolver.is_coroutine_function(patch.target):
        return Obj(known.ASYNC_MOCK)
    return UNKNOWN


def sync_stand_ins(
    resolver: Resolver, module: Module, name: str
) -> dict[FunctionInfo, list[tuple[ast.AST | None, Scope]]]:
    """The ``async def``s called ``name`` that this module replaces with something that makes no
    coroutine (a MagicMock, a lambda, a plain function): ``patch``/``patch.object`` with
    ``new``/``new_callable``, ``monkeypatch.setattr(obj, "name", value)``, ``obj.name = value``.
    Each with where it holds: the ``with`` block or the decorated function or class of a patch,
    else None (from that point on, in the scope given). A plain ``patch`` of an ``async def``
    installs an AsyncMock: it makes coroutines still. Only replacements spelt with ``name`` are
    resolved."""
    found: dict[FunctionInfo, list[tuple[ast.AST | None, Scope]]] = {}

    def replaced(target: Value, replacement: Value, node: ast.AST, scope: Scope) -> None:
        makes_coroutines = (
            isinstance(replacement, Obj) and replacement.cls == known.ASYNC_MOCK
        ) or resolver.is_coroutine_function(replacement)
        if isinstance(target, Func) and target.info.is_coroutine_function and not makes_coroutines:
            found.setdefault(target.info, []).append((_extent(node), scope))

    for call, scope in module.calls_named("patch", "object"):
        if _names(call, name):
            patch = patch_of(resolver, call, scope)
            if patch is not None and (patch.new is not None or patch.new_callable is not None):
                replaced(patch.target, installed_mock(resolver, patch, scope), call, scope)
    for call, scope in module.calls_named("setattr"):
        if len(call.args) == 3 and isinstance(call.args[1], ast.Constant) and call.args[1].value == name:
            target = resolver.attribute(resolver.value(call.args[0], scope), name)
            replaced(target, resolver.value(call.args[2], scope), call, scope)
    for assign, scope in module.nodes.get(ast.Assign, ()):
        for target in assign.targets:
            if isinstance(target, ast.Attribute) and target.attr == name:
                replaced(
                    resolver.attribute(resolver.value(target.value, scope), name),
                    resolver.value(assign.value, scope),
                    assign,
                    scope,
                )
    return found


def _names(call: ast.Call, name: str) -> bool:
    """Could this patch call's target be something called ``name`` (``"pkg.Client.fetch"``,
    ``patch.object(Client, "fetch")``)? A target it builds at run time may be anything."""
    for argument in call.args[:2]:
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            if argument.value == name or argument.value.endswith("." + name):
                return True
        elif isinstance(argument, ast.JoinedStr):
            return True
    return False


def _extent(node: ast.AST) -> ast.AST | None:
    """The code a replacement made at ``node`` holds for: a ``with`` block, a decorated function or
    class; None for a replacement that holds from there on (``patcher.start()``, an assignment)."""
    holder = parent(node)
    if isinstance(holder, ast.withitem):
        return parent(holder)
    if isinstance(holder, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node in holder.decorator_list:
        return holder
    return None
