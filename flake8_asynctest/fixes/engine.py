"""Apply findings' fixes to a file's bytes with libcst, preserving everything else exactly.

Each fix is made in its region (``regions``): the lines around its edits, parsed alone. What is
outside the regions is never touched, so libcst's memory and time follow the size of what is fixed,
not of the file. The imports the fixes need, and those they leave unused, are then set right in the
module's import block (``imports``).
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Iterable, Mapping

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from ..checker import FileResult, check_source
from ..context import Finding
from ..fix import Edit, Import
from ..parsing import parse
from ..settings import Settings
from .imports import block_end, update_imports
from .regions import Layout, Region
from .text import Text, split_lines


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
    once a fix changed the text, its tree and findings are dropped (a big file's check must not stay
    in memory while the fixed text is checked). ``fixed_codes`` counts the applied fixes by code."""
    applied = 0
    if result is None:
        result = check_source(data, filename, settings)
    for _ in range(MAX_PASSES):
        fixable = [f for f in result.findings if f.fix is not None and (unsafe or not f.fix.unsafe)]
        if not fixable or result.tree is None:
            break
        new, codes = apply_fixes(data, fixable, result.tree, result.source)
        if new == data:
            break
        del fixable
        result.tree, result.findings = None, []
        data, applied = new, applied + len(codes)
        if fixed_codes is not None:
            fixed_codes.update(codes)
        result = check_source(data, filename, settings)
        if result.tree is None and result.findings:  # E999: never write a file we broke
            raise FixError(f"the fixed code does not parse: {result.findings[0].message}")
    return data, applied, result


def apply_fixes(
    data: bytes, findings: Iterable[Finding], tree: ast.Module, source: str
) -> tuple[bytes, list[str]]:
    """``data`` (its text, as the check decoded it: ``source``; its syntax tree: ``tree``) with the
    fixes of ``findings`` applied, and the code of each applied. A fix whose nodes cannot all be
    found, or that touches a node another fix changes, is skipped whole."""
    fixes = [(f.code, f.fix) for f in findings if f.fix is not None]
    if not fixes:
        return data, []
    text = Text(data, source)
    lines = text.lines
    changed: list[tuple[Region, list[str]]] = []
    applied: list[str] = []
    imports: set[Import] = set()
    for region in Layout(tree, lines, text.newline, text.indent()).plan(fixes):
        new, codes, needed = _fix_region(region, lines)
        if codes:
            changed.append((region, new))
            applied += codes
            imports |= needed
    if not applied:
        return data, []
    fixed = _spliced(lines, changed)
    # the import block of the fixed module: the one before, unless the edits reached it
    fixed_tree = _parsed(fixed) if changed[0][0].start <= block_end(tree) else tree
    changes = [(lines[r.start - 1 : r.end], new) for r, new in changed]
    fixed = update_imports((tree, lines), (fixed_tree, fixed), imports, changes, text.newline)
    return text.encode(fixed), applied


def _fix_region(region: Region, lines: list[str]) -> tuple[list[str], list[str], set[Import]]:
    """The region's new lines, the codes of the fixes applied, and the imports they need."""
    source = region.prefix + "".join(lines[region.start - 1 : region.end]) + region.suffix
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        raise FixError(f"lines {region.start}-{region.end} do not parse alone: {error.message}") from error
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    offset = region.start - 1 - len(split_lines(region.prefix))  # file line = region line + offset
    # nested nodes can start together (``a.b.c``, ``f()()``): the end position tells them apart
    located: dict[tuple[str, int, int, int, int], cst.CSTNode] = {}
    positions = wrapper.resolve(PositionProvider)
    for node, span in positions.items():
        start, end = span.start, span.end
        key = (type(node).__name__, start.line + offset, start.column, end.line + offset, end.column)
        located.setdefault(key, node)
    edits: dict[cst.CSTNode, Edit] = {}
    imports: set[Import] = set()
    applied: list[str] = []
    shared: set[int] = set()  # fixes applied so far: several findings can share one (ATC601's migration)
    for code, fix in region.fixes:
        if id(fix) in shared:
            applied.append(code)
            continue
        targets = [module if edit.kind == "Module" else located.get(_key(edit, lines)) for edit in fix.edits]
        if any(target is None or target in edits for target in targets):
            continue  # a node we cannot find, or one another fix already changes
        for target, edit in zip(targets, fix.edits):
            edits[target] = edit  # type: ignore[index]
        imports.update(fix.imports)
        shared.add(id(fix))
        applied.append(code)
    if not edits:
        return [], [], set()
    code = module.visit(_Applier(edits, module, positions)).code
    if not (code.startswith(region.prefix) and code.endswith(region.suffix)):
        raise FixError(f"a fix changed more than lines {region.start}-{region.end}")
    return split_lines(code[len(region.prefix) : len(code) - len(region.suffix)]), applied, imports


def _spliced(lines: list[str], changed: list[tuple[Region, list[str]]]) -> list[str]:
    """``lines`` with each region's lines replaced by its new ones (regions in order, apart)."""
    result: list[str] = []
    done = 0
    for region, new in changed:
        result += lines[done : region.start - 1]
        result += new
        done = region.end
    return result + lines[done:]


def _parsed(lines: list[str]) -> ast.Module:
    try:
        return parse("".join(lines))
    except (SyntaxError, ValueError) as error:
        raise FixError(f"the fixed code does not parse: {error}") from error


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
    if text.isascii():
        return offset
    return len(text.encode("utf-8")[:offset].decode("utf-8", "replace"))


class _Applier(cst.CSTTransformer):
    """Applies the edits, visiting only the nodes that hold one (a region's other nodes stay as
    they are: visiting them would only rebuild them)."""

    def __init__(
        self, edits: dict[cst.CSTNode, Edit], module: cst.Module, positions: Mapping[cst.CSTNode, CodeRange]
    ) -> None:
        super().__init__()
        self.edits = edits
        self.module = module
        self.positions = positions
        self.spans = [_span(positions[target]) for target in edits]

    def on_visit(self, node: cst.CSTNode) -> bool:
        where = self.positions.get(node)
        if where is None:
            return True
        start, end = _span(where)
        decorators = getattr(node, "decorators", None)
        if decorators:  # a definition's position starts after its decorators
            start = _span(self.positions[decorators[0]])[0]
        return any(start <= inner_start and inner_end <= end for inner_start, inner_end in self.spans)

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):  # type: ignore[no-untyped-def]
        edit = self.edits.get(original_node)
        if edit is None:
            return updated_node
        return edit.apply(updated_node, self.module)


def _span(where: CodeRange) -> tuple[tuple[int, int], tuple[int, int]]:
    return (where.start.line, where.start.column), (where.end.line, where.end.column)
