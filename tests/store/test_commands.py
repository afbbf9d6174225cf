"""Confirmations in bulk: what a clock step of simulated operators (or a batch of ✓) does."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from sqlalchemy import select

from sopengine.operators.simulation import SimulatedOperators, SimulationSpec
from sopengine.store import Outcome, states
from sopengine.store.apply import apply
from sopengine.store.claims import claim_due
from sopengine.store.database import to_db
from sopengine.store.tables import actions, audit

from .camp_world import at, camp, groups, rows


def test_many_confirmations_are_one_transaction_with_an_audit_row_each(store):
    apply(store, [camp()], groups(2), at(0))
    before = rows(store)
    keys = sorted(k for k, r in before.items() if r.step == "rules")
    other = sorted(k for k, r in before.items() if r.step == "topic")[0]
    revision = store.revision()
    done = store.mark_done_many([(keys[0], at(0, 11), "operator:xiaoya"), (keys[1], at(0, 12), "operator:ajie"),
                                 ("camp/rules/nope/2026-09-19T10:00", at(0, 12), "operator:ajie")])
    assert done == {keys[0]: states.PLANNED, keys[1]: states.PLANNED}
    after = rows(store)
    assert [after[k].state for k in keys] == [states.DONE, states.DONE]
    assert (after[keys[0]].finished_at, after[keys[1]].finished_at) == (to_db(at(0, 11)), to_db(at(0, 12)))
    assert after[other].state == before[other].state  # only the keys named
    assert store.revision() == revision + 1  # one bump for the batch
    with store.engine.connect() as conn:
        trail = {r.action_key: r for r in conn.execute(select(audit).where(audit.c.action_key.in_(keys)))}
    assert {trail[k].actor for k in keys} == {"operator:xiaoya", "operator:ajie"}
    assert all(trail[k].to_state == states.DONE and trail[k].from_state == states.PLANNED for k in keys)


def test_what_cannot_be_confirmed_is_left_alone(store):
    apply(store, [camp()], groups(1), at(0))
    key = sorted(k for k, r in rows(store).items() if r.step == "rules")[0]
    store.skip(key, "not this time", at(0, 9))
    assert store.mark_done_many([(key, at(0, 11), "operator:xiaoya")]) == {}
    assert rows(store)[key].state == states.SKIPPED
    assert store.mark_done_many([]) == {}


def test_a_batch_larger_than_one_read_confirms_every_key(store):
    many = groups(40)
    apply(store, [camp()], many, at(0))
    keys = sorted(k for k, r in rows(store).items() if r.step in ("morning", "topic", "rules"))
    assert len(keys) > 300
    done = store.mark_done_many([(k, at(0, 11), "operator:xiaoya") for k in keys])
    assert set(done) == set(keys)
    assert all(r.state == states.DONE for k, r in rows(store).items() if k in set(keys))


def test_tasks_awaiting_confirmation_are_the_handed_over_and_overdue_ones_of_the_window(store):
    apply(store, [camp()], groups(2), at(0))
    claim_due(store, at(0, 10), "d1", 100, timedelta(minutes=5))  # the 10:00 rules become due
    waiting = store.awaiting_confirmation(["wechat"], at(0), at(1))
    assert sorted(t.key for t in waiting) == sorted(k for k, r in rows(store).items() if r.step == "rules")
    assert all(t.due == at(0, 10) and t.deadline > t.due for t in waiting)
    assert store.awaiting_confirmation(["wechat"], at(1), at(2)) == []  # outside the window
    assert store.awaiting_confirmation(["wecom"], at(0), at(1)) == []  # another channel
    store.mark_done_many([(t.key, at(0, 11), "operator:xiaoya") for t in waiting])
    assert store.awaiting_confirmation(["wechat"], at(0), at(1)) == []  # confirmed: no longer awaited


def test_overdue_tasks_are_awaited_within_their_window_and_not_read_after_it(store):
    apply(store, [camp()], groups(2), at(0))
    claimed = claim_due(store, at(0, 10), "d1", 100, timedelta(minutes=5))  # the 10:00 rules
    with store.engine.begin() as conn:  # handed over: the daemon let go of them
        conn.execute(actions.update().where(actions.c.id.in_([c.id for c in claimed])).values(lease_owner=None))
    swept = store.sweep_deadlines(at(0, 23), ["wechat"], "sweep")
    assert swept and {to for _, _, to in swept} == {states.OVERDUE}
    overdue = store.awaiting_confirmation(["wechat"], at(0), at(1))
    assert sorted(t.key for t in overdue) == sorted(k for k, r in rows(store).items() if r.state == states.OVERDUE)
    assert store.awaiting_confirmation(["wechat"], at(0, 11), at(3)) == []  # due before the window


def hand_over(store, claimed, now):  # type: ignore[no-untyped-def]
    """What a manual channel's send comes to: the task handed to a person, its lease let go."""
    store.record_outcomes([Outcome(c, states.DUE, awaiting_operator=True) for c in claimed], now, "d1")


def test_a_look_with_handed_since_reads_only_the_tasks_handed_over_since(store):
    apply(store, [camp()], groups(2), at(0))
    rules = claim_due(store, at(0, 10), "d1", 100, timedelta(minutes=5))
    hand_over(store, rules, at(0, 10))
    mornings = claim_due(store, at(1, 8), "d1", 100, timedelta(minutes=5))
    hand_over(store, mornings, at(1, 8))
    every = store.awaiting_confirmation(["wechat"], at(0), at(2))
    assert sorted(t.key for t in every) == sorted(c.key for c in rules + mornings)
    assert {t.key: t.id for t in every} == {c.key: c.id for c in rules + mornings}  # the ledger rows
    since = store.awaiting_confirmation(["wechat"], at(0), at(2), handed_since=at(1, 8))
    assert sorted(t.key for t in since) == sorted(c.key for c in mornings)
    assert store.awaiting_confirmation(["wechat"], at(0), at(2), handed_since=at(1, 9)) == []


def test_tasks_are_confirmed_by_their_rows_and_only_while_they_can_be(store):
    apply(store, [camp()], groups(2), at(0))
    hand_over(store, claim_due(store, at(0, 10), "d1", 100, timedelta(minutes=5)), at(0, 10))
    tasks = store.awaiting_confirmation(["wechat"], at(0), at(1))
    other = dataclasses.replace(tasks[0], key=tasks[0].key.replace("/g0/", "/g9/").replace("/g1/", "/g9/"))
    assert store.confirm_tasks([(other, at(0, 11), "operator:xiaoya")]) == {}  # that row is another action
    assert rows(store)[tasks[0].key].state == states.DUE
    done = store.confirm_tasks([(t, at(0, 11), "operator:xiaoya") for t in tasks])
    assert done == {t.key: states.DUE for t in tasks}
    after = rows(store)
    assert all(after[t.key].state == states.DONE and after[t.key].finished_at == to_db(at(0, 11)) for t in tasks)
    assert store.confirm_tasks([(t, at(0, 12), "operator:ajie") for t in tasks]) == {}  # done already
    with store.engine.connect() as conn:
        trail = conn.execute(select(audit.c.actor).where(audit.c.to_state == states.DONE)).scalars().all()
    assert sorted(trail) == ["operator:xiaoya"] * len(tasks)


class Looks:
    """A store whose looks for tasks awaiting confirmation are written down."""

    def __init__(self, store):  # type: ignore[no-untyped-def]
        self.store, self.seen = store, []

    def __getattr__(self, name):  # type: ignore[no-untyped-def]
        return getattr(self.store, name)

    def awaiting_confirmation(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        tasks = self.store.awaiting_confirmation(*args, **kwargs)
        self.seen.append(sorted(t.key for t in tasks))
        return tasks


def test_simulated_operators_decide_each_task_once_and_again_when_it_is_handed_over_again(store):
    apply(store, [camp()], groups(2), at(0))
    rules = claim_due(store, at(0, 10), "d1", 100, timedelta(minutes=5))
    hand_over(store, rules, at(0, 10))
    looks = Looks(store)
    never = SimulatedOperators(looks, ["wechat"], SimulationSpec(0.0, 0.0, 1.0))  # type: ignore[arg-type]
    for hour in (11, 12, 13):
        never(at(0, hour))
    assert looks.seen == [sorted(c.key for c in rules), [], []]  # each task read once, left undone
    assert never.confirmed == 0
    store.sweep_deadlines(at(0, 23), ["wechat"], "sweep")  # overdue, then tried again
    store.retry(rules[0].key, at(0, 23))
    hand_over(store, claim_due(store, at(0, 23), "d1", 100, timedelta(minutes=5)), at(0, 23))
    never(at(1, 0))
    assert looks.seen[-1] == [rules[0].key]  # handed over again: seen, and decided, again

    on_time = SimulatedOperators(store, ["wechat"], SimulationSpec(1.0, 0.0, 0.0))
    mornings = claim_due(store, at(1, 8), "d1", 100, timedelta(minutes=5))
    hand_over(store, mornings, at(1, 8))
    on_time(at(1, 8))  # its first look reads every task waiting: the rules are long past their time
    assert on_time.confirmed == len(rules)  # the mornings, just handed over, are done within 25 minutes
    on_time(at(1, 9))  # a later step confirms it without reading it again
    assert on_time.confirmed == len(rules) + len(mornings)
    assert all(rows(store)[c.key].state == states.DONE for c in rules + mornings)


def test_the_sweep_makes_operator_tasks_overdue_and_the_rest_missed_with_an_audit_row_each(store):
    apply(store, [camp()], groups(2), at(0))
    missed = store.sweep_deadlines(at(0, 23), [], "sweep")  # no channel people work: the rules are missed
    rules = sorted(k for k, r in rows(store).items() if r.step == "rules")
    assert sorted(missed) == [(k, states.PLANNED, states.MISSED) for k in rules]
    overdue = store.sweep_deadlines(at(1, 23), ["wechat"], "sweep")  # the day-1 posts: operator tasks
    assert overdue and {(before, after) for _, before, after in overdue} == {(states.PLANNED, states.OVERDUE)}
    after = rows(store)
    for key in rules:
        assert (after[key].state, after[key].reason) == (states.MISSED, "past due + grace")
        assert after[key].finished_at == to_db(at(0, 23))
    for key, _, _ in overdue:
        assert (after[key].state, after[key].finished_at) == (states.OVERDUE, None)
        assert after[key].reason == "not done by due + grace"
    with store.engine.connect() as conn:
        trail = {(r.action_key, r.from_state, r.to_state)
                 for r in conn.execute(select(audit).where(audit.c.actor == "sweep"))}
        if conn.dialect.name == "sqlite":  # stored as the ledger stores instants: integer microseconds
            kinds = conn.exec_driver_sql("SELECT DISTINCT typeof(finished_at) FROM actions"
                                         " WHERE finished_at IS NOT NULL").scalars().all()
            assert kinds == ["integer"]
    assert trail == set(missed) | set(overdue)
