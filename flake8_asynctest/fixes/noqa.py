"""``--add-noqa``: a ``# noqa: CODE`` on each finding's line, so that a big legacy suite adopts the
linter today and fails only on new code.

A code is added to the line's ``# noqa: ...`` comment when it has one, else a comment is appended.
A line that cannot end with a comment (inside a multi-line string, or continued with a backslash)
is left alone and its finding still reported. Running it again adds nothing.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections import Counter
from collections.abc import Iterable

from ..checker import NOQA_INLINE, decode
from ..context import Finding

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


def add_noqa(data: bytes, findings: Iterable[Finding]) -> tuple[bytes, Counter[str]]:
    """``data`` with a noqa comment for every rule finding, and the findings silenced, by code."""
    from ..catalogue import RULES

    by_line: dict[int, Counter[str]] = {}
    for finding in findings:
        if finding.code in RULES:
            by_line.setdefault(finding.line, Counter())[finding.code] += 1
    if not by_line:
        return data, Counter()
    source = decode(data)
    closed = _lines_without_room(source)
    lines = _LINE.findall(source)[:-1] or [source]  # the last match is the empty end of the text
    added: Counter[str] = Counter()
    for number, codes in sorted(by_line.items()):
        if not 0 < number <= len(lines) or number in closed:
            continue
        lines[number - 1] = _with_noqa(lines[number - 1], sorted(codes))
        added.update(codes)
    if not added:
        return data, added
    new = "".join(lines)
    ast.parse(new)  # never write a file we broke (raises SyntaxError)
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    bom = "\ufeff" if data.startswith(b"\xef\xbb\xbf") else ""
    return (bom + new).encode("utf-8" if encoding == "utf-8-sig" else encoding), added


def _with_noqa(line: str, codes: list[str]) -> str:
    body = line.rstrip("\r\n")
    ending = line[len(body) :]
    match = NOQA_INLINE.search(body)
    if match is not None and match.group("codes"):
        end = match.start("codes") + len(match.group("codes").rstrip(", \t"))
        return body[:end] + "".join(f", {code}" for code in codes) + body[end:] + ending
    return body.rstrip(" \t") + f"  # noqa: {','.join(codes)}" + ending


def _lines_without_room(source: str) -> set[int]:
    """Lines whose end is inside a string or continued with a backslash: a comment there would
    change the code."""
    closed = set()
    starts: list[int] = []  # f-strings open (Python 3.12+ tokenizes their parts)
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            name = tokenize.tok_name[token.type]
            if name == "FSTRING_START":
                starts.append(token.start[0])
            elif name == "FSTRING_END" and starts:
                closed.update(range(starts.pop(), token.end[0]))
            elif token.start[0] < token.end[0] and token.type not in (tokenize.NEWLINE, tokenize.NL):
                closed.update(range(token.start[0], token.end[0]))
    except (tokenize.TokenError, SyntaxError):
        return set(range(1, source.count("\n") + 2))
    for number, line in enumerate(source.splitlines(), start=1):
        if line.rstrip().endswith("\\"):
            closed.add(number)
    return closed
