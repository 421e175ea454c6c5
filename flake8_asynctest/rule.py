"""What a rule is: the one record every catalogue view (README, --explain, tests) is derived from."""

from __future__ import annotations

import re
import textwrap

# Where each rule's documentation lives: README's section for it, the same on every release.
DOCS = "https://github.com/OWNER/flake8-asynctest/blob/main/README.md"


class Rule:
    """A check's identity and documentation.

    ``message`` is a ``str.format`` template: the detector fills its named fields. It must say what
    happens at run time and what to do instead, in one line. ``what``/``why``/``example``/
    ``use_instead`` follow ruff's rule docs and feed ``--explain`` and the README.
    """

    __slots__ = (
        "peers",
        "code",
        "name",
        "summary",
        "message",
        "what",
        "why",
        "example",
        "use_instead",
        "default",
        "fix",
        "unsafe_fix",
        "fix_note",
    )

    def __init__(
        self,
        *,
        code: str,
        name: str,
        summary: str,
        message: str,
        what: str,
        why: str,
        example: str,
        use_instead: str,
        default: bool = True,
        fix: str | None = None,
        unsafe_fix: bool = False,
        peers: tuple[str, ...] = (),
        fix_note: str | None = None,
    ) -> None:
        self.code = code
        self.name = name
        self.summary = summary
        self.message = message
        self.what = what
        self.why = why
        self.example = example
        self.use_instead = use_instead
        self.default = default
        self.fix = fix
        self.unsafe_fix = unsafe_fix
        # the same check's code in other linters: their ``# noqa`` silences ours too
        self.peers = peers
        # said once after a run that applied this rule's fix: what to do next, as a separate step
        self.fix_note = fix_note

    def __repr__(self) -> str:
        return f"<Rule {self.code}>"

    @property
    def url(self) -> str:
        """The rule's section of the README (GitHub's anchor for the heading ``markdown`` writes)."""
        heading = f"{self.code} {self.name}".lower()
        return f"{DOCS}#{re.sub(r'[^a-z0-9 -]', '', heading).replace(' ', '-')}"

    def format(self, **fields: object) -> str:
        return f"{self.code} {self.message.format(**fields)}"

    @property
    def fix_text(self) -> str:
        if not self.fix:
            return "none"
        return self.fix + (" (unsafe: applied only with --unsafe-fixes)" if self.unsafe_fix else "")

    def markdown(self) -> str:
        """The rule's documentation section for the README."""
        default = "on" if self.default else f"off (opt-in: `--extend-select {self.code}`)"
        peers = f" Also silenced by `# noqa: {', '.join(self.peers)}`." if self.peers else ""
        return (
            f"### {self.code} `{self.name}`\n\n{self.summary}. Default: {default}. Autofix: {self.fix_text}.{peers}\n\n"
            f"**What it does.** {' '.join(self.what.split())}\n\n"
            f"**Why is this bad.** {' '.join(self.why.split())}\n\n"
            f"**Example**\n```python\n{_dedent(self.example)}\n```\n\n"
            f"**Use instead**\n```python\n{_dedent(self.use_instead)}\n```"
        )

    def explain(self) -> str:
        parts = [
            f"{self.code} ({self.name}): {self.summary}",
            f"Default: {'on' if self.default else 'off (opt-in: --extend-select ' + self.code + ')'}",
            f"Autofix: {self.fix_text}",
            f"Documentation: {self.url}",
            *([f"Also silenced by: # noqa: {', '.join(self.peers)}"] if self.peers else []),
            "",
            "What it does",
            _dedent(self.what),
            "",
            "Why is this bad",
            _dedent(self.why),
            "",
            "Example",
            textwrap.indent(_dedent(self.example), "    "),
            "",
            "Use instead",
            textwrap.indent(_dedent(self.use_instead), "    "),
        ]
        return "\n".join(parts)


def _dedent(text: str) -> str:
    return textwrap.dedent(text).strip("\n")
