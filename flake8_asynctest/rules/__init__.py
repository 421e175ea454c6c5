"""Rule families. Each module declares its rules next to the code that detects them."""

from __future__ import annotations

from .asynctest_package import AsynctestPackage
from .event_loop import EventLoop
from .family import Family
from .legacy_asyncio import LegacyAsyncio
from .mocks import Mocks
from .runners import Runners
from .tasks import Tasks
from .timing import Timing
from .unawaited import Unawaited

FAMILIES: tuple[Family, ...] = (
    Unawaited(),
    Runners(),
    EventLoop(),
    Tasks(),
    Timing(),
    Mocks(),
    AsynctestPackage(),
    LegacyAsyncio(),
)
