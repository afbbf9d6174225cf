"""Public holidays and working days (调休 make-up workdays included), per country.

Backed by the maintained ``holidays`` package, which knows each year's
official arrangements (for CN: the substituted days off and the weekend
make-up workdays). Pure lookups, cached per country.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Protocol

import holidays


class WorkCalendar(Protocol):
    """What the planner needs to know about a country's days."""

    def is_holiday(self, day: date) -> bool:
        """True on a public holiday or an official day off."""
        ...

    def is_workday(self, day: date) -> bool:
        """True on a working day, make-up weekend workdays included."""
        ...


class HolidaysCalendar:
    """A :class:`WorkCalendar` for one country code from the ``holidays`` package."""

    def __init__(self, country: str):
        self.country = country
        self._days = holidays.country_holidays(country)

    def is_holiday(self, day: date) -> bool:
        return day in self._days

    def is_workday(self, day: date) -> bool:
        return bool(self._days.is_working_day(day))

    def holiday_name(self, day: date) -> str | None:
        """The holiday's name on ``day``, if any."""
        return self._days.get(day)


@lru_cache(maxsize=1)
def supported_countries() -> frozenset[str]:
    """Country codes that ``calendar:`` accepts (read from the registry: no country module is imported)."""
    from holidays.registry import COUNTRIES

    return frozenset(code for names in COUNTRIES.values() for code in names[1:] if len(code) in (2, 3) and code.isupper())


@lru_cache(maxsize=64)
def calendar_for(country: str) -> HolidaysCalendar:
    """The (cached) calendar of ``country``; ValueError for an unknown code."""
    if country not in supported_countries():
        raise ValueError(f"unknown calendar {country!r}")
    return HolidaysCalendar(country)
