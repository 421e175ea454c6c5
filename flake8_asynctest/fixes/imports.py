"""The import block after fixing: the imports the fixes need are added (once, in the style the file
uses: libcst's AddImportsVisitor), and a name the fixes stopped using is removed from it when nothing
else in the module mentions it (``time`` after ``time.sleep`` became ``asyncio.sleep``).

Only the block of imports the module starts with is read and changed, parsed alone with a made-up
``pass`` standing for the statement after it. A name counts as still used if it appears anywhere
else in the file as a word, even in a comment or a string (``__all__``): such an import is kept.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Sequence

import libcst as cst

from ..fix import Import
from .regions import start_of
from .text import split_lines


def update_imports(
    before: tuple[ast.Module, list[str]],
    after: tuple[ast.Module, list[str]],
    needed: Iterable[Import],
    changes: Sequence[tuple[list[str], list[str]]],
    newline: str,
) -> list[str]:
    """The lines of ``after`` (the fixed module: its tree, at least its import block, and lines)
    with the ``needed`` imports added and the names that ``changes`` (each region's old and new
    lines) stopped using removed, ``before`` being the module before the fixes."""
    tree, lines = after
    block = _import_block(tree)
    missing = [item for item in sorted(needed, key=str) if not _imported(block, *item)]
    unused = _made_unused(before, after, changes)
    if not missing and not unused:
        return lines
    after = len(block) < len(tree.body)
    end = start_of(tree.body[len(block)])[0] - 1 if after else len(lines)
    suffix = f"pass{newline}" if after else ""
    module = cst.parse_module("".join(lines[:end]) + suffix)
    if missing:  # libcst's codemod package takes half a second to import: only when needed
        from libcst.codemod import CodemodContext
        from libcst.codemod.visitors import AddImportsVisitor

        context = CodemodContext()
        for module_name, name, alias in missing:
            AddImportsVisitor.add_needed_import(context, module_name, name, alias)
        module = AddImportsVisitor(context).transform_module(module)
    if unused:
        module = module.with_changes(body=_without(module.body, unused))
    code = module.code
    return split_lines(code[: len(code) - len(suffix)]) + lines[end:]


def _import_block(tree: ast.Module) -> list[ast.stmt]:
    """The statements the module starts with: a docstring, then imports (``import a; import b``
    too: a superset of the block AddImportsVisitor reads, so that it reads the same)."""
    block: list[ast.stmt] = []
    for index, statement in enumerate(tree.body):
        docstring = isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) and not index
        strict = isinstance(statement, ast.Assign) and ast.unparse(statement.targets[0]) == "__strict__" and not index
        if not (isinstance(statement, (ast.Import, ast.ImportFrom)) or docstring or strict):
            break
        block.append(statement)
    return block


def block_end(tree: ast.Module) -> int:
    """The last line of the import block."""
    block = _import_block(tree)
    return block[-1].end_lineno or block[-1].lineno if block else 0


def _imported(block: list[ast.stmt], module: str, name: str | None, alias: str | None) -> bool:
    """Does the import block already import this, in the form the fix uses?"""
    for statement in block:
        if name is None and isinstance(statement, ast.Import):
            if any(a.name == module and (a.asname or None) == alias for a in statement.names):
                return True
        elif name is not None and isinstance(statement, ast.ImportFrom) and statement.module == module:
            if not statement.level and any(a.name == name and (a.asname or None) == alias for a in statement.names):
                return True
    return False


def _bound(statement: ast.stmt) -> list[str]:
    """The names an import statement binds (none for ``__future__`` and ``*``)."""
    if isinstance(statement, ast.Import):
        return [a.asname or a.name.partition(".")[0] for a in statement.names]
    if isinstance(statement, ast.ImportFrom) and statement.module != "__future__":
        return [a.asname or a.name for a in statement.names if a.name != "*"]
    return []


def _made_unused(
    before: tuple[ast.Module, list[str]],
    after: tuple[ast.Module, list[str]],
    changes: Sequence[tuple[list[str], list[str]]],
) -> set[str]:
    """The names the import block binds that the file mentioned outside its import statements
    before the changes, and no longer does."""
    names = {name for statement in _import_block(after[0]) for name in _bound(statement)}
    dropped = {  # a first sieve, on the changed lines only
        name
        for name in names
        if sum(_mentions(name, "".join(old)) - _mentions(name, "".join(new)) for old, new in changes) > 0
    }
    return {
        name
        for name in dropped
        if _mentions_outside_imports(name, *before) and not _mentions_outside_imports(name, *after)
    }


def _mentions_outside_imports(name: str, tree: ast.Module, lines: list[str]) -> int:
    block = [s for s in _import_block(tree) if isinstance(s, (ast.Import, ast.ImportFrom))]
    imports = "".join("".join(lines[s.lineno - 1 : s.end_lineno]) for s in block)
    return _mentions(name, "".join(lines)) - _mentions(name, imports)


def _mentions(name: str, text: str) -> int:
    return len(re.findall(rf"\b{re.escape(name)}\b", text))


def _without(body: Sequence[cst.BaseStatement], unused: set[str]) -> list[cst.BaseStatement]:
    """The module's statements with the ``unused`` names taken out of its import statements; a
    statement left empty goes, and the comments above it move to the next one (which, if it is now
    the first, loses the blank lines above it)."""
    kept: list[cst.BaseStatement] = []
    carried: list[cst.EmptyLine] | None = None  # the lines above a statement just removed
    for statement in body:
        if carried is not None:
            own = list(statement.leading_lines)
            while not kept and own and own[0].comment is None:
                own.pop(0)
            statement = statement.with_changes(leading_lines=[*carried, *own])
            carried = None
        single = isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
        line = statement.body[0] if single else None  # type: ignore[attr-defined]
        if isinstance(line, (cst.Import, cst.ImportFrom)) and not isinstance(line.names, cst.ImportStar):
            names = [a for a in line.names if binding(line, a) not in unused]
            if not names:
                carried = list(statement.leading_lines)
                continue
            if len(names) < len(line.names):  # the commas of the last ones: the layout stays
                commas = [a.comma for a in line.names[len(line.names) - len(names) :]]
                names = [a.with_changes(comma=comma) for a, comma in zip(names, commas)]
                statement = statement.with_changes(body=[line.with_changes(names=names)])
        kept.append(statement)
    return kept


def binding(statement: cst.Import | cst.ImportFrom, alias: cst.ImportAlias) -> str:
    """The name an import alias binds (``asynctest`` for ``import asynctest.mock``; "" for
    ``__future__``'s)."""
    if alias.asname is not None:
        return cst.ensure_type(alias.asname.name, cst.Name).value
    if isinstance(statement, cst.ImportFrom):
        if statement.module is not None and dotted(statement.module) == "__future__":
            return ""
        return dotted(alias.name)
    return dotted(alias.name).partition(".")[0]


def without_aliases(
    statement: cst.Import | cst.ImportFrom, keep: Callable[[cst.ImportAlias], bool]
) -> cst.Import | cst.ImportFrom | cst.RemovalSentinel:
    """``statement`` with the aliases ``keep`` rejects dropped: unchanged when it keeps all (or is a
    star import), removed when it keeps none; the kept ones take libcst's default commas."""
    aliases = statement.names
    if isinstance(aliases, cst.ImportStar):
        return statement
    names = [alias for alias in aliases if keep(alias)]
    if not names:
        return cst.RemoveFromParent()
    if len(names) == len(aliases):
        return statement
    return statement.with_changes(names=[alias.with_changes(comma=cst.MaybeSentinel.DEFAULT) for alias in names])


def dotted(node: cst.BaseExpression) -> str:
    """``a.b.c`` for a libcst name or attribute chain (a module, an imported name); "" otherwise."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted(node.value)}.{node.attr.value}"
    return ""
