"""Where a task, timer or reader was created, in the user's code.

Sites are taken from the live stack when the object is created (cheaper than asyncio
debug mode's ``extract_stack``), skipping asyncio, this package and installed libraries.
An object the loop makes while running a callback (a server's connection handler, the
transport it accepted) has no user frame on its stack. So each task and reader also
carries its site in its context (:data:`SITE`): every callback, task and timer it leads
to runs in a copy of that context, and takes that site, marked "by the event loop". The
report then points at the user's ``start_server`` call rather than at unittest's or
pytest-asyncio's internals.
"""

from __future__ import annotations

import contextvars
import sys
import weakref
from collections.abc import Iterable
from types import CodeType, FrameType
from typing import Any, NamedTuple

from . import internals

__unittest = True  # unittest hides this module's frames in failure tracebacks


class Frame(NamedTuple):
    filename: str
    lineno: int
    name: str

    def __str__(self) -> str:
        return f"{internals.short_path(self.filename)}:{self.lineno} in {self.name}"


class Site(NamedTuple):
    """The user's frame, the library frame that did it for them, and whether the loop did."""

    user: Frame | None
    library: Frame | None
    by_loop: bool = False

    def __str__(self) -> str:
        where = self.user or self.library
        text = str(where)
        if self.user and self.library:
            text += f" (in {self.library})"
        if self.by_loop:
            text += ", by the event loop"
        return text


_LIBRARY = internals.LIBRARY_DIRS


#: Library frames walked past, looking for the user's frame, before giving up (a test
#: runner's dozens of frames above the loop are not worth walking).
LIBRARY_DEPTH = 10

_USER, _LIB, _SKIPPED, _DISPATCH, _OURS = range(5)
_kinds: dict[CodeType, int] = {}  # one entry per function ever seen creating something


def _kind(code: CodeType) -> int:
    kind = _kinds.get(code)
    if kind is None:
        kind = _kinds[code] = _classify(code.co_filename, code.co_name)
    return kind


def _classify(filename: str, name: str) -> int:
    """What a frame is: the loop's dispatch of a callback, this package, asyncio, a library, the user's."""
    if name == "_run" and filename == internals.HANDLE_RUN_CODE.co_filename:
        return _DISPATCH
    if filename.startswith(internals.RUNTIME_DIR):
        return _OURS
    if filename.startswith(internals.ASYNCIO_DIR):
        return _SKIPPED
    return _LIB if filename.startswith(_LIBRARY) else _USER


def _from_stack() -> Site | None:
    """The user's frame creating something now (None if the loop or the checks create it)."""
    frame: FrameType | None = sys._getframe(3)  # the caller of the hook that called find()
    library = None
    budget = LIBRARY_DEPTH
    while frame is not None:
        code = frame.f_code
        kind = _kind(code)
        if kind == _USER:
            return Site(Frame(code.co_filename, frame.f_lineno, code.co_name), library)
        if kind == _LIB:
            library = library or Frame(code.co_filename, frame.f_lineno, code.co_name)
            budget -= 1
            if not budget:
                break
        elif kind == _DISPATCH:  # the loop runs a callback: what is above is the runner
            break
        elif kind == _OURS:  # the checks themselves (settling the loop), or the runner above them
            return None if library is None else Site(None, library)
        frame = frame.f_back
    return None if library is None else Site(None, library)


#: The site of the task or reader whose context this is (what its callbacks inherit).
SITE: contextvars.ContextVar[Site | None] = contextvars.ContextVar("flake8_asynctest_site", default=None)


class SiteBook:
    """Creation sites of the objects seen being created during one test."""

    def __init__(self) -> None:
        self._sites: weakref.WeakKeyDictionary[Any, Site] = weakref.WeakKeyDictionary()

    def find(self) -> Site | None:
        """The site of what the caller is creating: its user frame, or inherited."""
        found = _from_stack()
        if found is None or found.user is None:  # the loop (and perhaps a library) made it
            inherited = SITE.get()
            if inherited is not None:
                library = found.library if found is not None else inherited.library
                found = Site(inherited.user, library, by_loop=True)
        return found

    def note(self, obj: Any, found: Site | None) -> None:
        """Record ``obj``'s site (from :meth:`find`)."""
        if found is not None:
            self._sites[obj] = found

    def site_of(self, obj: Any) -> Site | None:
        """Where ``obj`` was created: as recorded, or as asyncio debug mode saw it."""
        found = self._sites.get(obj)
        return found if found is not None else _debug_site(obj)


def _debug_site(obj: Any) -> Site | None:
    """The creation site asyncio debug mode recorded, when we did not see the creation."""
    frames = getattr(obj, "_source_traceback", None)  # only debug mode fills it
    if not frames:
        return None
    return site_from_frames((f.filename, f.lineno or 0, f.name) for f in reversed(frames))


def site_from_frames(frames: Iterable[tuple[str, int, str]]) -> Site | None:
    """The site in (filename, line, function) frames given innermost first (a coroutine's origin)."""
    library = None
    for filename, lineno, name in frames:
        kind = _classify(filename, name)
        if kind == _DISPATCH:
            break  # the loop's dispatch: what lies beyond is the test runner, not the creator
        if kind in (_OURS, _SKIPPED):
            continue  # never named as a creation site: the user's code called them
        here = Frame(filename, lineno, name)
        if kind == _USER:
            return Site(here, library)
        library = library or here
    return None if library is None else Site(None, library)
