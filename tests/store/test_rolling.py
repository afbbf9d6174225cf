"""A life longer than the horizon is planned a horizon ahead, and the daemon rolls it on to its
end: every action of the life sent once, on time, whatever the group's age."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from sopengine.daemon.clock import VirtualClock
from sopengine.daemon.runner import Daemon
from sopengine.planning.ledger_planner import PERSISTENT_HORIZON
from sopengine.planning.planner import plan
from sopengine.store.apply import apply
from sopengine.store.tables import enrollments

from ..channels_for_tests import RecordingChannel
from .camp_world import at, camp, groups, rows

LONG = """
sop: season
timezone: Asia/Shanghai
lifetime: 100d
match: {tags: [camp]}
steps:
  - id: morning
    kind: morning_post
    cron: "0 8 * * *"
    days: 1-99
    text: "早安 第{{ day }}天"
  - id: review
    kind: survey
    at: day 60 10:00
    title: 季度回顾
    questions: [{ask: 满意吗, choices: [是, 否]}]
  - id: bye
    kind: dissolution
    at: day 100 20:00
    notice: 再见
"""

#: Two steps two months apart, nothing between: the daemon has no action to wake it in between.
SPARSE = """
sop: sparse
timezone: Asia/Shanghai
lifetime: 100d
match: {tags: [camp]}
steps:
  - id: review
    kind: survey
    at: day 60 10:00
    title: 回顾
    questions: [{ask: 满意吗, choices: [是, 否]}]
  - id: later
    kind: message
    at: day 95 10:00
    text: 再会
"""


def enrollment(store, group_id="g0"):  # type: ignore[no-untyped-def]
    with store.engine.connect() as conn:
        return conn.execute(select(enrollments).where(enrollments.c.group_id == group_id)).one()


def test_a_long_life_is_planned_a_horizon_ahead_and_rolls(store):
    sop = camp(LONG)
    apply(store, [sop], groups(1), at(0))

    stored = rows(store)
    assert stored and max(r.due for r in stored.values()) < (at(0) + PERSISTENT_HORIZON + timedelta(days=2)).replace(
        tzinfo=None)
    assert len(stored) < len(plan(sop, groups(1)[0], render=False))
    assert enrollment(store).rolling


def test_the_daemon_rolls_a_long_life_on_to_its_end_sending_each_action_once(store):
    sop = camp(LONG)
    apply(store, [sop], groups(1), at(0))
    channel = RecordingChannel("wechat")

    Daemon(store, {"wechat": channel}, VirtualClock(at(0))).run(until=at(102))

    sent = [key for key, _ in channel.sent]
    assert len(sent) == len(set(sent))
    assert sorted(set(sent)) == sorted(a.key for a in plan(sop, groups(1)[0], render=False))
    assert not enrollment(store).rolling


def test_a_life_with_nothing_due_for_weeks_is_still_rolled_on(store):
    sop = camp(SPARSE)
    apply(store, [sop], groups(1), at(0))
    assert rows(store) == {}
    channel = RecordingChannel("wechat")

    Daemon(store, {"wechat": channel}, VirtualClock(at(0))).run(until=at(101))

    assert sorted(key for key, _ in channel.sent) == sorted(a.key for a in plan(sop, groups(1)[0], render=False))


def test_applying_again_mid_life_cancels_nothing_the_daemon_planned_ahead(store):
    sop = camp(LONG)
    apply(store, [sop], groups(1), at(0))
    Daemon(store, {"wechat": RecordingChannel("wechat")}, VirtualClock(at(0))).run(until=at(50))
    before = rows(store)

    report = apply(store, [sop], groups(1), at(50, 12))

    assert report.total("cancelled") == 0 and report.total("changed") == 0
    after = rows(store)
    assert {k: r.state for k, r in before.items()} == {k: after[k].state for k in before}
    whole = {a.key for a in plan(sop, groups(1)[0], render=False)}
    assert set(after) <= whole


def test_a_life_whose_then_waits_for_a_step_is_planned_to_its_end_at_once(store):
    sop = camp(LONG + "then:\n  at: review\n  add_tags: [graduated]\n")
    apply(store, [sop], groups(1), at(0))

    assert len(rows(store)) == len(plan(sop, groups(1)[0], render=False))
    assert not enrollment(store).rolling


def test_a_group_starting_beyond_the_horizon_is_planned_as_its_start_comes_near(store):
    import dataclasses
    from datetime import date

    from sopengine.store.apply import extend_horizons

    sop = camp()  # ten days
    later = [dataclasses.replace(g, start=date(2026, 12, 19)) for g in groups(2)]  # three months on
    apply(store, [sop], later, at(0))
    assert rows(store) == {} and enrollment(store).rolling

    assert extend_horizons(store, at(50)) == 0  # its start is still beyond the horizon
    assert extend_horizons(store, at(60)) > 0  # now within: its first days
    assert enrollment(store).rolling
    extend_horizons(store, at(70))

    whole = {a.key for g in later for a in plan(sop, g, render=False)}
    assert set(rows(store)) == whole
    assert not enrollment(store).rolling


def test_an_apply_catching_up_on_a_stopped_daemon_writes_what_it_missed_to_be_recorded_as_missed(store):
    import dataclasses
    from datetime import date

    sop = camp(LONG)
    later = [dataclasses.replace(groups(1)[0], start=date(2026, 11, 18))]  # day 60 from at(0)
    apply(store, [sop], later, at(0))
    assert rows(store) == {}

    apply(store, [sop], later, at(70))  # no daemon ran meanwhile

    whole = {a.key: a for a in plan(sop, later[0], render=False)}
    first_days = {k for k, a in whole.items() if a.due < at(70)}
    assert first_days and first_days <= set(rows(store))
