"""Property tests of the pure planner (hypothesis)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from sopengine import date_window, life_window, plan

from .helpers import group, sop_from_text

ZONES = ["Asia/Shanghai", "America/New_York", "Europe/Berlin", "Australia/Sydney", "America/Santiago"]


@st.composite
def sops(draw):
    tz = draw(st.sampled_from(ZONES))
    lifetime = draw(st.integers(3, 40))
    steps = []
    for i in range(draw(st.integers(1, 5))):
        minute, hour = draw(st.integers(0, 59)), draw(st.integers(0, 23))
        form = draw(st.sampled_from(["daily", "weekly", "at", "red_packet"]))
        if form == "daily":
            a = draw(st.integers(0, lifetime))
            b = draw(st.integers(a, lifetime))
            steps.append(f'  - {{id: s{i}, kind: message, cron: "{minute} {hour} * * *", days: {a}-{b}, '
                         f'text: "d{{{{ day }}}}"}}')
        elif form == "weekly":
            dow = draw(st.integers(0, 6))
            steps.append(f'  - {{id: s{i}, kind: topic, cron: "{minute} {hour} * * {dow}", text: t}}')
        elif form == "at":
            day = draw(st.integers(0, lifetime))
            steps.append(f'  - {{id: s{i}, kind: rules, at: "day {day} {hour:02d}:{minute:02d}", text: r}}')
        else:
            lead = draw(st.integers(1, 120))
            steps.append(f'  - {{id: s{i}, kind: red_packet, cron: "{minute} {hour} * * 5", lead: {lead}m, '
                         f'announce: "{{{{ count }}}}个", amount: 10, count: 5}}')
    if draw(st.booleans()):
        steps.append(f'  - {{id: bye, kind: dissolution, at: "day {lifetime} 20:00", notice: 再见}}')
    text = f"sop: prop\ntimezone: {tz}\nlifetime: {lifetime}d\nsteps:\n" + "\n".join(steps) + "\n"
    return sop_from_text(text)


starts = st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31))


@settings(max_examples=150, deadline=None)
@given(sops(), starts, st.integers(-5, 45), st.integers(0, 20))
def test_planner_properties(sop, start, clip_from, clip_len):
    g = group(start=start, tags=())
    actions = plan(sop, g)
    # sorted by due, then step file order, then part order
    order = [(a.due, a.step_index, a.part_index) for a in actions]
    assert order == sorted(order)
    # unique keys, and each key carries the local due minute
    assert len({a.key for a in actions}) == len(actions)
    for a in actions:
        assert a.key.endswith(a.due.astimezone(sop.timezone).strftime("/%Y-%m-%dT%H:%M"))
    # same input, same output
    assert plan(sop, g) == actions
    # every action inside its window, and a clipped window is a subset
    life = life_window(sop, g)
    assert all(life.start <= a.due < life.end for a in actions)
    first = start + timedelta(days=clip_from)
    window = life.intersect(date_window(sop, first, first + timedelta(days=clip_len)))
    clipped = plan(sop, g, window)
    assert all(window.start <= a.due < window.end for a in clipped)
    full = {a.key: a for a in actions}
    assert all(full[a.key] == a for a in clipped)
    assert {a.key for a in clipped} == {a.key for a in actions if a.due in window}


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(ZONES[1:]), st.integers(0, 59), st.integers(0, 23), starts)
def test_daily_step_fires_once_per_local_day_across_dst(tz, minute, hour, start):
    sop = sop_from_text(f'sop: dst\ntimezone: {tz}\nlifetime: 60d\nsteps:\n'
                        f'  - {{id: d, kind: message, cron: "{minute} {hour} * * *", text: x}}\n')
    actions = plan(sop, group(start=start, tags=()))
    per_day = Counter(a.due.astimezone(sop.timezone).date() for a in actions)
    assert len(actions) == 61
    assert set(per_day.values()) == {1}
    for a in actions:
        local = a.due.astimezone(sop.timezone)
        if (local.hour, local.minute) != (hour, minute):
            # only allowed when the asked wall time does not exist that day (spring-forward gap):
            # then it is the first valid minute after the gap
            asked = datetime.combine(local.date(), time(hour, minute), tzinfo=sop.timezone)
            assert asked.astimezone(timezone.utc).astimezone(sop.timezone).replace(tzinfo=None) != \
                asked.replace(tzinfo=None)
            instant_before = a.due.astimezone(timezone.utc) - timedelta(minutes=1)
            assert instant_before.astimezone(sop.timezone).utcoffset() != local.utcoffset()
