"""Where loop-handling code runs, for the event-loop rules: inside a running loop, under an
assertion, in a child process, in a documentation snippet, in a module that cannot be imported.
Answers come from the module model and parent links; nothing walks the tree."""

from __future__ import annotations

import ast
import re

from ..analysis.legacy import defined_on_import, legacy_coroutines
from ..analysis.model import ClassInfo, FunctionInfo, Scope, parent, scope_of
from ..analysis.usage import callee_name, enclosing_with_calls, identifiers
from ..context import Context

_FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
# Context managers that expect the code in their block to raise or warn: that is the test's subject.
_EXPECTS_FAILURE = frozenset(
    {"assertRaises", "assertRaisesRegex", "assertWarns", "assertWarnsRegex", "raises", "warns", "deprecated_call"}
)


def asserted_about(call: ast.Call) -> bool:
    """The call's result is what an assertion checks (``assert get_event_loop() is loop``,
    ``self.assertIs(get_event_loop(), loop)``), or the call alone is expected to raise or warn."""
    node: ast.AST = call
    context = parent(call)
    while isinstance(context, (ast.Compare, ast.BoolOp, ast.UnaryOp)):
        node, context = context, parent(context)
    if isinstance(context, ast.Assert):
        return context.test is node
    if isinstance(context, ast.Call):
        func = context.func
        asserts = isinstance(func, ast.Attribute) and func.attr.startswith("assert")
        return asserts and any(argument is node for argument in context.args)
    if isinstance(context, ast.Expr):
        return any(callee_name(manager) in _EXPECTS_FAILURE for manager in enclosing_with_calls(call))
    return False


def fails_to_import_since_3_11(ctx: Context) -> bool:
    """The module applies ``@asyncio.coroutine`` as it is imported (to a def at module level or in a
    module-level class, outside any ``if``/``try``): it raises AttributeError on every Python since
    3.11, so what would break later (on 3.14) in it never gets the chance."""
    found = ctx.cache.get("fails_to_import_since_3_11")
    if found is None:
        found = ctx.cache["fails_to_import_since_3_11"] = any(
            defined_on_import(function.node) for function in legacy_coroutines(ctx.module, ctx.resolver)
        )
    return found  # type: ignore[return-value]


def no_running_loop_fallback(call: ast.Call) -> bool:
    """The call is in the ``except`` of a ``try`` that asks for the running loop first: it runs
    only where no loop runs (``try: get_running_loop() except RuntimeError: get_event_loop()``)."""
    child, current = call, parent(call)
    while current is not None and not isinstance(current, _FUNCTION_NODES):
        if isinstance(current, ast.Try) and any(child is handler for handler in current.handlers):
            if any("get_running_loop" in identifiers(statement) for statement in current.body):
                return True
        child, current = current, parent(current)
    return False


def runs_inside_loop(ctx: Context, scope: Scope, seen: frozenset[FunctionInfo] = frozenset()) -> bool:
    """Code in a coroutine, or in a plain ``def`` whose every call in this module is made from code
    that runs inside one (a helper, or the constructor of a helper class, used by async tests)."""
    if scope.is_coroutine:
        return True
    if scope.kind != "function":
        return False
    function: FunctionInfo = scope.info  # type: ignore[assignment]
    if function in seen:
        return False
    sites = _call_sites(ctx, function)
    return bool(sites) and all(runs_inside_loop(ctx, site, seen | {function}) for site in sites)


def _call_sites(ctx: Context, function: FunctionInfo) -> list[Scope]:
    """The scopes that call ``function``, when every use of it in the module is a call (a function
    passed on as a callback may run anywhere: then none). A constructor's calls are the class's."""
    owner = function.owner
    if owner is None:
        name, reads = function.name, function.parent.reads(function.name)
    elif function.name == "__init__":
        name, reads = owner.name, owner.parent.reads(owner.name)
    else:
        name, reads = function.name, ctx.resolver.self_attribute_reads(owner, function.name)
    called = {id(read) for read in reads}
    sites = [scope for call, scope in ctx.module.calls_named(name) if id(call.func) in called]
    return sites if reads and len(sites) == len(reads) else []


# Where a function handed over runs in another process: ``executor.submit(f)``, ``pool.map(f, xs)``,
# ``loop.run_in_executor(pool, f)``, ``multiprocessing.Process(target=f)``.
_POOL_METHODS = frozenset(
    {"submit", "map", "apply", "apply_async", "map_async", "imap", "imap_unordered", "starmap", "starmap_async"}
)
_PROCESS_FACTORIES = frozenset(
    {
        "concurrent.futures.ProcessPoolExecutor",
        "concurrent.futures.process.ProcessPoolExecutor",
        "multiprocessing.Pool",
        "multiprocessing.Process",
        "multiprocessing.pool.Pool",
        "multiprocessing.context.Process",
    }
)
_PROCESS_CLASSES = frozenset({"multiprocessing.Process", "multiprocessing.context.Process"})
_PROCESS_NAMES = frozenset(name.rpartition(".")[2] for name in _PROCESS_FACTORIES)


def runs_in_child_process(ctx: Context, scope: Scope) -> bool:
    """Code in a function (or nested in one) that this module only ever hands to a process pool
    or a ``multiprocessing.Process``, or in the ``run()`` of a ``Process`` subclass: what it leaves
    behind dies with the worker process."""
    function = scope.function
    while function is not None:
        if function.owner is None:
            reads = function.parent.reads(function.name)
            if reads and all(_starts_process_with(ctx, read) for read in reads):
                return True
        elif function.name == "run" and _is_process_class(ctx, function.owner):
            return True
        function = function.parent.function
    return False


def _is_process_class(ctx: Context, cls: ClassInfo) -> bool:
    """``cls`` subclasses ``multiprocessing.Process``: its ``run()`` is what the child process runs."""
    return any(base in _PROCESS_CLASSES for base in ctx.resolver.mro(cls) or [])


def _starts_process_with(ctx: Context, read: ast.Name) -> bool:
    context = parent(read)
    if isinstance(context, ast.keyword):
        call = parent(context)
        return context.arg == "target" and isinstance(call, ast.Call) and _makes_process(ctx, call, read)
    if not isinstance(context, ast.Call) or not isinstance(context.func, ast.Attribute):
        return False
    args, method = context.args, context.func.attr
    if method == "run_in_executor":
        return len(args) > 1 and args[1] is read and _is_process_pool(ctx, args[0], read)
    if method not in _POOL_METHODS or not args or args[0] is not read:
        return False
    return _is_process_pool(ctx, context.func.value, read)


def _is_process_pool(ctx: Context, expr: ast.expr, near: ast.AST) -> bool:
    """``expr`` makes a process pool, or is a name every binding of which holds one."""
    if isinstance(expr, ast.Call):
        return _makes_process(ctx, expr, near)
    if not isinstance(expr, ast.Name):
        return False
    bindings = ctx.resolver.bindings(expr.id, _scope_at(ctx, near))
    return bool(bindings) and all(
        b.kind in ("assign", "with") and isinstance(b.value, ast.Call) and _makes_process(ctx, b.value, b.value)
        for b in bindings
    )


def _makes_process(ctx: Context, call: ast.Call, near: ast.AST) -> bool:
    """A call of a process pool or process class; by its name when the resolver cannot tell
    (``multiprocessing.get_context("spawn").Process``) in a module that imports multiprocessing."""
    name = ctx.resolver.call_name(call, _scope_at(ctx, near))
    if name is not None:
        return name in _PROCESS_FACTORIES
    return callee_name(call) in _PROCESS_NAMES and any(
        module.startswith(("multiprocessing", "concurrent")) for module in ctx.module.imported_modules
    )


_SCOPE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _scope_at(ctx: Context, node: ast.AST) -> Scope:
    """The scope that code at ``node`` runs in."""
    current = parent(node)
    while current is not None:
        if isinstance(current, _SCOPE_NODES):
            return scope_of(current)
        current = parent(current)
    return ctx.module.scope


def handed_over_with(function: FunctionInfo | None) -> list[ast.AST]:
    """The functions passed in the same call as ``function`` (a benchmark's ``setup=`` and
    ``teardown=`` pair): one of them may undo what ``function`` did."""
    if function is None or function.owner is not None:
        return []
    siblings = function.parent.bindings
    found: list[ast.AST] = []
    for read in function.parent.reads(function.name):
        context = parent(read)
        call = parent(context) if isinstance(context, ast.keyword) else context
        if not isinstance(call, ast.Call) or call.func is read:
            continue
        for arg in (*call.args, *(k.value for k in call.keywords)):
            if isinstance(arg, ast.Name) and arg is not read:
                found.extend(b.info.node for b in siblings.get(arg.id, ()) if b.kind == "def" and b.info)
    return found


# Documentation snippets: code between ``# [START name]`` and ``# [END name]`` (sphinx
# literalinclude markers) or ``# Start <...> Example N`` and ``# End <...> Example N``, which the
# project's docs include verbatim. A loop the documented pattern keeps open stays open there.
_SNIPPET_MARK = re.compile(
    r"#\s*(?:\[\s*(?P<bracket>START|END)\s+(?P<tag>[^\]]+?)\s*\]"
    r"|(?P<word>Start|End)\s+(?P<label>.*\bExample\b.*?))\s*$",
    re.IGNORECASE,
)


def in_doc_snippet(ctx: Context, node: ast.AST) -> bool:
    line = getattr(node, "lineno", 0)
    return any(start < line < end for start, end in _doc_snippets(ctx))


def _doc_snippets(ctx: Context) -> list[tuple[int, int]]:
    """The line spans of the module's documentation snippets, worked out once per file."""
    spans = ctx.cache.get("doc_snippets")
    if spans is None:
        spans = []
        opened: dict[str, int] = {}
        for number, line in enumerate(ctx.source.splitlines(), start=1):
            if "#" not in line:  # a marker is a comment: most lines are no candidate
                continue
            match = _SNIPPET_MARK.match(line.strip())
            if match is None:
                continue
            kind = (match.group("bracket") or match.group("word")).lower()
            label = " ".join((match.group("tag") or match.group("label")).lower().split())
            if kind == "start":
                opened[label] = number
            elif label in opened:
                spans.append((opened.pop(label), number))
        ctx.cache["doc_snippets"] = spans
    return spans  # type: ignore[return-value]
