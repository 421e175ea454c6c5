"""ATC501-ATC504: mocks that cannot stand in for awaited code (or for plain code)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from ..analysis import known
from ..analysis.known import Runner
from ..analysis.model import Scope, parent, scope_of
from ..analysis.patches import Patch, patch_of
from ..analysis.usage import attribute_loads, describe, identifiers
from ..analysis.values import Cls, Coro, Ext, Func, Obj, Value
from ..context import Context
from ..fix import Edit, Fix, rename, renamed
from ..rule import Rule
from .family import Family

ATC501 = Rule(
    code="ATC501",
    name="sync-mock-for-coroutine",
    summary="`Mock`/`MagicMock` replaces a coroutine function",
    message="{mock} replaces {target}, a coroutine function: awaiting its result raises TypeError; use AsyncMock",
    fix="`AsyncMock`",
    what="""
        Finds a non-async mock put in place of an `async def`: `patch(target, new=Mock())`,
        `new_callable=MagicMock`, `patch.object(obj, "name", MagicMock(...))`, and
        `obj.name = Mock()`, also when the mock is made first and installed by name. A plain
        `patch(target)` of an `async def` already makes an AsyncMock (Python 3.8+) and is not
        reported; nor is a mock with a spec, which follows the spec; nor a configured stand-in, as
        ATC502 judges one: a mock given a `side_effect` (a coroutine function, such as the real
        method it spies on, or an exception: anything but literal data) or a `return_value` that is
        not plain data, a function or a class, as keywords or assigned later, in the function that
        made it, a closure of
        it, or (for `self.<attr>`) the class; also keywords of the patch call, which it hands to the
        mock it makes. Each call of a coroutine function as `side_effect` makes a fresh coroutine,
        so awaiting works. A mock that returns plain data (`Mock(return_value=1)`,
        `side_effect=[1, 2]`) is reported: awaiting it raises.
        """,
    why="""
        The code under test awaits what the mock returns, a MagicMock, which cannot be awaited: the
        test fails with a confusing TypeError, or, when the result is never awaited, passes while
        checking nothing.
        """,
    example="""
        @patch("app.db.fetch", new_callable=MagicMock)
        async def test_load(self, fetch):
            ...
        """,
    use_instead="""
        @patch("app.db.fetch", new_callable=AsyncMock)
        async def test_load(self, fetch):
            ...
        """,
)

ATC502 = Rule(
    code="ATC502",
    name="sync-mock-awaited",
    summary="A Mock/MagicMock is awaited, or made awaitable by hand",
    message="{what}; use AsyncMock(return_value=...) instead",
    fix="`AsyncMock(return_value=x)`",
    what="""
        Finds `await m` and `await m(...)` on a Mock or MagicMock (or one of its attributes) in a
        test, unless the called mock was given a `side_effect` (anything but literal data) or a
        `return_value` that is not plain data, a function or a class (with `Mock(side_effect=...)`
        or `m.side_effect = ...` in the function that made it, a closure of it or, for
        `self.<attr>`, the same class): what those return may well be awaitable. Nor is a child
        the test set by hand to anything but another plain Mock (`m.fetch = AsyncMock()`,
        `Mock(fetch=...)`, `configure_mock`, `attach_mock`): it is no longer the Mock the parent
        makes, and nor are its own children (`obj.pairing = Handler()` ... `await
        obj.pairing.begin()`). Also finds a coroutine object made `return_value` of a Mock, and a coroutine
        function that a factory made for it (`return_value=async_return(rows)`, where
        `async_return` returns a nested `async def`): awaiting what the mock returns, a function,
        raises TypeError (a coroutine function named directly, `return_value=handler`, may be
        what a mocked factory of handlers must return: reported only where the mock's result is
        awaited). Deliberately not reported: a coroutine function as
        `side_effect` (each call makes a fresh coroutine, so every await works), and a Future as
        `return_value` (a done Future can be awaited any number of times; a pending one is a gate
        the test opens with `set_result`): both work, and only lack AsyncMock's `assert_awaited*`. A
        coroutine as `return_value` is reported even where the mock happens to be called once: how
        often it is called is up to the code under test, to which the mock is usually handed, and
        which the checker does not follow; one more call, or none, breaks the test.
        """,
    why="""
        Awaiting what a MagicMock returns raises TypeError. A coroutine as `return_value` is one
        object shared by every call: the second await fails with "cannot reuse already awaited
        coroutine", and when the mock is never called, "coroutine ... was never awaited" is
        printed. AsyncMock makes a fresh coroutine per call and supports `assert_awaited*`.
        """,
    example="""
        fetch = Mock()
        fetch.return_value = load_rows()
        """,
    use_instead="""
        fetch = AsyncMock(return_value=rows)
        """,
)

ATC503 = Rule(
    code="ATC503",
    name="async-mock-for-sync",
    summary="`AsyncMock` replaces a plain (sync) function",
    message="AsyncMock replaces {target}, a plain function: each call returns a coroutine that nobody awaits "
    '("coroutine ... was never awaited"); use MagicMock',
    fix="`MagicMock`",
    what="""
        Finds an explicit `AsyncMock` (`new=AsyncMock()`, `new_callable=AsyncMock`,
        `obj.name = AsyncMock()`) put in place of a plain `def` that returns no awaitable: every
        `return` gives a literal, nothing, or what the checker knows is no awaitable (an instance
        of a class it reads that has no `__await__`, `self`, a class, a function). The target is
        named by a string (`patch("app.codec.Codec.encode")`) or by the object that holds it
        (`patch.object(Codec, "encode")`, `Codec` defined in the test module or imported). Not
        reported: a plain def that returns what an unknown call returns (it may hand back a
        coroutine), or a coroutine (an AsyncMock stands in for it well).
        """,
    why="""
        The code under test calls the function without `await`; an AsyncMock returns a coroutine
        instead of the value, so the code sees a coroutine object where it expected data, and every
        call leaves "RuntimeWarning: coroutine 'AsyncMockMixin._execute_mock_call' was never
        awaited". A common fix in real pull requests.
        """,
    example="""
        with patch.object(Client, "encode", new_callable=AsyncMock):
            ...
        """,
    use_instead="""
        with patch.object(Client, "encode", new_callable=MagicMock):
            ...
        """,
)

ATC504 = Rule(
    code="ATC504",
    name="assert-called-on-async-mock",
    summary="`assert_called*` on an AsyncMock, which passes even if the coroutine was never awaited",
    message="{call}() passes even when the coroutine was never awaited; use {instead}()",
    fix="`assert_awaited*`",
    default=False,
    what="""
        Finds `assert_called`, `assert_called_once`, `assert_called_with`,
        `assert_called_once_with`, `assert_any_call` and `assert_has_calls` on an AsyncMock (or a
        child of one, unless the test set that child by hand to something else, such as a MagicMock
        for a sync method). Not reported when the same test also checks that mock's awaits
        (`assert_awaited*`, `assert_not_awaited`, `assert_any_await`, `assert_has_awaits`,
        `await_count`, `await_args`): the call is then checked on purpose, and a dropped await fails
        the test.
        """,
    why="""
        Calling an AsyncMock counts as a call even if the coroutine it returns is dropped, so the
        bug "forgot to await" passes the assertion. `assert_awaited*` checks the await.
        """,
    example="""
        self.client.send.assert_called_once_with(b"ping")
        """,
    use_instead="""
        self.client.send.assert_awaited_once_with(b"ping")
        """,
)

AWAITED_ASSERTS = {
    "assert_called": "assert_awaited",
    "assert_called_once": "assert_awaited_once",
    "assert_called_with": "assert_awaited_with",
    "assert_called_once_with": "assert_awaited_once_with",
    "assert_any_call": "assert_any_await",
    "assert_has_calls": "assert_has_awaits",
}


class Mocks(Family):
    rules = (ATC501, ATC502, ATC503, ATC504)
    triggers = ("Mock", "patch")
    wanted = (ast.Call, ast.Await, ast.Assign)

    def check(self, ctx: Context) -> None:
        resolver = ctx.resolver
        for call, scope in ctx.module.calls_named("patch", "object"):
            patch = patch_of(resolver, call, scope)
            if patch is not None:
                self._patch(ctx, patch, scope)
        for assign, scope in ctx.module.of_type(ast.Assign):
            if len(assign.targets) == 1 and isinstance(assign.targets[0], ast.Attribute) and _may_be_mock(assign):
                self._assigned(ctx, assign, assign.targets[0], scope)
        if ctx.enabled(ATC502):
            for await_, scope in ctx.module.of_type(ast.Await):
                self._awaited(ctx, await_, scope)
            for call, scope in ctx.module.calls_named("Mock", "MagicMock"):
                self._mock_made_awaitable(ctx, call, scope)
        if ctx.enabled(ATC504):
            for call, scope in ctx.module.calls_named(*AWAITED_ASSERTS):
                receiver = call.func.value  # type: ignore[attr-defined]
                if (
                    _is_async_mock(resolver.value(receiver, scope))
                    and not _awaits_checked(receiver, scope)
                    and all(_is_async_mock(resolver.value(*set_to)) for set_to in _replacements(ctx, receiver, scope))
                ):
                    name = call.func.attr  # type: ignore[attr-defined]
                    fix = Fix(Edit(call.func, "Attribute", rename(AWAITED_ASSERTS[name])))
                    ctx.report(ATC504, call, fix, call=describe(call.func), instead=AWAITED_ASSERTS[name])

    def _patch(self, ctx: Context, patch: Patch, scope: Scope) -> None:
        resolver = ctx.resolver
        if patch.new is not None:
            replacement, node = resolver.value(patch.new, scope), patch.new
        elif patch.new_callable is not None:
            replacement, node = resolver.call_result(resolver.value(patch.new_callable, scope)), patch.new_callable
        else:
            return
        if _is_sync_mock(replacement) and any(_may_return_awaitable(ctx, mock, scope) for mock in _patch_mocks(patch)):
            return
        self._replaced(
            ctx, node, replacement, patch.target, patch.target_text, _runs_coroutines(ctx, patch.call, scope)
        )

    def _assigned(self, ctx: Context, assign: ast.Assign, target: ast.Attribute, scope: Scope) -> None:
        resolver = ctx.resolver
        replacement = resolver.value(assign.value, scope)
        if target.attr == "return_value":
            self._awaitable_return(ctx, assign, target, replacement, scope)
            return
        if not isinstance(replacement, Obj) or replacement.cls not in _ALL_MOCKS:
            return
        replaced = resolver.attribute(resolver.value(target.value, scope), target.attr)
        if _is_sync_mock(replacement) and (
            _may_return_awaitable(ctx, assign.value, scope) or _may_return_awaitable(ctx, target, scope)
        ):
            return
        self._replaced(ctx, assign.value, replacement, replaced, describe(target), _runs_coroutines(ctx, assign, scope))

    def _replaced(
        self, ctx: Context, node: ast.AST, replacement: Value, target: Value, text: str, awaits: bool
    ) -> None:
        if not isinstance(target, (Func, Ext)):
            return  # only real code is replaced: re-configuring a mock's child is not
        resolver = ctx.resolver
        if awaits and _is_sync_mock(replacement) and resolver.is_coroutine_function(target):
            ctx.report(ATC501, node, _class_renamed(node, "AsyncMock"), mock=describe(node), target=text)
        elif _is_async_mock(replacement) and resolver.is_plain_sync_function(target):
            ctx.report(ATC503, node, _class_renamed(node, "MagicMock"), target=text)

    def _awaited(self, ctx: Context, await_: ast.Await, scope: Scope) -> None:
        value = await_.value
        called = isinstance(value, ast.Call)
        awaited = value.func if isinstance(value, ast.Call) else value
        if not _is_sync_mock(ctx.resolver.value(awaited, scope)) or (
            called and _may_return_awaitable(ctx, awaited, scope)
        ):
            return
        for replacement, where in _replacements(ctx, awaited, scope):
            if not _is_sync_mock(ctx.resolver.value(replacement, where)):
                return  # no longer the mock's own child: an AsyncMock, an async def, a future...
            if called and _may_return_awaitable(ctx, replacement, where):
                return
        holder = awaited.value if isinstance(awaited, ast.Attribute) else None
        while isinstance(holder, ast.Attribute):
            for replacement, where in _replacements(ctx, holder, scope):
                if not _is_sync_mock(ctx.resolver.value(replacement, where)):
                    return  # ``obj.pairing = Handler(...)``: obj.pairing.begin is the handler's
            holder = holder.value
        ctx.report(
            ATC502,
            await_,
            _awaited_mock_fix(ctx, awaited, scope),
            what=f"awaiting {describe(value)} raises TypeError: "
            + ("what a Mock returns is not awaitable" if called else "a Mock is not awaitable"),
        )

    def _awaitable_return(
        self, ctx: Context, assign: ast.Assign, target: ast.Attribute, value: Value, scope: Scope
    ) -> None:
        if ctx.enabled(ATC502) and _is_sync_mock(ctx.resolver.value(target.value, scope)):
            made = _hand_made_awaitable(ctx, assign.value, value)
            if made:
                ctx.report(ATC502, assign, what=f"{describe(target.value)} is made awaitable by hand with {made}")

    def _mock_made_awaitable(self, ctx: Context, call: ast.Call, scope: Scope) -> None:
        resolver = ctx.resolver
        if not _is_sync_mock(resolver.value(call, scope)):
            return
        for keyword in call.keywords:
            made = None
            if keyword.arg == "return_value":
                made = _hand_made_awaitable(ctx, keyword.value, resolver.value(keyword.value, scope))
            if made:
                ctx.report(ATC502, call, what=f"{describe(call.func)}() is made awaitable by hand with {made}")


_ALL_MOCKS = frozenset({known.ASYNC_MOCK, *known.SYNC_MOCKS})
_LOOP_DRIVERS = frozenset({"run_until_complete", "run", "run_forever"})


def _runs_coroutines(ctx: Context, node: ast.AST, scope: Scope) -> bool:
    """Is the patch in effect while coroutines run? A sync test (pytest, plain TestCase) that patches
    an ``async def`` with a MagicMock often does so precisely so that nothing is awaited (aiohttp's
    ``session.get`` tests): only async tests, hooks of async test classes, and code that drives a
    loop await what the mock returns."""
    owner = parent(node)
    if isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef)) and node in owner.decorator_list:
        function = scope_of(owner).function
    else:
        function = scope.function
    if function is None or function.is_async:
        return True
    cls = ctx.tests.unittest_class(function)  # type: ignore[arg-type]
    if cls is not None and ctx.tests.runner(cls) in (Runner.ISOLATED, Runner.AWAITS_ALL):
        return True
    return bool(_LOOP_DRIVERS & identifiers(function.node))  # type: ignore[union-attr]


_CONFIGURED = ("side_effect", "return_value")
_DATA = (ast.Constant, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.JoinedStr)
# Keywords of a mock's constructor (or of patch) that are not children to configure.
_MOCK_PARAMETERS = frozenset(
    {"spec", "spec_set", "wraps", "name", "unsafe", "parent", "new", "new_callable", "autospec", "create"}
)

Setting = tuple[str, ast.expr, Scope]  # kind ("side_effect", "return_value", "replaced"), value, its scope


def _may_return_awaitable(ctx: Context, mock: ast.expr, scope: Scope) -> bool:
    """``mock`` (``Mock(...)`` itself, or what names one) was given a ``side_effect`` (a coroutine
    function, an exception, anything but data) or a ``return_value`` that is not plain data:
    calling it may well give something awaitable, so it may stand in for a coroutine function.
    ATC501 and ATC502 both ask this."""
    if isinstance(mock, ast.Call):
        configured = [(kind, value, scope) for text, kind, value in _keyword_settings("", mock.keywords) if not text]
    else:
        configured = [(kind, value, where) for kind, value, where in _settings(ctx, mock, scope) if kind in _CONFIGURED]
    return any(_may_make_awaitable(ctx, kind, value, where) for kind, value, where in configured)


def _replacements(ctx: Context, attribute: ast.expr, scope: Scope) -> list[tuple[ast.expr, Scope]]:
    """What a mock's attribute was set to (``m.fetch = AsyncMock()``, ``Mock(fetch=...)``,
    ``m.attach_mock(x, "fetch")``): then it is no longer the child the mock makes by itself."""
    return [(value, where) for kind, value, where in _settings(ctx, attribute, scope) if kind == "replaced"]


def _may_make_awaitable(ctx: Context, kind: str, value: ast.expr, scope: Scope) -> bool:
    if kind == "return_value":
        # a function or a class (a coroutine function a factory made, say) is no awaitable either
        return not isinstance(value, _DATA) and not isinstance(ctx.resolver.value(value, scope), (Func, Cls))
    # side_effect = None undoes it; a literal list of data is returned call by call
    return not (isinstance(value, ast.Constant) and value.value is None) and not _is_data(value)


def _is_data(value: ast.expr) -> bool:
    if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
        return all(_is_data(element) for element in value.elts)
    if isinstance(value, ast.Dict):
        return all(_is_data(element) for element in value.values)
    return isinstance(value, (ast.Constant, ast.JoinedStr))


def _class_renamed(node: ast.AST, new: str) -> Fix | None:
    """Rename the mock class where the mock is made here (``Mock()``, ``new_callable=Mock``); a
    mock made elsewhere and named here (``obj.fn = spy``) is not renamed: that would put the class
    itself in its place."""
    context = parent(node)
    made_here = isinstance(node, ast.Call) or (isinstance(context, ast.keyword) and context.arg == "new_callable")
    return renamed(node, new, "unittest.mock") if made_here else None  # type: ignore[arg-type]


def _patch_mocks(patch: Patch) -> list[ast.expr]:
    """What configures or names the mock a patch installs: the patch call (its keywords go to the
    mock), its ``new``, and the name it is bound to (``with patch(...) as m``, ``m =
    mocker.patch(...)``), which the test may configure afterwards."""
    found = [patch.call]  # patch passes side_effect= and return_value= on to the mock it makes
    if patch.new is not None:
        found.append(patch.new)
    context = parent(patch.call)
    if isinstance(context, ast.withitem) and context.optional_vars is not None:
        found.append(context.optional_vars)
    elif isinstance(context, ast.Assign) and len(context.targets) == 1:
        found.append(context.targets[0])
    return found


def _settings(ctx: Context, mock: ast.expr, scope: Scope) -> list[Setting]:
    return _configuration(ctx).get(_configuration_key(ctx, describe(mock), scope), [])


def _configuration(ctx: Context) -> dict[tuple[int, str], list[Setting]]:
    """What the mocks of this file were given, by ``_configuration_key``: ``side_effect`` and
    ``return_value`` as keywords (``m = Mock(side_effect=f)``) or assigned (``m.side_effect = f``),
    and children set by assignment (``m.fetch = ...``), constructor keywords (``Mock(fetch=...)``,
    ``**{"fetch.return_value": x}``), ``configure_mock`` or ``attach_mock``."""
    found = ctx.cache.get("mock_configuration")
    if found is None:
        index: dict[tuple[int, str], list[Setting]] = {}

        def add(text: str, kind: str, value: ast.expr, scope: Scope) -> None:
            index.setdefault(_configuration_key(ctx, text, scope), []).append((kind, value, scope))

        for assign, scope in ctx.module.of_type(ast.Assign):
            value = assign.value
            for target in assign.targets:
                if isinstance(target, ast.Attribute):
                    if target.attr in _CONFIGURED:
                        add(describe(target.value), target.attr, value, scope)
                        continue
                    add(describe(target), "replaced", value, scope)
                if isinstance(value, ast.Call):
                    for text, kind, setting in _keyword_settings(describe(target), value.keywords):
                        add(text, kind, setting, scope)
        for call, scope in ctx.module.calls_named("configure_mock", "attach_mock"):
            func: ast.Attribute = call.func  # type: ignore[assignment]
            owner = describe(func.value)
            if func.attr == "configure_mock":
                for text, kind, setting in _keyword_settings(owner, call.keywords):
                    add(text, kind, setting, scope)
            elif len(call.args) > 1 and isinstance(call.args[1], ast.Constant) and isinstance(call.args[1].value, str):
                add(f"{owner}.{call.args[1].value}", "replaced", call.args[0], scope)
        found = ctx.cache["mock_configuration"] = index
    return found  # type: ignore[return-value]


def _keyword_settings(owner: str, keywords: list[ast.keyword]) -> Iterator[tuple[str, str, ast.expr]]:
    """(mock text, kind, value) for what the keywords of a mock's constructor or ``configure_mock``
    set: its own ``side_effect``/``return_value``, and its children (``fetch=...``,
    ``**{"fetch.side_effect": f}``). ``owner`` is the mock's text ("" for the call itself)."""
    for keyword in keywords:
        if keyword.arg is None:
            given = keyword.value
            pairs = zip(given.keys, given.values) if isinstance(given, ast.Dict) else ()
            items = [(k.value, v) for k, v in pairs if isinstance(k, ast.Constant) and isinstance(k.value, str)]
        elif keyword.arg in _MOCK_PARAMETERS:
            continue
        else:
            items = [(keyword.arg, keyword.value)]
        for path, value in items:
            head, _, last = path.rpartition(".")
            child = ".".join(part for part in (owner, head) if part)
            if last in _CONFIGURED:
                yield child, last, value
            else:
                yield ".".join(part for part in (child, last) if part), "replaced", value


def _configuration_key(ctx: Context, text: str, scope: Scope) -> tuple[int, str]:
    """Where a mock's text names one object: in the function that binds its first name (a closure
    nested in it sees the same object), or, for ``self.<attr>``, in every method of the class."""
    root, _, rest = text.partition(".")
    function = (ctx.resolver.binding_scope(root, scope) or scope).function
    if function is None:
        return id(scope.root), text
    if function.owner is not None and root == function.self_name:
        return id(function.owner), f"self.{rest}"
    return id(function.node), text


# what checks the awaits of a mock, besides the assert_awaited* family
_AWAIT_RECORDS = ("await_count", "await_args", "await_args_list")


def _awaits_checked(mock: ast.expr, scope: Scope) -> bool:
    """The same function also checks ``mock``'s awaits (``assert_awaited*``, ``assert_not_awaited``,
    ``assert_any_await``, ``assert_has_awaits``, ``await_count``...): its ``assert_called*`` then
    checks the call on purpose, and a dropped await already fails the test."""
    text = describe(mock)
    for attr in (*AWAITED_ASSERTS.values(), "assert_not_awaited", *_AWAIT_RECORDS):
        if any(describe(read.value) == text for read in attribute_loads(attr, scope.node)):
            return True
    return False


def _awaited_mock_fix(ctx: Context, awaited: ast.expr, scope: Scope) -> Fix | None:
    """``m = Mock(); await m()`` -> ``m = AsyncMock()``, when ``m`` is a local made once and only
    ever awaited or asked mock questions (``m.assert_called...``): any other use might need it sync.
    Not when it returns a function: an AsyncMock would hand the function to ``await`` (the test
    means ``side_effect=``)."""
    if not isinstance(awaited, ast.Name) or scope.kind != "function":
        return None
    bindings = scope.bindings.get(awaited.id, [])
    if len(bindings) != 1 or bindings[0].kind != "assign" or bindings[0].index is not None:
        return None
    made = bindings[0].value
    returned = [value for kind, value, _ in _settings(ctx, awaited, scope) if kind == "return_value"]
    if isinstance(made, ast.Call):
        keywords = _keyword_settings("", made.keywords)
        returned += [value for text, kind, value in keywords if not text and kind == "return_value"]
    if any(isinstance(ctx.resolver.value(value, scope), (Func, Cls)) for value in returned):
        return None
    for read in scope.reads(awaited.id):
        context = parent(read)
        if isinstance(context, ast.Call) and context.func is read and isinstance(parent(context), ast.Await):
            continue
        if isinstance(context, ast.Attribute) and context.attr in known.MOCK_API:
            continue
        return None
    return renamed(made, "AsyncMock", "unittest.mock") if isinstance(made, ast.Call) else None


def _may_be_mock(assign: ast.Assign) -> bool:
    """Cheap syntax test before resolving: ``x.return_value = ...``, or a value that is a call
    (a mock is made by calling its class)."""
    target: ast.Attribute = assign.targets[0]  # type: ignore[assignment]
    return target.attr == "return_value" or isinstance(assign.value, (ast.Call, ast.Name))


def _is_sync_mock(value: Value) -> bool:
    return isinstance(value, Obj) and value.cls in known.SYNC_MOCKS and value.plain


def _is_async_mock(value: Value) -> bool:
    return isinstance(value, Obj) and value.cls == known.ASYNC_MOCK


def _hand_made_awaitable(ctx: Context, given: ast.expr, value: Value) -> str | None:
    """How ``given``, set as a sync mock's ``return_value``, was meant to make the mock awaitable:
    a coroutine (awaitable once), or a coroutine function a factory made for the purpose
    (``return_value=async_return(rows)``: awaiting what the mock returns, a function, raises)."""
    if isinstance(value, Coro):
        return "a coroutine as return_value (it can be awaited only once)"
    if isinstance(given, ast.Call) and isinstance(value, Func) and ctx.resolver.is_coroutine_function(value):
        return (
            f"a coroutine function as return_value ({describe(given.func)}() makes one): awaiting what the mock "
            "returns, the function itself, raises TypeError"
        )
    return None
