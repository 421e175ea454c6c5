"""The TOML reader: a leaf module, so that analysis (pytest's config) and configuration share it."""

from __future__ import annotations

from typing import Any


def toml_module() -> Any:
    """tomllib, or its backport tomli on Python 3.10 (a dependency there)."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    return tomllib
