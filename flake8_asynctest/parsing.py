"""``ast.parse`` for code we read and never run."""

from __future__ import annotations

import ast
import warnings


def parse(source: str | bytes, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse`` without the parsed code's own warnings: an invalid escape in a checked file is for its
    author's interpreter to print (3.12+ prints it on every parse), and under ``-W error`` it must not
    turn a valid file into a syntax error."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source, filename)
