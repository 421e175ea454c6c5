"""A source file as text to edit by lines, and back to its exact bytes (encoding, BOM, newlines)."""

from __future__ import annotations

import io
import re
import tokenize

# The lines Python counts (``ast`` line numbers): only \r\n, \r and \n end one.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


class Text:
    __slots__ = ("lines", "encoding", "bom")

    def __init__(self, data: bytes, source: str) -> None:
        """``source``: ``data`` decoded as the check decodes it (``checker.decode``: BOM stripped,
        newlines as they are); ``data`` is only read for its encoding and BOM, to encode back."""
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)  # reads at most two lines
        self.bom = data.startswith(b"\xef\xbb\xbf")
        self.encoding = "utf-8" if encoding == "utf-8-sig" else encoding
        self.lines = split_lines(source)

    @property
    def newline(self) -> str:
        """The first line's ending, as libcst takes it for new lines."""
        first = self.lines[0] if self.lines else ""
        ending = first[len(first.rstrip("\r\n")) :]
        return ending or "\n"

    def indent(self) -> str:
        """The indentation of the first indented block, as libcst takes it for new blocks."""
        lines = iter(self.lines)
        try:
            for token in tokenize.generate_tokens(lambda: next(lines, "")):
                if token.type == tokenize.INDENT:
                    return token.string
        except (tokenize.TokenError, SyntaxError):
            pass
        return "    "

    def encode(self, lines: list[str]) -> bytes:
        return ("\ufeff" if self.bom else "").encode(self.encoding) + "".join(lines).encode(self.encoding)


def split_lines(text: str) -> list[str]:
    return _LINE.findall(text)
