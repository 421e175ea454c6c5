"""The standalone checker's configuration, and the value checks the flake8 plugin shares.

``values`` checks each value; ``pyproject`` reads ``[tool.flake8-asynctest]``, and ``flake8_files``
the ``[flake8]`` section when there is no such table; ``selection`` decides which codes a file gets
(and which codes exist); ``environment`` finds the Python environment imports resolve in; ``plan``
turns it all into each file's Settings. This module imports nothing of ours, so that any layer may
raise a ConfigError.
"""

from __future__ import annotations

from collections.abc import Sequence


class ConfigError(Exception):
    """A configuration the user must fix; the message says where and what."""


def did_you_mean(key: str, known: Sequence[str]) -> str:
    import difflib

    close = difflib.get_close_matches(key.replace("_", "-").lower(), known, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; known keys: {', '.join(known)}"
