"""Recording outcomes: in bulk, and only under a lease still held."""

from __future__ import annotations

from datetime import timedelta, timezone

from sqlalchemy import select

from sopengine.store import states
from sopengine.store.apply import apply
from sopengine.store.claims import claim_due
from sopengine.store.outcomes import AttemptRecord, Outcome, record_outcomes
from sopengine.store.tables import actions, attempts, audit
from sopengine.store.tables import groups as groups_table

from .camp_world import at, camp, groups

UTC = timezone.utc
LEASE = timedelta(minutes=1)


def row(store, key):  # type: ignore[no-untyped-def]
    with store.engine.connect() as conn:
        return conn.execute(select(actions).where(actions.c.key == key)).one()


def test_an_outcome_whose_lease_was_taken_over_is_not_written(store):
    apply(store, [camp()], groups(2), at(0))
    now = at(0, 10).astimezone(UTC)
    mine = claim_due(store, now, "a", 10, LEASE)
    assert len(mine) == 2
    later = now + 2 * LEASE  # a's leases ran out; b reclaims one of them
    theirs = claim_due(store, later, "b", 1, LEASE)
    assert [c.key for c in theirs] == [mine[0].key]

    written = record_outcomes(store, [Outcome(c, states.SENT, count_attempt=True) for c in mine], later, "a")

    assert [o.action.key for o in written] == [mine[1].key]
    taken, kept = row(store, mine[0].key), row(store, mine[1].key)
    assert (taken.state, taken.lease_owner, taken.attempts) == (states.DUE, "b", 0)
    assert (kept.state, kept.lease_owner, kept.attempts) == (states.SENT, None, 1)
    with store.engine.connect() as conn:
        audited = conn.execute(select(audit.c.action_key).where(audit.c.actor == "a",
                                                                audit.c.to_state == states.SENT)).scalars().all()
    assert audited == [mine[1].key]


def test_each_outcome_writes_its_own_fields_and_keeps_the_rest(store):
    apply(store, [camp()], groups(3), at(0))
    now = at(0, 10).astimezone(UTC)
    sent, retrying, deferred = claim_due(store, now, "a", 10, LEASE)
    planned_at = row(store, deferred.key).next_attempt_at
    retry_at = now + timedelta(minutes=2)
    attempt = AttemptRecord("wechat:g0", sent.key, now, now, "ok", "p-1", "sent")
    record_outcomes(store, [
        Outcome(sent, states.SENT, provider_id="p-1", last_result="ok", progress=1, count_attempt=True,
                attempts=[attempt]),
        Outcome(retrying, states.RETRYING, next_attempt_at=retry_at, last_result="retryable: 503",
                count_attempt=True),
        Outcome(deferred, states.PLANNED, reason="quiet hours"),
    ], now, "a")

    s, r, d = row(store, sent.key), row(store, retrying.key), row(store, deferred.key)
    naive = now.replace(tzinfo=None)
    assert (s.state, s.provider_id, s.progress, s.attempts) == (states.SENT, "p-1", 1, 1)
    assert s.dispatched_at == naive and s.finished_at == naive
    assert (r.state, r.attempts, r.last_result, r.provider_id) == (states.RETRYING, 1, "retryable: 503", None)
    assert r.next_attempt_at == retry_at.replace(tzinfo=None) and r.finished_at is None
    assert (d.state, d.attempts, d.reason, d.progress) == (states.PLANNED, 0, "quiet hours", 0)
    assert d.next_attempt_at == planned_at and d.dispatched_at is None
    assert all(x.lease_owner is None and x.lease_expires_at is None for x in (s, r, d))
    with store.engine.connect() as conn:
        tried = conn.execute(select(attempts.c.action_key, attempts.c.attempt_no, attempts.c.provider_id)).all()
    assert [tuple(t) for t in tried] == [(sent.key, 1, "p-1")]


def test_groups_dissolved_in_one_batch_each_lose_what_they_still_had_waiting(store):
    apply(store, [camp()], groups(3), at(0))
    now = at(0, 10).astimezone(UTC)
    rules = claim_due(store, now, "a", 10, LEASE)  # the day-0 rules of g0, g1, g2
    assert sorted(c.group_id for c in rules) == ["g0", "g1", "g2"]
    written = record_outcomes(store, [Outcome(c, states.SENT, dissolves_group=c.group_id != "g2") for c in rules],
                              now, "a")
    assert len(written) == 3
    with store.engine.connect() as conn:
        by_group = {}
        for r in conn.execute(select(actions.c.group_id, actions.c.state, actions.c.reason)):
            by_group.setdefault(r.group_id, []).append((r.state, r.reason))
        dissolved = dict(conn.execute(select(groups_table.c.id, groups_table.c.dissolved_at)).all())
        trail = conn.execute(select(audit.c.group_id).where(audit.c.to_state == states.CANCELLED)).scalars().all()
    for g in ("g0", "g1"):
        assert by_group[g].count((states.SENT, None)) == 1  # the dissolving send stays what it was
        assert all(s == (states.CANCELLED, "group dissolved") for s in by_group[g] if s[0] != states.SENT)
        assert dissolved[g] is not None
        assert trail.count(g) == len(by_group[g]) - 1  # an audit row for each action cancelled
    assert states.CANCELLED not in {s for s, _ in by_group["g2"]} and dissolved["g2"] is None
