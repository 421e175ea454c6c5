"""ATC601's fix: the codemod that migrates a module off asynctest. Imported on the --fix path only.

Every use of an asynctest name with a replacement is rewritten (``asynctest_names``); a use without
one keeps its import and is left for a human (ATC601 reports it). Test cases become
IsolatedAsyncioTestCase (or flake8_asynctest.TestCase, with asynctest's checks: none by default),
their coroutine ``setUp``/``tearDown`` become ``asyncSetUp``/``asyncTearDown``, ``self.loop`` in
their coroutines the running loop, and unittest's aliases removed in Python 3.12 their real names.
"""

from __future__ import annotations

from typing import Any

import libcst as cst
from libcst.metadata import ExpressionContext, ExpressionContextProvider, MetadataWrapper, QualifiedNameProvider

from ..analysis.known import IMPORT_ERRORS
from ..fixes.imports import binding, dotted, without_aliases
from .asynctest_names import RUNTIME_TEST_CASE, MigrationOptions, is_asynctest, replacement
from .import_blocks import Imports, import_line, removed, without_removed

_HOOK_RENAMES = {"setUp": "asyncSetUp", "tearDown": "asyncTearDown"}
_ASSERT_RENAMES = {"assertAsyncRaises": "assertRaises", "assertAsyncRaisesRegex": "assertRaisesRegex"}
# unittest's aliases, removed in Python 3.12 (assertItemsEqual is Python 2's assertCountEqual).
DEPRECATED_ASSERTS = {
    "assertEquals": "assertEqual",
    "assertNotEquals": "assertNotEqual",
    "assertAlmostEquals": "assertAlmostEqual",
    "assertNotAlmostEquals": "assertNotAlmostEqual",
    "assert_": "assertTrue",
    "failUnless": "assertTrue",
    "failIf": "assertFalse",
    "failUnlessEqual": "assertEqual",
    "failIfEqual": "assertNotEqual",
    "failUnlessAlmostEqual": "assertAlmostEqual",
    "failIfAlmostEqual": "assertNotAlmostEqual",
    "failUnlessRaises": "assertRaises",
    "assertRegexpMatches": "assertRegex",
    "assertNotRegexpMatches": "assertNotRegex",
    "assertRaisesRegexp": "assertRaisesRegex",
    "assertItemsEqual": "assertCountEqual",
}
_TEST_CASES = frozenset({"TestCase", "ClockedTestCase"})
_CHECK_DECORATORS = frozenset({"strict", "lenient"})


def migrate(module: cst.Module, options: MigrationOptions) -> cst.Module:
    migrated = MetadataWrapper(module).visit(_Migration(options))
    return migrated if isinstance(migrated, cst.Module) else module


def rename_deprecated_asserts(node: Any) -> Any:
    """``self.assertEquals`` -> ``self.assertEqual`` (and the other aliases Python 3.12 removed) in ``node``."""
    return node.visit(_DeprecatedAsserts())


class _DeprecatedAsserts(cst.CSTTransformer):
    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        return _renamed_assert(updated_node)


def _renamed_assert(node: cst.Attribute) -> cst.Attribute:
    if isinstance(node.value, cst.Name) and node.value.value == "self" and node.attr.value in DEPRECATED_ASSERTS:
        return node.with_changes(attr=cst.Name(DEPRECATED_ASSERTS[node.attr.value]))
    return node


class _Migration(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (QualifiedNameProvider, ExpressionContextProvider)

    def __init__(self, options: MigrationOptions) -> None:
        super().__init__()
        self.options = options
        self.imports = Imports()
        self.inner: set[int] = set()  # ids of nodes that are the object of an attribute access
        self.migrated: set[str] = set()  # classes that ran under asynctest's TestCase, mixins included
        self.decorate: set[str] = set()  # classes that get asynctest's checks (none) on flake8_asynctest.TestCase
        self.classes: list[bool] = []  # is each class being visited migrated?
        self.coroutines: list[bool] = []
        self.moved: set[int] = set()  # ids of import lines a collapsed ``if``/``try`` left at its place

    # -- the module: which classes migrate, then the imports -----------------------------------

    def visit_Module(self, node: cst.Module) -> None:
        self.imports.read(node.body)
        classes = [s for s in node.body if isinstance(s, cst.ClassDef)]
        by_name = {c.name.value: c for c in classes}
        for cls in classes:
            names = [self._qualified(base.value) for base in cls.bases]
            targets = {_head(name) for name in names if name is not None}
            if targets & _TEST_CASES:
                self.migrated.add(cls.name.value)
                checks = {_head(self._qualified(d.decorator)) for d in cls.decorators}
                if self.options.test_case == RUNTIME_TEST_CASE and not checks & _CHECK_DECORATORS:
                    self.decorate.add(cls.name.value)
        changed = True
        while changed:  # subclasses of migrated classes, and the mixins they are made of
            changed = False
            for cls in classes:
                name = cls.name.value
                bases = {b.value.value for b in cls.bases if isinstance(b.value, cst.Name) and b.value.value in by_name}
                if name not in self.migrated and bases & self.migrated:
                    self.migrated.add(name)
                    changed = True
                if name in self.migrated and bases - self.migrated:
                    self.migrated |= bases
                    changed = True

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        body = []
        for statement in updated_node.body:
            if id(statement) in self.moved:  # an import a collapsed version check kept: goes with the others
                self.imports.rehome(statement)
                statement = removed(statement.leading_lines)
            body.append(statement)
        return updated_node.with_changes(body=without_removed(self.imports.added_to(body)))

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock) -> Any:
        return updated_node.with_changes(body=without_removed(list(updated_node.body)))

    # -- references to asynctest names ---------------------------------------------------------

    def _qualified(self, node: Any) -> str | None:
        names = {q.name for q in self.get_metadata(QualifiedNameProvider, node, set())}
        asynctest = [name for name in names if is_asynctest(name)]
        return asynctest[0] if len(asynctest) == 1 else None

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.inner.add(id(node.value))

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        if self._loop_read(original_node):
            self.imports.need("asyncio", None)
            return cst.parse_expression("asyncio.get_running_loop()")
        if id(original_node) in self.inner:
            return updated_node
        return self._reference(original_node, updated_node) or _renamed_assert(updated_node)

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        if id(original_node) in self.inner:
            return updated_node
        return self._reference(original_node, updated_node) or updated_node

    def _reference(self, original: Any, updated: Any) -> Any:
        """The rewritten chain ``updated`` (``asynctest.mock.patch.object``), or None if it names
        no asynctest thing with a replacement."""
        if self._qualified(original) is None:
            return None
        root, attrs = original, []
        while isinstance(root, cst.Attribute):
            attrs.insert(0, root.attr.value)
            root = root.value
        base = self._qualified(root) if isinstance(root, cst.Name) else None
        if base is None:
            return None
        # what the whole chain becomes: a part below a replaced name may be renamed too
        # (``mock.CoroutineMock`` after ``from asynctest import mock`` is ``mock.AsyncMock``)
        whole = replacement(".".join([base, *attrs]), self.options.test_case) if attrs else None

        def keeps(new: str, rest: list[str]) -> bool:
            return whole is None or ".".join([new, *rest]) == whole

        new = replacement(base, self.options.test_case)
        # ``patch.object`` after ``from asynctest import patch``: the name is the thing
        if new is not None and keeps(new, attrs):
            aliased = root.value != base.rpartition(".")[2]
            expression = self.imports.name_for(new, alias=root.value if aliased else None)
            return _with_attrs(expression, attrs)
        for count in range(1, len(attrs) + 1):  # ``asynctest.mock.patch``: the module path leads to it
            new = replacement(".".join([base, *attrs[:count]]), self.options.test_case)
            if new is not None and keeps(new, attrs[count:]):
                return _with_attrs(self.imports.module_style(new), attrs[count:])
        return None  # no replacement: the import stays, and ATC601 names this use

    def _loop_read(self, node: cst.Attribute) -> bool:
        return (
            self.options.rewrite_loop
            and self._in_migrated_coroutine()
            and node.attr.value == "loop"
            and isinstance(node.value, cst.Name)
            and node.value.value == "self"
            and self.get_metadata(ExpressionContextProvider, node, None) == ExpressionContext.LOAD
        )

    # -- imports: asynctest's go, unless a use without replacement needs them ------------------

    def visit_ImportAlias(self, node: cst.ImportAlias) -> bool:
        return False  # names in import statements are not references to rewrite

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> Any:
        kept = self.options.kept
        return without_aliases(
            updated_node, lambda alias: not is_asynctest(dotted(alias.name)) or binding(updated_node, alias) in kept
        )

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom) -> Any:
        module = dotted(updated_node.module) if updated_node.module is not None else ""
        if updated_node.relative or not is_asynctest(module) or isinstance(updated_node.names, cst.ImportStar):
            return updated_node
        kept = self.options.kept
        return without_aliases(updated_node, lambda alias: binding(updated_node, alias) in kept)

    def leave_SimpleStatementLine(self, original_node: Any, updated_node: Any) -> Any:
        if not updated_node.body:  # every statement on the line was removed: its blank lines stay
            return removed(updated_node.leading_lines)
        return self._async_raises(updated_node)

    def leave_If(self, original_node: cst.If, updated_node: cst.If) -> Any:
        """A version check with asynctest on one side (``if sys.version_info >= (3, 8): ... else:
        from asynctest import ...``) becomes the other side: the migrated file needs 3.8 anyway."""
        if "version_info" not in cst.Module([]).code_for_node(updated_node.test):
            return updated_node
        orelse = updated_node.orelse
        if orelse is not None and not isinstance(orelse, cst.Else):
            return updated_node
        kept_body = list(updated_node.body.body)
        other = list(orelse.body.body) if orelse is not None else []
        if kept_body and (orelse is None or other):
            return updated_node
        return self._flattened(kept_body or other, updated_node.leading_lines)

    def leave_Try(self, original_node: cst.Try, updated_node: cst.Try) -> Any:
        """``try: <import> except ImportError: from asynctest import ...`` becomes the import tried."""
        handlers = updated_node.handlers
        if not handlers or updated_node.orelse or updated_node.finalbody:
            return updated_node
        if not all(_catches_import_error(h.type) and not h.body.body for h in handlers):  # type: ignore[union-attr]
            return updated_node
        return self._flattened(list(updated_node.body.body), updated_node.leading_lines)  # type: ignore[union-attr]

    def _flattened(self, statements: list[Any], leading_lines: Any) -> Any:
        flattened = _flattened(statements, leading_lines)
        kept = flattened.nodes if isinstance(flattened, cst.FlattenSentinel) else []
        self.moved.update(id(s) for s in kept if import_line(s))
        return flattened

    # -- test classes ----------------------------------------------------------------------------

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.append(node.name.value in self.migrated)

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef) -> cst.ClassDef:
        self.classes.pop()
        if original_node.name.value not in self.decorate:
            return updated_node
        bases = updated_node.bases
        by_name = any(isinstance(base.value, cst.Name) and base.value.value == "TestCase" for base in bases)
        style = self.imports.name_for if by_name else self.imports.module_style
        checks = cst.Decorator(decorator=style("flake8_asynctest.lenient"))
        return updated_node.with_changes(decorators=[*updated_node.decorators, checks])

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.coroutines.append(node.asynchronous is not None)

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        self.coroutines.pop()
        name = updated_node.name.value
        if self.classes and self.classes[-1] and updated_node.asynchronous and name in _HOOK_RENAMES:
            return updated_node.with_changes(name=cst.Name(_HOOK_RENAMES[name]))
        return updated_node

    def _in_migrated_coroutine(self) -> bool:
        return bool(self.classes and self.classes[-1] and self.coroutines and self.coroutines[-1])

    def leave_Await(self, original_node: cst.Await, updated_node: cst.Await) -> cst.Await:
        """``await super().setUp()`` -> ``await super().asyncSetUp()`` in a renamed hook."""
        call = updated_node.expression
        func = call.func if isinstance(call, cst.Call) else None
        if (
            self._in_migrated_coroutine()
            and isinstance(func, cst.Attribute)
            and func.attr.value in _HOOK_RENAMES
            and isinstance(func.value, cst.Call)
            and isinstance(func.value.func, cst.Name)
            and func.value.func.value == "super"
        ):
            renamed = func.with_changes(attr=cst.Name(_HOOK_RENAMES[func.attr.value]))
            return updated_node.with_changes(expression=call.with_changes(func=renamed))  # type: ignore[union-attr]
        return updated_node

    def _async_raises(self, line: cst.SimpleStatementLine) -> Any:
        """``await self.assertAsyncRaises(E, aw)`` -> ``with self.assertRaises(E): await aw``."""
        body = line.body
        if not (self._in_migrated_coroutine() and len(body) == 1 and isinstance(body[0], cst.Expr)):
            return line
        value = body[0].value
        call = value.expression if isinstance(value, cst.Await) else None
        if not (
            isinstance(call, cst.Call)
            and isinstance(call.func, cst.Attribute)
            and call.func.attr.value in _ASSERT_RENAMES
            and len(call.args) >= 2
            and not any(arg.keyword or arg.star for arg in call.args)
        ):
            return line
        checker = call.func.with_changes(attr=cst.Name(_ASSERT_RENAMES[call.func.attr.value]))
        arguments = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in call.args[:-1]]
        awaited = cst.SimpleStatementLine(body=[cst.Expr(value=cst.Await(expression=call.args[-1].value))])
        return cst.With(
            items=[cst.WithItem(item=cst.Call(func=checker, args=arguments))],
            body=cst.IndentedBlock(body=[awaited]),
            leading_lines=line.leading_lines,
        )


def _head(qualname: str | None) -> str | None:
    """The asynctest thing a name is (``TestCase`` for ``asynctest.case.TestCase``), if any."""
    if qualname is None:
        return None
    new = replacement(qualname, "TestCase")
    return new.rpartition(".")[2] if new is not None else None


def _with_attrs(expression: cst.BaseExpression, attrs: list[str]) -> cst.BaseExpression:
    for attr in attrs:
        expression = cst.Attribute(value=expression, attr=cst.Name(attr))
    return expression


def _catches_import_error(caught: Any) -> bool:
    names = [element.value for element in caught.elements] if isinstance(caught, cst.Tuple) else [caught]
    return any(isinstance(name, cst.Name) and name.value in IMPORT_ERRORS for name in names)


def _flattened(statements: list[Any], leading_lines: Any) -> Any:
    """A compound statement replaced by ``statements`` (none: removed), its blank lines kept."""
    if not statements:
        return removed(leading_lines)
    first = statements[0].with_changes(leading_lines=[*leading_lines, *statements[0].leading_lines])
    return cst.FlattenSentinel([first, *statements[1:]])
