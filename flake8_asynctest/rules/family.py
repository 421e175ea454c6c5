"""The contract between the checker and a family of rules."""

from __future__ import annotations

import ast
from typing import ClassVar

from ..context import Context
from ..rule import Rule


class Family:
    """Rules that share their detection work.

    ``wanted`` names the node types the family reads from the module model (the one walk collects
    them); ``check`` runs after the walk, when every binding in the file is known. ``triggers``:
    text that any file with something to find contains; a file without any skips the family.
    """

    rules: ClassVar[tuple[Rule, ...]] = ()
    wanted: ClassVar[tuple[type[ast.AST], ...]] = ()
    triggers: ClassVar[tuple[str, ...]] = ()

    def check(self, ctx: Context) -> None:
        raise NotImplementedError
