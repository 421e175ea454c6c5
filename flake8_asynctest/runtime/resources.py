"""The ``unclosed_resources`` check: child processes left running, resources left unclosed.

A subprocess the test started and left running shows on 3.11 as nothing at all (unless
its pipes are open) and on 3.12+ as a bare pidfd reader: it is tracked from
``loop.subprocess_exec``/``subprocess_shell`` and named as a process.

Unclosed transports, sockets, event loops, stream writers and clients are reported by
Python as a ``ResourceWarning`` when they are collected, which by default nobody sees. For
the duration of the test those warnings are always emitted and recorded instead of shown;
the end-of-test collection only walks what the test allocated (``gc.freeze()``), so what
it finalises is the test's.
"""

from __future__ import annotations

import asyncio
import warnings
import weakref
from collections.abc import Callable
from typing import Any

from . import internals
from .patching import shadow
from .sites import Site, SiteBook

__unittest = True  # unittest hides this module's frames in failure tracebacks

#: How long (seconds) a process the test killed may take to be seen exiting.
EXIT_GRACE = 0.2


class ResourceWatch:
    """Tracks the subprocesses and ResourceWarnings of one test on one loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, sites: SiteBook) -> None:
        self.loop = loop
        self._sites = sites
        # (transport, command, site) of every subprocess started; usually none, so a plain list
        self._processes: list[tuple[weakref.ref[asyncio.SubprocessTransport], str, Site | None]] = []
        self._warnings: list[warnings.WarningMessage] = []
        self._undo: list[Callable[[], None]] = []

    def start(self) -> None:
        for name in ("subprocess_exec", "subprocess_shell"):
            self._undo.append(shadow(self.loop, name, self._tracking(getattr(self.loop, name))))
        previous = warnings.showwarning
        always = ("always", None, ResourceWarning, None, 0)  # what filterwarnings() would insert
        warnings.filters.insert(0, always)
        internals.warning_filters_changed()

        def showwarning(message: Any, category: type[Warning], filename: str, lineno: int, *rest: Any) -> None:
            if issubclass(category, ResourceWarning):
                self._warnings.append(warnings.WarningMessage(message, category, filename, lineno))
            else:
                previous(message, category, filename, lineno, *rest)

        warnings.showwarning = showwarning

        def undo() -> None:
            if warnings.showwarning is showwarning:
                warnings.showwarning = previous
            if always in warnings.filters:
                warnings.filters.remove(always)
                internals.warning_filters_changed()

        self._undo.append(undo)

    def running(self) -> list[tuple[asyncio.SubprocessTransport, str, Site | None]]:
        """The test's processes still running, after giving killed ones a moment to be reaped."""
        alive = self._alive()
        if alive:
            self.loop.run_until_complete(self._reaped([transport for transport, _, _ in alive]))
            alive = self._alive()
        return alive

    def findings(self, owned_readers: set[int]) -> list[str]:
        """Report lines; adds to ``owned_readers`` the fds of the reported processes' readers."""
        lines = []
        for transport, command, site in self.running():
            pid = transport.get_pid()
            owned_readers.update(_process_fds(self.loop, transport, pid))
            created = f", started at {site}" if site is not None else ""
            lines.append(f"process {pid} ({command}) still running{created}")
        lines.extend(f"{w.message} ({w.category.__name__})" for w in self._warnings)
        self._warnings = []
        return lines

    def stop(self) -> None:
        """Undo the hooks; warnings never reported are given as Python would have."""
        while self._undo:
            self._undo.pop()()
        unreported, self._warnings = self._warnings, []
        for w in unreported:
            try:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            except Warning:  # -W error: the test has failed already, do not fail its teardown too
                pass

    def _alive(self) -> list[tuple[asyncio.SubprocessTransport, str, Site | None]]:
        alive = []
        for ref, command, site in self._processes:
            transport = ref()
            if transport is not None and process_running(transport):
                alive.append((transport, command, site))
        return alive

    async def _reaped(self, alive: list[asyncio.SubprocessTransport]) -> None:
        deadline = self.loop.time() + EXIT_GRACE
        while any(t.get_returncode() is None for t in alive) and self.loop.time() < deadline:
            await asyncio.sleep(0.005)

    def _tracking(self, start: Callable[..., Any]) -> Callable[..., Any]:
        async def start_and_track(protocol_factory: Any, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
            site = self._sites.find()
            transport, protocol = await start(protocol_factory, *args, **kwargs)
            command = " ".join(map(str, args))
            self._processes.append(
                (weakref.ref(transport), command if len(command) <= 60 else command[:57] + "...", site)
            )
            return transport, protocol

        return start_and_track


def process_running(transport: asyncio.SubprocessTransport) -> bool:
    """The process has not exited and its transport is not being closed."""
    return transport.get_returncode() is None and not transport.is_closing()


def _process_fds(loop: asyncio.AbstractEventLoop, transport: asyncio.SubprocessTransport, pid: int) -> set[int]:
    """The fds the loop watches for a process: its pipes, and its pidfd (3.12+)."""
    fds = set()
    for fd in (0, 1, 2):
        pipe = transport.get_pipe_transport(fd)
        file = pipe.get_extra_info("pipe") if pipe is not None else None
        if file is not None and not file.closed:
            fds.add(file.fileno())
    for fd, _, _, handle in internals.selector_callbacks(loop):
        callback, args = internals.handle_callback(handle)
        if getattr(callback, "__name__", "") == "_do_wait" and args[:1] == (pid,):  # PidfdChildWatcher
            fds.add(fd)
    return fds
