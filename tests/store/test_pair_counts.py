"""The counts ``status`` reads, kept as the ledger changes, on every backend."""

from __future__ import annotations

from datetime import timedelta, timezone

from sqlalchemy import func, select

from sopengine.store import pair_counts, states
from sopengine.store.apply import apply
from sopengine.store.bulk import insert_actions
from sopengine.store.claims import claim_due
from sopengine.store.outcomes import Outcome, record_outcomes
from sopengine.store.tables import actions, pair_count_deltas

from .camp_world import at, camp, groups, rows

UTC = timezone.utc
LEASE = timedelta(minutes=1)


def kept(store):  # type: ignore[no-untyped-def]
    with store.engine.connect() as conn:
        return pair_counts.read(conn)


def deltas(store) -> int:  # type: ignore[no-untyped-def]
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(pair_count_deltas)).scalar_one())


def test_an_apply_counts_what_it_planned_and_folds_its_deltas(store):
    apply(store, [camp()], groups(2), at(0))

    each = len(rows(store)) // 2
    assert each > 20
    assert kept(store) == {("camp", "g0"): {states.PLANNED: each}, ("camp", "g1"): {states.PLANNED: each}}
    assert deltas(store) == 0


def test_sends_and_their_outcomes_move_the_counts_at_once_and_fold_on_checkpoint(store):
    apply(store, [camp()], groups(2), at(0))
    now = at(1, 8).astimezone(UTC)
    claimed = claim_due(store, now, "a", 10, LEASE)
    record_outcomes(store, [Outcome(claimed[0], states.SENT), Outcome(claimed[1], states.FAILED)], now, "a")

    counts = kept(store)
    assert sum(counts[s, g].get(states.SENT, 0) for s, g in counts) == 1
    assert sum(counts[s, g].get(states.FAILED, 0) for s, g in counts) == 1
    assert sum(counts[s, g].get(states.DUE, 0) for s, g in counts) == len(claimed) - 2
    store.checkpoint()
    assert deltas(store) == 0
    assert kept(store) == counts


def test_an_insert_meeting_actions_already_there_counts_only_the_new_ones(store):
    apply(store, [camp()], groups(1), at(0))
    planned = rows(store)
    row = next(iter(planned.values()))
    again = {c.name: getattr(row, c.name) for c in actions.columns if c.name != "id"}
    new = {**again, "key_tail": again["key_tail"] + "#copy"}
    with store.engine.begin() as conn:
        assert insert_actions(conn, [again, new]) == 1

    assert kept(store) == {("camp", "g0"): {states.PLANNED: len(planned) + 1}}


def test_status_gives_each_pairs_next_due_and_its_late_from_the_waiting_index(store):
    apply(store, [camp()], groups(2), at(0))
    now = at(1, 9).astimezone(UTC)  # day 0's rules, day 1's 08:00 post: due, nobody sent them
    claimed = claim_due(store, now, "a", 1, LEASE)  # one of them handed over: late too, while due
    record_outcomes(store, [Outcome(claimed[0], states.RETRYING, next_attempt_at=now + timedelta(hours=1))],
                    now, "a")

    by_pair = {(p.sop, p.group): p for p in store.status(now)}

    assert {pair: p.late for pair, p in by_pair.items()} == {("camp", "g0"): 2, ("camp", "g1"): 2}
    waiting = [((r.sop_id, r.group_id), r.due) for r in rows(store).values()
               if r.state in (states.PLANNED, states.RETRYING)]
    for pair, p in by_pair.items():
        assert p.next_due == min(due for key, due in waiting if key == pair).replace(tzinfo=UTC)
