"""flake8-asynctest: find and fix the bugs that make async test suites lie.

The static checker (flake8 plugin and ``python -m flake8_asynctest``) needs Python 3.10+.
The runtime test case classes are re-exported here lazily, so importing the package for
linting never imports asyncio or unittest.
"""

__version__ = "0.1.0"

_RUNTIME_NAMES = frozenset({"TestCase", "ClockedTestCase", "fail_on", "strict", "lenient"})


def __getattr__(name: str):
    if name in _RUNTIME_NAMES:
        from . import runtime

        return getattr(runtime, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
