"""Quiet hours (``quiet: "22:30-07:30"``): nothing is planned or sent inside them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from sopengine.planning.local_time import resolve_local

_SPAN = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily span of local time; it may wrap past midnight (22:30-07:30)."""

    start: time
    end: time

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def contains(self, t: time) -> bool:
        """True when wall time ``t`` is inside (start inclusive, end exclusive)."""
        if self.start <= self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end

    def defer(self, instant: datetime, tz: tzinfo) -> datetime:
        """``instant`` if outside; otherwise the end of this quiet span (the first moment allowed)."""
        local = instant.astimezone(tz)
        if not self.contains(local.time().replace(second=0, microsecond=0)):
            return instant
        end_date = local.date()
        if self.start > self.end and local.time() >= self.start:
            end_date += timedelta(days=1)
        return resolve_local(datetime.combine(end_date, self.end), tz)


def parse_quiet(text: str) -> QuietHours:
    """Parse ``HH:MM-HH:MM``; ValueError otherwise."""
    m = _SPAN.match(str(text).strip())
    if not m:
        raise ValueError(f"invalid quiet hours {text!r}: use HH:MM-HH:MM, e.g. 22:30-07:30")
    h1, m1, h2, m2 = (int(x) for x in m.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59 or (h1, m1) == (h2, m2):
        raise ValueError(f"invalid quiet hours {text!r}")
    return QuietHours(time(h1, m1), time(h2, m2))
