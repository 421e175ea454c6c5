"""Rule families. Each module declares its rules next to the code that detects them."""

from __future__ import annotations

from .event_loop import EventLoop
from .family import Family
from .runners import Runners
from .unawaited import Unawaited

FAMILIES: tuple[Family, ...] = (Unawaited(), Runners(), EventLoop())
