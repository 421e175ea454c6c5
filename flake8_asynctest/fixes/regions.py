"""Where fixes are made: the smallest run of whole lines around their edits that libcst can parse on
its own, so that fixing a big file costs a libcst tree of a statement, not of the file (libcst's tree
takes some 400 bytes per byte of source: 2 GB for a 5 MB file).

A region is one statement, or consecutive statements of one block, found with the ``ast`` tree the
check already built. Nested statements are parsed under a made-up ``if True:`` line (their own
indentation kept), after a made-up block indented as the file's first one (libcst takes new blocks'
indentation from the first block it reads); an edit in a compound statement's header (a class's
bases, a ``with`` item) only needs the header, given a made-up ``pass`` body. A whole-module edit
makes the whole file one region. Regions never overlap: fixes whose regions would are made in their
common region.
"""

from __future__ import annotations

import ast
from bisect import bisect_right
from collections.abc import Sequence

from ..fix import Edit, Fix

Step = tuple[int, int]  # (which block of the parent statement, index in it); the module body is block 0


class Target:
    """Where one edit's node is: the statements around it, outermost first, and whether the node is
    in the innermost one's header (before its body)."""

    __slots__ = ("path", "header")

    def __init__(self, path: tuple[Step, ...], header: bool) -> None:
        self.path = path
        self.header = header


class Region:
    """Lines ``start`` to ``end`` (1-based, inclusive) and the fixes made in them; ``prefix`` and
    ``suffix`` are the made-up lines that let them parse alone."""

    __slots__ = ("start", "end", "prefix", "suffix", "fixes", "targets")

    def __init__(
        self, start: int, end: int, prefix: str = "", suffix: str = "", targets: Sequence[Target] = ()
    ) -> None:
        self.start = start
        self.end = end
        self.prefix = prefix
        self.suffix = suffix
        self.fixes: list[tuple[str, Fix]] = []
        self.targets = list(targets)


class Layout:
    """A module's statements and lines, as regions need them."""

    def __init__(self, tree: ast.Module, lines: Sequence[str], newline: str, indent: str) -> None:
        self.tree = tree
        self.lines = lines
        self.newline = newline
        self.opening = f"if True:{newline}{indent}pass{newline}"  # a block in the file's indentation

    def plan(self, fixes: Sequence[tuple[str, Fix]]) -> list[Region]:
        """The regions the fixes are made in, in the order of the file."""
        if any(edit.kind == "Module" for _, fix in fixes for edit in fix.edits):
            whole = Region(1, len(self.lines))  # a whole-module edit: every fix is made in the module
            whole.fixes = list(fixes)
            return [whole]
        rank = {id(fix): index for index, (_, fix) in enumerate(fixes)}  # fixes keep their order in a region
        regions = []
        for code, fix in fixes:
            region = self._region([self._target(edit) for edit in fix.edits])
            region.fixes.append((code, fix))
            regions.append(region)
        apart: list[Region] = []  # in order, none overlapping
        for region in sorted(regions, key=lambda r: r.start):
            while apart and apart[-1].end >= region.start:
                previous = apart.pop()
                merged = self._region(previous.targets + region.targets)
                merged.fixes = sorted(previous.fixes + region.fixes, key=lambda f: rank[id(f[1])])
                region = merged
            apart.append(region)
        return apart

    # --- finding statements ---

    def _target(self, edit: Edit) -> Target:
        node = edit.node
        start = (node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = (node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        path: list[Step] = []
        block: list[ast.stmt] = self.tree.body
        key = 0
        statement = None
        while True:
            index = bisect_right(block, start, key=start_of) - 1
            if index < 0 or _end(block[index]) < end:
                break
            path.append((key, index))
            statement = block[index]
            inner = [(k, b) for k, b in enumerate(_blocks(statement)) if start_of(b[0]) <= start and end <= _end(b[-1])]
            if not inner:
                break
            key, block = inner[0]
        body = getattr(statement, "body", None)
        header = node is not statement and bool(body) and end[0] < start_of(body[0])[0]  # type: ignore[index]
        return Target(tuple(path), header)

    def _statement(self, path: Sequence[Step]) -> ast.stmt:
        """The statement at ``path``."""
        statement = self.tree.body[path[0][1]]
        for key, index in path[1:]:
            statement = _blocks(statement)[key][index]
        return statement

    # --- the region of a set of targets ---

    def _region(self, targets: list[Target]) -> Region:
        """The smallest region of whole lines that parses alone and holds every target."""
        if not all(t.path for t in targets):
            return Region(1, len(self.lines), targets=targets)  # outside every statement: not a node we edit
        common = _common_prefix([t.path for t in targets])
        depth = len(common)
        if all(len(t.path) == depth for t in targets):  # all in one statement
            header = all(t.header for t in targets)
            region = self._span(common[:-1], *common[-1], common[-1][1], header)
        elif any(len(t.path) == depth for t in targets) or len({t.path[depth][0] for t in targets}) > 1:
            region = self._span(common[:-1], *common[-1], common[-1][1])  # the statement holding them all
        else:  # statements of one block: from the first to the last
            indices = [t.path[depth][1] for t in targets]
            region = self._span(common, targets[0].path[depth][0], min(indices), max(indices))
        region.targets = targets
        return region

    def _span(self, parent: tuple[Step, ...], key: int, first: int, last: int, header: bool = False) -> Region:
        """Statements ``first`` to ``last`` of block ``key`` of the statement at ``parent``, grown to
        whole lines: to the siblings they share a line with, or to the parent statement when they
        share its header's line (``if x: call()``). With ``header``: only the header of statement
        ``first``, when its body starts on a line of its own."""
        block = _blocks(self._statement(parent))[key] if parent else self.tree.body
        while not self._starts_line(block[first]):
            if first and _end(block[first - 1])[0] == start_of(block[first])[0]:
                first -= 1
            elif parent:
                return self._span(parent[:-1], *parent[-1], parent[-1][1])
            else:
                return Region(1, len(self.lines))
        while last + 1 < len(block) and start_of(block[last + 1])[0] == _end(block[last])[0]:
            last += 1
        start = start_of(block[first])[0]
        prefix = self.opening + (f"if True:{self.newline}" if parent else "")
        body = getattr(block[first], "body", None)
        if header and first == last and body and self._starts_line(body[0]):
            line = self.lines[start_of(body[0])[0] - 1]
            indent = line[: len(line) - len(line.lstrip(" \t\f"))]
            return Region(start, start_of(body[0])[0] - 1, prefix, f"{indent}pass{self.newline}")
        return Region(start, _end(block[last])[0], prefix)

    def _starts_line(self, statement: ast.stmt) -> bool:
        """Is there nothing but indentation before ``statement`` on its first line?"""
        line, column = start_of(statement)
        return not self.lines[line - 1].encode("utf-8")[:column].strip()


def start_of(statement: ast.stmt) -> tuple[int, int]:
    """Where a statement starts: its first decorator's line and column, if it has any."""
    decorators = getattr(statement, "decorator_list", None)
    node = decorators[0] if decorators else statement
    return node.lineno, node.col_offset


def _end(statement: ast.stmt) -> tuple[int, int]:
    return statement.end_lineno or statement.lineno, statement.end_col_offset or 0


def _blocks(statement: ast.stmt | None) -> list[list[ast.stmt]]:
    """A compound statement's blocks of statements, in the order of the source."""
    blocks = [getattr(statement, name, None) for name in ("body", "orelse", "finalbody")]
    found: list[list[ast.stmt]] = [b for b in blocks[:1] if b and isinstance(b[0], ast.stmt)]
    found += [h.body for h in getattr(statement, "handlers", ())]
    found += [c.body for c in getattr(statement, "cases", ())]
    found += [b for b in blocks[1:] if b]
    return found


def _common_prefix(paths: list[tuple[Step, ...]]) -> tuple[Step, ...]:
    first = paths[0]
    length = min(len(p) for p in paths)
    for depth in range(length):
        if any(p[depth] != first[depth] for p in paths):
            return first[:depth]
    return first[:length]
