"""Work calendars: answers from the holidays package, cached on disk per holidays version."""

from __future__ import annotations

import json
from datetime import date, timedelta

import holidays
import pytest

from sopengine.calendar_cache import CalendarCache, default_dir
from sopengine.calendars import HolidaysCalendar


def days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days)]


@pytest.mark.parametrize("country", ["CN", "US"])
def test_a_cached_year_answers_exactly_like_holidays(tmp_path, country):
    source = holidays.country_holidays(country)
    cache = CalendarCache(tmp_path / "c.json")
    computed = HolidaysCalendar(country, cache)
    answers = [(d, computed.is_holiday(d), computed.is_workday(d), computed.holiday_name(d)) for d in days_of(2026)]

    from_disk = HolidaysCalendar(country, CalendarCache(tmp_path / "c.json"))
    assert [(d, from_disk.is_holiday(d), from_disk.is_workday(d), from_disk.holiday_name(d))
            for d in days_of(2026)] == answers
    assert answers == [(d, d in source, source.is_working_day(d), source.get(d)) for d in days_of(2026)]
    assert from_disk._source is None  # answered from the file: holidays was not asked


def test_cn_make_up_workdays_and_substituted_days_off_survive_the_cache(tmp_path):
    HolidaysCalendar("CN", CalendarCache(tmp_path / "c.json")).is_workday(date(2026, 1, 1))
    cn = HolidaysCalendar("CN", CalendarCache(tmp_path / "c.json"))
    assert cn.is_workday(date(2026, 2, 14))  # a Saturday worked for the Spring Festival (调休)
    assert not cn.is_workday(date(2026, 10, 1)) and cn.is_holiday(date(2026, 10, 1))
    assert cn.holiday_name(date(2026, 10, 1))


def test_a_broken_or_foreign_cache_file_is_ignored_and_replaced(tmp_path):
    path = tmp_path / "c.json"
    path.write_text("{not json", encoding="utf-8")
    assert HolidaysCalendar("CN", CalendarCache(path)).is_holiday(date(2026, 10, 1))
    assert json.loads(path.read_text(encoding="utf-8"))["countries"]["CN"]["2026"]
    path.write_text(json.dumps({"format": 0, "countries": {"CN": {"2026": {"holidays": {}, "workdays": "1"}}}}))
    assert HolidaysCalendar("CN", CalendarCache(path)).is_holiday(date(2026, 10, 1))


def test_an_unwritable_cache_only_costs_time(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    calendar = HolidaysCalendar("CN", CalendarCache(blocker / "sub" / "c.json"))  # its folder cannot be made
    assert calendar.is_holiday(date(2026, 10, 1)) and calendar.is_workday(date(2026, 2, 14))


def test_the_cache_lives_under_xdg_cache_home(tmp_path):
    assert default_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "sopengine"
