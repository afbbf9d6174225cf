"""Timing forms and the spec's DST rule, in a zone that has DST."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from sopengine.planning.local_time import format_local_minute, resolve_local
from sopengine.planning.timing import check_cron, cron_times, parse_at, parse_days

NY = ZoneInfo("America/New_York")  # 2026: spring forward Mar 8 02:00, fall back Nov 1 02:00


def test_fall_back_time_fires_once_at_first_occurrence():
    instant = resolve_local(datetime(2026, 11, 1, 1, 30), NY)
    assert instant.utcoffset().total_seconds() == -4 * 3600  # EDT, the first 01:30


def test_spring_forward_gap_fires_at_first_valid_minute_after():
    instant = resolve_local(datetime(2026, 3, 8, 2, 30), NY)
    assert (instant.hour, instant.minute) == (3, 0)
    assert instant.utcoffset().total_seconds() == -4 * 3600


def test_daily_cron_through_fall_back_day_is_once_a_day():
    times = cron_times("30 1 * * *", date(2026, 10, 31), date(2026, 11, 2))
    instants = [resolve_local(t, NY) for t in times]
    assert [i.day for i in instants] == [31, 1, 2]
    assert len(set(instants)) == 3


def test_format_local_minute():
    assert format_local_minute(resolve_local(datetime(2026, 3, 8, 2, 30), NY), NY) == "2026-03-08T03:00"


@pytest.mark.parametrize("text, day, on_date, hm", [
    ("day 0 10:00", 0, None, (10, 0)), ("day 14 21:05", 14, None, (21, 5)),
    ("2026-12-01 10:00", None, date(2026, 12, 1), (10, 0)),
])
def test_parse_at(text, day, on_date, hm):
    spec = parse_at(text)
    assert (spec.day, spec.on_date, (spec.at_time.hour, spec.at_time.minute)) == (day, on_date, hm)


@pytest.mark.parametrize("text", ["day -1 10:00", "day 1 25:00", "day 1 10", "tomorrow 10:00", "2026-02-30 10:00"])
def test_parse_at_rejects(text):
    with pytest.raises(ValueError):
        parse_at(text)


def test_parse_days_forms():
    assert parse_days("1-20").contains(20) and not parse_days("1-20").contains(21)
    assert parse_days("3-").contains(1000) and not parse_days("3-").contains(2)
    listed = parse_days("1,3,5")
    assert [d for d in range(7) if listed.contains(d)] == [1, 3, 5]
    assert parse_days(4).contains(4) and not parse_days(4).contains(5)
    with pytest.raises(ValueError):
        parse_days("5-1")


@pytest.mark.parametrize("expr", ["0 8 * * *", "30 20 * * 5", "0 10 1 1,4,7,10 *", "*/15 9-17 * * 1-5",
                                  "0 8 29 2 *", "0 8 31 * *", "0 8 30 2 1", "0 8 L 2 *", "0 8 30,31 2,3 *"])
def test_valid_cron(expr):
    check_cron(expr)


@pytest.mark.parametrize("expr", ["0 8 * *", "0 25 * * *", "0 8 * * * *", "every day"])
def test_invalid_cron(expr):
    with pytest.raises(ValueError):
        check_cron(expr)


@pytest.mark.parametrize(("expr", "why"), [
    ("0 8 30 2 *", "no day 30 in February"),
    ("0 8 31 4,6,9,11 *", "no day 31 in April, June, September, November"),
    ("0 8 30,31 2 *", "no day 30, 31 in February"),
])
def test_a_cron_that_never_fires_is_invalid(expr, why):
    with pytest.raises(ValueError, match=f"never fires: {why}"):
        check_cron(expr)


def _croniter_times(expr: str, first: date, last: date) -> tuple[datetime, ...]:
    from datetime import time, timedelta

    from croniter import croniter

    it = croniter(expr, datetime.combine(first, time(0)) - timedelta(minutes=1))
    end = datetime.combine(last + timedelta(days=1), time(0))
    out = []
    while (t := it.get_next(datetime)) < end:
        out.append(t)
    return tuple(out)


_FIELD = {
    "minute": ["0", "30", "*/15", "5,45", "0-10/5", "59"],
    "hour": ["*", "8", "8-10", "9,21", "*/6", "0", "23"],
    "day": ["*", "1", "15", "1-7", "*/2", "31", "28-31", "10,20"],
    "month": ["*", "1", "2", "*/3", "6-8", "12", "2,4"],
    "weekday": ["*", "0", "1-5", "5", "6,0", "7", "MON", "mon-fri", "SUN"],
}


@pytest.mark.parametrize("seed", range(16))
def test_cron_times_agree_with_croniter(seed: int) -> None:
    """The day-by-day walk gives croniter's times exactly (cron's day-of-month OR weekday rule
    included) over ranges that cross months, leap days and years."""
    import random

    rng = random.Random(seed)
    for _ in range(25):
        expr = " ".join(rng.choice(_FIELD[f]) for f in ("minute", "hour", "day", "month", "weekday"))
        try:
            check_cron(expr)
        except ValueError:
            continue  # never fires (30 2): validate rejects it, croniter would search for years
        first = date.fromordinal(date(2026, 1, 1).toordinal() + rng.randrange(900))
        last = date.fromordinal(first.toordinal() + rng.randrange(1, 120))
        cron_times.cache_clear()
        assert cron_times(expr, first, last) == _croniter_times(expr, first, last), expr


def test_what_only_croniter_knows_is_left_to_it() -> None:
    for expr in ("0 9 L * *", "0 9 * * 5#2", "0 12 15W * *", "0 12 1W * *"):
        assert cron_times(expr, date(2026, 1, 1), date(2026, 3, 31)) == _croniter_times(
            expr, date(2026, 1, 1), date(2026, 3, 31))


@pytest.mark.parametrize("expr", ["0 8 * * *", "30 20 * * 1-6", "0 10 1 * *", "0 9 29 2 *", "0 10 1 1,4,7,10 *",
                                  "*/20 8-9 */3 * 0"])
def test_cron_counts_agree_with_the_times_listed(expr: str) -> None:
    import random

    from sopengine.planning.timing import cron_count

    rng = random.Random(expr)
    for _ in range(60):
        first = date.fromordinal(date(2023, 1, 1).toordinal() + rng.randrange(1500))
        last = date.fromordinal(first.toordinal() + rng.randrange(-3, 1600))
        assert cron_count(expr, first, last) == len(cron_times(expr, first, last)), (first, last)
