"""ATC101, ATC102, ATC106: coroutine objects that are made and never awaited."""

from __future__ import annotations

import ast
from typing import Any

from ..analysis import known
from ..analysis.known import Runner
from ..analysis.model import FunctionInfo, Scope, parent, scope_of
from ..analysis.patches import sync_stand_ins
from ..analysis.usage import callee_name, describe, enclosing_with_calls, inside
from ..analysis.values import UNKNOWN, Coro, Func
from ..context import Context
from ..fix import Edit, Fix, add_await
from ..rule import Rule
from .family import Family

ATC101 = Rule(
    code="ATC101",
    summary="Coroutine created and never awaited",
    name="coroutine-never-awaited",
    message="{callee}() {what}; {advice}",
    fix="add `await` (in a coroutine)",
    what="""
        Finds calls to coroutine functions whose coroutine is dropped: the call is a statement of
        its own, or its result goes into a name that is never read. A coroutine function is an
        `async def`, a function named in the `coroutine-functions` option (also when the checker
        can read it), or a plain `def` that hands back an `async def`'s coroutine on every path
        that does not `return None` (a wrapper such as `def fetch(self): return self.get(url)`; a
        body that can run to its end does its work itself there, as a helper serving sync and
        async connections does). Also reported: a method call on an untyped parameter that the
        same function awaits elsewhere (`await client.send(a)` ... `client.send(b)`): evidence in
        one function, not a guess; and a bare call of a generator-based coroutine (a `def` whose
        body delegates with `yield from`, bare or under `@asyncio.coroutine`): the call makes a
        generator and runs nothing. Not reported: a coroutine a test drops on purpose to see
        Python's "never awaited" RuntimeWarning (deleted with `del`, or made inside
        `assertWarns(RuntimeWarning)`, `pytest.warns(RuntimeWarning)` or
        `warnings.catch_warnings()`); a call whose `async def` the test replaces with something
        that makes no coroutine (`patch.object(Client, "fetch", new_callable=MagicMock)`,
        `monkeypatch.setattr`, `client.fetch = Mock()`) in the same test class or function, at
        module level or in a fixture; the last statement of an `assertRaises`/`pytest.raises`
        block, which is expected to raise before it makes anything (a wrapper that checks its
        context first, a call with the wrong arguments).
        """,
    why="""
        Calling an `async def` function only creates a coroutine object; nothing in its body runs
        until it is awaited. The test goes on as if the work was done, and at best Python prints
        "RuntimeWarning: coroutine ... was never awaited" to stderr after the test has passed.
        """,
    example="""
        async def test_close(self):
            self.client.close()          # async def close(): nothing happens
            self.assertTrue(self.client.closed)
        """,
    use_instead="""
        async def test_close(self):
            await self.client.close()
            self.assertTrue(self.client.closed)
        """,
)

ATC102 = Rule(
    code="ATC102",
    summary="Coroutine object tested as a value (`assert coro()`, `assertTrue(coro())`)",
    name="coroutine-used-as-value",
    message="{subject}: {effect}; {advice}",
    fix="add `await`",
    what="""
        Finds a coroutine used where its value is tested: `assert coro()`, `if coro():`,
        `self.assertTrue(coro())`, `self.assertEqual(coro(), x)`, `self.assertIsNotNone(coro())`...
        And a coroutine bound to a name and then used as if the name held its result, reported at
        the first such use: an attribute read (`resp = client.get(url)` ... `resp.status`, or
        `async with conn.transaction()`), subscripting, iterating or unpacking it, testing its
        truth, comparing it with literal data (`== 200`, `assertEqual(rows, [1])`), or handing it
        to a builtin that takes a value (`len(rows)`). Not reported: a name the test also uses as
        a coroutine (`coro.close()`, `send()`, `cr_frame`: a test of coroutine objects, which
        misuses them on purpose), a use inside `assertRaises`/`pytest.raises`, identity checks,
        comparisons with other objects, and handing the name on (to `gather`, `create_task`, a
        helper).
        """,
    why="""
        A coroutine object is always truthy and never equal to a result, so `assert` and
        `assertTrue` pass and the code under test never runs: the assertion checks nothing.
        """,
    example="""
        async def test_ready(self):
            self.assertTrue(self.server.is_ready())   # async def is_ready()
        """,
    use_instead="""
        async def test_ready(self):
            self.assertTrue(await self.server.is_ready())
        """,
)

ATC106 = Rule(
    code="ATC106",
    summary="Cleanup that produces a coroutine nobody awaits",
    name="cleanup-never-awaited",
    message="{what} is never awaited by {method}(), so the cleanup never runs; {advice}",
    fix="`addAsyncCleanup(fn, *args)`",
    what="""
        Finds cleanups that produce a coroutine nobody awaits: `addCleanup(lambda: coro())`,
        `addCleanup(fn)` where a plain `def fn` returns a coroutine, a coroutine function given to
        `addCleanup` on a plain `unittest.TestCase`, or a coroutine object passed as the cleanup.
        """,
    why="""
        Since Python 3.11, `IsolatedAsyncioTestCase` awaits a cleanup only when the function
        itself is a coroutine function. A lambda or plain function that returns a coroutine is
        called, its coroutine dropped, and the resource (server, connection, task) leaks into the
        next test. A plain `TestCase` never awaits anything.
        """,
    example="""
        async def asyncSetUp(self):
            self.conn = await connect()
            self.addCleanup(lambda: self.conn.close())    # async def close()
        """,
    use_instead="""
        async def asyncSetUp(self):
            self.conn = await connect()
            self.addAsyncCleanup(self.conn.close)
        """,
)

_COROUTINE = "makes a coroutine that is never awaited, so its body never runs"
_GENERATOR = (
    "makes a generator that nothing iterates (its body delegates with `yield from`, as a generator-based "
    "coroutine does), so its body never runs"
)
_LEGACY_ADVICE = "drive it with `yield from`, or port it to `async def` and await it"
_TRUTH = "always true and equal to nothing, and never awaited"
_TRUTHY_PARENTS = (ast.If, ast.While, ast.IfExp, ast.Assert)
_EQUALITY_OPS = (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)
_SYNC_CLEANUPS = {"addCleanup": (Runner.SYNC,), "addClassCleanup": (Runner.SYNC, Runner.ISOLATED)}
_MODULE_CLEANUP = "unittest.addModuleCleanup"


class Unawaited(Family):
    rules = (ATC101, ATC102, ATC106)
    wanted = (ast.Call, ast.Await, ast.Assign)

    def check(self, ctx: Context) -> None:
        if ctx.enabled(ATC106):
            for call, scope in ctx.module.calls_named(*_SYNC_CLEANUPS):
                if isinstance(call.func, ast.Attribute):
                    self._cleanup(ctx, call, scope, call.func.attr)
            for call, scope, _ in ctx.resolver.calls_to(_MODULE_CLEANUP):
                self._cleanup(ctx, call, scope, "addModuleCleanup")
        for call, scope in ctx.module.of_type(ast.Call):
            context = parent(call)
            if not _interesting(call, context):
                continue
            dropped = _dropped(ctx, call, context, scope)
            if dropped is None or isinstance(context, ast.Expr) and _expected_to_raise(context):
                continue  # nothing dropped, or the call is expected to raise before it makes anything
            if _expects_never_awaited_warning(call):
                continue  # the test makes the coroutine to see the "never awaited" warning
            what, subject = dropped
            callee = describe(call.func)
            legacy = what is _GENERATOR
            fix = Fix(Edit(call, "Call", add_await)) if scope.is_coroutine and not legacy else None
            if isinstance(context, ast.Expr):
                advice = _LEGACY_ADVICE if legacy else _advice(scope)
                ctx.report(ATC101, call, fix, callee=callee, what=what, advice=advice)
            elif isinstance(context, (ast.Assign, ast.AnnAssign)):
                self._assigned(ctx, call, context, scope, callee, what, fix)
            elif subject is not None:
                ctx.report(ATC102, call, fix, subject=subject, effect=_TRUTH, advice="add `await`")

    def _assigned(
        self,
        ctx: Context,
        call: ast.Call,
        stmt: ast.Assign | ast.AnnAssign,
        scope: Scope,
        callee: str,
        what: str,
        fix: Fix | None,
    ) -> None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        if len(targets) != 1 or not isinstance(targets[0], ast.Name):
            return
        if scope.kind not in ("function", "lambda"):
            return  # a module or class attribute can be read from anywhere
        name = targets[0].id
        reads = scope.reads(name)
        if not reads and not _deleted(scope, name):
            ctx.report(ATC101, call, fix, callee=callee, what=what, advice="await it, or pass it to whoever must")
            return
        if what is not _COROUTINE or any(_coroutine_api(read) for read in reads):
            return  # a test of the coroutine object itself (it closes it, sends to it...)
        for read in sorted(reads, key=lambda node: (node.lineno, node.col_offset)):
            if _expects_an_error(read):
                continue  # the test checks that using the coroutine so raises
            effect = _result_use(read, scope)
            if effect is not None and isinstance(ctx.resolver.value(read, scope), Coro):
                subject = f"{name} holds the coroutine {callee}() makes, not its result"
                advice = f"await {callee}() where {name} is assigned"
                ctx.report(ATC102, read, None, subject=subject, effect=effect, advice=advice)
                return

    def _cleanup(self, ctx: Context, call: ast.Call, scope: Scope, method: str) -> None:
        if not call.args:
            return
        runner = _runner_for(ctx, scope)
        dropped = _dropped_by_cleanup(ctx, call, scope, method, runner)
        if dropped is not None:
            what, fix, advice = dropped
            ctx.report(ATC106, call, fix, what=what, method=method, advice=advice)


def _dropped_by_cleanup(
    ctx: Context, call: ast.Call, scope: Scope, method: str, runner: Runner | None
) -> tuple[str, Fix | None, str] | None:
    """What coroutine a cleanup registration drops, the fix, and the advice; None if it drops none.

    ``addCleanup`` awaits a coroutine *function* in IsolatedAsyncioTestCase (and asynctest awaits
    whatever it returns); a lambda or plain function returning a coroutine, or a coroutine object,
    is dropped everywhere but asynctest; class and module cleanups never await anything."""
    resolver = ctx.resolver
    target = call.args[0]
    fix = _async_cleanup_fix(call) if runner is Runner.ISOLATED and method == "addCleanup" else None
    advice = _cleanup_advice(runner, method)
    returns_dropped = runner in (Runner.SYNC, Runner.ISOLATED) or method != "addCleanup"
    if isinstance(target, ast.Lambda):
        body = target.body
        if returns_dropped and isinstance(body, ast.Call) and resolver.is_coroutine_call(body, scope_of(target)):
            return "the lambda's coroutine", fix if _plain_lambda(target) else None, advice
        return None
    value = resolver.value(target, scope)
    if isinstance(value, Coro):
        single = len(call.args) == 1 and not call.keywords
        return (
            f"the coroutine {describe(target)}",
            fix if single else None,
            "pass the coroutine function (and its arguments) to addAsyncCleanup",
        )
    if resolver.is_coroutine_function(value):
        if runner in _SYNC_CLEANUPS.get(method, (Runner.SYNC, Runner.ISOLATED)):
            return f"coroutine function {describe(target)}", None, advice
        return None
    if returns_dropped and isinstance(value, Func) and isinstance(resolver.call_result(value), Coro):
        return f"the coroutine returned by {describe(target)}", None, advice  # a plain def that hands one back
    return None


_REFERENCES = (ast.Name, ast.Attribute, ast.Constant)


def _plain_lambda(node: ast.Lambda) -> bool:
    """``lambda: f(a, b.c)``: no parameters, and a callee and arguments that are plain references,
    so handing them over now instead of evaluating them at cleanup time changes nothing (a call
    such as ``lambda: close(Connection())`` would run earlier: not fixed)."""
    args = node.args
    if args.posonlyargs or args.args or args.vararg or args.kwonlyargs or args.kwarg:
        return False
    call = node.body
    if not isinstance(call, ast.Call) or not isinstance(call.func, (ast.Name, ast.Attribute)):
        return False
    values = [*call.args, *(k.value for k in call.keywords if k.arg is not None)]
    return all(isinstance(v, _REFERENCES) for v in values) and all(k.arg is not None for k in call.keywords)


def _async_cleanup_fix(call: ast.Call) -> Fix:
    """``addCleanup(lambda: f(a))`` or ``addCleanup(f(a))`` -> ``addAsyncCleanup(f, a)``."""
    return Fix(Edit(call, "Call", _to_async_cleanup))


def _to_async_cleanup(node: Any, module: Any) -> Any:
    import libcst as cst

    inner = node.args[0].value
    if isinstance(inner, cst.Lambda):
        inner = inner.body
    if not isinstance(inner, cst.Call) or any(arg.star for arg in inner.args):
        return node
    args = [cst.Arg(inner.func), *inner.args]
    args = [arg.with_changes(comma=cst.MaybeSentinel.DEFAULT) for arg in args]
    return node.with_changes(func=node.func.with_changes(attr=cst.Name("addAsyncCleanup")), args=args)


def _dropped(ctx: Context, call: ast.Call, context: ast.AST | None, scope: Scope) -> tuple[str, str | None] | None:
    """What ``call`` makes that its caller drops (ATC101's account of it) and how to name the call
    where its value is tested (ATC102's); None when it drops nothing we can show."""
    resolver = ctx.resolver
    if resolver.is_coroutine_call(call, scope):
        if _patched_away(ctx, call, scope):
            return None
        return _COROUTINE, f"{describe(call.func)}() is a coroutine object here"
    if isinstance(context, ast.Expr) and resolver.is_legacy_coroutine_call(call, scope):
        return _GENERATOR, None
    func = call.func
    if func.__class__ is not ast.Attribute or func.value.__class__ is not ast.Name:  # type: ignore[attr-defined]
        return None  # only a method call on a name can be awaited elsewhere
    awaited = _awaited_elsewhere(ctx, call, scope)
    if awaited is not None:
        line = awaited.lineno
        return (
            f"is awaited on line {line} but not here: the awaitable it makes is dropped, so its work may never run",
            f"{describe(call.func)}() is an awaitable here (line {line} awaits the same call)",
        )
    return None


def _awaited_elsewhere(ctx: Context, call: ast.Call, scope: Scope) -> ast.Await | None:
    """``param.method(...)`` (the caller checked the shape) on an untyped parameter of this
    function (not ``self``), when the function awaits ``param.method(...)`` elsewhere: the same
    call on the same object, awaited once, makes an awaitable here too. Evidence in one function,
    not a guess across the project."""
    func: ast.Attribute = call.func  # type: ignore[assignment]
    awaited_calls = ctx.cache.get("awaited_method_calls")
    if awaited_calls is None:
        awaited_calls = ctx.cache["awaited_method_calls"] = _awaited_calls(ctx)
    name = func.value.id  # type: ignore[attr-defined]
    awaited = awaited_calls.get((scope, name, func.attr))  # type: ignore[attr-defined]
    if not awaited or scope.kind != "function":
        return None
    bindings = scope.bindings.get(name, ())
    if len(bindings) != 1 or bindings[0].kind != "param":
        return None
    if bindings[0].node.annotation is not None:  # type: ignore[attr-defined]
        return None
    function: FunctionInfo = scope.info  # type: ignore[assignment]
    if function.owner is not None and name == function.self_name:
        return None
    return awaited[0] if ctx.resolver.value(func.value, scope) is UNKNOWN else None


def _awaited_calls(ctx: Context) -> dict[tuple[Scope, str, str], list[ast.Await]]:
    """``await name.method(...)`` in the module, by (scope, name, method)."""
    found: dict[tuple[Scope, str, str], list[ast.Await]] = {}
    for await_, scope in ctx.module.of_type(ast.Await):
        value = await_.value
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
            receiver = value.func.value
            if isinstance(receiver, ast.Name):
                found.setdefault((scope, receiver.id, value.func.attr), []).append(await_)
    return found


def _patched_away(ctx: Context, call: ast.Call, scope: Scope) -> bool:
    """The ``async def`` whose coroutine ``call`` makes (itself, or the one a plain def hands
    back) is replaced, where the call runs, with something that makes no coroutine: by a patch
    whose ``with`` block or decorated test holds the call, or earlier in the same function, or in
    a set-up method of its class, a fixture or at module level. The call there makes none."""
    makers = ctx.resolver.coroutine_makers(ctx.resolver.value(call.func, scope))
    if not makers:
        return False
    by_name: dict[str, dict] = ctx.cache.setdefault("sync_stand_ins", {})  # type: ignore[assignment]
    for maker in makers:
        stand_ins = by_name.get(maker.name)
        if stand_ins is None:
            stand_ins = by_name[maker.name] = sync_stand_ins(ctx.resolver, ctx.module, maker.name)
        for extent, where in stand_ins.get(maker, ()):
            if extent is not None:
                if inside(call, extent):
                    return True
            elif _holds_for(ctx, where, call, scope):
                return True
    return False


_SET_UP = frozenset({"setUp", "asyncSetUp", "setUpClass", "setup_method", "setup_class", "setup", "__init__"})


def _holds_for(ctx: Context, where: Scope, call: ast.Call, scope: Scope) -> bool:
    """A replacement made in ``where`` (by an assignment, ``monkeypatch.setattr``, a started
    patcher) holds for ``call``: it is made at module level, in a fixture, in a set-up method of
    the call's class, or earlier in the function that makes the call."""
    function = where.function
    if function is None or function in ctx.tests.fixtures:
        return True
    if function.name in _SET_UP and function.owner is not None:
        caller = scope.function
        owner = caller.owner if caller is not None else None
        return owner is not None and function.owner in (ctx.resolver.mro(owner) or ())
    return function is scope.function


_COROUTINE_API = frozenset({"send", "throw", "close"})


def _coroutine_api(read: ast.Name) -> bool:
    """``coro.close()``, ``coro.send(None)``, ``coro.cr_frame``: the coroutine used as one."""
    context = parent(read)
    return isinstance(context, ast.Attribute) and (
        context.attr in _COROUTINE_API or context.attr.startswith(("cr_", "gi_"))
    )


_RAISES = frozenset({"assertRaises", "assertRaisesRegex", "assertRaisesRegexp", "raises"})


def _expected_to_raise(statement: ast.stmt) -> bool:
    """The last statement of a ``with self.assertRaises(...)``/``pytest.raises(...)`` block: it is
    expected to raise (a wrapper's own check, a call with the wrong arguments) before it makes a
    coroutine (as ATC301 judges a task started there)."""
    holder = parent(statement)
    return (
        isinstance(holder, (ast.With, ast.AsyncWith))
        and holder.body[-1] is statement
        and any(
            isinstance(item.context_expr, ast.Call) and callee_name(item.context_expr) in _RAISES
            for item in holder.items
        )
    )


def _expects_an_error(node: ast.AST) -> bool:
    """``node`` sits in a ``with self.assertRaises(...)``/``pytest.raises(...)`` block."""
    return any(callee_name(manager) in _RAISES for manager in enclosing_with_calls(node))


def _result_use(read: ast.Name, scope: Scope) -> str | None:
    """How a read of a name holding a coroutine uses it as if it held the result, as the effect
    to report; None for a use that suits a coroutine (awaited, handed on, closed, compared)."""
    context = parent(read)
    if isinstance(context, ast.Attribute):
        attr = context.attr
        if attr.startswith("__") or not isinstance(context.ctx, ast.Load):
            return None
        return f"reading .{attr} raises AttributeError"
    if isinstance(context, ast.Subscript) and context.value is read:
        return "subscripting it raises TypeError"
    if isinstance(context, (ast.For, ast.AsyncFor, ast.comprehension)) and context.iter is read:
        return "iterating it raises TypeError"
    if isinstance(context, (ast.Assign, ast.AnnAssign)) and context.value is read:
        targets = context.targets if isinstance(context, ast.Assign) else [context.target]
        return "unpacking it raises TypeError" if isinstance(targets[0], (ast.Tuple, ast.List)) else None
    if isinstance(context, ast.withitem) and context.context_expr is read:
        return "it is no context manager: entering it raises"
    if isinstance(context, _TRUTHY_PARENTS) and context.test is read:  # type: ignore[union-attr]
        return "it is always true"
    if isinstance(context, ast.UnaryOp) and isinstance(context.op, ast.Not):
        return "it is always true"
    if isinstance(context, ast.BoolOp) and isinstance(parent(context), (*_TRUTHY_PARENTS, ast.UnaryOp)):
        return "it is always true"
    if _asserted_truthy(read, context):
        return "it is always true"
    if isinstance(context, ast.Compare) and all(isinstance(op, _EQUALITY_OPS) for op in context.ops):
        if any(_is_data(side) for side in (context.left, *context.comparators) if side is not read):
            return "it equals no data"
    if isinstance(context, ast.Call) and read in context.args:
        return _passed_as_value(read, context, scope)
    return None


# builtins that take a value: a coroutine given to any of them raises TypeError
_VALUE_BUILTINS = frozenset({"len", "list", "tuple", "set", "dict", "sorted", "sum", "int", "float", "bytes"})
_DATA = (ast.Constant, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.JoinedStr)


def _passed_as_value(read: ast.Name, call: ast.Call, scope: Scope) -> str | None:
    """A coroutine handed where data is expected: to a builtin that takes a value (``len(rows)``),
    or to a unittest assertion that compares it with literal data (``assertEqual(status, 200)``).
    Compared with another object it may be a test of coroutine objects (``assertIs(coro, c)``)."""
    func = call.func
    if isinstance(func, ast.Name) and func.id in _VALUE_BUILTINS and not _bound(func.id, scope):
        return f"{func.id}() of it raises TypeError"
    if isinstance(func, ast.Attribute) and func.attr in known.UNITTEST_ASSERTS_VALUE:
        compared = call.args[:2]
        if read in compared and any(_is_data(other) for other in compared if other is not read):
            return "it equals no data"
    return None


def _is_data(expr: ast.expr) -> bool:
    return isinstance(expr, _DATA) and not (isinstance(expr, ast.Constant) and expr.value is None)


def _bound(name: str, scope: Scope) -> bool:
    current: Scope | None = scope
    while current is not None:
        if name in current.bindings:
            return True
        current = current.parent
    return False


def _asserted_truthy(arg: ast.AST, call: ast.AST | None) -> bool:
    """``arg`` is the checked argument of ``assertTrue``/``assertFalse``."""
    return (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr in known.UNITTEST_ASSERTS_TRUTHY
        and bool(call.args)
        and call.args[0] is arg
    )


def _interesting(call: ast.AST, context: ast.AST | None) -> bool:
    """Cheap test on the syntax first: is this call in a place where a coroutine would be dropped
    or misused? Only then is it worth resolving the callee."""
    if isinstance(context, (ast.Expr, *_TRUTHY_PARENTS)):
        return not isinstance(context, _TRUTHY_PARENTS) or context.test is call  # type: ignore[union-attr]
    if isinstance(context, (ast.Assign, ast.AnnAssign)):
        return context.value is call
    if isinstance(context, ast.UnaryOp):
        return isinstance(context.op, ast.Not)
    if isinstance(context, ast.BoolOp):
        grand = parent(context)
        return isinstance(grand, (*_TRUTHY_PARENTS, ast.UnaryOp)) or _asserted(context, grand)
    if isinstance(context, ast.Compare):
        return all(isinstance(op, _EQUALITY_OPS) for op in context.ops)
    if isinstance(context, ast.Call):
        return _asserted(call, context)
    return False


def _asserted(arg: ast.AST, call: ast.AST | None) -> bool:
    """``arg`` is a checked argument of a unittest assertion or of ``bool()``."""
    if not isinstance(call, ast.Call) or not call.args:
        return False
    func = call.func
    if isinstance(func, ast.Name) and func.id == "bool":
        return call.args[0] is arg
    if not isinstance(func, ast.Attribute):
        return False
    if func.attr in known.UNITTEST_ASSERTS_TRUTHY:
        return call.args[0] is arg
    if func.attr in known.UNITTEST_ASSERTS_VALUE:
        return any(a is arg for a in call.args[:2])
    return False


# Blocks that catch the warning a dropped coroutine gives: ``assertWarns(RuntimeWarning)``,
# ``pytest.warns(RuntimeWarning, match="never awaited")``, ``warnings.catch_warnings(record=True)``.
_WARNING_CHECKS = frozenset({"assertWarns", "assertWarnsRegex", "warns"})
_NEVER_AWAITED_CATEGORIES = frozenset({"RuntimeWarning", "Warning"})


def _expects_never_awaited_warning(call: ast.Call) -> bool:
    """The call sits in a block that records warnings, or expects a RuntimeWarning."""
    for manager in enclosing_with_calls(call):
        name = callee_name(manager)
        if name == "catch_warnings":
            return True
        if name in _WARNING_CHECKS:
            expected = manager.args[0] if manager.args else None
            for keyword in manager.keywords:
                if keyword.arg in ("expected_warning", "category"):
                    expected = keyword.value
            items = expected.elts if isinstance(expected, ast.Tuple) else [expected]
            names = {describe(item).rpartition(".")[2] for item in items if item is not None}
            if names & _NEVER_AWAITED_CATEGORIES:
                return True
    return False


def _deleted(scope: Scope, name: str) -> bool:
    """``del coro``: the test drops the coroutine on purpose (to see it collected, and warned about)."""
    return any(
        isinstance(b.node, ast.Name) and isinstance(b.node.ctx, ast.Del) for b in scope.bindings.get(name, ())
    )


def _advice(scope: Scope) -> str:
    if scope.is_coroutine:
        return "add `await`"
    return "await it from a coroutine (this function is not async)"


def _runner_for(ctx: Context, scope: Scope) -> Runner | None:
    function = scope.function
    while function is not None and function.owner is None:
        function = function.parent.function
    if function is None or function.owner is None:
        return None
    return ctx.tests.runner(function.owner)


def _cleanup_advice(runner: Runner | None, method: str) -> str:
    if runner is Runner.ISOLATED and method == "addCleanup":
        return "use self.addAsyncCleanup(fn, *args)"
    if method == "addCleanup":
        return "derive from unittest.IsolatedAsyncioTestCase and use addAsyncCleanup"
    return "close it from an async cleanup (addAsyncCleanup or asyncTearDown)"
