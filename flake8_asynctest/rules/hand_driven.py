"""ATC203's exemptions: sync tests that must drive an event loop by hand and cannot become async
tests, because the loop itself (how it is made, run, configured or closed) is what they test."""

from __future__ import annotations

import ast

from ..analysis.model import ClassInfo, FunctionInfo, parent
from ..analysis.usage import callee_name, describe, identifiers, is_self, own_nodes
from ..analysis.values import Func
from ..analysis.walk import descendants
from ..context import Context

# A policy or loop class of the test's choosing: an async test's runner would pick its own.
_LOOP_CHOICE = frozenset({"set_event_loop_policy", "loop_factory", "SelectorEventLoop", "ProactorEventLoop", "uvloop"})
_SETUP_HOOKS = ("setUp", "setUpClass")
# Loop methods that schedule on a loop that is not running yet, or configure it: the loop's own
# machinery is under test (a task with no root task, an exception handler, a stop before run).
_PREPARES_LOOP = frozenset(
    {"create_task", "call_soon", "call_later", "call_at", "set_exception_handler", "set_task_factory", "stop"}
)
_RUNS_LOOP = frozenset({"run_until_complete", "run_forever"})
_BENCHMARK_FIXTURES = frozenset({"benchmark"})  # pytest-benchmark's and pytest-codspeed's
_NO_LOOP_WORDS = frozenset({"no", "without", "outside"})


def drives_loop_on_purpose(ctx: Context, call: ast.Call, test: FunctionInfo, method: str) -> bool:
    """``test`` runs the loop by hand with ``call`` (``asyncio.run`` is ``method`` "run") because it
    has to."""
    return (
        _times_a_sync_callable(test)
        or _named_after(test.name, method)
        or _chooses_loop(ctx, test)
        or _other_runner(ctx, call, test)
        or _two_loops(test)
        or _prepares_loop(call, test)
        or _closes_loop_midway(call, test)
        or _fixture_drives_loop(ctx, test)
        or _helper_drives_loop(ctx, test)
        or _wrapped_by_sync_code(ctx, test)
        or _has_async_twin(test)
        or _named_for_no_running_loop(test.name)
    )


def _times_a_sync_callable(test: FunctionInfo) -> bool:
    """A benchmark fixture times a sync callable: the test body cannot be a coroutine."""
    args = test.node.args
    return any(a.arg in _BENCHMARK_FIXTURES for a in (*args.posonlyargs, *args.args, *args.kwonlyargs))


def _named_after(name: str, method: str) -> bool:
    """The test's name names the entry point it calls (``test_asyncio_run_debug``,
    ``test_pool_init_run_until_complete``): that entry point is its subject."""
    words = name.lower().split("_")
    wanted = ["asyncio", "run"] if method == "run" else method.split("_")
    return any(words[i : i + len(wanted)] == wanted for i in range(len(words) - len(wanted) + 1))


def _chooses_loop(ctx: Context, test: FunctionInfo) -> bool:
    """The test, or its class's setUp, picks the loop policy or class; or the test installs its
    loop as the current one (the code under test picks it up outside a running loop)."""
    names = identifiers(test.node)
    if "set_event_loop" in names:
        return True
    cls = ctx.tests.unittest_class(test)
    if cls is not None:
        for entry in ctx.resolver.mro(cls) or ():
            if isinstance(entry, ClassInfo):
                names = names.union(*(identifiers(entry.methods[h].node) for h in _SETUP_HOOKS if h in entry.methods))
    return bool(_LOOP_CHOICE & names)


def _other_runner(ctx: Context, call: ast.Call, test: FunctionInfo) -> bool:
    """The test also hands a coroutine function to another library's runner (``trio.run(main)``,
    ``anyio.run(main)``): it compares event loop implementations."""
    for node in own_nodes(test.node):
        if isinstance(node, ast.Call) and node is not call and node.args and callee_name(node) == "run":
            if ctx.resolver.is_coroutine_function(ctx.resolver.value(node.args[0], test.scope)):
                return True
    return False


def _two_loops(test: FunctionInfo) -> bool:
    """Two loops in one test (a loop run inside another, objects made on one used on the other):
    one async test runs in one loop."""
    loops = set()
    for node in descendants(test.node):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _RUNS_LOOP:
            loops.add(describe(node.func.value))
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func
            if (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)) == "new_event_loop":
                loops.update(describe(target) for target in node.targets)
    return len(loops) > 1


def _receiver(call: ast.Call) -> str | None:
    return describe(call.func.value) if isinstance(call.func, ast.Attribute) else None


def _loop_method_calls(call: ast.Call, test: FunctionInfo, methods: frozenset[str]) -> list[ast.Call]:
    """Calls of ``methods`` on the loop that ``call`` runs, in the test's own body."""
    loop = _receiver(call)
    if loop is None:
        return []
    return [
        node
        for node in own_nodes(test.node)
        if isinstance(node, ast.Call) and node.func.__class__ is ast.Attribute and node.func.attr in methods
        and _receiver(node) == loop
    ]


def _prepares_loop(call: ast.Call, test: FunctionInfo) -> bool:
    return bool(_loop_method_calls(call, test, _PREPARES_LOOP))


def _closes_loop_midway(call: ast.Call, test: FunctionInfo) -> bool:
    """The test closes the loop and goes on: behaviour with a closed loop is its subject."""
    for close in _loop_method_calls(call, test, frozenset({"close"})):
        statement = parent(close)
        block = parent(statement)
        if not isinstance(statement, ast.Expr):
            continue
        for field in ("body", "orelse"):  # not ``finalbody``: closing there is cleanup
            statements = getattr(block, field, None)
            if isinstance(statements, list) and any(s is statement for s in statements[:-1]):
                return True
    return False


def _fixture_drives_loop(ctx: Context, test: FunctionInfo) -> bool:
    """A sync fixture of this module that the test requests runs the same loop by hand."""
    args = test.node.args
    requested = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    return any(
        fixture.name in requested and not fixture.is_async and _RUNS_LOOP & identifiers(fixture.node)
        for fixture in ctx.tests.fixtures
    )


def _helper_drives_loop(ctx: Context, test: FunctionInfo) -> bool:
    """The test calls a sync method of its class (``self.run_loop_once()``) that drives a loop by
    hand, itself or through another such method: inside a coroutine that call would raise. Methods
    are looked up on the test's own class, as ``self`` is one (a mixin's helper may call a method
    of a sibling base)."""
    cls = test.owner
    return cls is not None and _calls_loop_driving_method(ctx, cls, test, {test}, depth=2)


def _calls_loop_driving_method(
    ctx: Context, cls: ClassInfo, function: FunctionInfo, seen: set[FunctionInfo], depth: int
) -> bool:
    for node in own_nodes(function.node):
        func = getattr(node, "func", None)
        if not (isinstance(func, ast.Attribute) and is_self(func.value, function.scope)):
            continue
        callee = ctx.resolver.class_attribute(cls, func.attr, instance=True)
        if not isinstance(callee, Func) or callee.info.is_async or callee.info in seen:
            continue
        seen.add(callee.info)
        if _RUNS_LOOP & identifiers(callee.info.node):
            return True
        if depth > 1 and _calls_loop_driving_method(ctx, cls, callee.info, seen, depth - 1):
            return True
    return False


def _wrapped_by_sync_code(ctx: Context, test: FunctionInfo) -> bool:
    """A decorator not known to keep an ``async def`` async (a project's ``@with_server()``, ``@run_in_thread``)
    wraps the test: its sync wrapper would call the coroutine function and never await it, so the
    test cannot simply become async."""
    return not ctx.resolver.plain_decorators(test)


def _named_for_no_running_loop(name: str) -> bool:
    """The test's name says no loop runs (``test_create_no_running_loop``, ``test_init_without_loop``):
    behaviour outside a running loop is its subject, which an async test cannot have."""
    words = name.lower().split("_")
    return any(word in _NO_LOOP_WORDS and "loop" in words[i + 1 : i + 4] for i, word in enumerate(words))


def _has_async_twin(test: FunctionInfo) -> bool:
    """An async test beside it does the same the async way (``test_x`` and ``test_x_async``): the
    sync form is kept on purpose, to test the sync usage."""
    own = _without_sync_words(test.name)
    for bindings in test.parent.bindings.values():
        for binding in bindings:
            other = binding.info
            if binding.kind == "def" and isinstance(other, FunctionInfo) and other.is_async and other is not test:
                if other.name.startswith(test.name + "_") or _without_sync_words(other.name) == own:
                    return True
    return False


def _without_sync_words(name: str) -> list[str]:
    return [word for word in name.lower().split("_") if word not in ("sync", "async")]
