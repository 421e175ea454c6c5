"""The checker both front ends share: source in, findings out.

One ``ast.parse`` per file (or flake8's tree), one walk, then each family with an enabled rule.
"""

from __future__ import annotations

import ast
import gc
import io
import re
import tokenize
from collections.abc import Iterator
from contextlib import contextmanager

from .analysis import walk
from .analysis.model import release
from .analysis.project import Project, default_search_path
from .analysis.resolve import Resolver
from .analysis.testcode import TestCode
from .context import Context, Finding
from .parsing import parse
from .rules import FAMILIES
from .settings import Settings

# Text that every file with something for us to find contains; a file without any is not walked.
_TRIGGERS = ("async", "Mock", "loop")

# flake8's own syntax, so both front ends honour the same comments.
NOQA_INLINE = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
NOQA_FILE = re.compile(r"\s*# flake8[:=]\s*noqa(?!:)", re.IGNORECASE)

SYNTAX_ERROR = "E999"
IO_ERROR = "E902"


class FileResult:
    __slots__ = ("findings", "unreadable", "source", "tree", "noqa_file")

    def __init__(
        self,
        findings: list[Finding] | None = None,
        unreadable: bool = False,
        source: str | None = None,
        tree: ast.Module | None = None,
        noqa_file: bool = False,
    ) -> None:
        self.findings = findings if findings is not None else []
        self.unreadable = unreadable  # the file could not be read or decoded (exit code 2)
        self.source = source
        self.tree = tree
        self.noqa_file = noqa_file  # skipped whole: a ``# flake8: noqa`` line, as flake8 does


def check_tree(tree: ast.Module, filename: str, source: str, settings: Settings) -> list[Finding]:
    """Findings for an already parsed module, before ``# noqa`` filtering (flake8 applies its own)."""
    if not any(t in source for t in _TRIGGERS):
        return []
    families = [
        f
        for f in FAMILIES
        if any(r.code in settings.enabled for r in f.rules) and (not f.triggers or any(t in source for t in f.triggers))
    ]
    if not families:
        return []
    wanted = {t for family in families for t in family.wanted}
    module = walk.build(tree, filename, wanted, source)
    try:
        resolver = Resolver(module, settings.knowledge, project_for(settings))
        tests = TestCode(module, resolver, settings.scope_for(filename))
        if not tests.is_test_code:
            return []
        ctx = Context(module, resolver, tests, settings, source)
        for family in families:
            try:
                family.check(ctx)
            except RecursionError:
                ctx.findings.append(_internal_error(family, "nesting too deep to analyse"))
            except Exception as error:  # a bug of ours must cost one family's findings, not the run
                ctx.findings.append(
                    _internal_error(family, f"internal error ({type(error).__name__}: {error}); please report it")
                )
        findings = sorted(set(ctx.findings))
        return findings if settings.disable_noqa else _drop_peer_noqa(findings, source)
    finally:
        release(module)


def check_source(data: bytes, filename: str, settings: Settings) -> FileResult:
    """Decode, parse and check one file's bytes; ``# noqa`` comments are applied."""
    try:
        source = decode(data)
    except (SyntaxError, UnicodeDecodeError, LookupError) as error:
        return FileResult([decode_error(error, data)], unreadable=True)
    noqa = not settings.disable_noqa
    if noqa and "flake8" in source and any(NOQA_FILE.match(line) for line in source.splitlines()):
        return FileResult(source=source, noqa_file=True)
    try:
        tree = parse(source, filename)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        return FileResult([syntax_error(error)], source=source)
    findings = check_tree(tree, filename, source, settings)
    return FileResult(apply_noqa(findings, source) if noqa else findings, source=source, tree=tree)


def decode(data: bytes) -> str:
    """Decode as Python does: BOM, then an encoding cookie, else UTF-8."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    return text[1:] if text.startswith("\ufeff") else text


def decode_error(error: Exception, data: bytes) -> Finding:
    """Where the bytes stop being text, and how to fix it: most often a file saved in a legacy encoding."""
    if not isinstance(error, UnicodeDecodeError) and "missing encoding declaration" in str(error):
        try:  # tokenize found no declaration and the first lines are not UTF-8: say where they stop
            data.decode("utf-8")
        except UnicodeDecodeError as utf8_error:
            error = utf8_error
    if not isinstance(error, UnicodeDecodeError):  # an unknown or malformed encoding declaration
        return Finding(1, 0, IO_ERROR, f"{IO_ERROR} cannot decode file: {error}")
    start = error.start
    line = data.count(b"\n", 0, start) + 1
    col = start - (data.rfind(b"\n", 0, start) + 1)
    byte = data[start : start + 1].hex()
    message = (
        f"{IO_ERROR} cannot decode file: byte 0x{byte} at line {line}, column {col + 1} is not valid "
        f"{error.encoding} ({error.reason}); save the file as UTF-8 or declare its encoding (# -*- coding: latin-1 -*-)"
    )
    return Finding(line, col, IO_ERROR, message)


def syntax_error(error: BaseException) -> Finding:
    if isinstance(error, SyntaxError):
        line, col = error.lineno or 1, max((error.offset or 1) - 1, 0)
        return Finding(line, col, SYNTAX_ERROR, f"{SYNTAX_ERROR} SyntaxError: {error.msg} (file not checked)")
    reason = "nesting too deep" if isinstance(error, (RecursionError, MemoryError)) else str(error)
    return Finding(1, 0, SYNTAX_ERROR, f"{SYNTAX_ERROR} cannot parse: {reason} (file not checked)")


def apply_noqa(findings: list[Finding], source: str) -> list[Finding]:
    if not findings:
        return findings
    lines = source.splitlines()
    kept = []
    for finding in findings:
        line = lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""
        match = NOQA_INLINE.search(line)
        if match is None:
            kept.append(finding)
            continue
        codes = match.group("codes")
        if codes is None:
            continue
        listed = tuple(c for c in re.split(r"[,\s]+", codes.strip()) if c)
        if not finding.code.startswith(listed):
            kept.append(finding)
    return kept


_PROJECTS: dict[tuple[str, ...], Project] = {}


def project_for(settings: Settings) -> Project | None:
    """The run's module cache, shared by every file this process checks with the same search path."""
    if settings.resolve != "imports":
        return None
    search_path = settings.search_path if settings.search_path is not None else default_search_path()
    project = _PROJECTS.get(search_path)
    if project is None:
        project = _PROJECTS[search_path] = Project(search_path)
    return project


def _drop_peer_noqa(findings: list[Finding], source: str) -> list[Finding]:
    """A ``# noqa`` for another linter's code for the same check (``ASYNC251`` for ATC402) silences
    ours too, in both front ends: the author already said the line is intended."""
    from .catalogue import RULES

    peered = [f for f in findings if f.code in RULES and RULES[f.code].peers]
    if not peered:
        return findings
    lines = source.splitlines()
    silenced = set()
    for finding in peered:
        line = lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""
        match = NOQA_INLINE.search(line)
        codes = match.group("codes") if match else None
        if codes and any(peer in re.split(r"[,\s]+", codes) for peer in RULES[finding.code].peers):
            silenced.add(finding)
    return [f for f in findings if f not in silenced]


def _internal_error(family: object, reason: str) -> Finding:
    name = type(family).__name__
    return Finding(1, 0, "ATC000", f"ATC000 {name} rules skipped: {reason}")


# A checked file leaves reference cycles behind (parent links, scopes and their functions), so the
# cyclic collector would run every few hundred allocations and re-traverse every live syntax tree:
# that doubled the time of a run. A run collects in batches instead.
_GC_BATCH = 1_000_000


@contextmanager
def batched_gc() -> Iterator[None]:
    """Turn the automatic collector off for a run; ``collect_if_due`` collects between files."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def collect_if_due() -> None:
    """Collect the garbage of the files checked so far, then freeze what survives (modules kept for
    cross-file resolution, mostly) so that later collections do not traverse it again."""
    if gc.get_count()[0] > _GC_BATCH:
        gc.collect()
        gc.freeze()
