"""Which codes a run reports: flake8's prefix rules, plus opt-in rules that need naming."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..catalogue import RULES

PREFIX = "ATC"


def unknown_code(text: str) -> str | None:
    """Why ``text`` names no rule of the catalogue (with a suggestion), or None when it is a code or
    prefix of some: a typo in a selection would otherwise silently switch rules off."""
    code = text.strip().upper()
    if code and any(known.startswith(code) for known in RULES):
        return None
    import difflib

    by_name = {rule.name.upper(): known for known, rule in RULES.items()}
    if code in by_name:
        return f"{text!r} is a rule name; its code is {by_name[code]}"
    candidates = [*(RULES if len(code) >= len(min(RULES)) - 1 else ()), *by_name]  # a prefix is too short to guess from
    close = difflib.get_close_matches(code, candidates, n=1, cutoff=0.6)
    if close:
        suggestion = close[0] if close[0] in RULES else f"{by_name[close[0]]} ({close[0].lower()})"
        return f"{text!r} matches no rule; did you mean {suggestion}?"
    return f"{text!r} matches no rule; the codes run from {min(RULES)} to {max(RULES)} (see --list-rules)"


def _longest(code: str, prefixes: Iterable[str]) -> str | None:
    matches = [p for p in prefixes if p and code.startswith(p)]
    return max(matches, key=len) if matches else None


def opted_in(code: str, selected: Iterable[str]) -> bool:
    """An opt-in rule runs only when a selection names it more precisely than the bare ``ATC``."""
    return any(code.startswith(p) and len(p) > len(PREFIX) for p in selected)


def enabled_codes(
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    extend_select: Sequence[str] = (),
    extend_ignore: Sequence[str] = (),
) -> frozenset[str]:
    """The codes to report: the longest matching prefix decides (a tie goes to ignore, as in flake8)."""
    chosen = [*(select if select is not None else [PREFIX]), *extend_select]
    ignored = [*ignore, *extend_ignore]
    enabled = set()
    for code, rule in RULES.items():
        sel = _longest(code, chosen)
        if sel is None:
            continue
        ign = _longest(code, ignored)
        if ign is not None and len(ign) >= len(sel):
            continue
        if not rule.default and not opted_in(code, chosen):
            continue
        enabled.add(code)
    return frozenset(enabled)


class PerFileSelection:
    """The enabled codes for each file: the run's selection, with per-file ignores added to its ignore
    list. As in flake8, only the longest pattern that matches a file applies to it."""

    def __init__(
        self,
        select: Sequence[str] | None = None,
        ignore: Sequence[str] = (),
        extend_select: Sequence[str] = (),
        extend_ignore: Sequence[str] = (),
        per_file_ignores: Sequence[tuple[str, Sequence[str]]] = (),
    ) -> None:
        ignored = [*ignore, *extend_ignore]
        self.default = enabled_codes(select, ignored, extend_select)
        codes_by_pattern: dict[str, list[str]] = {}
        for pattern, codes in per_file_ignores:  # a pattern given twice ignores the codes of both
            codes_by_pattern.setdefault(pattern, []).extend(codes)
        self.by_pattern = {
            pattern: enabled_codes(select, ignored, extend_select, codes) for pattern, codes in codes_by_pattern.items()
        }

    def enabled_for(self, filename: str) -> frozenset[str]:
        if not self.by_pattern:
            return self.default
        from ..patterns import matching

        patterns = matching(filename, list(self.by_pattern))
        return self.by_pattern[max(patterns, key=len)] if patterns else self.default
