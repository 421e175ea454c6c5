"""The one walk over a module's ``ast``: sets parent links, builds scopes and bindings, and collects
the node types the rules asked for. Nothing else walks the whole tree."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from typing import Any

from . import model
from .known import IMPORT_ERRORS
from .model import Binding, ClassInfo, FunctionInfo, Module, Scope

_AST = ast.AST


def build(tree: ast.Module, filename: str, wanted: Iterable[type] = (), source: str = "", links: bool = True) -> Module:
    """Walk ``tree`` once and return its model, with the ``wanted`` node types collected.

    ``links``: this is the module under check, whose parent links and scopes ``model.parent`` and
    ``model.scope_of`` answer for (until ``model.release``); modules read for cross-file
    resolution do without."""
    module_scope = Scope("module", tree, None)
    module = Module(tree, filename, module_scope, uses_async_mocks="AsyncMock" in source or "CoroutineMock" in source)
    if links:
        model._PARENTS.clear()
        model._SCOPES.clear()
    _Walker(module, frozenset(wanted), model._PARENTS if links else {}, model._SCOPES if links else {}).run()
    return module


class _Walker:
    def __init__(
        self, module: Module, wanted: frozenset[type], parents: dict[_AST, Any], scopes: dict[_AST, Scope]
    ) -> None:
        self.module = module
        self.wanted = wanted
        self.parents = parents
        self.scopes = scopes
        self.stack: list[tuple[Any, _AST | None, Scope]] = []

    def run(self) -> None:
        stack = self.stack
        stack.append((self.module.tree, None, self.module.scope))
        handlers = _HANDLERS
        wanted = self.wanted
        nodes = self.module.nodes
        for kind in wanted:
            nodes[kind] = []
        child_fields = _CHILD_FIELDS
        parents = self.parents
        pop = stack.pop
        push = stack.append
        name_type, load_type, constant_type = ast.Name, ast.Load, ast.Constant
        while stack:
            node, parent, scope = pop()
            parents[node] = parent
            kind = node.__class__
            if kind in wanted:
                nodes[kind].append((node, scope))
            if kind is constant_type:
                continue  # the commonest leaf: nothing to bind or walk into
            if kind is name_type:
                if node.ctx.__class__ is load_type:
                    loads = scope.loads.get(node.id)
                    if loads is None:
                        scope.loads[node.id] = [node]
                    else:
                        loads.append(node)
                elif not getattr(node, "_atc_bound", False):
                    scope.bind(node.id, Binding("other", node))
                continue
            handler = handlers.get(kind)
            if handler is not None and handler(self, node, scope):
                continue  # the handler queued the children itself, each with its scope
            fields = child_fields.get(kind)
            if fields is None:
                fields = child_fields[kind] = _child_fields(kind)
            for name in fields:
                value = getattr(node, name, None)
                if value.__class__ is list:
                    for item in reversed(value):
                        if isinstance(item, _AST):
                            push((item, node, scope))
                elif value is not None and isinstance(value, _AST):
                    push((value, node, scope))

    def _push(self, node: _AST, scope: Scope, *fields: str) -> None:
        """Queue ``fields`` of ``node`` to be walked in ``scope`` (popped in source order)."""
        push = self.stack.append
        for name in reversed(fields):
            value = getattr(node, name, None)
            if value.__class__ is list:
                for item in reversed(value):
                    push((item, node, scope))
            elif value is not None:
                push((value, node, scope))

    # -- scopes ------------------------------------------------------------------------------

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope) -> bool:
        inner = self.scopes[node] = Scope("function", node, scope)
        info = FunctionInfo(node, inner, scope)
        inner.info = info
        scope.bind(node.name, Binding("def", node, info=info))
        if scope.kind == "class":
            scope.info.methods[node.name] = info  # type: ignore[union-attr]
        self.module.functions.append(info)
        _bind_params(node.args, inner)
        self._push(node, inner, "body")
        self._push(node, scope, "decorator_list", "args", "returns")
        return True

    def _lambda(self, node: ast.Lambda, scope: Scope) -> bool:
        inner = self.scopes[node] = Scope("lambda", node, scope)
        _bind_params(node.args, inner)
        self._push(node, inner, "body")
        self._push(node, scope, "args")
        return True

    def _class(self, node: ast.ClassDef, scope: Scope) -> bool:
        inner = self.scopes[node] = Scope("class", node, scope)
        info = ClassInfo(node, inner, scope)
        inner.info = info
        scope.bind(node.name, Binding("class", node, info=info))
        self.module.classes.append(info)
        self._push(node, inner, "body")
        self._push(node, scope, "decorator_list", "bases", "keywords")
        return True

    # -- bindings ----------------------------------------------------------------------------

    def _import(self, node: ast.Import, scope: Scope) -> bool:
        for alias in node.names:
            self.module.imported_modules.add(alias.name)
            if alias.asname:
                self._bind_import(scope, alias.asname, Binding("import", node, qualname=alias.name))
            else:
                top = alias.name.partition(".")[0]
                self._bind_import(scope, top, Binding("import", node, qualname=top))
        return False

    def _import_from(self, node: ast.ImportFrom, scope: Scope) -> bool:
        base = "." * node.level + (node.module or "")
        if node.module and not node.level:
            self.module.imported_modules.add(node.module)
        for alias in node.names:
            if alias.name == "*":
                if scope.kind == "module":
                    self.module.star_imports.append(base)
                continue
            qualname = f"{base}.{alias.name}" if base and not base.endswith(".") else base + alias.name
            self._bind_import(scope, alias.asname or alias.name, Binding("import", node, qualname=qualname))
        return False

    def _bind_import(self, scope: Scope, name: str, binding: Binding) -> None:
        scope.bind(name, binding)
        self.module.imports.append((name, binding))

    def _assign(self, node: ast.Assign, scope: Scope) -> bool:
        for target in node.targets:
            self._bind_target(target, node.value, scope, node)
        return False

    def _ann_assign(self, node: ast.AnnAssign, scope: Scope) -> bool:
        if node.value is not None:
            self._bind_target(node.target, node.value, scope, node)
        elif isinstance(node.target, ast.Name):
            node.target._atc_bound = True  # type: ignore[attr-defined]  # a bare annotation binds nothing
        return False

    def _named_expr(self, node: ast.NamedExpr, scope: Scope) -> bool:
        while scope.kind not in ("function", "module", "lambda"):
            scope = scope.parent  # type: ignore[assignment]
        self._bind_target(node.target, node.value, scope, node)
        return False

    def _with(self, node: ast.With | ast.AsyncWith, scope: Scope) -> bool:
        for item in node.items:
            target = item.optional_vars
            if isinstance(target, ast.Name):
                target._atc_bound = True  # type: ignore[attr-defined]
                scope.bind(target.id, Binding("with", node, value=item.context_expr))
        return False

    def _bind_target(self, target: ast.expr, value: ast.expr, scope: Scope, stmt: ast.AST) -> None:
        if isinstance(target, ast.Name):
            target._atc_bound = True  # type: ignore[attr-defined]
            scope.bind(target.id, Binding("assign", stmt, value=value))
        elif isinstance(target, (ast.Tuple, ast.List)):
            if any(isinstance(elt, ast.Starred) for elt in target.elts):
                return  # the generic Name handler binds starred targets as unknown
            literal = isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts)
            for index, elt in enumerate(target.elts):
                if literal:
                    self._bind_target(elt, value.elts[index], scope, stmt)  # type: ignore[attr-defined]
                elif isinstance(elt, ast.Name):
                    elt._atc_bound = True  # type: ignore[attr-defined]
                    scope.bind(elt.id, Binding("assign", stmt, value=value, index=index))
        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            function = scope.function
            if function is not None and function.owner is not None and target.value.id == function.self_name:
                attrs = function.owner.self_attrs
                attrs.setdefault(target.attr, []).append((value, function))

    def _global(self, node: ast.Global | ast.Nonlocal, scope: Scope) -> bool:
        for name in node.names:
            scope.bind(name, Binding("other", node))
        return False

    def _except_handler(self, node: ast.ExceptHandler, scope: Scope) -> bool:
        if node.name:
            scope.bind(node.name, Binding("other", node))
        return False

    def _try(self, node: ast.Try, scope: Scope) -> bool:
        """Mark what an ``except ImportError`` handler runs with the names the ``try`` imports: the
        resolver leaves out the fallbacks it binds to them (``asyncio = None``). (Names, not the
        ``try`` node: a link back up would make the tree a reference cycle.)"""
        handlers = [handler for handler in node.handlers if _catches_import_error(handler.type)]
        if handlers:
            imported = frozenset(
                alias.asname or alias.name.partition(".")[0]
                for statement in node.body
                if isinstance(statement, (ast.Import, ast.ImportFrom))
                for alias in statement.names
            )
            if imported:
                for handler in handlers:
                    for statement in handler.body:
                        statement._atc_import_fallback = imported  # type: ignore[attr-defined]
        return False

    def _match_capture(self, node: ast.AST, scope: Scope) -> bool:
        name = getattr(node, "name", None) or getattr(node, "rest", None)
        if name:
            scope.bind(name, Binding("other", node))
        return False

    def _yield(self, node: ast.AST, scope: Scope) -> bool:
        if scope.kind == "function":
            scope.info.is_generator = True  # type: ignore[union-attr]
        return False

    def _return(self, node: ast.Return, scope: Scope) -> bool:
        if scope.kind == "function":
            scope.info.returns.append(node)  # type: ignore[union-attr]
        return False

    def _await(self, node: ast.Await, scope: Scope) -> bool:
        if scope.kind == "function":
            scope.info.awaits = True  # type: ignore[union-attr]
        return False


# What the walk does on meeting a node of each type, besides walking into it. A class-level table of
# plain functions: bound methods stored on the walker would make it a reference cycle.
_HANDLERS: dict[type, Callable[[_Walker, Any, Scope], bool]] = {
    ast.FunctionDef: _Walker._function,
    ast.AsyncFunctionDef: _Walker._function,
    ast.Lambda: _Walker._lambda,
    ast.ClassDef: _Walker._class,
    ast.Import: _Walker._import,
    ast.ImportFrom: _Walker._import_from,
    ast.Assign: _Walker._assign,
    ast.AnnAssign: _Walker._ann_assign,
    ast.NamedExpr: _Walker._named_expr,
    ast.With: _Walker._with,
    ast.AsyncWith: _Walker._with,
    ast.Global: _Walker._global,
    ast.Nonlocal: _Walker._global,
    ast.ExceptHandler: _Walker._except_handler,
    ast.Try: _Walker._try,
    ast.Yield: _Walker._yield,
    ast.YieldFrom: _Walker._yield,
    ast.Await: _Walker._await,
    ast.Return: _Walker._return,
    ast.MatchAs: _Walker._match_capture,
    ast.MatchStar: _Walker._match_capture,
    ast.MatchMapping: _Walker._match_capture,
}

if hasattr(ast, "TryStar"):  # ``try/except*`` from Python 3.11
    _HANDLERS[ast.TryStar] = _Walker._try


def _catches_import_error(caught: ast.expr | None) -> bool:
    """``except ImportError``, ``except (ImportError, AttributeError)``, ``except builtins.ImportError``."""
    items = caught.elts if isinstance(caught, ast.Tuple) else [caught]
    return any(
        isinstance(item, ast.Name) and item.id in IMPORT_ERRORS
        or isinstance(item, ast.Attribute) and item.attr in IMPORT_ERRORS
        for item in items
    )


# Fields that never hold a child worth visiting: names, flags, and the shared singleton nodes for
# contexts and operators.
_SCALAR_FIELDS = frozenset(
    {
        "ctx",
        "op",
        "ops",
        "id",
        "attr",
        "name",
        "arg",
        "kind",
        "level",
        "module",
        "asname",
        "conversion",
        "type_comment",
        "is_async",
        "names",
        "rest",
        "kwd_attrs",
        "tag",
        "lineno",
    }
)
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(kind: type) -> tuple[str, ...]:
    """A node type's fields that can hold children, last first (the stack pops them in source order)."""
    if kind in (ast.Constant, ast.MatchSingleton):
        return ()
    return tuple(reversed([f for f in kind._fields if f not in _SCALAR_FIELDS]))  # type: ignore[attr-defined]


def descendants(root: _AST, stop: tuple[type, ...] = ()) -> list[_AST]:
    """Every node under ``root`` (not ``root`` itself): a faster ``ast.walk`` that skips the fields
    that hold no children. Nodes of a ``stop`` type are included but not entered."""
    found: list[_AST] = []
    stack = [root]
    pop, push, add = stack.pop, stack.append, found.append
    child_fields = _CHILD_FIELDS
    while stack:
        node = pop()
        kind = node.__class__
        fields = child_fields.get(kind)
        if fields is None:
            fields = child_fields[kind] = _child_fields(kind)
        for name in fields:
            value = getattr(node, name, None)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, _AST):
                        add(item)
                        if not isinstance(item, stop):
                            push(item)
            elif value is not None and isinstance(value, _AST):
                add(value)
                if not isinstance(value, stop):
                    push(value)
    return found


def _bind_params(args: ast.arguments, scope: Scope) -> None:
    for arg in (*args.posonlyargs, *args.args, args.vararg, *args.kwonlyargs, args.kwarg):
        if arg is not None:
            scope.bind(arg.arg, Binding("param", arg))
