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
from typing import Any, Protocol

from .calendar_cache import CalendarCache, YearDays


class WorkCalendar(Protocol):
    """What the planner needs to know about a country's days."""

    def is_holiday(self, day: date) -> bool:
        """True on a public holiday or an official day off."""
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
        return day.isoformat() in self._year(day.year).holidays

    def is_workday(self, day: date) -> bool:
        return self._year(day.year).workdays[day.timetuple().tm_yday - 1] == "1"

    def holiday_name(self, day: date) -> str | None:
        """The holiday's name on ``day``, if any."""
        return self._year(day.year).holidays.get(day.isoformat())

    def _year(self, year: int) -> YearDays:
        days = self._years.get(year)
        if days is None:
            days = self._cache.year(self.country, year) if self._cache else None
            if days is None or len(days.workdays) != (366 if calendar.isleap(year) else 365):
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
        return YearDays(names, workdays)


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
