"""Claiming due actions under a lease, and handing leases back."""

from __future__ import annotations

from datetime import timedelta, timezone

from sqlalchemy import select

from sopengine.planning.ledger_planner import LedgerPlanner
from sopengine.store import states
from sopengine.store.apply import apply
from sopengine.store.claims import claim_due, release
from sopengine.store.outcomes import Outcome, record_outcomes
from sopengine.store.tables import actions, audit

from .camp_world import at, camp, groups

UTC = timezone.utc
LEASE = timedelta(minutes=1)


def states_of(store, keys):  # type: ignore[no-untyped-def]
    with store.engine.connect() as conn:
        return {r.key: (r.state, r.lease_owner) for r in conn.execute(
            select(actions.c.key, actions.c.state, actions.c.lease_owner).where(actions.c.key.in_(keys)))}


def audit_trail(store, actor):  # type: ignore[no-untyped-def]
    with store.engine.connect() as conn:
        return sorted((r.action_key, r.from_state, r.to_state, r.detail) for r in conn.execute(
            select(audit).where(audit.c.actor == actor)))


def test_a_claim_leases_the_due_actions_and_remembers_each_ones_state_before(store):
    apply(store, [camp()], groups(3), at(0))
    now = at(0, 10).astimezone(UTC)
    first = claim_due(store, now, "a", 10, LEASE)
    record_outcomes(store, [Outcome(first[0], states.RETRYING, next_attempt_at=now, count_attempt=True)], now, "a")

    later = now + 2 * LEASE  # first[1] and first[2]: a's leases ran out
    again = claim_due(store, later, "b", 10, LEASE)

    assert {c.key: c.previous_state for c in again} == {
        first[0].key: states.RETRYING, first[1].key: states.DUE, first[2].key: states.DUE}
    assert all(c.previous_state == states.PLANNED for c in first)
    assert states_of(store, [c.key for c in again]) == {c.key: (states.DUE, "b") for c in again}
    assert sorted((d[1], d[3]) for d in audit_trail(store, "b")) == sorted(
        [(states.RETRYING, "claimed"), (states.DUE, "lease reclaimed"), (states.DUE, "lease reclaimed")])
    assert claim_due(store, later, "c", 10, LEASE) == []  # b's leases hold


def test_release_puts_each_action_back_in_the_state_it_was_claimed_from(store):
    apply(store, [camp()], groups(3), at(0))
    now = at(0, 10).astimezone(UTC)
    first = claim_due(store, now, "a", 10, LEASE)
    record_outcomes(store, [Outcome(first[0], states.RETRYING, next_attempt_at=now, count_attempt=True)], now, "a")
    later = now + 2 * LEASE
    held = claim_due(store, later, "b", 10, LEASE)  # one from retrying, two from an expired lease

    release(store, held, later, "b", detail="lease released: test")

    keys = [c.key for c in held]
    assert states_of(store, keys) == {
        first[0].key: (states.RETRYING, None), first[1].key: (states.PLANNED, None),
        first[2].key: (states.PLANNED, None)}
    released = [(d[0], d[1], d[2]) for d in audit_trail(store, "b") if d[3] == "lease released: test"]
    assert sorted(released) == sorted([(first[0].key, states.DUE, states.RETRYING),
                                       (first[1].key, states.DUE, states.PLANNED),
                                       (first[2].key, states.DUE, states.PLANNED)])
    assert {c.key for c in claim_due(store, later, "c", 10, LEASE)} == set(keys)  # claimable again


def test_release_leaves_a_lease_taken_over_by_another_daemon(store):
    apply(store, [camp()], groups(2), at(0))
    now = at(0, 10).astimezone(UTC)
    mine = claim_due(store, now, "a", 10, LEASE)
    later = now + 2 * LEASE
    theirs = claim_due(store, later, "b", 1, LEASE)

    release(store, mine, later, "a")

    assert states_of(store, [c.key for c in mine]) == {
        theirs[0].key: (states.DUE, "b"), next(c.key for c in mine if c.key != theirs[0].key): (states.PLANNED, None)}
    assert [d[0] for d in audit_trail(store, "a") if d[3] == "lease released at shutdown"] == [
        c.key for c in mine if c.key != theirs[0].key]


def test_claims_take_due_actions_in_claim_order_across_states_and_batches(store):
    apply(store, [camp()], groups(3), at(0))
    first = claim_due(store, at(0, 10).astimezone(UTC), "a", 1, LEASE)[0]  # a rules post, due day 0 10:00
    retry_at = at(1, 9).astimezone(UTC)  # after day 1's morning posts, before its topics
    record_outcomes(store, [Outcome(first, states.RETRYING, next_attempt_at=retry_at, count_attempt=True)],
                    retry_at, "a")
    now = at(11).astimezone(UTC)
    with store.engine.connect() as conn:
        expected = [r.key for r in conn.execute(
            select(actions.c.key).where(actions.c.state.in_((states.PLANNED, states.RETRYING)),
                                        actions.c.next_attempt_at <= now.replace(tzinfo=None))
            .order_by(actions.c.next_attempt_at, actions.c.step_index, actions.c.part_index, actions.c.id))]

    batches = []
    while batch := claim_due(store, now, "b", 4, LEASE):
        batches.append({c.key for c in batch})

    assert len(expected) > 40 and first.key in expected[:6]
    assert batches == [set(expected[i:i + 4]) for i in range(0, len(expected), 4)]


def test_a_claim_never_takes_over_a_lease_granted_while_it_chose(store_url, host):
    """Two daemons claiming the same due actions at once: each action is leased to one of them.

    Daemon b claims just as daemon a, having chosen, is about to lease. On PostgreSQL a's one
    statement then skips b's rows; on SQLite b waits for a's write lock, which a holds from
    before it chose (pysqlite alone would take it only at the lease, and a would lease b's)."""
    import threading

    from sqlalchemy import event

    from sopengine.store import Store

    a, b = (Store.open(store_url, host.kinds, planner=LedgerPlanner()) for _ in range(2))
    apply(a, [camp()], groups(3), at(0))
    now = at(0, 10).astimezone(UTC)
    b_claimed: list = []
    b_claims = threading.Thread(target=lambda: b_claimed.extend(claim_due(b, now, "b", 2, LEASE)))

    @event.listens_for(a.engine, "before_cursor_execute")
    def b_claims_now(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        leasing = "UPDATE actions SET state" if conn.dialect.name == "sqlite" else "WITH"  # PostgreSQL: one statement
        if statement.lstrip().startswith(leasing) and b_claims.ident is None:
            b_claims.start()
            b_claims.join(0.5)  # done, or waiting for a's lock

    try:
        a_claimed = claim_due(a, now, "a", 10, LEASE)
        b_claims.join(30)
        assert len(a_claimed) + len(b_claimed) == 3
        assert not {c.key for c in a_claimed} & {c.key for c in b_claimed}
        owners = states_of(a, [c.key for c in a_claimed + b_claimed])
        assert owners == {**{c.key: (states.DUE, "a") for c in a_claimed},
                          **{c.key: (states.DUE, "b") for c in b_claimed}}
    finally:
        a.close()
        b.close()
