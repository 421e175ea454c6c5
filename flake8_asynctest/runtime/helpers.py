"""Helpers for tests migrating from asynctest."""

from __future__ import annotations

import asyncio

from . import internals

__unittest = True  # unittest hides this module's frames in failure tracebacks


async def exhaust_callbacks(loop: asyncio.AbstractEventLoop | None = None, max_iterations: int = 1000) -> bool:
    """Run the loop until no callback is ready (asynctest.helpers.exhaust_callbacks).

    Returns False if callbacks were still ready after ``max_iterations`` loop iterations
    (something reschedules itself forever), True once the loop is idle.
    """
    loop = loop or asyncio.get_running_loop()
    for _ in range(max_iterations):
        if not internals.ready_callbacks(loop):
            return True
        await asyncio.sleep(0)
    return not internals.ready_callbacks(loop)
