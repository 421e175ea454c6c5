"""Apply findings' fixes to a file's bytes with libcst, preserving everything else exactly."""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Iterable

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import MetadataWrapper, PositionProvider

from ..checker import FileResult, check_source
from ..context import Finding
from ..fix import Edit
from ..parsing import parse
from ..settings import Settings


class FixError(Exception):
    """A fix could not be applied safely: the file is left as it was."""


# A fix can reveal another (an async setUp becomes fixable once its class is async): fix, check
# again, and repeat until nothing changes, so that a second --fix never finds more to do.
MAX_PASSES = 5


def fix_source(
    data: bytes,
    filename: str,
    settings: Settings,
    unsafe: bool = False,
    result: FileResult | None = None,
    fixed_codes: Counter[str] | None = None,
) -> tuple[bytes, int, FileResult]:
    """Apply every fixable finding's fix, pass after pass: the new bytes, how many fixes were
    applied, and the check of the result (what remains). ``result``: the check of ``data``, if done;
    ``fixed_codes`` counts the applied fixes by code (for --show-fixes)."""
    applied = 0
    if result is None:
        result = check_source(data, filename, settings)
    for _ in range(MAX_PASSES):
        fixable = [f for f in result.findings if f.fix is not None and (unsafe or not f.fix.unsafe)]
        if not fixable:
            break
        new, codes = apply_fixes(data, fixable)
        if new == data:
            break
        data, applied = new, applied + len(codes)
        if fixed_codes is not None:
            fixed_codes.update(codes)
        result = check_source(data, filename, settings)
    return data, applied, result


def apply_fixes(data: bytes, findings: Iterable[Finding]) -> tuple[bytes, list[str]]:
    """``data`` with the fixes of ``findings`` applied (libcst keeps the encoding, BOM, newlines,
    comments and formatting), and the code of each applied. A fix whose nodes cannot all be found,
    or that touches a node another fix changes, is skipped whole."""
    fixes = [(f.code, f.fix) for f in findings if f.fix is not None]
    if not fixes:
        return data, []
    module = cst.parse_module(data)
    lines = data.decode(module.encoding).splitlines()
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    # nested nodes can start together (``a.b.c``, ``f()()``): the end position tells them apart
    located: dict[tuple[str, int, int, int, int], cst.CSTNode] = {}
    for node, span in positions.items():
        key = (type(node).__name__, span.start.line, span.start.column, span.end.line, span.end.column)
        located.setdefault(key, node)
    edits: dict[cst.CSTNode, Edit] = {}
    imports: set[tuple[str, str | None, str | None]] = set()
    applied: list[str] = []
    shared: set[int] = set()  # fixes applied so far: several findings can share one (ATC601's migration)
    for code, fix in fixes:
        if id(fix) in shared:
            applied.append(code)
            continue
        targets = [wrapper.module if edit.kind == "Module" else located.get(_key(edit, lines)) for edit in fix.edits]
        if any(target is None or target in edits for target in targets):
            continue  # a node we cannot find, or one another fix already changes
        for target, edit in zip(targets, fix.edits):
            edits[target] = edit  # type: ignore[index]
        imports.update(fix.imports)
        shared.add(id(fix))
        applied.append(code)
    if not edits:
        return data, []
    updated = wrapper.module.visit(_Applier(edits, wrapper.module))
    result = _parse_checked(updated.bytes)
    missing = [needed for needed in sorted(imports, key=str) if not _imported(result[1], *needed)]
    if missing:  # adding imports costs a full analysis of the module: only when one is needed
        context = CodemodContext()
        for module_name, name, alias in missing:
            AddImportsVisitor.add_needed_import(context, module_name, name, alias)
        result = _parse_checked(AddImportsVisitor(context).transform_module(updated).bytes)
    return result[0], applied


def _parse_checked(data: bytes) -> tuple[bytes, ast.Module]:
    try:
        return data, parse(data)
    except (SyntaxError, ValueError) as error:
        raise FixError(f"the fixed code does not parse: {error}") from error


def _imported(tree: ast.Module, module: str, name: str | None, alias: str | None) -> bool:
    """Does the module already import this at top level, in the form the fix uses?"""
    for statement in tree.body:
        if name is None and isinstance(statement, ast.Import):
            if any(a.name == module and (a.asname or None) == alias for a in statement.names):
                return True
        elif name is not None and isinstance(statement, ast.ImportFrom) and statement.module == module:
            if not statement.level and any(a.name == name and (a.asname or None) == alias for a in statement.names):
                return True
    return False


def _key(edit: Edit, lines: list[str]) -> tuple[str, int, int, int, int]:
    """Where the edited node is, as libcst sees it."""
    node = edit.node
    line, end_line = node.lineno, node.end_lineno or node.lineno  # type: ignore[attr-defined]
    return (
        edit.kind,
        line,
        _column(lines, line, node.col_offset),  # type: ignore[attr-defined]
        end_line,
        _column(lines, end_line, node.end_col_offset or 0),  # type: ignore[attr-defined]
    )


def _column(lines: list[str], line: int, offset: int) -> int:
    """libcst counts columns in characters, ast in UTF-8 bytes."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return len(text.encode("utf-8")[:offset].decode("utf-8", "replace"))


class _Applier(cst.CSTTransformer):
    def __init__(self, edits: dict[cst.CSTNode, Edit], module: cst.Module) -> None:
        super().__init__()
        self.edits = edits
        self.module = module

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):  # type: ignore[no-untyped-def]
        edit = self.edits.get(original_node)
        if edit is None:
            return updated_node
        return edit.apply(updated_node, self.module)
