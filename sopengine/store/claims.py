"""Claiming due actions under a lease, and handing leases back.

A claim selects the due actions (``… ORDER BY … LIMIT n FOR UPDATE SKIP
LOCKED``) and leases them in the same transaction. On PostgreSQL that is one
statement, ``UPDATE … FROM (that SELECT) … RETURNING`` with each row's state
before, and concurrent daemons lock disjoint rows. SQLite cannot return a
``FROM`` table's columns, so it selects, then leases by id, holding the
database write lock from before the select. Either way one key is claimed by
one daemon at a time, and a crashed daemon's expired leases are claimed again.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import lru_cache
from datetime import datetime, timedelta
from typing import Any, Sequence

from sqlalchemy import bindparam, select, union_all, update

from sopengine.store import states
from sopengine.store.bulk import in_chunks
from sopengine.store.core import Database, write_audit, writing
from sopengine.store.records import ActionRecord
from sopengine.store.database import aware, to_db
from sopengine.store.tables import CLAIM_ORDER, actions, groups, sops


@dataclass(frozen=True)
class ClaimedAction(ActionRecord):
    """An action this daemon holds the lease of."""

    id: int
    previous_state: str
    attempts: int
    progress: int


@lru_cache(maxsize=16)
def _candidates(limit: int) -> Any:
    """The statement that picks the next ``limit`` due actions, built once per limit (building it
    costs more than running it when nothing is due): ``now`` is a bound parameter."""
    now_db: Any = bindparam("now")
    # scanned once per claim however many ranges below read them (a CTE read twice is materialized)
    paused_groups = select(groups.c.id).where(groups.c.paused.is_(True)).cte("paused_groups")
    paused_sops = select(sops.c.id).where(sops.c.paused.is_(True)).cte("paused_sops")

    def ready(*where: Any) -> Any:
        """The first ``limit`` unpaused actions of one range of the claim index, in claim order,
        locked (concurrent claims skip them): read off the index, never sorted."""
        return select(actions.c.state, *CLAIM_ORDER).where(
            *where, actions.c.group_id.not_in(select(paused_groups.c.id)),
            actions.c.sop_id.not_in(select(paused_sops.c.id)),
        ).order_by(*CLAIM_ORDER).limit(limit).with_for_update(skip_locked=True).subquery()

    ranges = [ready(actions.c.state == state, actions.c.next_attempt_at <= now_db)
              for state in (states.PLANNED, states.RETRYING)]
    ranges.append(ready(actions.c.state == states.DUE, actions.c.lease_owner.is_not(None),
                        actions.c.lease_expires_at < now_db))  # a crashed daemon's
    merged = union_all(*(select(*r.c) for r in ranges)).subquery("ready")
    return select(merged.c.id, merged.c.state).order_by(*(merged.c[c.name] for c in CLAIM_ORDER)).limit(limit)


def claim_due(store: Database, now: datetime, owner: str, limit: int, lease: timedelta) -> list[ClaimedAction]:
    """Lease up to ``limit`` due actions of unpaused groups and SOPs, oldest first."""
    now_db = to_db(now)
    candidates = _candidates(limit)
    leased = {"state": states.DUE, "lease_owner": owner, "lease_expires_at": to_db(now + lease), "updated_at": now_db}
    with writing(store) as conn:  # SQLite: chooses under the write lock
        if conn.dialect.name == "postgresql":
            chosen = candidates.subquery("chosen")
            claimed = [_claimed(r, r.previous_state) for r in conn.execute(
                update(actions).where(actions.c.id == chosen.c.id).values(leased)
                .returning(chosen.c.state.label("previous_state"), *_CLAIMED_COLUMNS), {"now": now_db})]
        else:
            before = {r.id: r.state for r in conn.execute(candidates, {"now": now_db})}
            claimed = [_claimed(r, before[r.id]) for ids in in_chunks(conn, list(before)) for r in conn.execute(
                update(actions).where(actions.c.id.in_(ids)).values(leased).returning(*_CLAIMED_COLUMNS))]
        if not claimed:
            return []
        write_audit(conn, now, owner, [
            {"action_key": c.key, "group_id": c.group_id, "sop_id": c.sop_id, "from_state": c.previous_state,
             "to_state": states.DUE, "detail": "claimed" if c.previous_state != states.DUE else "lease reclaimed"}
            for c in claimed])
    claimed.sort(key=lambda c: (c.due, c.id))
    return claimed


#: What a claim reads back: the fields of :class:`ClaimedAction`, nothing more.
_CLAIMED_COLUMNS = [actions.c[f.name] for f in fields(ClaimedAction) if f.name != "previous_state"]


def _claimed(row: Any, previous: str) -> ClaimedAction:
    return ClaimedAction(
        key=row.key, sop_id=row.sop_id, step=row.step, part=row.part, group_id=row.group_id, kind=row.kind,
        channel=row.channel, due=aware(row.due), deadline=aware(row.deadline),
        day=row.day, occurrence=row.occurrence, item=row.item, data=row.data, version_id=row.version_id,
        id=row.id, previous_state=previous, attempts=row.attempts, progress=row.progress,
    )


def release(store: Database, claimed: Sequence[ClaimedAction], now: datetime, owner: str,
            detail: str = "lease released at shutdown") -> None:
    """Give back leases of actions not dispatched (clean shutdown, or a lease running out): each
    goes back to the state it was claimed from (planned, if that was an expired lease), in
    a few statements, with an audit row for each lease still ours."""
    if not claimed:
        return
    back_to = {c.id: c.previous_state if c.previous_state in states.WAITING else states.PLANNED for c in claimed}
    released: set[int] = set()
    with store.engine.begin() as conn:
        for back in set(back_to.values()):
            for ids in in_chunks(conn, [i for i, state in back_to.items() if state == back]):
                released.update(conn.execute(
                    update(actions).where(actions.c.id.in_(ids), actions.c.lease_owner == owner)
                    .values(state=back, lease_owner=None, lease_expires_at=None, updated_at=to_db(now))
                    .returning(actions.c.id)).scalars())
        write_audit(conn, now, owner, [{"action_key": c.key, "group_id": c.group_id, "sop_id": c.sop_id,
                                        "from_state": states.DUE, "to_state": back_to[c.id], "detail": detail}
                                       for c in claimed if c.id in released])
