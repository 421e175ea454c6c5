"""The imports a migration needs, written as the module already writes them (libcst; the --fix path only).

A name the module already reaches is reused (``from unittest import mock`` there: ``mock.AsyncMock``);
a new ``from`` import joins the module's existing one; a new import goes into the group it belongs to
(standard library with standard library), in sorted place, and blank lines between groups stay.
"""

from __future__ import annotations

import sys
from typing import Any

import libcst as cst

from ..fixes.imports import dotted
from .asynctest_names import is_asynctest

# Submodules that importing their package does not load: ``import unittest`` reaches no ``unittest.mock``.
_SUBMODULES = frozenset({"unittest.mock", "flake8_asynctest.runtime"})
_MODULES = _SUBMODULES | {"unittest", "flake8_asynctest", "asyncio"}
Need = tuple[str, "str | None", "str | None"]  # (module, name or None for ``import module``, alias)
# A statement the migration removed, left in place until the imports are written (a new import takes
# the place of the one it replaces), then dropped by the block holding it, which keeps its blank lines.
_REMOVED = "__asynctest_import_removed__"


class Imports:
    """What the module reaches through its imports, and what the migration adds."""

    def __init__(self) -> None:
        self.reach: dict[str, tuple[str, Need | None]] = {}  # qualified name -> (text, import if conditional)
        self.bound: set[str] = set()  # names the module binds at top level, asynctest's aside
        self.needed: list[Need] = []
        self.added: set[str] = set()  # qualified names reached through imports the migration adds

    def read(self, body: Any) -> None:
        for statement in body:
            if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                self.bound.add(statement.name.value)
            elif isinstance(statement, cst.SimpleStatementLine):
                self._read_line(statement, conditional=False)
            elif isinstance(statement, (cst.If, cst.Try)):
                for block in _blocks(statement):
                    for line in block:
                        if isinstance(line, cst.SimpleStatementLine):
                            self._read_line(line, conditional=True)

    def _read_line(self, line: cst.SimpleStatementLine, conditional: bool) -> None:
        for small in line.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    module = dotted(alias.name)
                    if is_asynctest(module):
                        continue
                    if alias.asname is not None:
                        bound = dotted(alias.asname.name)
                        self._reached(module, bound, (module, None, bound), conditional)
                        continue
                    parts = module.split(".")
                    for end in range(1, len(parts) + 1):
                        prefix = ".".join(parts[:end])
                        self._reached(prefix, prefix, (module, None, None), conditional)
            elif isinstance(small, cst.ImportFrom) and not small.relative and small.module is not None:
                module = dotted(small.module)
                if is_asynctest(module) or isinstance(small.names, cst.ImportStar):
                    continue
                for alias in small.names:
                    name = dotted(alias.name)
                    bound = dotted(alias.asname.name) if alias.asname is not None else name
                    need = (module, name, bound if bound != name else None)
                    self._reached(f"{module}.{name}", bound, need, conditional)
            elif isinstance(small, (cst.Assign, cst.AnnAssign)) and not conditional:
                targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
                self.bound.update(t.value for t in targets if isinstance(t, cst.Name))

    def _reached(self, qualified: str, text: str, need: Need, conditional: bool) -> None:
        if qualified not in self.reach or self.reach[qualified][1] is not None:
            self.reach[qualified] = (text, need if conditional else None)
        self.bound.add(text.partition(".")[0])

    # -- expressions for qualified names --------------------------------------------------------

    def name_for(self, qualified: str, alias: str | None = None) -> cst.BaseExpression:
        """``qualified`` as a bare name imported with ``from`` (``AsyncMock``), unless the module
        already reaches it otherwise or the name is taken."""
        found = self._reuse(qualified, through_added=False)
        if found is not None:
            return found
        module, _, name = qualified.rpartition(".")
        short = alias or name
        if short in self.bound:
            return self.module_style(qualified)
        self._need((module, name, short if short != name else None))
        self.reach[qualified] = (short, None)
        self.bound.add(short)
        return cst.Name(short)

    def module_style(self, qualified: str) -> cst.BaseExpression:
        """``qualified`` reached through its module (``unittest.mock.AsyncMock``), imported if needed."""
        found = self._reuse(qualified, through_added=True)
        if found is not None:
            return found
        module = qualified if qualified in _MODULES else qualified.rpartition(".")[0]
        self._need((module, None, None))
        parts = module.split(".")
        for end in range(1, len(parts) + 1):
            prefix = ".".join(parts[:end])
            if prefix not in self.reach:
                self.reach[prefix] = (prefix, None)
                self.added.add(prefix)
        return cst.parse_expression(qualified)

    def _reuse(self, qualified: str, through_added: bool) -> cst.BaseExpression | None:
        """The module's own way to reach ``qualified``: the name itself, or a module above it
        (only one the module already imported, for a name wanted bare); last, a name it imports
        only inside an ``if``/``try`` (imported at top level too, then)."""
        text, need = self.reach.get(qualified, ("", None))
        if text and (need is None or not through_added):  # a bare name: as the module already spells it
            if need is not None:
                self._need(need)
            return cst.parse_expression(text)
        parts = qualified.split(".")
        for end in range(len(parts) - 1, 0, -1):
            prefix, rest = ".".join(parts[:end]), parts[end:]
            below = f"{prefix}.{rest[0]}"
            usable = through_added or prefix not in self.added
            if prefix in self.reach and self.reach[prefix][1] is None and usable and (
                below not in _SUBMODULES or below in self.reach
            ):
                return cst.parse_expression(".".join([self.reach[prefix][0], *rest]))
        if text and need is not None:
            self._need(need)
            return cst.parse_expression(text)
        return None

    def rehome(self, statement: cst.SimpleStatementLine) -> None:
        """An import line that leaves its place (a collapsed version check): written again where
        the module's imports go."""
        for small in statement.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    self._need((dotted(alias.name), None, _alias(alias)))
            elif isinstance(small, cst.ImportFrom) and small.module is not None:
                for alias in small.names:  # type: ignore[union-attr]
                    self._need((dotted(small.module), dotted(alias.name), _alias(alias)))

    def need(self, module: str, name: str | None) -> None:
        """An import the migration's own code uses (``import asyncio``), unless the module reaches it."""
        if (f"{module}.{name}" if name else module) not in self.reach:
            self._need((module, name, None))

    def _need(self, need: Need) -> None:
        if need not in self.needed:
            self.needed.append(need)

    # -- writing them ---------------------------------------------------------------------------

    def added_to(self, body: list[Any]) -> list[Any]:
        for need in sorted(self.needed, key=lambda need: not _stdlib(need[0])):  # the standard library's first
            if not _present(body, need):
                body = _merged(body, need) or _inserted(body, need)
        return body


def _blocks(statement: Any) -> list[Any]:
    blocks = [statement.body.body]
    if isinstance(statement, cst.Try):
        blocks += [h.body.body for h in statement.handlers]
    orelse = getattr(statement, "orelse", None)
    if isinstance(orelse, cst.Else):
        blocks.append(orelse.body.body)
    return blocks


def import_line(statement: Any) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
    )


def _present(body: list[Any], need: Need) -> bool:
    module, name, alias = need
    for statement in body:
        if not import_line(statement):
            continue
        for small in statement.body:
            if name is None and isinstance(small, cst.Import):
                if any(dotted(a.name) == module and _alias(a) == alias for a in small.names):
                    return True
            elif name is not None and _from(small, module):
                if any(dotted(a.name) == name and _alias(a) == alias for a in small.names):
                    return True
    return False


def _alias(alias: cst.ImportAlias) -> str | None:
    return dotted(alias.asname.name) if alias.asname is not None else None


def _from(small: Any, module: str) -> bool:
    return (
        isinstance(small, cst.ImportFrom)
        and not small.relative
        and small.module is not None
        and dotted(small.module) == module
        and not isinstance(small.names, cst.ImportStar)
    )


def _merged(body: list[Any], need: Need) -> list[Any] | None:
    """The name added to the module's ``from <module> import ...``, in sorted place if it is sorted."""
    module, name, alias = need
    if name is None:
        return None
    for index, statement in enumerate(body):
        if not import_line(statement) or len(statement.body) != 1 or not _from(statement.body[0], module):
            continue
        small = statement.body[0]
        names = list(small.names)
        new = cst.ImportAlias(name=cst.Name(name), asname=cst.AsName(name=cst.Name(alias)) if alias else None)
        keys = [dotted(a.name) for a in names]
        position = sum(key < name for key in keys) if keys == sorted(keys) else len(names)
        if small.lpar is not None:  # parenthesized over lines: copy the separators it uses
            separator = next((a.comma for a in names if isinstance(a.comma, cst.Comma)), cst.MaybeSentinel.DEFAULT)
            if position == len(names):
                new = new.with_changes(comma=names[-1].comma)
                names[-1] = names[-1].with_changes(comma=separator)
            else:
                new = new.with_changes(comma=separator)
            names.insert(position, new)
        else:
            names.insert(position, new)
            names = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in names]
        body = list(body)
        body[index] = statement.with_changes(body=[small.with_changes(names=names)])
        return body
    return None


def _statement(need: Need) -> cst.SimpleStatementLine:
    module, name, alias = need
    text = f"import {module}" if name is None else f"from {module} import {name}"
    return cst.parse_statement(text + (f" as {alias}" if alias else ""))  # type: ignore[return-value]


def _top(statement: Any) -> str:
    """The module an import line imports (its first, for ``import a, b``; ``""`` when relative)."""
    small = statement.body[0]
    if isinstance(small, cst.Import):
        return dotted(small.names[0].name)
    return "" if small.relative or small.module is None else dotted(small.module)


def _stdlib(module: str) -> bool:
    top = module.partition(".")[0]
    return top in sys.stdlib_module_names and top != "__future__"


def _inserted(body: list[Any], need: Need) -> list[Any]:
    """``body`` with a new import line for ``need`` in the group it belongs to."""
    new = _statement(need)
    stdlib = _stdlib(need[0])
    start = _region_start(body)
    groups = _groups(body, start)
    for group in _candidates(body, groups, stdlib):
        lines = [i for i in group if import_line(body[i]) and _top(body[i])]
        kinds_first = _kinds_first([body[i] for i in lines])
        key = _key(new, kinds_first)
        position = next((i for i in lines if _key(body[i], kinds_first) > key), None)
        if position is None:
            return _insert(body, lines[-1] + 1, new, own=[])
        if position == group[0]:  # the new line opens the group: it takes the group's blank lines
            return _insert(body, position, new, own=list(body[position].leading_lines), after=[])
        return _insert(body, position, new, own=[])
    # no group of its kind: a group of its own, the standard library's first, or where asynctest's was
    stdlib_groups = [g for g in groups if any(import_line(body[i]) and _stdlib(_top(body[i])) for i in g)]
    if not stdlib and stdlib_groups:
        index = stdlib_groups[-1][-1] + 1
    else:
        marker = next((i for g in groups for i in g if is_removed(body[i])), None)
        if marker is not None:
            return _insert(body, marker, new, own=list(body[marker].leading_lines), after=[])
        index = start
    if index < len(body):
        spacing = [cst.EmptyLine()] * (2 if isinstance(body[index], (cst.FunctionDef, cst.ClassDef)) else 1)
        own = list(body[index].leading_lines) if index == start else [cst.EmptyLine()]
        return _insert(body, index, new, own=own, after=spacing if index == start else None)
    return _insert(body, index, new, own=[cst.EmptyLine()])


def _candidates(body: list[Any], groups: list[list[int]], stdlib: bool) -> list[list[int]]:
    """The groups a new import may join: the standard library's, or for another module the group
    asynctest's import was in (unless it held only the standard library), then third-party ones."""

    def kinds(group: list[int]) -> set[bool]:
        return {_stdlib(_top(body[i])) for i in group if import_line(body[i]) and _top(body[i])}

    if stdlib:
        return [g for g in groups if True in kinds(g)]
    was_asynctest = [g for g in groups if any(is_removed(body[i]) for i in g) and kinds(g) and kinds(g) != {True}]
    return was_asynctest + [g for g in groups if kinds(g) == {False} and g not in was_asynctest]


def _insert(body: list[Any], index: int, new: Any, own: list[Any], after: list[Any] | None = None) -> list[Any]:
    body = list(body)
    if after is not None and index < len(body):
        body[index] = body[index].with_changes(leading_lines=after)
    body.insert(index, new.with_changes(leading_lines=own))
    return body


def _key(statement: Any, kinds_first: bool) -> tuple[Any, ...]:
    """Where an import line sorts: isort's default puts every ``import x`` before ``from x import``."""
    kind = 0 if isinstance(statement.body[0], cst.Import) else 1
    return (kind, _top(statement).lower()) if kinds_first else (_top(statement).lower(), kind)


def _kinds_first(lines: list[Any]) -> bool:
    kinds = [0 if isinstance(line.body[0], cst.Import) else 1 for line in lines]
    return kinds == sorted(kinds)


def _region_start(body: list[Any]) -> int:
    """Where imports may go: after the docstring and ``from __future__`` imports."""
    index = 0
    if body and isinstance(body[0], cst.SimpleStatementLine) and isinstance(body[0].body[0], cst.Expr):
        if isinstance(body[0].body[0].value, (cst.SimpleString, cst.ConcatenatedString)):
            index = 1
    while index < len(body) and import_line(body[index]) and _top(body[index]) == "__future__":
        index += 1
    return index


def _groups(body: list[Any], start: int) -> list[list[int]]:
    """The module's leading imports (``if``/``try`` blocks of imports among them), split at blank lines."""
    groups: list[list[int]] = []
    for index in range(start, len(body)):
        statement = body[index]
        if not (import_line(statement) or _import_block(statement) or is_removed(statement)):
            break
        blank = any(line.comment is None for line in statement.leading_lines)
        if not groups or blank:
            groups.append([])
        groups[-1].append(index)
    return groups


def _import_block(statement: Any) -> bool:
    if not isinstance(statement, (cst.If, cst.Try)):
        return False
    return all(
        import_line(line) or (isinstance(line, cst.SimpleStatementLine) and not isinstance(line.body[0], cst.Expr))
        for block in _blocks(statement)
        for line in block
    )


def removed(leading_lines: Any) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine(body=[cst.Expr(cst.Name(_REMOVED))], leading_lines=leading_lines)


def is_removed(statement: Any) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    expression = statement.body[0]
    return isinstance(expression, cst.Expr) and isinstance(expression.value, cst.Name) and (
        expression.value.value == _REMOVED
    )


def without_removed(body: list[Any]) -> list[Any]:
    """The block's statements without the removed ones; a removed statement's blank lines and
    comments go to the next statement, so import groups stay apart."""
    kept: list[Any] = []
    carried: list[Any] = []
    for statement in body:
        if is_removed(statement):
            carried = _merge_lines(carried, list(statement.leading_lines))
            continue
        if carried:
            statement = statement.with_changes(leading_lines=_merge_lines(carried, list(statement.leading_lines)))
            carried = []
        kept.append(statement)
    return kept


def _merge_lines(first: list[Any], second: list[Any]) -> list[Any]:
    """Leading lines of two statements made one: comments of both, blank lines not doubled."""
    if any(line.comment is not None for line in first):
        return first + second
    return second if any(line.comment is None for line in second) or not first else first + second
