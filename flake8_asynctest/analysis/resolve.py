"""The one resolver: what a name or expression refers to, and what calling it produces.

Rules ask this module and never look at imports or bindings themselves. It follows names through
scopes, imports, assignments, ``self`` attributes and class hierarchies: in the analysed file, and,
given a ``Project``, into the project's other modules and installed packages (read with ``ast``,
never imported). Well-known libraries are answered from ``known``. What it cannot prove is
``UNKNOWN``.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator

from . import known, patches
from .known import Runner
from .modules import module_name_for
from .project import Project, is_opaque
from .usage import attribute_loads, own_nodes
from .model import Binding, ClassInfo, FunctionInfo, Module, Scope
from .values import UNKNOWN, Cls, Coro, Ext, Func, Obj, Super, Tup, Value

_MAX_BINDINGS = 8
_MAX_RETURN_DEPTH = 16
_BUILTIN_DECORATORS = frozenset({"staticmethod", "classmethod"})
_MOCK_SPEC_KEYWORDS = frozenset({"spec", "spec_set", "wraps"})
_OPTIONAL = frozenset({"typing.Optional", "typing_extensions.Optional"})
_UNION = frozenset({"typing.Union", "typing_extensions.Union"})
_COROUTINE_TYPES = frozenset({"typing.Coroutine", "collections.abc.Coroutine"})
_SELF_TYPES = frozenset({"typing.Self", "typing_extensions.Self"})
# what makes a plain generator function a generator-based coroutine (or leaves it one)
_LEGACY_COROUTINE_DECORATORS = frozenset({"asyncio.coroutine", "types.coroutine"})


class Resolver:
    def __init__(
        self, module: Module, knowledge: known.Knowledge = known.DEFAULT_KNOWLEDGE, project: Project | None = None
    ) -> None:
        self.module = module
        self.knowledge = knowledge
        self.project = project
        self._roots: tuple[str, ...] | None = None
        self._external: dict[str, Value] = {}
        self._fixture_maps: dict[Module, dict[str, list[FunctionInfo]]] = {}
        self._bound: dict[Binding, Value] = {}
        self._attributes: dict[tuple[Value, str], Value] = {}
        self._call_results: dict[Value, Value] = {}
        self._unwrapping: set[FunctionInfo] = set()
        self._binding_active: set[Binding] = set()
        self._memo: dict[ast.AST, Value] = {}
        self._active: set[ast.AST] = set()
        self._mro: dict[ClassInfo, list[ClassInfo | str | None] | None] = {}
        self._runner: dict[ClassInfo, Runner | None] = {}
        self._coroutine_names: frozenset[str] | None = None
        self._own_name: str | None = None
        self._body_results: dict[FunctionInfo, Value] = {}
        self._body_depth = 0  # how many functions' returns are being worked out, one inside another
        self._unquoted: dict[ast.Constant, ast.expr | None] = {}
        self._annotation_values: dict[tuple[ast.expr, Scope], Value] = {}
        self._aliases: dict[FunctionInfo | ClassInfo, set[str]] = {}
        self._plain_defs: dict[str, list[FunctionInfo]] | None = None
        self._subclasses: dict[ClassInfo, list[ClassInfo]] | None = None
        self._delegates: dict[FunctionInfo, bool] = {}
        self._generator_names: set[str] | None = None
        self._returns_coroutine: dict[str, bool] = {}

    # -- names -----------------------------------------------------------------------------

    def bindings(self, name: str, scope: Scope) -> list[Binding]:
        """The bindings ``name`` may have at a use in ``scope`` (Python's LEGB, class scopes skipped)."""
        owner = self.binding_scope(name, scope)
        return owner.bindings[name] if owner is not None else []

    def binding_scope(self, name: str, scope: Scope) -> Scope | None:
        """The scope that binds ``name`` as seen from a use in ``scope`` (a closure's enclosing
        function, say), or None for a builtin or unknown name."""
        current: Scope | None = scope
        first = True
        while current is not None:
            if (first or current.kind != "class") and current.bindings.get(name):
                return current
            first = False
            current = current.parent
        return None

    def qualname(self, expr: ast.expr, scope: Scope) -> str | None:
        """The canonical qualified name of an external thing ``expr`` names, e.g. ``asyncio.sleep``."""
        value = self.value(expr, scope)
        return value.qualname if isinstance(value, Ext) else None

    def call_name(self, call: ast.Call, scope: Scope) -> str | None:
        return self.qualname(call.func, scope)

    def dotted(self, expr: ast.expr, scope: Scope) -> Value:
        """What a dotted-name string (a patch target such as ``"pkg.mod.fn"``) refers to.

        Names in this module (its own dotted name, or ``__name__``/``f"{__name__}..."``) resolve to
        their definitions; anything else is external."""
        text = self._dotted_text(expr)
        if text is None:
            return UNKNOWN
        own = self._own_name
        if own is None:
            own = self._own_name = module_name_for(self.module.filename)
        if text.startswith("__name__."):
            text = own + text[len("__name__") :]
        if own and text.startswith(own + "."):
            head, *rest = text[len(own) + 1 :].split(".")
            bindings = self.module.scope.bindings.get(head)
            if not bindings:
                return UNKNOWN
            value = self._merge(self._binding_value(b, head, self.module.scope) for b in _import_world(bindings, head))
            for attr in rest:
                value = self.attribute(value, attr)
            return value
        return self.external(text)

    def _dotted_text(self, expr: ast.expr) -> str | None:
        """The string ``expr`` spells, with ``__name__`` kept symbolic."""
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return expr.value
        if isinstance(expr, ast.JoinedStr):
            parts = []
            for value in expr.values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    parts.append(value.value)
                elif isinstance(value, ast.FormattedValue) and isinstance(value.value, ast.Name):
                    if value.value.id != "__name__":
                        return None
                    parts.append("__name__")
                else:
                    return None
            return "".join(parts)
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            left, right = self._dotted_text(expr.left), self._dotted_text(expr.right)
            return left + right if left is not None and right is not None else None
        if isinstance(expr, ast.Name) and expr.id == "__name__":
            return "__name__"
        return None

    def external(self, qualname: str) -> Value:
        """What a qualified name outside the current scope chain is: a definition read from the
        module that holds it (following re-exports), or ``Ext`` for what we only know by name."""
        qualname = known.canonical(qualname)
        if self.project is None or is_opaque(qualname) or self.knowledge.knows(qualname):
            return Ext(qualname)
        found = self._external.get(qualname)
        if found is None:
            self._external[qualname] = Ext(qualname)  # a re-export cycle resolves to "only a name"
            found = self._external[qualname] = self._locate(qualname)
            if isinstance(found, (Func, Cls)):
                self._aliases.setdefault(found.info, set()).add(qualname)  # a name it is imported by
        return found

    def _locate(self, qualname: str) -> Value:
        project = self.project
        assert project is not None
        if self._roots is None:
            self._roots = project.roots_for(self.module.filename)
        parts = qualname.split(".")
        for cut in range(len(parts), 0, -1):
            name = ".".join(parts[:cut])
            path = project.find(name, self._roots)
            if path is None:
                continue
            module = project.load(path, name)
            if module is None or cut == len(parts):
                return Ext(qualname)
            value = self._member(module, parts[cut], f"{name}.{parts[cut]}")
            for attr in parts[cut + 1 :]:
                value = self.attribute(value, attr)
            return value
        return Ext(qualname)

    def _member(self, module: Module, name: str, qualname: str) -> Value:
        """``name`` in another module's namespace: a binding, or one from a ``*`` import."""
        bindings = module.scope.bindings.get(name)
        if bindings:
            return self._merge(self._binding_value(b, name, module.scope) for b in _import_world(bindings, name))
        for star in reversed(module.star_imports):
            value = self.external(f"{self._absolute(star + '.' + name, module.scope)}")
            if not isinstance(value, Ext):
                return value
        return Ext(qualname)  # a submodule, or a name we cannot see

    def _absolute(self, qualname: str, scope: Scope) -> str:
        """``.sibling.name`` made absolute against the module that holds ``scope``."""
        if not qualname.startswith("."):
            return qualname
        module = scope.root
        if module.name is None:
            module.name = module_name_for(module.filename)
        package = module.name.split(".")
        if os.path.basename(module.filename).split(".")[0] != "__init__":
            package = package[:-1]
        level = len(qualname) - len(qualname.lstrip("."))
        if level > 1:
            package = package[: len(package) - (level - 1)] if level - 1 <= len(package) else []
        rest = qualname[level:]
        return ".".join([*package, rest]) if rest else ".".join(package)

    def calls_to(self, *qualnames: str) -> list[tuple[ast.Call, Scope, str]]:
        """Calls in the module to any of ``qualnames``, however they were imported or aliased.

        Only calls whose callee's last name could be one of them are resolved (the name itself, or a
        local alias from an import), so this is cheap on big files."""
        wanted = set(qualnames)
        names = {q.rpartition(".")[2] for q in wanted}
        names.update(name for name, binding in self.module.imports if known.canonical(binding.qualname or "") in wanted)
        found = []
        for call, scope in self.module.calls_named(*names):
            qualname = self.call_name(call, scope)
            if qualname in wanted:
                found.append((call, scope, qualname))
        found.sort(key=lambda item: (item[0].lineno, item[0].col_offset))
        return found

    # -- values ----------------------------------------------------------------------------

    def value(self, expr: ast.AST, scope: Scope) -> Value:
        memo = self._memo.get(expr)
        if memo is not None:
            return memo
        if expr in self._active:
            return UNKNOWN
        self._active.add(expr)
        try:
            result = self._infer(expr, scope)
        finally:
            self._active.discard(expr)
        self._memo[expr] = result
        return result

    def _infer(self, expr: ast.AST, scope: Scope) -> Value:
        if isinstance(expr, ast.Name):
            bindings = self.bindings(expr.id, scope)
            if not bindings:
                return UNKNOWN
            if len(bindings) > 1:
                bindings = _import_world(bindings, expr.id)
            return self._merge(self._binding_value(b, expr.id, scope) for b in bindings[: _MAX_BINDINGS + 1])
        if isinstance(expr, ast.Attribute):
            return self.attribute(self.value(expr.value, scope), expr.attr)
        if isinstance(expr, ast.Call):
            return self._call(expr, scope)
        if isinstance(expr, ast.Await):
            inner = self.value(expr.value, scope)
            return inner.result if isinstance(inner, Coro) else UNKNOWN
        if isinstance(expr, ast.Tuple):
            return Tup(tuple(self.value(elt, scope) for elt in expr.elts))
        return UNKNOWN

    def alternatives(self, expr: ast.expr, scope: Scope) -> list[Value]:
        """Every value ``expr`` may have, one per binding it may come from, where ``value`` answers
        UNKNOWN because they differ: a name bound by both branches of a version check (``import
        asyncio as async_timeout`` / ``import async_timeout``), also when another module binds it so
        and this one imports it from there."""
        if isinstance(expr, ast.Name):
            bindings = self.bindings(expr.id, scope)[:_MAX_BINDINGS]
            return [v for b in bindings for v in self._binding_alternatives(b, expr.id, scope, 0)] or [UNKNOWN]
        if isinstance(expr, ast.Attribute):
            return [self.attribute(base, expr.attr) for base in self.alternatives(expr.value, scope)]
        return [self.value(expr, scope)]

    def _binding_alternatives(self, binding: Binding, name: str, scope: Scope, depth: int) -> list[Value]:
        value = self._binding_value(binding, name, scope)
        if value is not UNKNOWN or binding.kind != "import" or self.project is None or depth > 2:
            return [value]
        module_name, _, member = self._absolute(binding.qualname, scope).rpartition(".")  # type: ignore[arg-type]
        if self._roots is None:
            self._roots = self.project.roots_for(self.module.filename)
        path = self.project.find(module_name, self._roots) if module_name else None
        module = self.project.load(path, module_name) if path else None
        if module is None:
            return [UNKNOWN]
        bindings = module.scope.bindings.get(member, [])[:_MAX_BINDINGS]
        found = [v for b in bindings for v in self._binding_alternatives(b, member, module.scope, depth + 1)]
        return found or [UNKNOWN]

    def _merge(self, values: Iterator[Value]) -> Value:
        result: Value | None = None
        for count, value in enumerate(values):
            if count >= _MAX_BINDINGS or value is UNKNOWN or (result is not None and value != result):
                return UNKNOWN
            result = value
        return result if result is not None else UNKNOWN

    def _binding_value(self, binding: Binding, name: str, use_scope: Scope) -> Value:
        """What ``binding`` gives ``name``: the same at every use, so worked out once."""
        found = self._bound.get(binding)
        if found is None:
            if binding in self._binding_active:
                return UNKNOWN
            self._binding_active.add(binding)
            try:
                found = self._bound[binding] = self._compute_binding_value(binding, name, use_scope)
            finally:
                self._binding_active.discard(binding)
        return found

    def _compute_binding_value(self, binding: Binding, name: str, use_scope: Scope) -> Value:
        kind = binding.kind
        if kind == "import":
            return self.external(self._absolute(binding.qualname, use_scope))  # type: ignore[arg-type]
        if kind == "def":
            return Func(binding.info)  # type: ignore[arg-type]
        if kind == "class":
            return Cls(binding.info)  # type: ignore[arg-type]
        scope = self._scope_of_binding(binding, name, use_scope)
        if kind == "assign":
            value = self.value(binding.value, scope)  # type: ignore[arg-type]
            if binding.index is None:
                return value
            if isinstance(value, Tup) and binding.index < len(value.items):
                return value.items[binding.index]
            return UNKNOWN
        if kind == "with":
            manager = binding.value
            if isinstance(manager, ast.Call):
                patch = patches.patch_of(self, manager, scope)
                if patch is not None:
                    return patches.installed_mock(self, patch, scope)
            entered = self.value(manager, scope)  # type: ignore[arg-type]
            return self._entered(entered, isinstance(binding.node, ast.AsyncWith))
        if kind == "param":
            return self._param(binding.node, scope)  # type: ignore[arg-type]
        return UNKNOWN

    def _scope_of_binding(self, binding: Binding, name: str, use_scope: Scope) -> Scope:
        current: Scope | None = use_scope
        while current is not None:
            if binding in current.bindings.get(name, ()):
                return current
            current = current.parent
        return use_scope

    def _entered(self, manager: Value, asynchronous: bool) -> Value:
        """What ``with manager as x`` binds to ``x``: the manager itself when its ``__aenter__``/
        ``__enter__`` returns ``self``, else the enter method's annotated type."""
        if isinstance(manager, Obj) and manager.cls in ("asyncio.TaskGroup", "asyncio.Runner"):
            return manager
        if not (isinstance(manager, Obj) and isinstance(manager.cls, ClassInfo)):
            return UNKNOWN
        enter = self.class_attribute(manager.cls, "__aenter__" if asynchronous else "__enter__", instance=True)
        if not isinstance(enter, Func) or enter.info.is_async != asynchronous:
            return UNKNOWN
        returns = [n.value for n in enter.info.returns]
        if returns and all(isinstance(r, ast.Name) and r.id == enter.info.self_name for r in returns):
            return manager
        if self._returns_receiver(enter.info):
            return manager
        return self._annotation_instance(enter.info)

    def _param(self, arg: ast.arg, scope: Scope) -> Value:
        function = scope.info if scope.kind == "function" else None
        if isinstance(function, FunctionInfo) and function.owner is not None:
            if arg.arg == function.self_name and arg is _first_param(function.node):
                decorators = {self._decorator_name(d, function.parent) for d in function.node.decorator_list}
                if "staticmethod" in decorators:
                    return UNKNOWN
                if "classmethod" in decorators:
                    return Cls(function.owner)
                return Obj(function.owner)
        if arg.annotation is not None and scope.parent is not None:
            return self._instance_of(arg.annotation, scope.parent)
        if isinstance(function, FunctionInfo) and arg in function.node.args.args:
            fixture = self._fixture(arg.arg, function)
            if fixture is not None:
                return self._fixture_value(fixture)
        return UNKNOWN

    def _instance_of(self, annotation: ast.expr, scope: Scope) -> Value:
        """An instance of the class an annotation names (the item type of an iterator annotation)."""
        unquoted = self._unquote(annotation)
        if isinstance(unquoted, ast.Subscript) and self.qualname(unquoted.value, scope) in known.ITERATOR_TYPES:
            item = unquoted.slice
            unquoted = item.elts[0] if isinstance(item, ast.Tuple) and item.elts else item
        annotated = self._annotated(unquoted, scope) if unquoted is not None else UNKNOWN
        return annotated if isinstance(annotated, Obj) else UNKNOWN

    def _fixture(self, name: str, requester: FunctionInfo) -> FunctionInfo | None:
        """The pytest fixture a test or fixture parameter ``name`` receives: in the requester's
        class, its module, or a conftest.py above it."""
        modules = [self.module]
        if self.project is not None:
            modules += self.project.conftests(self.module.filename)
        for module in modules:
            for function in self._fixtures_of(module).get(name, ()):
                if function is not requester and function.parent in (module.scope, requester.parent):
                    return function
        return None

    def _fixtures_of(self, module: Module) -> dict[str, list[FunctionInfo]]:
        fixtures = self._fixture_maps.get(module)
        if fixtures is None:
            fixtures = self._fixture_maps[module] = {}
            for function in module.functions:
                if function.node.decorator_list:
                    name = self._fixture_name(function)
                    if name is not None:
                        fixtures.setdefault(name, []).append(function)
        return fixtures

    def _fixture_name(self, function: FunctionInfo) -> str | None:
        for decorator in function.node.decorator_list:
            if self._decorator_name(decorator, function.parent) in known.FIXTURE_DECORATORS:
                if isinstance(decorator, ast.Call):
                    for keyword in decorator.keywords:
                        if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                            return str(keyword.value.value)
                return function.name
        return None

    def _fixture_value(self, fixture: FunctionInfo) -> Value:
        """What a fixture hands to the test: its annotated type, or what it returns or yields."""
        if fixture.node.returns is not None:
            return self._instance_of(fixture.node.returns, fixture.parent)
        produced = [
            n.value for n in own_nodes(fixture.node) if isinstance(n, (ast.Return, ast.Yield)) and n.value is not None
        ]
        if len(produced) != 1:
            return UNKNOWN
        return self.value(produced[0], fixture.scope)

    # -- attributes and calls ----------------------------------------------------------------

    def attribute(self, base: Value, name: str) -> Value:
        """``base.name``: the same for every occurrence (``self.loop.close`` in each test), so
        worked out once per run of this resolver."""
        if base is UNKNOWN:
            return UNKNOWN
        key = (base, name)
        found = self._attributes.get(key)
        if found is None:
            found = self._attributes[key] = self._attribute(base, name)
        return found

    def _attribute(self, base: Value, name: str) -> Value:
        if isinstance(base, Ext):
            return self.external(f"{base.qualname}.{name}")
        if isinstance(base, Obj):
            if isinstance(base.cls, ClassInfo):
                found = self.class_attribute(base.cls, name, instance=True)
                if isinstance(found, Func) and self._overridden_otherwise(base.cls, name, found.info):
                    return UNKNOWN
                return found
            return _external_attribute(base, name)
        if isinstance(base, Cls):
            return self.class_attribute(base.info, name, instance=False)
        if isinstance(base, Super):
            mro = self.mro(base.cls)
            return self._mro_attribute(mro[1:] if mro else None, name, instance=True)
        return UNKNOWN

    def _overridden_otherwise(self, cls: ClassInfo, name: str, method: FunctionInfo) -> bool:
        """A subclass of ``cls`` in this module overrides ``method`` as the other kind (a plain
        ``def read`` for an ``async def read``): an object known as a ``cls`` may be one of those
        (a test hands a custom response class to the code that makes the object)."""
        subclasses = self._subclasses
        if subclasses is None:
            subclasses = self._subclasses = {}
            for klass in self.module.classes:
                for entry in (self.mro(klass) or [])[1:]:
                    if isinstance(entry, ClassInfo):
                        subclasses.setdefault(entry, []).append(klass)
        for klass in subclasses.get(cls, ()):
            override = klass.methods.get(name)
            if override is not None and override.is_coroutine_function != method.is_coroutine_function:
                return True
        return False

    def class_attribute(self, cls: ClassInfo, name: str, instance: bool) -> Value:
        return self._mro_attribute(self.mro(cls), name, instance)

    def _mro_attribute(self, mro: list[ClassInfo | str | None] | None, name: str, instance: bool) -> Value:
        if mro is None:
            return UNKNOWN
        for entry in mro:
            if entry is None:
                return UNKNOWN
            if isinstance(entry, str):
                return Ext(known.canonical(f"{entry}.{name}"))
            assigned = entry.self_attrs.get(name) if instance else None
            method = entry.methods.get(name)
            if assigned and method is not None:
                return UNKNOWN
            if assigned:
                return self._merge(
                    self.value(value, function.scope) if value is not None else UNKNOWN for value, function in assigned
                )
            if method is not None:
                return Func(method, bound=instance)
            bindings = entry.scope.bindings.get(name)
            if bindings:
                return self._merge(self._binding_value(b, name, entry.scope) for b in bindings)
        return UNKNOWN

    def _call(self, call: ast.Call, scope: Scope) -> Value:
        func = call.func
        if isinstance(func, ast.Name) and func.id == "super" and not self.bindings("super", scope):
            function = scope.function
            if function is not None and function.owner is not None:
                return Super(function.owner)
            return UNKNOWN
        callee = self.value(func, scope)
        return self.call_result(callee, call)

    def call_result(self, callee: Value, call: ast.Call | None = None) -> Value:
        """What calling ``callee`` produces: the same for every call of it (a mock class's spec
        arguments aside), so worked out once."""
        if callee is UNKNOWN:
            return UNKNOWN
        if isinstance(callee, Ext) and callee.qualname in _MOCKS:
            return self._call_result(callee, call)
        found = self._call_results.get(callee)
        if found is None:
            self._call_results[callee] = UNKNOWN  # a function that returns its own call's result
            found = self._call_results[callee] = self._call_result(callee, call)
        return found

    def _call_result(self, callee: Value, call: ast.Call | None) -> Value:
        if isinstance(callee, Func):
            info = callee.info
            if self._named_coroutine_function(info):
                return Coro()
            if not self.plain_decorators(info):
                return UNKNOWN
            if info.is_coroutine_function:
                return Coro(self._result_of(info))
            if info.is_async:
                return UNKNOWN  # an async generator
            if info.is_generator:
                return self._annotation_instance(info)
            return self._result_of(info)
        if isinstance(callee, Cls):
            return Obj(callee.info)
        if isinstance(callee, Ext):
            qualname = callee.qualname
            if qualname in self.knowledge.coroutine_functions:
                return Coro(_result_value(self.knowledge.coroutine_functions[qualname]))
            if qualname in known.KNOWN_CLASSES:
                plain = not (qualname in _MOCKS and call is not None and _has_spec(call))
                return Obj(qualname, plain=plain)
            if qualname in known.RETURNS:
                return Obj(known.RETURNS[qualname])
            return UNKNOWN
        if isinstance(callee, Obj):
            if callee.cls == known.ASYNC_MOCK:
                return Coro()
            if callee.cls in known.SYNC_MOCKS and callee.plain:
                return Obj(
                    "unittest.mock.MagicMock" if callee.cls == "unittest.mock.MagicMock" else "unittest.mock.Mock"
                )
            if isinstance(callee.cls, ClassInfo):
                return self.call_result(self.class_attribute(callee.cls, "__call__", instance=True))
        return UNKNOWN

    def _annotation_instance(self, info: FunctionInfo) -> Value:
        returns = info.node.returns
        return UNKNOWN if returns is None else self._annotated(returns, info.parent)

    def _result_of(self, info: FunctionInfo) -> Value:
        """What a call of the plain def ``info`` gives (for an ``async def``: what awaiting it gives):
        its annotated type, else what its body returns. A body that builds a task refines an
        annotated Future."""
        annotated = self._annotation_instance(info)
        if annotated is not UNKNOWN and annotated != Obj(known.FUTURE):
            return annotated
        returned = self._body_result(info)
        return returned if returned is not UNKNOWN else annotated

    def _body_result(self, info: FunctionInfo) -> Value:
        """What ``info``'s body returns, when every ``return`` with a value agrees: one instance
        (``return Session(...)`` on every path), one function (a factory's nested ``async def``),
        or coroutines (``return self.client.get(url)``: a plain def that hands back an async def's
        coroutine). A ``return None``, a bare ``return`` or the end of the body is left aside (an
        ``Optional``): where the call gives something, it is that. Coroutines must be handed back
        on every path that does not say ``return None``: a body that can run to its end does its
        work itself there (``insert_row(conn)`` that runs a sync connection's query and returns an
        async one's coroutine)."""
        found = self._body_results.get(info)
        if found is None:
            if self._body_depth >= _MAX_RETURN_DEPTH:
                return UNKNOWN  # a chain of wrappers this deep is not worth the stack it takes
            self._body_results[info] = UNKNOWN  # a function that returns its own call's result
            self._body_depth += 1
            try:
                found = self._body_results[info] = self._compute_body_result(info)
            finally:
                self._body_depth -= 1
        return found

    def _compute_body_result(self, info: FunctionInfo) -> Value:
        values = [
            self.value(node.value, info.scope) for node in info.returns if not _is_none(node.value)
        ]
        if not values or any(_holds_a_mock(value) for value in values):
            return UNKNOWN  # a mock handed out of the function that configured it is not followed
        if any(isinstance(value, Coro) for value in values):
            if not all(isinstance(value, Coro) for value in values) or _falls_off(info.node.body):
                return UNKNOWN  # a coroutine on some paths, something else (or work done in sync) on others
            results = {value.result for value in values}  # type: ignore[attr-defined]
            return Coro(results.pop() if len(results) == 1 else UNKNOWN)
        return self._merge(iter(values))

    def _named_coroutine_function(self, info: FunctionInfo) -> bool:
        """The user named this function in ``coroutine-functions``: they mean it, whatever its
        body or decorators seem to say (a decorator that makes it async, a C accelerator...)."""
        named = self.knowledge.named_coroutine_functions
        return bool(named) and not named.isdisjoint(self._qualnames(info))

    def _qualnames(self, info: FunctionInfo | ClassInfo) -> set[str]:
        """The dotted names ``info`` is known by: where it is defined, and the names it was
        reached through (a package's re-export)."""
        found = set(self._aliases.get(info, ()))
        scope = info.parent
        if scope.kind == "module":
            module = scope.root
            if module.name is None:
                module.name = module_name_for(module.filename)
            found.add(f"{module.name}.{info.name}" if module.name else info.name)
        elif scope.kind == "class":
            found.update(f"{owner}.{info.name}" for owner in self._qualnames(scope.info))  # type: ignore[arg-type]
        return found

    def _annotated(self, annotation: ast.expr, scope: Scope) -> Value:
        """The value an annotation describes: an instance of the class it names, also quoted
        (``-> "Pipeline"``), optional (``Optional[X]``, ``X | None``) or generic (``Task[None]``);
        a coroutine for ``Coroutine[..., ..., X]``. Worked out once per annotation: a helper's
        return annotation is asked for at each of its calls."""
        key = (annotation, scope)
        value = self._annotation_values.get(key)
        if value is None:
            value = self._annotation_values[key] = self._annotation_value(annotation, scope)
        return value

    def _annotation_value(self, annotation: ast.expr, scope: Scope) -> Value:
        annotation = self._unquote(annotation)  # type: ignore[assignment]
        if annotation is None:
            return UNKNOWN
        member = self._non_optional(annotation, scope)
        if member is not annotation:
            return UNKNOWN if member is None else self._annotated(member, scope)
        if isinstance(annotation, ast.Subscript):
            origin = self.value(annotation.value, scope)
            if isinstance(origin, Ext) and origin.qualname in _COROUTINE_TYPES:
                arguments = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
                return Coro(self._annotated(arguments[-1], scope) if len(arguments) == 3 else UNKNOWN)
        else:
            origin = self.value(annotation, scope)
        if isinstance(origin, Cls):
            return Obj(origin.info)
        if isinstance(origin, Ext):
            if origin.qualname in known.KNOWN_CLASSES:
                return Obj(origin.qualname, plain=origin.qualname not in _MOCKS)
            if origin.qualname in _COROUTINE_TYPES:
                return Coro()
        return UNKNOWN

    def _unquote(self, annotation: ast.expr) -> ast.expr | None:
        """A string annotation (a forward reference) parsed, once; None if it does not parse."""
        if not (isinstance(annotation, ast.Constant) and isinstance(annotation.value, str)):
            return annotation
        if annotation not in self._unquoted:
            try:
                self._unquoted[annotation] = ast.parse(annotation.value.strip(), mode="eval").body
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                self._unquoted[annotation] = None
        return self._unquoted[annotation]

    def _non_optional(self, annotation: ast.expr, scope: Scope) -> ast.expr | None:
        """``X`` for ``Optional[X]``, ``Union[X, None]`` and ``X | None``; None for a union of
        several types; ``annotation`` itself when it is no union."""
        if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            members = _union_members(annotation)
        elif isinstance(annotation, ast.Subscript) and isinstance(annotation.value, (ast.Name, ast.Attribute)):
            origin = self.qualname(annotation.value, scope)
            if origin in _OPTIONAL:
                return annotation.slice
            if origin not in _UNION:
                return annotation
            members = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
        else:
            return annotation
        kept = [member for member in members if not _is_none(self._unquote(member))]
        return kept[0] if len(kept) == 1 else None

    def _returns_receiver(self, info: FunctionInfo) -> bool:
        """A method annotated to return the object it is called on: ``-> Self``, or the TypeVar its
        ``self`` is annotated with (``def __aenter__(self: _T) -> _T``)."""
        returns = self._unquote(info.node.returns) if info.node.returns is not None else None
        if not isinstance(returns, (ast.Name, ast.Attribute)):
            return False
        if self.qualname(returns, info.parent) in _SELF_TYPES:
            return True
        first = _first_param(info.node)
        own = self._unquote(first.annotation) if first is not None and first.annotation is not None else None
        return isinstance(own, ast.Name) and isinstance(returns, ast.Name) and own.id == returns.id

    # -- functions and classes ---------------------------------------------------------------

    def _decorator_name(self, decorator: ast.expr, scope: Scope) -> str | None:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Name) and target.id in _BUILTIN_DECORATORS and not self.bindings(target.id, scope):
            return target.id
        return self.qualname(target, scope)

    def decorator_names(self, info: FunctionInfo | ClassInfo) -> list[str | None]:
        return [self._decorator_name(d, info.parent) for d in info.node.decorator_list]

    def plain_decorators(self, info: FunctionInfo | ClassInfo) -> bool:
        """True when every decorator is known to keep the function's nature (async stays async)."""
        for decorator, name in zip(info.node.decorator_list, self.decorator_names(info)):
            if name is None:
                if isinstance(info, FunctionInfo) and self._passes_through(decorator, info):
                    continue
                return False
            if name in self.knowledge.runner_decorators:
                return False
            if name in _BUILTIN_DECORATORS or name in known.TRANSPARENT_DECORATORS:
                continue
            if name.startswith("pytest.mark."):
                continue
            return False
        return True

    def _passes_through(self, decorator: ast.expr, decorated: FunctionInfo) -> bool:
        """A decorator read from source that keeps an async function async: it returns a nested
        ``async def`` wrapper (``functools.wraps`` style), or a plain wrapper that returns what the
        wrapped function returns. A wrapper that runs the coroutine itself changes its nature."""
        value = self.value(decorator, decorated.parent)
        if not isinstance(value, Func) or value.info.is_async or not value.info.node.args.args:
            return False
        wrapped = value.info.node.args.args[0].arg
        returns = value.info.returns
        if len(returns) != 1 or not isinstance(returns[0].value, ast.Name):
            return False
        wrappers = value.info.scope.bindings.get(returns[0].value.id, [])
        if len(wrappers) != 1 or wrappers[0].kind != "def":
            return False
        wrapper: FunctionInfo = wrappers[0].info  # type: ignore[assignment]
        if wrapper in self._unwrapping or not self._plain_wrapper(wrapper):
            return False  # the wrapper is decorated itself (asyncssh's sftp_test: @asynctest runs it)
        if wrapper.is_async:
            return decorated.is_async and not wrapper.is_generator
        results = [n.value for n in wrapper.returns]
        return bool(results) and all(
            isinstance(r, ast.Call) and isinstance(r.func, ast.Name) and r.func.id == wrapped for r in results
        )

    def _plain_wrapper(self, wrapper: FunctionInfo) -> bool:
        self._unwrapping.add(wrapper)
        try:
            return self.plain_decorators(wrapper)
        finally:
            self._unwrapping.discard(wrapper)

    def mro(self, cls: ClassInfo) -> list[ClassInfo | str | None] | None:
        """C3 linearisation over analysed classes; an external base is a leaf (its qualified name),
        an unknown base is ``None``. ``None`` overall when the hierarchy is inconsistent or cyclic."""
        if cls in self._mro:
            return self._mro[cls]
        self._mro[cls] = None  # a cycle resolves to "unknown"
        bases: list[object] = []
        sequences: list[list[object]] = []
        for base in cls.node.bases:
            value = self.value(base, cls.parent)
            if isinstance(value, Cls):
                base_mro = self.mro(value.info)
                if base_mro is None:
                    return None
                bases.append(value.info)
                sequences.append([_Opaque() if entry is None else entry for entry in base_mro])
            else:
                entry: object = value.qualname if isinstance(value, Ext) else _Opaque()
                bases.append(entry)
                sequences.append([entry])
        merged = _c3([*sequences, bases])
        if merged is None:
            return None
        result = [cls, *(None if isinstance(entry, _Opaque) else entry for entry in merged)]
        self._mro[cls] = result  # type: ignore[assignment]
        return result  # type: ignore[return-value]

    def runner(self, cls: ClassInfo) -> Runner | None:
        """How ``cls`` runs its test methods; None when it is not known to be a unittest class."""
        if cls not in self._runner:
            self._runner[cls] = None
            self._runner[cls] = self._compute_runner(cls)
        return self._runner[cls]

    def _compute_runner(self, cls: ClassInfo) -> Runner | None:
        mro = self.mro(cls)
        if mro is None:
            return None
        kinds: set[Runner] = set()
        opaque = False
        for entry in mro:
            if entry is None:
                opaque = True
            elif isinstance(entry, str):
                if entry in self.knowledge.test_case_bases:
                    kinds.add(self.knowledge.test_case_bases[entry])
                elif entry not in ("object", "builtins.object"):
                    opaque = True
            else:
                if (
                    any(k.arg == "metaclass" for k in entry.node.keywords)
                    or not self.plain_decorators(entry)
                    or known.RUNNER_HOOKS.intersection(entry.methods)
                ):
                    opaque = True
        if not kinds:
            return None
        if opaque or Runner.OTHER in kinds:
            return Runner.OTHER
        for kind in (Runner.AWAITS_ALL, Runner.ISOLATED):
            if kind in kinds:
                return kind
        return Runner.SYNC

    def self_attribute_reads(self, cls: ClassInfo, attr: str) -> list[ast.Attribute]:
        """Reads of ``<x>.<attr>`` in ``cls`` and its same-file relatives (bases and subclasses):
        where a value stored on ``self`` may be used."""
        related = {entry for entry in self.mro(cls) or () if isinstance(entry, ClassInfo)}
        related |= {c for c in self.module.classes if cls in (self.mro(c) or ())}
        return [node for klass in related for node in attribute_loads(attr, klass.node)]

    def stored_reads(self, target: ast.expr, scope: Scope) -> list[ast.expr] | None:
        """Where a value assigned to ``target`` can be used: the reads of a local name in its
        function, or of ``self.<attr>`` across the class and its same-file relatives. None for a
        target we cannot follow (a global, an item, another object's attribute)."""
        if isinstance(target, ast.Name) and scope.kind == "function":
            return list(scope.reads(target.id))
        function = scope.function
        if isinstance(target, ast.Attribute) and function is not None and function.owner is not None:
            if isinstance(target.value, ast.Name) and target.value.id == function.self_name:
                return list(self.self_attribute_reads(function.owner, target.attr))
        return None

    def is_plain_sync_function(self, value: Value) -> bool:
        """A plain ``def`` whose calls give no awaitable: every ``return`` is a literal, nothing, or
        what the resolver knows is none (an instance of a class without ``__await__``, a class, a
        function). (A plain def returning an unknown call's result might return a coroutine: we
        do not judge it.)"""
        if not isinstance(value, Func):
            return False
        info = value.info
        if info.is_async or info.is_generator or not self.plain_decorators(info):
            return False
        if self._named_coroutine_function(info):
            return False
        names = self.decorator_names(info)
        if any(name not in (None, "staticmethod", "classmethod") for name in names):
            return False
        return all(
            node.value is None
            or isinstance(node.value, _LITERALS)
            or self._not_awaitable(self.value(node.value, info.scope))
            for node in info.returns
        )

    def _not_awaitable(self, value: Value) -> bool:
        if isinstance(value, Tup):
            return all(self._not_awaitable(item) for item in value.items)
        if isinstance(value, Obj) and isinstance(value.cls, ClassInfo):
            return self.class_attribute(value.cls, "__await__", instance=True) is UNKNOWN and all(
                isinstance(entry, ClassInfo) or entry in ("object", "builtins.object")
                for entry in self.mro(value.cls) or [None]
            )
        return isinstance(value, (Cls, Func))

    def coroutine_makers(self, callee: Value, seen: frozenset[FunctionInfo] = frozenset()) -> set[FunctionInfo]:
        """The ``async def``s whose coroutine a call of ``callee`` hands back: the function itself,
        or, for a plain def that returns a coroutine, those of the calls it returns."""
        if not isinstance(callee, Func) or callee.info in seen:
            return set()
        info = callee.info
        if info.is_coroutine_function:
            return {info}
        found: set[FunctionInfo] = set()
        for node in info.returns:
            if isinstance(node.value, ast.Call):
                found |= self.coroutine_makers(self.value(node.value.func, info.scope), seen | {info})
        return found

    def is_legacy_coroutine_call(self, call: ast.Call, scope: Scope) -> bool:
        """Is ``call`` a call of a generator-based coroutine function: a plain ``def`` that
        delegates with ``yield from`` (undecorated, or under ``@asyncio.coroutine``/
        ``@types.coroutine``)? The call makes a generator: nothing of the body runs until it is
        iterated (``yield from`` it, or ``await`` it where the decorator made it awaitable)."""
        func = call.func
        if self.project is None:  # only this module's generators can be read: a cheap test of the name first
            generators = self._generator_names
            if generators is None:
                generators = self._generator_names = {f.name for f in self.module.functions if f.is_generator}
            if (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)) not in generators:
                return False
        elif self._unittest_method(call):
            return False
        callee = self.value(func, scope)
        if not isinstance(callee, Func):
            return False
        info = callee.info
        if info.is_async or not info.is_generator:
            return False
        for name in self.decorator_names(info):
            if name not in _LEGACY_COROUTINE_DECORATORS and name not in _BUILTIN_DECORATORS:
                return False
        delegates = self._delegates.get(info)
        if delegates is None:
            delegates = self._delegates[info] = any(node.__class__ is ast.YieldFrom for node in own_nodes(info.node))
        return delegates

    def is_coroutine_function(self, value: Value) -> bool:
        """Is ``value`` a function that returns a coroutine when called?"""
        if isinstance(value, Func):
            info = value.info
            return info.is_coroutine_function and self.plain_decorators(info) or self._named_coroutine_function(info)
        if isinstance(value, Ext):
            return value.qualname in self.knowledge.coroutine_functions
        return isinstance(value, Obj) and value.cls == known.ASYNC_MOCK

    def is_event_loop(self, expr: ast.expr, scope: Scope) -> bool:
        """An event loop: known to be one, or an otherwise unknown value named like one (``self.loop``,
        ``event_loop``). A TaskGroup or a project's server, whatever its methods are called, is not."""
        value = self.value(expr, scope)
        if isinstance(value, Obj):
            return value.cls == known.LOOP
        name = expr.attr if isinstance(expr, ast.Attribute) else getattr(expr, "id", "")
        return name.lower().endswith("loop")

    def is_coroutine_call(self, call: ast.Call, scope: Scope) -> bool:
        """True when ``call`` is known to return a coroutine object."""
        if self.project is None and not self._may_make_coroutine(call):
            return False  # only this file's async defs and the known APIs can make coroutines
        if self._unittest_method(call):
            return False
        return isinstance(self.value(call, scope), Coro)

    def _unittest_method(self, call: ast.Call) -> bool:
        """``self.assertEqual(...)`` and TestCase's other sync methods, the most common calls in a
        test suite, are never coroutines: skip resolving them (unless this module redefines one as
        an ``async def``)."""
        func = call.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self"):
            return False
        name = func.attr
        if not (name.startswith(("assert", "fail")) or name in known.UNITTEST_METHODS):
            return False
        return name not in self._own_coroutine_names()

    def _own_coroutine_names(self) -> frozenset[str]:
        """The known coroutine functions' names, and those of this module's async defs."""
        names = self._coroutine_names
        if names is None:
            names = self._coroutine_names = self.knowledge.coroutine_names | {
                f.name for f in self.module.functions if f.is_async
            }
        return names

    def _may_make_coroutine(self, call: ast.Call) -> bool:
        """Without cross-file resolution, a filter true for every call the resolver could prove
        makes a coroutine: the callee's last name is an ``async def`` of this module, a plain def of
        it that hands back a coroutine, or a known coroutine function, or the module uses async mocks
        (whose children can have any name). (Any name may be an ``async def`` elsewhere once imports
        are followed.)"""
        func = call.func
        name = func.attr if func.__class__ is ast.Attribute else getattr(func, "id", None)
        if name is None:
            return True
        names = self._own_coroutine_names()
        if "__call__" in names or self.module.uses_async_mocks or name in names:
            return True
        plain = self._plain_defs
        if plain is None:
            plain = self._plain_defs = {}
            for function in self.module.functions:
                if function.returns and not function.is_async:
                    plain.setdefault(function.name, []).append(function)
        if name not in plain:
            return False
        found = self._returns_coroutine.get(name)
        if found is None:
            found = self._returns_coroutine[name] = any(
                isinstance(self._result_of(function), Coro) for function in plain[name]
            )
        return found


_MOCKS = frozenset({known.ASYNC_MOCK, *known.SYNC_MOCKS})
_LITERALS = (ast.Constant, ast.JoinedStr, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.Compare, ast.BoolOp)


def _external_attribute(base: Obj, name: str) -> Value:
    cls = base.cls
    if cls in _MOCKS:
        if not base.plain or name in known.MOCK_API or name.startswith(("assert_", "_")):
            return UNKNOWN
        if cls == known.ASYNC_MOCK:
            return Obj(known.ASYNC_MOCK)
        return Obj("unittest.mock.MagicMock" if cls == "unittest.mock.MagicMock" else "unittest.mock.Mock")
    return Ext(known.canonical(f"{cls}.{name}"))


def _import_world(bindings: list[Binding], name: str) -> list[Binding]:
    """The bindings of ``name`` as the code sees it where its imports work: a placeholder bound in
    the ``except ImportError`` of a ``try`` that imports the name (``asyncio = None``, a stub) is
    left out, so the name still means the module the ``try`` imports. A fallback that imports
    another module under the name stays: both are real, each on the Pythons where it runs (a
    shim for asynctest before 3.8, say)."""
    if len(bindings) < 2 or not any(b.kind == "import" for b in bindings):
        return bindings
    kept = [b for b in bindings if b.kind == "import" or name not in getattr(b.node, "_atc_import_fallback", ())]
    return kept or bindings


def _has_spec(call: ast.Call) -> bool:
    return bool(call.args) or any(k.arg in _MOCK_SPEC_KEYWORDS or k.arg is None for k in call.keywords)


def _result_value(result: str | tuple[str, ...] | None) -> Value:
    if result is None:
        return UNKNOWN
    if isinstance(result, tuple):
        return Tup(tuple(Obj(item) for item in result))
    return Obj(result)


def _holds_a_mock(value: Value) -> bool:
    """A mock, or a tuple holding one: what the function set on it (``obj.pairing = Handler()``)
    the resolver does not follow, so its children there are not the mock's own."""
    if isinstance(value, Tup):
        return any(_holds_a_mock(item) for item in value.items)
    inner = value.result if isinstance(value, Coro) else value
    return isinstance(inner, Obj) and inner.cls in _MOCKS


def _is_none(expr: ast.expr | None) -> bool:
    return expr is None or isinstance(expr, ast.Constant) and expr.value is None


def _falls_off(body: list[ast.stmt]) -> bool:
    """Can running ``body`` reach its end (not every path returns or raises)?"""
    if not body:
        return True
    last = body[-1]
    if isinstance(last, (ast.Return, ast.Raise)):
        return False
    if isinstance(last, ast.If):
        return _falls_off(last.body) or _falls_off(last.orelse)
    if isinstance(last, (ast.With, ast.AsyncWith)):
        return _falls_off(last.body)
    if isinstance(last, ast.Try):
        if last.finalbody and not _falls_off(last.finalbody):
            return False
        through = _falls_off(last.body) and (not last.orelse or _falls_off(last.orelse))
        return through or any(_falls_off(handler.body) for handler in last.handlers)
    return True


def _union_members(annotation: ast.expr) -> list[ast.expr]:
    """``A | B | None`` as ``[A, B, None]``."""
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        return [*_union_members(annotation.left), *_union_members(annotation.right)]
    return [annotation]


def _first_param(node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.arg | None:
    args = node.args.posonlyargs + node.args.args
    return args[0] if args else None


class _Opaque:
    """An unknown base class: distinct from every other entry in a linearisation."""


def _c3(sequences: list[list[object]]) -> list[object] | None:
    result: list[object] = []
    sequences = [list(s) for s in sequences if s]
    while sequences:
        for sequence in sequences:
            head = sequence[0]
            if not any(head in other[1:] for other in sequences):
                break
        else:
            return None
        result.append(head)
        sequences = [s[1:] if s[0] == head else s for s in sequences]
        sequences = [s for s in sequences if s]
    return result
