"""Where loop-handling code runs, for the event-loop rules: inside a running loop, under an
assertion, in a child process. Each answer comes from the module model; nothing walks the tree."""

from __future__ import annotations

import ast

from ..analysis.model import FunctionInfo, Scope, parent
from ..analysis.usage import enclosing_with_calls
from ..context import Context

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
        return isinstance(func, ast.Attribute) and func.attr.startswith("assert") and any(a is node for a in context.args)
    if isinstance(context, ast.Expr):
        return any(callee_name(manager) in _EXPECTS_FAILURE for manager in enclosing_with_calls(call))
    return False


def callee_name(call: ast.Call) -> str | None:
    """The last name of the callee: ``raises`` for ``pytest.raises(...)``."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


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
