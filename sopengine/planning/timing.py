"""Pure time arithmetic of the SOP format: ``at``, ``cron`` + ``days``, local times.

Every function here is a pure function of its arguments (no clock). Local
times are resolved with the spec's DST rule: a wall time that happens twice
fires at its first occurrence; one that does not exist fires at the first
valid minute after the gap. croniter is driven on *naive* wall-clock times,
so a fall-back day cannot yield a daily time twice. Wall time itself is :mod:`.local_time`'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from croniter import croniter

_AT_DAY = re.compile(r"^day\s+(\d+)\s+(\d{1,2}):(\d{2})$")
_AT_ABS = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})$")
_DAYS_RANGE = re.compile(r"^(\d+)\s*-\s*(\d*)$")
_DAYS_LIST = re.compile(r"^\d+(\s*,\s*\d+)*$")
_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class AtSpec:
    """One ``at`` value: either ``day`` (relative to the start) or ``on_date`` (absolute)."""

    day: int | None
    on_date: date | None
    at_time: time

    def local_naive(self, start: date) -> datetime:
        """The wall-clock time this spec names for a group that starts on ``start``."""
        d = self.on_date if self.on_date is not None else start + timedelta(days=self.day or 0)
        return datetime.combine(d, self.at_time)


def parse_at(text: str) -> AtSpec:
    """Parse ``day N HH:MM`` or ``YYYY-MM-DD HH:MM``; ValueError with a hint otherwise."""
    s = str(text).strip()
    if m := _AT_DAY.match(s):
        return AtSpec(int(m[1]), None, _clock(int(m[2]), int(m[3]), text))
    if m := _AT_ABS.match(s):
        try:
            d = date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError as exc:
            raise ValueError(f"invalid date in {text!r}: {exc}") from None
        return AtSpec(None, d, _clock(int(m[4]), int(m[5]), text))
    raise ValueError(f"invalid at {text!r}: use 'day N HH:MM' or 'YYYY-MM-DD HH:MM'")


def _clock(hour: int, minute: int, text: str) -> time:
    if hour > 23 or minute > 59:
        raise ValueError(f"invalid time of day in {text!r}")
    return time(hour, minute)


@dataclass(frozen=True, slots=True)
class DaySpec:
    """A window of days: ``first``..``last`` inclusive (``last`` None = open), or a set."""

    first: int
    last: int | None
    listed: frozenset[int] | None = None

    def contains(self, day: int) -> bool:
        if self.listed is not None:
            return day in self.listed
        return day >= self.first and (self.last is None or day <= self.last)

    def clip(self, lifetime: int | None) -> "DaySpec":
        """The window intersected with day 0..lifetime."""
        if lifetime is None or self.listed is not None:
            return self
        last = lifetime if self.last is None else min(self.last, lifetime)
        return DaySpec(self.first, last)


def parse_days(value: str | int | None) -> DaySpec:
    """Parse ``A-B``, ``A-``, ``1,3,5`` or ``N`` (None = every day from day 0)."""
    if value is None:
        return DaySpec(0, None)
    if isinstance(value, bool):
        raise ValueError(f"invalid days {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"invalid days {value!r}: days are counted from 0")
        return DaySpec(value, value)
    s = str(value).strip()
    if m := _DAYS_RANGE.match(s):
        first, last = int(m[1]), (int(m[2]) if m[2] else None)
        if last is not None and last < first:
            raise ValueError(f"invalid days {value!r}: the window ends before it starts")
        return DaySpec(first, last)
    if _DAYS_LIST.match(s):
        listed = frozenset(int(x) for x in s.split(","))
        return DaySpec(min(listed), max(listed), listed)
    raise ValueError(f"invalid days {value!r}: use 'A-B', 'A-' or '1,3,5'")


def check_cron(expr: str) -> None:
    """Raise ValueError unless ``expr`` is a valid five-field cron expression."""
    fields = str(expr).split()
    if len(fields) != 5:
        raise ValueError(f"cron {expr!r} needs 5 fields (minute hour day month weekday), got {len(fields)}")
    if not croniter.is_valid(expr):
        raise ValueError(f"invalid cron expression {expr!r}")
    _check_fires(expr)


#: Longest month in each month of the year (February 29 exists in leap years).
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December")


def _check_fires(expr: str) -> None:
    """Raise ValueError when ``expr`` names only days that no month it names has (``30 2``):
    croniter would search for years and then fail at plan time."""
    fields, _ = croniter.expand(expr)
    days, months, weekdays = fields[2], fields[3], fields[4]
    if weekdays != ["*"] or days == ["*"] or any(not isinstance(d, int) for d in days):
        return  # a weekday field fires on its own (cron ORs the two); "L" exists in every month
    month_numbers = range(1, 13) if months == ["*"] else [int(m) for m in months]
    if any(d <= _MONTH_DAYS[m - 1] for m in month_numbers for d in days):
        return
    listed = ", ".join(str(d) for d in days)
    where = ", ".join(_MONTH_NAMES[m - 1] for m in month_numbers)
    raise ValueError(f"cron {expr!r} never fires: no day {listed} in {where}")


@lru_cache(maxsize=8192)
def cron_times(expr: str, first: date, last: date) -> tuple[datetime, ...]:
    """Naive local wall-clock times of ``expr`` on dates ``first``..``last`` inclusive."""
    if last < first:
        return ()
    calendar = _cron_calendar(expr)
    if calendar is not None:
        return tuple(calendar.times(first, last))
    it = croniter(expr, datetime.combine(first, time(0)) - _MINUTE)
    end = datetime.combine(last + timedelta(days=1), time(0))
    out: list[datetime] = []
    while (t := it.get_next(datetime)) < end:
        out.append(t)
    return tuple(out)


@dataclass(frozen=True)
class _CronCalendar:
    """A cron expression of plain numbers and ranges, walked day by day: croniter searches each
    next time field by field (a tenth of a millisecond a time), which dominated planning.
    Days follow cron's rule: when both day of month and weekday are restricted, either fires."""

    clock: tuple[time, ...]
    months: frozenset[int] | None
    days: frozenset[int] | None
    weekdays: frozenset[int] | None  # cron's numbering: 0 is Sunday

    def fires_on(self, day: date) -> bool:
        if self.months is not None and day.month not in self.months:
            return False
        if self.days is None or self.weekdays is None:
            return ((self.days is None or day.day in self.days)
                    and (self.weekdays is None or day.isoweekday() % 7 in self.weekdays))
        return day.day in self.days or day.isoweekday() % 7 in self.weekdays

    def count(self, first: date, last: date) -> int:
        """How many times it fires on dates ``first``..``last`` inclusive, from cached counts of
        whole years and per-day running counts of months (a span of years costs a few steps)."""
        if last < first:
            return 0
        if first.year == last.year and first.month == last.month:
            running = _running_days(self, first.year, first.month)
            return (running[last.day] - running[first.day - 1]) * len(self.clock)
        running = _running_days(self, first.year, first.month)
        days = running[-1] - running[first.day - 1]
        day = _next_month(first)
        while (day.year, day.month) != (last.year, last.month):
            if day.month == 1 and last.year > day.year:
                days += _firing_days_of_year(self, day.year)
                day = date(day.year + 1, 1, 1)
                continue
            days += _running_days(self, day.year, day.month)[-1]
            day = _next_month(day)
        days += _running_days(self, last.year, last.month)[last.day]
        return days * len(self.clock)

    def times(self, first: date, last: date) -> list[datetime]:
        out: list[datetime] = []
        day = first
        while day <= last:
            if self.fires_on(day):
                out += [datetime.combine(day, t) for t in self.clock]
            day += _DAY
        return out


_DAY = timedelta(days=1)


def _next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


@lru_cache(maxsize=16384)
def _running_days(calendar: _CronCalendar, year: int, month: int) -> tuple[int, ...]:
    """Running counts of the days of ``month`` the calendar fires on: item ``d`` is how many of
    days 1..d fire (item 0 is 0)."""
    running = [0]
    day, end = date(year, month, 1), _next_month(date(year, month, 1))
    while day < end:
        running.append(running[-1] + calendar.fires_on(day))
        day += _DAY
    return tuple(running)


@lru_cache(maxsize=4096)
def _firing_days_of_year(calendar: _CronCalendar, year: int) -> int:
    return sum(_running_days(calendar, year, month)[-1] for month in range(1, 13))


@lru_cache(maxsize=1024)
def _cron_calendar(expr: str) -> _CronCalendar | None:
    """``expr`` as a :class:`_CronCalendar`, or None when it uses what only croniter knows
    (``W``, ``L``, ``#``, names it expands to anything but numbers) or never fires."""
    written = str(expr).split()
    if len(written) != 5 or any(c in written[2].lower() for c in "wl?") or "#" in written[4]:
        return None  # nearest weekday (15W), last day (L): croniter's own rules
    fields, nth_weekday = croniter.expand(expr)
    if nth_weekday or len(fields) != 5 or any(not isinstance(v, int) for f in fields for v in f if v != "*"):
        return None
    try:
        _check_fires(expr)
    except ValueError:
        return None  # never fires: croniter says so (validate does first)

    def values(field: list[Any]) -> frozenset[int] | None:
        return None if field == ["*"] else frozenset(int(v) for v in field)

    minutes, hours = values(fields[0]), values(fields[1])
    clock = tuple(time(h, m) for h in sorted(hours or range(24)) for m in sorted(minutes or range(60)))
    weekdays = values(fields[4])
    return _CronCalendar(clock, values(fields[3]), values(fields[2]),
                         None if weekdays is None else frozenset(d % 7 for d in weekdays))


def cron_count(expr: str, first: date, last: date) -> int | None:
    """How many times ``expr`` fires on dates ``first``..``last`` inclusive, without listing them;
    None when only croniter can tell (see :func:`_cron_calendar`)."""
    calendar = _cron_calendar(expr)
    if calendar is None:
        return None
    return calendar.count(first, last) if first <= last else 0
