"""Clocks the daemon runs on: the real one, and a virtual one that jumps to the next due time."""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import Protocol


class Clock(Protocol):
    """Current time, and a way to wait until a moment (or until woken)."""

    virtual: bool

    def now(self) -> datetime:
        """An aware UTC datetime."""
        ...

    def wait_until(self, moment: datetime, wake: threading.Event, max_seconds: float) -> bool:
        """Wait until ``moment`` or at most ``max_seconds``; True if ``wake`` was set."""
        ...


class SystemClock:
    """Wall-clock time; waiting blocks on an event (no polling)."""

    virtual = False

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def wait_until(self, moment: datetime, wake: threading.Event, max_seconds: float) -> bool:
        seconds = min(max((moment - self.now()).total_seconds(), 0.0), max_seconds)
        return wake.wait(seconds)


class VirtualClock:
    """Time that only moves when told: a 21-day life runs in seconds."""

    virtual = True

    def __init__(self, start: datetime):
        self._now = start.astimezone(timezone.utc)

    def now(self) -> datetime:
        return self._now

    def advance_to(self, moment: datetime) -> None:
        """Jump forward (never back)."""
        self._now = max(self._now, moment.astimezone(timezone.utc))

    def wait_until(self, moment: datetime, wake: threading.Event, max_seconds: float) -> bool:
        self.advance_to(moment)
        return wake.is_set()
