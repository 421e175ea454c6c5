"""The semantic model of one module: scopes, bindings, functions and classes.

Built by one walk (``walk.build``); rules read it after the walk, when every binding is known, so a
method defined below its caller or a name assigned after a loop's first use are both seen.
Plain classes with ``__slots__``: thousands are made per file, and import time counts.
"""

from __future__ import annotations

import ast
from typing import Any, Union

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]


class Binding:
    """One way a name gets a value in a scope.

    kind: ``import`` (``qualname`` set), ``def``/``class`` (``info`` set), ``assign`` (``value`` set,
    ``index`` set for tuple unpacking), ``with`` (``value`` is the context manager), ``param``
    (``node`` is the ``ast.arg``), ``other`` (loops, except handlers, globals...: unknown value).
    """

    __slots__ = ("kind", "node", "value", "index", "qualname", "info")

    def __init__(
        self,
        kind: str,
        node: ast.AST,
        value: ast.expr | None = None,
        index: int | None = None,
        qualname: str | None = None,
        info: FunctionInfo | ClassInfo | None = None,
    ) -> None:
        self.kind = kind
        self.node = node
        self.value = value
        self.index = index
        self.qualname = qualname
        self.info = info


class Scope:
    __slots__ = ("kind", "node", "parent", "bindings", "info", "loads", "children", "module")

    def __init__(self, kind: str, node: ast.AST, parent: Scope | None) -> None:
        self.kind = kind  # module | class | function | lambda
        self.node = node
        self.parent = parent
        self.bindings: dict[str, list[Binding]] = {}
        self.info: FunctionInfo | ClassInfo | None = None
        self.loads: dict[str, list[ast.Name]] = {}  # reads of names directly in this scope
        self.children: list[Scope] = []
        self.module: Module | None = None  # set on a module's own scope
        if parent is not None:
            parent.children.append(self)

    def __repr__(self) -> str:
        return f"<Scope {self.kind} line {getattr(self.node, 'lineno', 0)}>"

    def bind(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)

    @property
    def root(self) -> Module:
        """The module this scope belongs to."""
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope.module  # type: ignore[return-value]

    def reads(self, name: str) -> list[ast.Name]:
        """Every read of ``name`` in this scope and the scopes nested in it (closures included).

        A name declared ``global``/``nonlocal`` here lives further out: its reads are those of the
        scope that owns it (which include this one's)."""
        if any(isinstance(b.node, (ast.Global, ast.Nonlocal)) for b in self.bindings.get(name, ())):
            owner = self.parent
            while owner is not None and (owner.kind == "class" or name not in owner.bindings) and owner.parent:
                owner = owner.parent
            if owner is not None:
                return owner._reads_below(name)
        return self._reads_below(name)

    def _reads_below(self, name: str) -> list[ast.Name]:
        found = list(self.loads.get(name, ()))
        for child in self.children:
            found.extend(child._reads_below(name))
        return found

    @property
    def function(self) -> FunctionInfo | None:
        """The innermost enclosing def (not lambda), if any."""
        scope: Scope | None = self
        while scope is not None:
            if scope.kind == "function":
                return scope.info  # type: ignore[return-value]
            if scope.kind == "module":
                return None
            scope = scope.parent
        return None

    @property
    def is_coroutine(self) -> bool:
        """True when code here runs inside an ``async def`` body (not a nested def or lambda)."""
        return self.kind == "function" and self.info.is_async  # type: ignore[union-attr]


class FunctionInfo:
    __slots__ = ("node", "scope", "parent", "is_generator", "awaits", "returns")

    def __init__(self, node: FunctionNode, scope: Scope, parent: Scope) -> None:
        self.node = node
        self.scope = scope  # the function's own scope
        self.parent = parent  # where the def statement is
        self.is_generator = False
        self.awaits = False
        self.returns: list[ast.Return] = []  # the return statements of its own body

    def __repr__(self) -> str:
        return f"<function {self.node.name} line {self.node.lineno}>"

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def is_async(self) -> bool:
        return isinstance(self.node, ast.AsyncFunctionDef)

    @property
    def is_coroutine_function(self) -> bool:
        """``async def`` without ``yield``: calling it makes a coroutine (an async generator is not one)."""
        return self.is_async and not self.is_generator

    @property
    def owner(self) -> ClassInfo | None:
        """The class this function is a method of."""
        if self.parent.kind == "class":
            return self.parent.info  # type: ignore[return-value]
        return None

    @property
    def self_name(self) -> str | None:
        """Name of the first parameter of a method (``self``/``cls``), if it is a method."""
        if self.owner is None:
            return None
        args = self.node.args.posonlyargs + self.node.args.args
        return args[0].arg if args else None


class ClassInfo:
    __slots__ = ("node", "scope", "parent", "methods", "self_attrs")

    def __init__(self, node: ast.ClassDef, scope: Scope, parent: Scope) -> None:
        self.node = node
        self.scope = scope
        self.parent = parent
        self.methods: dict[str, FunctionInfo] = {}
        # attribute name -> values assigned through ``self.<name> = value`` in any method
        self.self_attrs: dict[str, list[tuple[ast.expr | None, FunctionInfo]]] = {}

    def __repr__(self) -> str:
        return f"<class {self.node.name} line {self.node.lineno}>"

    @property
    def name(self) -> str:
        return self.node.name


class Module:
    """Everything one walk learns about one file."""

    def __init__(self, tree: ast.Module, filename: str, scope: Scope, uses_async_mocks: bool = False) -> None:
        self.tree = tree
        self.filename = filename
        self.name: str | None = None  # dotted module name, found when first needed
        self.scope = scope
        scope.module = self
        self.star_imports: list[str] = []  # modules whose names ``from m import *`` brings in
        self.functions: list[FunctionInfo] = []
        self.classes: list[ClassInfo] = []
        # nodes the rules asked for, by type, each with the scope it runs in
        self.nodes: dict[type, list[tuple[Any, Scope]]] = {}
        self.imported_modules: set[str] = set()
        self.imports: list[tuple[str, Binding]] = []  # every import binding, in any scope
        self.uses_async_mocks = uses_async_mocks  # the source mentions AsyncMock: any attribute may be a child
        self._calls_by_name: dict[str, list[tuple[ast.Call, Scope]]] | None = None
        self._legacy_coroutines: list[FunctionInfo] | None = None  # analysis.legacy's, once asked
        self._ported_coroutines: dict[FunctionInfo, list[FunctionInfo]] | None = None  # likewise

    def calls_named(self, *names: str) -> list[tuple[ast.Call, Scope]]:
        """Calls whose callee's last name is one of ``names`` (``f()``, ``x.f()``): a cheap syntactic
        filter to run before asking the resolver what the callee really is."""
        index = self._calls_by_name
        if index is None:
            index = self._calls_by_name = {}
            for call, scope in self.nodes.get(ast.Call, ()):
                func = call.func
                name = func.attr if func.__class__ is ast.Attribute else getattr(func, "id", None)
                if name is not None:
                    index.setdefault(name, []).append((call, scope))
        if len(names) == 1:
            return index.get(names[0], [])
        return [item for name in names for item in index.get(name, ())]

    def of_type(self, *types: type) -> list[tuple[Any, Scope]]:
        if len(types) == 1:
            return self.nodes.get(types[0], [])
        found = [item for t in types for item in self.nodes.get(t, [])]
        found.sort(key=lambda item: (getattr(item[0], "lineno", 0), getattr(item[0], "col_offset", 0)))
        return found


# Links of the module under check. They live in dicts, not on the nodes: a node pointing at its
# parent would make every syntax tree a reference cycle that only the garbage collector can free,
# and collecting those cost a third of a run. Only one module is checked at a time per process.
_PARENTS: dict[ast.AST, ast.AST] = {}
_SCOPES: dict[ast.AST, Scope] = {}


def parent(node: ast.AST) -> ast.AST | None:
    """The node's parent in the module under check."""
    return _PARENTS.get(node)


def scope_of(node: ast.AST) -> Scope:
    """The scope a def, lambda or class statement of the module under check opens."""
    return _SCOPES[node]


def release(module: Module) -> None:
    """Forget the module under check: drop its links and break the model's own cycles (scope and
    function, class and scope, parent and child scopes) so that plain reference counting frees it."""
    _PARENTS.clear()
    _SCOPES.clear()
    stack = [module.scope]
    while stack:
        scope = stack.pop()
        stack.extend(scope.children)
        scope.children = []
        scope.bindings = {}
        scope.loads = {}
        scope.parent = None
        scope.module = None
        if scope.info is not None:
            scope.info.scope = scope.info.parent = None  # type: ignore[assignment]
            if isinstance(scope.info, ClassInfo):
                scope.info.methods = {}
                scope.info.self_attrs = {}
            scope.info = None
    module.functions = []
    module.classes = []
    module.nodes = {}
    module.imports = []
    module._calls_by_name = None
    module._legacy_coroutines = None
    module._ported_coroutines = None
