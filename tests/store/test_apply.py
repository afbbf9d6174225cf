"""apply: idempotent sync, and re-planning only the future when an SOP is edited."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from sopengine.store.apply import apply
from sopengine.store.tables import actions, audit
from sopengine.model.group import Group

from .camp_world import CAMP, at, camp, groups, rows


def test_apply_twice_changes_nothing(store):
    first = apply(store, [camp()], groups(), at(0))
    assert first.total("added") == 2 * (9 + 9 + 1 + 4)
    before = rows(store)
    second = apply(store, [camp()], groups(), at(0))
    assert not second.changed_anything
    assert second.total("unchanged") == first.total("added")
    assert rows(store) == before


def test_edit_mid_life_replans_only_the_future(store):
    apply(store, [camp()], groups(1), at(0))
    before = rows(store)
    edited = CAMP.replace('text: "话题"', 'text: "新话题"').replace('"0 8 * * *"', '"0 9 * * *"')
    edited = edited.replace("  - id: rules\n    kind: rules\n    at: day 0 10:00\n    text: 群规\n", "")
    report = apply(store, [camp(edited)], groups(1), at(5, 12))
    after = rows(store)
    morning_past = [k for k, r in before.items() if r.step == "morning" and r.day <= 5]
    for key in morning_past:  # the past is untouched
        assert after[key].state == "planned" and after[key].updated_at == before[key].updated_at
    future_morning = [k for k, r in before.items() if r.step == "morning" and r.day > 5]
    assert all(after[k].state == "cancelled" for k in future_morning)  # moved to 09:00: new keys
    assert sum(1 for k, r in after.items() if r.step == "morning" and "T09:00" in k) == 4
    future_topics = [k for k, r in before.items() if r.step == "topic" and r.day >= 5]
    assert all(after[k].id == before[k].id and after[k].version_id != before[k].version_id for k in future_topics)
    assert report.total("changed") == len(future_topics)
    assert report.total("added") == 4
    assert report.total("cancelled") == len(future_morning)
    rules_key = next(k for k, r in before.items() if r.step == "rules")
    assert after[rules_key].state == "planned"  # removed step, but in the past: untouched
    assert after[rules_key].updated_at == before[rules_key].updated_at


def test_first_apply_plans_only_what_can_still_happen(store):
    report = apply(store, [camp()], groups(1), at(3, 12))
    assert all(r.deadline >= at(3, 12).astimezone(ZoneInfo("UTC")).replace(tzinfo=None) for r in rows(store).values())
    assert report.total("added") == 6 + 7 + 4  # morning days 4-9, topic days 3-9 (20:30), dissolution


def test_group_that_stops_matching_is_cancelled_for_the_future(store):
    apply(store, [camp()], groups(1), at(0))
    untagged = [Group("g0", "群0", date(2026, 9, 19), (), {"members": 50})]
    report = apply(store, [camp()], untagged, at(4, 12))
    after = rows(store)
    cutoff = at(4, 12).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
    assert report.total("cancelled") == sum(1 for r in after.values() if r.due > cutoff)
    assert all(r.state == "cancelled" for r in after.values() if r.day >= 5)


def test_an_edit_outside_the_steps_replans_every_step(store):
    apply(store, [camp()], groups(1), at(0))
    shorter = camp(CAMP.replace("lifetime: 10d", "lifetime: 8d").replace("days: 1-9", "days: 1-7")
                   .replace("day 10 20:00", "day 8 20:00"))
    report = apply(store, [shorter], groups(1), at(0))
    future = {r.key: r.state for r in rows(store).values()}
    assert report.total("cancelled") == 2 * 2 + 4 and report.total("added") == 4
    assert [s for k, s in future.items() if "/morning/" in k and "2026-09-27" in k] == ["cancelled"]


def test_a_step_edit_compares_only_that_step_and_keeps_the_rest_as_planned(store):
    apply(store, [camp()], groups(2), at(0))
    before = {r.key: (r.id, r.version_id) for r in rows(store).values()}
    report = apply(store, [camp(CAMP.replace('text: "话题"', 'text: "今日话题"'))], groups(2), at(0))
    after = {r.key: (r.id, r.version_id, r.state) for r in rows(store).values()}
    assert (report.total("changed"), report.total("added"), report.total("cancelled")) == (18, 0, 0)
    assert set(after) == set(before)
    for key, (row_id, version, state) in after.items():
        assert row_id == before[key][0] and state == "planned"
        assert (version != before[key][1]) == ("/topic/" in key)  # only the changed rows move to the new version


def test_reverting_an_edit_brings_back_what_the_edit_cancelled(store):
    apply(store, [camp()], groups(1), at(0))
    moved = CAMP.replace('"0 8 * * *"', '"0 9 * * *"')
    apply(store, [camp(moved)], groups(1), at(2, 12))
    report = apply(store, [camp()], groups(1), at(4, 12))  # back to 08:00
    after = rows(store)
    morning = {k: r.state for k, r in after.items() if r.step == "morning" and r.day >= 5}
    assert [s for k, s in morning.items() if "T08:00" in k] == ["planned"] * 5
    assert [s for k, s in morning.items() if "T09:00" in k] == ["cancelled"] * 5
    assert report.total("added") == 5 and report.total("cancelled") == 5
    with store.engine.connect() as conn:
        revived = conn.execute(select(audit.c.detail).where(audit.c.from_state == "cancelled")).scalars().all()
    assert revived == ["planned again by apply"] * 5


def test_a_group_that_matches_again_gets_its_future_back(store):
    apply(store, [camp()], groups(1), at(0))
    untagged = [Group("g0", "群0", date(2026, 9, 19), (), {"members": 50})]
    cancelled = apply(store, [camp()], untagged, at(4, 12)).total("cancelled")
    report = apply(store, [camp()], groups(1), at(6, 12))
    after = rows(store)
    assert report.total("added") < cancelled  # days 5-6 have passed meanwhile: they stay cancelled
    assert all(r.state == "planned" for r in after.values() if r.day >= 7)
    assert all(r.state == "cancelled" for r in after.values() if r.day in (5, 6) and r.step == "morning")


def test_an_edit_within_the_grace_of_a_sent_action_neither_adds_nor_changes_it(store):
    apply(store, [camp()], groups(1), at(0))
    with store.engine.begin() as conn:  # the 10:00 rules were sent; it is 10:10, inside their grace
        conn.execute(actions.update().where(actions.c.step == "rules").values(state="sent"))
    edited = camp(CAMP.replace("text: 群规", "text: 新群规"))
    report = apply(store, [edited], groups(1), at(0, 10) + timedelta(minutes=10))
    assert (report.total("added"), report.total("changed"), report.total("cancelled")) == (0, 0, 0)
    assert [r.state for r in rows(store).values() if r.step == "rules"] == ["sent"]


FANS = """
sop: fans
timezone: Asia/Shanghai
match: {tags: [camp]}
steps:
  - id: morning
    kind: morning_post
    cron: "0 8 * * *"
    text: 早安
"""


def test_reapplying_with_an_earlier_now_keeps_what_the_daemon_planned_ahead(store):
    from sopengine.store.apply import extend_horizons

    apply(store, [camp(FANS)], groups(1), at(0))
    assert extend_horizons(store, at(23)) > 0  # the daemon ran on for three weeks
    before = rows(store)
    report = apply(store, [camp(FANS)], groups(1), at(0))  # the same files, an earlier clock
    assert (report.total("added"), report.total("changed"), report.total("cancelled")) == (0, 0, 0)
    assert rows(store) == before
    later = apply(store, [camp(FANS)], groups(1), at(10))
    assert later.total("cancelled") == 0 and rows(store) == before


def test_an_edit_re_derives_the_actions_planned_beyond_the_horizon(store):
    from sopengine.store.apply import extend_horizons

    apply(store, [camp(FANS)], groups(1), at(0))
    extend_horizons(store, at(23))
    furthest = max(r.due for r in rows(store).values())
    report = apply(store, [camp(FANS.replace("text: 早安", "text: 早上好"))], groups(1), at(0))
    assert report.total("cancelled") == 0 and report.total("added") == 0
    after = rows(store)
    assert report.total("changed") == len(after)  # every one moved to the edited version
    assert len({r.version_id for r in after.values()}) == 1 and all(r.state == "planned" for r in after.values())
    assert max(r.due for r in after.values()) == furthest


def never_fires(sop):
    """``sop`` with its first step's cron on a day that never comes (as if validation were skipped)."""
    import dataclasses

    step = sop.steps[0].model_copy(update={"cron": "0 8 30 2 *"})
    return dataclasses.replace(sop, id="broken", steps=(step, *sop.steps[1:]), positions={step.id: (7, 5)},
                               path=Path("broken.yaml"))


def test_an_sop_that_cannot_be_planned_is_reported_and_the_others_still_apply(store):
    report = apply(store, [never_fires(camp(FANS)), camp()], groups(1), at(0))
    assert [str(p) for p in report.problems] == [
        "broken.yaml:7:5: step 'morning': not applied: cannot be planned for group 'g0': "
        "failed to find next date"]
    stored = rows(store)
    assert stored and {r.sop_id for r in stored.values()} == {"camp"}
    assert {p.sop for p in report.pairs} == {"camp"}


def test_a_dry_run_reports_what_the_apply_would_do_and_writes_nothing(store):
    from sopengine.store.tables import sop_versions

    apply(store, [camp()], groups(2), at(0))
    before = rows(store)
    edited = camp(CAMP.replace('text: "话题"', 'text: "新话题"').replace('"0 8 * * *"', '"0 9 * * *"'))
    now_untagged = [groups(1)[0], Group("g1", "群1", date(2026, 9, 19), (), {"members": 50})]
    dry = apply(store, [edited], now_untagged, at(3, 12), dry_run=True)
    assert rows(store) == before
    with store.engine.connect() as conn:
        assert len(conn.execute(select(sop_versions)).all()) == 1  # the edited version was not kept
    real = apply(store, [edited], now_untagged, at(3, 12))
    totals = lambda r: [r.total(w) for w in ("added", "changed", "cancelled", "unchanged")]  # noqa: E731
    assert totals(dry) == totals(real) and dry.new_versions == real.new_versions == ["camp"]
    g0 = next(p for p in dry.pairs if p.group == "g0")
    assert g0.samples["changed"][0].startswith("camp/topic/g0/") and len(g0.samples["added"]) == 3
    g1 = next(p for p in dry.pairs if p.group == "g1")  # no longer tagged: its future is cancelled
    assert g1.cancelled and g1.samples["cancelled"][0].startswith("camp/")


PICKING = CAMP + """
  - id: topic-pick
    kind: topic
    cron: "0 21 * * *"
    days: 1-9
    pick: topics
    text: "{{ item }}"
  - id: tip-shuffled
    kind: message
    cron: "0 12 * * *"
    days: 1-9
    pick: tips
    shuffle: true
    text: "{{ item }}"
pools:
  topics: [甲, 乙, 丙, 丁]
  tips: [一, 二, 三]
"""


def test_groups_with_pools_of_their_own_share_one_plan_and_keep_their_own_items(store):
    """Four groups of one timing: two override the picked pool, one a pool nobody picks from, one
    nothing; the shuffled pool is each group's own order. Every stored item is what planning the
    group on its own gives, and the timing was planned once."""
    from sopengine.planning.ledger_planner import LedgerPlanner

    sop = camp(PICKING)
    base = groups(5)
    pools = [{"topics": ["一号话题", "二号话题"]}, {"topics": ["独一个"]}, {"unused": ["x"]}, {},
             {"topics": [None, "有一个是空的"]}]
    many = [dataclasses.replace(g, pools=p) for g, p in zip(base, pools)]
    planned: list[str] = []

    class Counting(LedgerPlanner):
        def plan(self, sop, group, window):  # type: ignore[no-untyped-def]
            planned.append(group.id)
            return super().plan(sop, group, window)

    store.planner = Counting()
    apply(store, [sop], many, at(0))
    stored = rows(store)
    whole = LedgerPlanner()
    for g in many:
        alone = whole.plan(sop, g, whole.first_window(sop, g, at(0)))
        assert {a.key: a.item for a in alone} == {k: r.item for k, r in stored.items() if r.group_id == g.id}
    assert {r.item for r in stored.values() if r.group_id == "g1" and r.step == "topic-pick"} == {"独一个"}
    assert len(planned) < len(many)  # shared: not every group planned on its own


def _action_indexes(store) -> dict[str, tuple[list[str], bool]]:
    from sqlalchemy import inspect

    return {i["name"]: (i["column_names"], bool(i["unique"])) for i in inspect(store.engine).get_indexes("actions")}


def test_a_first_apply_into_an_empty_ledger_leaves_every_index_and_its_statistics(store):
    """A first fill builds the actions' secondary indexes after its rows (SQLite): they come back as
    declared, hold every row, and SQLite's planner statistics for them are written again."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from sopengine.store.tables import metadata

    declared = _action_indexes(store)
    apply(store, [camp()], groups(), at(0))
    assert _action_indexes(store) == declared
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        waiting = conn.execute(select(actions.c.id).where(actions.c.state == "planned", actions.c.sop_id == "camp",
                                                          actions.c.group_id == "g0").order_by(actions.c.due)).all()
        assert len(waiting) == 9 + 9 + 1 + 4
        if store.dialect == "sqlite":
            stats = set(conn.exec_driver_sql("SELECT idx FROM sqlite_stat1 WHERE tbl = 'actions'").scalars())
            assert stats == set(declared)
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"


def test_a_first_apply_as_a_dry_run_leaves_the_indexes_it_found(store):
    declared = _action_indexes(store)
    apply(store, [camp()], groups(), at(0), dry_run=True)
    assert _action_indexes(store) == declared and rows(store) == {}


def test_a_fleet_larger_than_one_write_of_group_rows_is_stored_whole(store):
    from sqlalchemy import func

    from sopengine.store.apply import GROUP_ROWS
    from sopengine.store.tables import groups as group_table

    n = GROUP_ROWS * 2 + 1
    report = apply(store, [], groups(n), at(0))
    with store.engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(group_table)).scalar_one()
        last = conn.execute(select(group_table.c.name).where(group_table.c.id == f"g{n - 1}")).scalar_one()
    assert report.groups_added == stored == n and last == f"群{n - 1}"
    assert not apply(store, [], groups(n), at(0)).changed_anything


def test_a_fleets_actions_are_stored_in_the_order_they_fall_due(store):
    """Groups of two start days (two shared timings), one with pools of its own, and two planned
    alone (their pool is empty): within each write (the shared timings' copies, the groups planned
    alone), the rows' ids follow (due, step, part), so one minute's actions across the fleet lie
    side by side, whichever group and timing they come from."""
    sop = camp(PICKING)
    base = groups(8)
    fleet = [dataclasses.replace(g, start=g.start + timedelta(days=i % 2)) for i, g in enumerate(base[:6])]
    fleet[5] = dataclasses.replace(fleet[5], pools={"topics": ["独一个"]})
    alone = [dataclasses.replace(g, pools={"topics": []}) for g in base[6:]]
    apply(store, [sop], [*fleet, *alone], at(0))
    with store.engine.connect() as conn:
        stored = conn.execute(select(actions.c.id, actions.c.due, actions.c.step_index, actions.c.part_index,
                                     actions.c.group_id).order_by(actions.c.id)).all()

    assert len({r.group_id for r in stored}) == 8
    apart = {g.id for g in alone}
    shared = [r for r in stored if r.group_id not in apart]
    for write in (shared, [r for r in stored if r.group_id in apart]):
        order = [(r.due, r.step_index, r.part_index) for r in write]
        assert order == sorted(order) and len(order) > 1
    firsts = [r.group_id for r in shared if r.due == shared[0].due]  # the first minute: every group of day 0
    assert len(firsts) == 3 and shared[len(firsts)].due > shared[0].due


def test_a_fleet_larger_than_one_slice_is_written_a_slice_of_groups_at_a_time(store):
    """Each slice of groups (in the order of their ids) is written in due order, then the next:
    the key index takes each slice's rows within a few of its pages."""
    from sopengine.store.first_plans import GROUPS_PER_COPY

    fleet = groups(GROUPS_PER_COPY + 3)
    apply(store, [camp()], fleet, at(0))
    with store.engine.connect() as conn:
        stored = conn.execute(select(actions.c.due, actions.c.step_index, actions.c.part_index,
                                     actions.c.group_id).order_by(actions.c.id)).all()

    first_slice = set(sorted(g.id for g in fleet)[:GROUPS_PER_COPY])
    cut = sum(1 for r in stored if r.group_id in first_slice)
    assert {r.group_id for r in stored[:cut]} == first_slice and len(stored) == cut + 3 * (len(stored) // len(fleet))
    for part in (stored[:cut], stored[cut:]):
        order = [(r.due, r.step_index, r.part_index) for r in part]
        assert order == sorted(order)
