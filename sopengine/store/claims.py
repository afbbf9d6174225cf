"""Claiming due actions under a lease, and handing leases back.

A claim selects the due actions (``… ORDER BY … LIMIT n FOR UPDATE SKIP
LOCKED``) and leases them by id in the same transaction: on PostgreSQL
concurrent daemons lock disjoint rows; on SQLite the claim runs under the
database write lock. Either way one key is claimed by one daemon at a time,
and a crashed daemon's expired leases are claimed again.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any, Sequence

from sqlalchemy import and_, or_, select, update

from . import states
from .bulk import in_chunks
from .core import Store, write_audit
from .database import aware, to_db
from .tables import actions, groups, sops


@dataclass(frozen=True)
class ClaimedAction:
    """An action this daemon holds the lease of."""

    id: int
    key: str
    sop_id: str
    step: str
    part: str | None
    group_id: str
    kind: str
    channel: str
    due: datetime
    deadline: datetime
    previous_state: str
    attempts: int
    progress: int
    occurrence: int
    day: int
    item: Any
    data: Any
    version_id: int


def claim_due(store: Store, now: datetime, owner: str, limit: int, lease: timedelta) -> list[ClaimedAction]:
    """Lease up to ``limit`` due actions of unpaused groups and SOPs, oldest first."""
    now_db = to_db(now)
    paused_groups = select(groups.c.id).where(groups.c.paused.is_(True))
    paused_sops = select(sops.c.id).where(sops.c.paused.is_(True))
    candidates = (
        select(actions.c.id, actions.c.state)
        .where(or_(
            and_(actions.c.state.in_((states.PLANNED, states.RETRYING)), actions.c.next_attempt_at <= now_db),
            and_(actions.c.state == states.DUE, actions.c.lease_owner.is_not(None),
                 actions.c.lease_expires_at < now_db),
        ))
        .where(actions.c.group_id.not_in(paused_groups), actions.c.sop_id.not_in(paused_sops))
        .order_by(actions.c.next_attempt_at, actions.c.step_index, actions.c.part_index, actions.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    with store.engine.begin() as conn:
        before = {r.id: r.state for r in conn.execute(candidates)}
        if not before:
            return []
        claimed = [_claimed(r, before[r.id]) for ids in in_chunks(conn, list(before)) for r in conn.execute(
            update(actions).where(actions.c.id.in_(ids))
            .values(state=states.DUE, lease_owner=owner, lease_expires_at=to_db(now + lease), updated_at=now_db)
            .returning(*_CLAIMED_COLUMNS))]
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
        id=row.id, key=row.key, sop_id=row.sop_id, step=row.step, part=row.part, group_id=row.group_id,
        kind=row.kind, channel=row.channel, due=aware(row.due), deadline=aware(row.deadline),  # type: ignore[arg-type]
        previous_state=previous, attempts=row.attempts, progress=row.progress, occurrence=row.occurrence,
        day=row.day, item=row.item, data=row.data, version_id=row.version_id,
    )


def release(store: Store, claimed: Sequence[ClaimedAction], now: datetime, owner: str,
            detail: str = "lease released at shutdown") -> None:
    """Give back leases of actions not dispatched (clean shutdown, or a lease running out)."""
    if not claimed:
        return
    with store.engine.begin() as conn:
        for c in claimed:
            back = c.previous_state if c.previous_state in states.WAITING else states.PLANNED
            conn.execute(update(actions).where(and_(actions.c.id == c.id, actions.c.lease_owner == owner))
                         .values(state=back, lease_owner=None, lease_expires_at=None, updated_at=to_db(now)))
        write_audit(conn, now, owner, [{"action_key": c.key, "group_id": c.group_id, "sop_id": c.sop_id,
                                        "from_state": states.DUE, "to_state": c.previous_state,
                                        "detail": detail} for c in claimed])
