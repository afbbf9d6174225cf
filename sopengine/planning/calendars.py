"""Public holidays and working days (调休 make-up workdays included), per country.

Backed by the maintained ``holidays`` package, which knows each year's
official arrangements (for CN: the substituted days off and the weekend
make-up workdays). Pure lookups, cached per country and year in memory and,
per ``holidays`` version, on disk (see :mod:`.calendar_cache`): importing a
country from ``holidays`` costs more than the rest of a ``sopengine plan``.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Iterable, Protocol

from sopengine.planning.calendar_cache import CalendarCache, YearDays


class WorkCalendar(Protocol):
    """What the planner needs to know about a country's days."""

    def is_holiday(self, day: date) -> bool:
        """True on every day of an official break (放假): the holidays themselves, the days off
        moved next to them, and the weekend days inside the break (国庆 2026-10-04, a Sunday)."""
        ...

    def is_workday(self, day: date) -> bool:
        """True on a working day, make-up weekend workdays included."""
        ...


class HolidaysCalendar:
    """A :class:`WorkCalendar` for one country code of the ``holidays`` package.

    Each year is read from ``cache`` when it has it, else computed from ``holidays``
    (imported then) and added to it.
    """

    def __init__(self, country: str, cache: CalendarCache | None = None):
        self.country = country
        self._cache = cache
        self._years: dict[int, YearDays] = {}
        self._source: Any = None

    def is_holiday(self, day: date) -> bool:
        return self._year(day.year).breaks[day.timetuple().tm_yday - 1] == "1"

    def is_workday(self, day: date) -> bool:
        return self._year(day.year).workdays[day.timetuple().tm_yday - 1] == "1"

    def holiday_name(self, day: date) -> str | None:
        """The holiday's name on ``day``, if any."""
        return self._year(day.year).holidays.get(day.isoformat())

    def _year(self, year: int) -> YearDays:
        days = self._years.get(year)
        if days is None:
            days = self._cache.year(self.country, year) if self._cache else None
            length = 366 if calendar.isleap(year) else 365
            if days is None or len(days.workdays) != length or len(days.breaks) != length:
                days = self._compute(year)
                if self._cache:
                    self._cache.set_year(self.country, year, days)
            self._years[year] = days
        return days

    def _compute(self, year: int) -> YearDays:
        if self._source is None:
            import holidays

            self._source = holidays.country_holidays(self.country)
        source = self._source
        first = date(year, 1, 1)
        length = 366 if calendar.isleap(year) else 365
        source.get(first)  # fills in the year
        names = {d.isoformat(): str(name) for d, name in source.items() if d.year == year}
        workdays = "".join("1" if source.is_working_day(first + timedelta(days=n)) else "0" for n in range(length))
        return YearDays(names, workdays, _breaks(source, year))

    def published_until(self) -> int | None:
        """The last year whose official schedule (days off moved, make-up workdays) the installed
        ``holidays`` has; None for a country whose days follow fixed rules. A later year's days
        are its estimate: holidays by rule, no make-up workdays."""
        cached = self._cache.published(self.country) if self._cache else None
        if cached is not None:
            return cached[1]
        import holidays

        last = _last_published(holidays.country_holidays(self.country))
        if self._cache:
            self._cache.set_published(self.country, last)
        return last


def _breaks(source: Any, year: int) -> str:
    """``breaks`` of :class:`YearDays`. Where days off are published as a schedule (CN's 放假调休),
    a day is in a break when it is not a working day and lies in a run of such days holding a
    holiday; a run may start or end in the next year (元旦 2024 began on 2023-12-30), so the
    runs are read from a month before to a month after. Elsewhere a break is the holiday itself."""
    length = 366 if calendar.isleap(year) else 365
    start = date(year, 1, 1)
    if not getattr(source, "has_substituted_holidays", False):
        return "".join("1" if start + timedelta(days=n) in source else "0" for n in range(length))
    first, last = date(year - 1, 12, 1), date(year + 1, 1, 31)
    source.get(first)
    source.get(last)  # fills in both neighbouring years
    marks: dict[date, bool] = {}
    run: list[date] = []
    day = first
    while day <= last + timedelta(days=1):
        if day <= last and not source.is_working_day(day):
            run.append(day)
        else:
            in_break = any(d in source for d in run)
            marks.update((d, in_break) for d in run)
            run = []
        day += timedelta(days=1)
    return "".join("1" if marks.get(start + timedelta(days=n)) else "0" for n in range(length))


def _last_published(source: Any) -> int | None:
    """The last year of a country's yearly published days off (CN: 国务院办公厅's schedule), read
    off a ``holidays`` object: the last year holding a substituted day (a day off moved, with its
    make-up workday). None when the country has none (its days follow fixed rules)."""
    if not getattr(source, "has_substituted_holidays", False):
        return None
    years = [year for year, days in getattr(source, "special_public_holidays", {}).items()
             if isinstance(year, int) and any(len(d) >= 4 for d in _tuples(days))]
    return max(years) if years else None


def _tuples(days: Any) -> list[tuple[Any, ...]]:
    """``holidays`` writes a year's special days as one tuple or a tuple of tuples."""
    if isinstance(days, tuple) and days and not isinstance(days[0], tuple):
        return [days]
    return [d for d in days if isinstance(d, tuple)]


def unpublished_years(country: str, years: Iterable[int]) -> list[int]:
    """Those of ``years`` after the last one whose official schedule ``holidays`` has."""
    last = calendar_for(country).published_until()
    return sorted(y for y in set(years) if last is not None and y > last)


@lru_cache(maxsize=1)
def default_cache() -> CalendarCache:
    return CalendarCache.default()


@lru_cache(maxsize=1)
def supported_countries() -> frozenset[str]:
    """Country codes that ``calendar:`` accepts (from the registry: no country module is imported)."""
    cached = default_cache().supported()
    if cached is not None:
        return frozenset(cached)
    from holidays.registry import COUNTRIES

    codes = [code for names in COUNTRIES.values() for code in names[1:] if len(code) in (2, 3) and code.isupper()]
    default_cache().set_supported(codes)
    return frozenset(codes)


@lru_cache(maxsize=64)
def calendar_for(country: str) -> HolidaysCalendar:
    """The (cached) calendar of ``country``; ValueError for an unknown code."""
    if country not in supported_countries():
        raise ValueError(f"unknown calendar {country!r}")
    return HolidaysCalendar(country, default_cache())
