"""Writers on one store at once: each transaction that writes on the strength of what it read sees
no other writer change that in between (SQLite: the write lock from the first statement;
PostgreSQL: row locks and re-checking writes)."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta, timezone
from typing import Any, Callable

import pytest
from sqlalchemy import event, select

from sopengine.planning.ledger_planner import LedgerPlanner
from sopengine.store import Store, states
from sopengine.store.apply import apply, extend_horizons
from sopengine.store.claims import claim_due
from sopengine.store.commands import skip
from sopengine.store.core import bump_revision, writing
from sopengine.store.tables import actions

from .camp_world import CAMP, at, camp, groups

UTC = timezone.utc
PERSISTENT = CAMP.replace("lifetime: 10d\n", "").replace("    days: 1-9\n", "")


def meanwhile(store: Store, after: str, other: Callable[[], Any]) -> threading.Thread:
    """Run ``other`` in a thread at the first statement ``store`` sends after one containing
    ``after``, giving it half a second (it finishes, or waits for a lock held here)."""
    seen: list[str] = []
    thread = threading.Thread(target=other)

    @event.listens_for(store.engine, "before_cursor_execute")
    def interleave(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if seen and thread.ident is None:
            thread.start()
            thread.join(0.5)
        if after in statement:
            seen.append(statement)

    return thread


def test_revision_bumps_at_once_both_count(store_url, host):
    a, b = (Store.open(store_url, host.kinds, planner=LedgerPlanner()) for _ in range(2))
    try:
        start = a.revision()
        with writing(a) as conn:
            bump_revision(conn)
            other = threading.Thread(target=lambda: _bump(b))
            other.start()
            other.join(0.5)  # b waits for a's lock (or, before, read the old value and wrote it + 1)
        other.join(30)
        assert a.revision() == start + 2
    finally:
        a.close()
        b.close()


def _bump(store: Store) -> None:
    with writing(store) as conn:
        bump_revision(conn)


def test_an_apply_unenrolling_a_group_while_the_daemon_extends_its_horizon_cancels_what_it_added(store_url, host):
    """The daemon reads the pair to extend; before it writes, an apply un-enrolls the group. Either
    order is fine, but the daemon must not plan ahead for a pair the apply has let go."""
    daemon, cli = (Store.open(store_url, host.kinds, planner=LedgerPlanner()) for _ in range(2))
    sop, [group] = camp(PERSISTENT), groups(1)
    apply(cli, [sop], [group], at(0))
    later = at(30).astimezone(UTC)  # within a day of the 35-day horizon: due for extending
    unmatched = replace(group, tags=("other",))
    thread = meanwhile(daemon, "FROM enrollments JOIN groups", lambda: apply(cli, [sop], [unmatched], later))
    try:
        extend_horizons(daemon, later)
        thread.join(30)
        with daemon.engine.connect() as conn:
            planned = conn.execute(select(actions.c.key).where(
                actions.c.state == states.PLANNED, actions.c.due >= later.replace(tzinfo=None))).scalars().all()
        assert thread.ident is not None and planned == []
    finally:
        daemon.close()
        cli.close()


def test_an_action_being_dispatched_cannot_be_skipped(store):
    apply(store, [camp()], groups(1), at(0))
    [claimed] = claim_due(store, at(0, 10).astimezone(UTC), "daemon-1", 1, timedelta(minutes=1))
    with pytest.raises(states.TransitionError, match="being dispatched by daemon-1"):
        skip(store, claimed.key, "not today", at(0, 10).astimezone(UTC))
