"""Local wall-clock time under the SOP format's rules (pure): a wall time that happens twice is
its first occurrence, one that does not exist the first valid minute after the gap.

Apart from :mod:`.timing` (which also drives croniter) so that what only shows or defers times
(quiet hours, a stored SOP's keys) needs nothing of cron.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache

_MINUTE = timedelta(minutes=1)
_DAY = timedelta(days=1)


@lru_cache(maxsize=4096)
def _year_offset(tz: tzinfo, year: int) -> timedelta | None:
    """The UTC offset ``tz`` keeps all through ``year`` (sampled every day at noon), or None
    when it changes in that year (summer time, a new standard offset)."""
    day = date(year, 1, 1)
    offset = datetime.combine(day, time(12), tz).utcoffset()
    while day.year == year:
        if datetime.combine(day, time(12), tz).utcoffset() != offset:
            return None
        day += _DAY
    return offset


def fixed_offset(tz: tzinfo, first: date, last: date) -> bool:
    """Whether ``tz`` keeps one UTC offset from ``first`` through ``last`` (so every wall time
    there is one instant, and distinct wall times distinct instants)."""
    offsets = {_year_offset(tz, year) for year in range(first.year, last.year + 1)}
    return len(offsets) == 1 and None not in offsets


@lru_cache(maxsize=65536)
def resolve_local(naive: datetime, tz: tzinfo) -> datetime:
    """The aware instant of wall time ``naive`` in ``tz`` under the spec's DST rule."""
    candidate = naive
    # A gap is at most a few hours in any real zone; a day bounds the walk.
    for _ in range(24 * 60):
        aware = candidate.replace(tzinfo=tz, fold=0)
        back = aware.astimezone(timezone.utc).astimezone(tz)
        if back.replace(tzinfo=None) == candidate:
            return back
        candidate += _MINUTE
    raise ValueError(f"{naive} does not exist in {tz}")  # pragma: no cover - no such zone


def local_midnight(d: date, tz: tzinfo) -> datetime:
    """Start of local day ``d`` (00:00, or the first minute after a midnight gap)."""
    return resolve_local(datetime.combine(d, time(0)), tz)


@lru_cache(maxsize=65536)  # the same instants recur in every group's plan (each day's 08:00)
def format_local_minute(instant: datetime, tz: tzinfo) -> str:
    """``YYYY-MM-DDTHH:MM`` of ``instant`` in ``tz`` (the key's local due)."""
    return instant.astimezone(tz).strftime("%Y-%m-%dT%H:%M")
