"""Work calendars: answers from the holidays package, cached on disk per holidays version."""

from __future__ import annotations

import json
from datetime import date, timedelta

import holidays
import pytest

from sopengine.planning.calendar_cache import CalendarCache, default_dir
from sopengine.planning.calendars import HolidaysCalendar


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
    expected = [(d, source.is_working_day(d), source.get(d)) for d in days_of(2026)]
    assert [(d, w, n) for d, _, w, n in answers] == expected
    if country == "US":  # no published schedule: a holiday is the day itself
        assert [h for _, h, _, _ in answers] == [d in source for d in days_of(2026)]
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


def official(breaks: list[tuple[str, str]], workdays: list[str]) -> tuple[set[date], set[date]]:
    """(every day of the listed 放假 breaks, the listed 调休 make-up workdays)."""
    off: set[date] = set()
    for first, last in breaks:
        day = date.fromisoformat(first)
        while day <= date.fromisoformat(last):
            off.add(day)
            day += timedelta(days=1)
    return off, {date.fromisoformat(d) for d in workdays}


#: The State Council's published schedules (国务院办公厅关于部分节假日安排的通知) for 2024–2026.
OFFICIAL_CN = {
    2024: official([("2023-12-30", "2024-01-01"), ("2024-02-10", "2024-02-17"), ("2024-04-04", "2024-04-06"),
                    ("2024-05-01", "2024-05-05"), ("2024-06-08", "2024-06-10"), ("2024-09-15", "2024-09-17"),
                    ("2024-10-01", "2024-10-07")],
                   ["2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11", "2024-09-14",
                    "2024-09-29", "2024-10-12"]),
    2025: official([("2025-01-01", "2025-01-01"), ("2025-01-28", "2025-02-04"), ("2025-04-04", "2025-04-06"),
                    ("2025-05-01", "2025-05-05"), ("2025-05-31", "2025-06-02"), ("2025-10-01", "2025-10-08")],
                   ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"]),
    2026: official([("2026-01-01", "2026-01-03"), ("2026-02-15", "2026-02-23"), ("2026-04-04", "2026-04-06"),
                    ("2026-05-01", "2026-05-05"), ("2026-06-19", "2026-06-21"), ("2026-09-25", "2026-09-27"),
                    ("2026-10-01", "2026-10-07")],
                   ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]),
}


@pytest.mark.parametrize("year", sorted(OFFICIAL_CN))
def test_every_day_of_an_official_break_is_a_holiday_and_every_other_day_is_right(tmp_path, year):
    cn = HolidaysCalendar("CN", CalendarCache(tmp_path / "c.json"))
    off, make_up = OFFICIAL_CN[year]
    for day in days_of(year):
        assert cn.is_holiday(day) == (day in off), day
        assert cn.is_workday(day) == ((day.weekday() < 5 and day not in off) or day in make_up), day
    again = HolidaysCalendar("CN", CalendarCache(tmp_path / "c.json"))  # from the file
    assert [again.is_holiday(d) for d in days_of(year)] == [d in off for d in days_of(year)]


def test_weekend_days_inside_a_break_are_holidays():
    from sopengine.planning.calendars import calendar_for
    cn = calendar_for("CN")
    assert cn.is_holiday(date(2026, 10, 4)) and cn.is_holiday(date(2026, 2, 15))  # Sundays in 国庆, 春节
    assert not cn.is_holiday(date(2026, 10, 10))  # a Saturday worked (调休)


def test_the_years_whose_schedule_is_published_are_known(tmp_path):
    from sopengine.planning.calendars import unpublished_years
    cn = HolidaysCalendar("CN", CalendarCache(tmp_path / "c.json"))
    last = cn.published_until()
    assert last is not None and last >= 2026
    assert HolidaysCalendar("CN", CalendarCache(tmp_path / "c.json")).published_until() == last  # cached
    assert HolidaysCalendar("US", CalendarCache(tmp_path / "c.json")).published_until() is None
    assert unpublished_years("CN", [2026, last + 1, last + 2]) == [last + 1, last + 2]
    assert unpublished_years("US", [2030]) == []


def test_a_plan_reaching_a_year_without_a_published_schedule_warns_once(sops_dir, tmp_path):
    from click.testing import CliRunner

    from sopengine.cli import main
    from sopengine.planning.calendars import calendar_for

    last = calendar_for("CN").published_until()
    groups = tmp_path / "groups.yaml"
    groups.write_text(f"groups:\n  - {{id: winter-a, name: 冬季营A, start: {last}-12-20, tags: [learning, camp], "
                      "members: 50, channels: {wechat: {operator: 小雅}}}\n"
                      f"  - {{id: winter-b, name: 冬季营B, start: {last}-12-21, tags: [learning, camp], "
                      "members: 50, channels: {wechat: {operator: 小雅}}}\n", encoding="utf-8")
    camp = str(sops_dir / "learning-camp-21d.yaml")
    for command in (["validate", camp, str(groups)], ["plan", camp, "--groups", str(groups), "--format", "json"],
                    ["apply", camp, "--groups", str(groups), "--db", f"sqlite:///{tmp_path / 'l.db'}",
                     "--now", f"{last}-12-01T00:00+08:00"]):
        result = CliRunner().invoke(main, command)
        warnings = [line for line in result.output.splitlines() if "is not in the installed holidays package" in line]
        assert len(warnings) == 1, (command, result.output)
        assert f"the official schedule of {last + 1} " in warnings[0] and "learning-camp-21d" in warnings[0]
        assert warnings[0].startswith(f"{camp}:10:11: warning: calendar CN")
    (tmp_path / "now.yaml").write_text(groups.read_text(encoding="utf-8").replace(f"{last}-12-2", f"{last}-09-2"),
                                       encoding="utf-8")
    assert "holidays package" not in CliRunner().invoke(main, ["validate", camp, str(tmp_path / "now.yaml")]).output
