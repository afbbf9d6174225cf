"""The daemon's side of the ledger: claim due work under a lease, record what happened.

Claiming is one ``UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP
LOCKED) RETURNING …`` statement: on PostgreSQL concurrent daemons lock
disjoint rows; on SQLite the statement runs under the database write lock.
Either way one key is claimed by one daemon at a time, and a crashed
daemon's expired leases are claimed again.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Sequence

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Connection

from ..group import Group
from ..quiet import parse_quiet
from . import states
from .bulk import driver_time, insert_rows, marker, parameter_limit
from .core import Store, write_audit
from .database import aware, to_db
from .tables import actions, attempts, groups, sops


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


@dataclass
class AttemptRecord:
    """One delivery attempt of one body (for the attempts table)."""

    target: str
    idempotency_key: str
    started_at: datetime
    finished_at: datetime
    outcome: str
    provider_id: str | None = None
    detail: str = ""
    retry_after: timedelta | None = None


@dataclass
class Outcome:
    """What dispatching a claimed action came to."""

    action: ClaimedAction
    state: str
    reason: str | None = None
    next_attempt_at: datetime | None = None
    provider_id: str | None = None
    last_result: str | None = None
    progress: int | None = None
    count_attempt: bool = False
    attempts: list[AttemptRecord] = field(default_factory=list)
    dissolves_group: bool = False
    #: Manual channel: handed to the operator, waiting for `done`.
    awaiting_operator: bool = False


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
        ids, chunk = list(before), parameter_limit(conn) - 4
        claimed = [_claimed(r, before[r.id]) for i in range(0, len(ids), chunk) for r in conn.execute(
            update(actions).where(actions.c.id.in_(ids[i:i + chunk]))
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


def record_outcomes(store: Store, outcomes: Sequence[Outcome], now: datetime, owner: str) -> list[Outcome]:
    """Write outcomes, attempts and audit rows in one transaction; returns those whose lease was still ours.

    A few statements per batch, not one per action (see :func:`_write_outcomes`).
    """
    if not outcomes:
        return []
    now_db = to_db(now)
    with store.engine.begin() as conn:
        ours = _write_outcomes(conn, outcomes, owner, now_db)
        written = [o for o in outcomes if o.action.id in ours]  # the others: someone else's result wins
        _write_attempts(conn, written, owner)
        audits: list[dict[str, Any]] = []
        for o in written:
            a = o.action
            audits.append({"action_key": a.key, "group_id": a.group_id, "sop_id": a.sop_id,
                           "from_state": states.DUE, "to_state": o.state, "detail": o.reason or o.last_result})
            if o.dissolves_group:
                audits += _dissolve(conn, a.group_id, a.id, now)
        write_audit(conn, now, owner, audits)
    return written


def _write_outcomes(conn: Connection, outcomes: Sequence[Outcome], owner: str, now_db: datetime) -> set[int]:
    """Write each outcome whose lease ``owner`` still holds to its row, releasing the lease;
    the ids written. Optional fields an outcome leaves unset keep their stored value.

    PostgreSQL: one ``UPDATE … FROM unnest(arrays) … WHERE lease_owner = owner RETURNING id``.
    SQLite: the leases still ours are released by one ``UPDATE … RETURNING id``, a write
    that takes the database lock, so none of them can be claimed before the outcomes
    follow in one ``executemany``.
    """
    time_of = driver_time(conn)
    now_value = time_of(now_db)
    rows = [(
        o.action.id, now_value, o.state, o.reason, o.last_result, 1 if o.count_attempt else 0,
        time_of(to_db(o.next_attempt_at)) if o.next_attempt_at is not None else None,
        o.provider_id, o.progress,
        now_value if o.awaiting_operator or o.state == states.SENT else None,
        now_value if o.state in states.FINAL else None,
    ) for o in outcomes]
    if conn.dialect.name == "postgresql":
        arrays = ", ".join(f"%s::{t}[]" for t in ("integer", *_OUTCOME_FIELDS.values()))
        return set(conn.exec_driver_sql(
            f"UPDATE actions SET {_OUTCOME_SET.format(**{f: f'v.{f}' for f in _OUTCOME_FIELDS})} "
            f"FROM unnest({arrays}) AS v(id, {', '.join(_OUTCOME_FIELDS)}) "
            "WHERE actions.id = v.id AND actions.lease_owner = %s RETURNING actions.id",
            (*(list(column) for column in zip(*rows)), owner)).scalars())
    ours: set[int] = set()
    ids, chunk = [r[0] for r in rows], parameter_limit(conn) - 4
    for i in range(0, len(ids), chunk):
        ours.update(conn.execute(
            update(actions).where(actions.c.id.in_(ids[i:i + chunk]), actions.c.lease_owner == owner)
            .values(lease_owner=None, lease_expires_at=None, updated_at=now_db).returning(actions.c.id)).scalars())
    m = marker(conn)
    conn.exec_driver_sql(f"UPDATE actions SET {_OUTCOME_SET.format(**{f: m for f in _OUTCOME_FIELDS})} WHERE id = {m}",
                         [(*row[1:], row[0]) for row in rows if row[0] in ours])
    return ours


#: An outcome's values after the action id (with their PostgreSQL types), in the order
#: they appear in :data:`_OUTCOME_SET`.
_OUTCOME_FIELDS = {"at": "timestamp", "state": "varchar", "reason": "text", "last_result": "text",
                   "attempted": "integer", "next_at": "timestamp", "provider": "varchar", "progress": "integer",
                   "dispatched": "timestamp", "finished": "timestamp"}
#: How an outcome sets its row (its lease released): optional values left NULL keep the stored one.
_OUTCOME_SET = (
    "lease_owner = NULL, lease_expires_at = NULL, updated_at = {at}, state = {state}, reason = {reason}, "
    "last_result = {last_result}, attempts = actions.attempts + {attempted}, "
    "next_attempt_at = COALESCE({next_at}, actions.next_attempt_at), "
    "provider_id = COALESCE({provider}, actions.provider_id), progress = COALESCE({progress}, actions.progress), "
    "dispatched_at = COALESCE({dispatched}, actions.dispatched_at), "
    "finished_at = COALESCE({finished}, actions.finished_at)"
)


def _write_attempts(conn: Connection, outcomes: Sequence[Outcome], owner: str) -> None:
    """The delivery attempts of ``outcomes``, in bulk."""
    time_of = driver_time(conn)
    insert_rows(conn, "attempts", _ATTEMPT_COLUMNS, [(
        o.action.key, o.action.attempts + 1, att.target, owner, att.idempotency_key,
        time_of(to_db(att.started_at)), time_of(to_db(att.finished_at)), att.outcome, att.provider_id,
        att.detail[:2000], int(att.retry_after.total_seconds()) if att.retry_after else None,
    ) for o in outcomes for att in o.attempts])


_ATTEMPT_COLUMNS = ("action_key", "attempt_no", "target", "owner", "idempotency_key", "started_at", "finished_at",
                    "outcome", "provider_id", "detail", "retry_after_s")


def _dissolve(conn: Connection, group_id: str, dissolving_action: int, now: datetime) -> list[dict[str, Any]]:
    """Mark the group dissolved and cancel everything it still had waiting."""
    conn.execute(update(groups).where(groups.c.id == group_id).values(dissolved_at=to_db(now)))
    waiting = conn.execute(select(actions.c.id, actions.c.key, actions.c.state, actions.c.sop_id).where(and_(
        actions.c.group_id == group_id, actions.c.id != dissolving_action,
        actions.c.state.in_((states.PLANNED, states.RETRYING))))).all()
    if waiting:
        conn.execute(update(actions).where(actions.c.id.in_([w.id for w in waiting])).values(
            state=states.CANCELLED, reason="group dissolved", finished_at=to_db(now), updated_at=to_db(now)))
    return [{"action_key": w.key, "group_id": group_id, "sop_id": w.sop_id, "from_state": w.state,
             "to_state": states.CANCELLED, "detail": "group dissolved"} for w in waiting]


def sweep_deadlines(store: Store, now: datetime, manual_channels: Iterable[str], actor: str) -> list[tuple[str, str, str]]:
    """Past due + grace: automatic → missed, operator tasks → overdue. Returns (key, from, to).

    Relies on the ledger's invariant that a waiting action's next attempt is never after its
    deadline (a retry or deferral that would be is recorded as missed instead), so the sweep
    reads the claim index: only actions already due are candidates.
    """
    manual = set(manual_channels)
    now_db = to_db(now)
    changes: list[tuple[str, str, str]] = []
    with store.engine.begin() as conn:
        rows = conn.execute(select(actions.c.id, actions.c.key, actions.c.state, actions.c.channel,
                                   actions.c.group_id, actions.c.sop_id, actions.c.last_result).where(or_(
            and_(actions.c.state.in_((states.PLANNED, states.RETRYING)), actions.c.next_attempt_at < now_db,
                 actions.c.deadline < now_db),
            and_(actions.c.state == states.DUE, actions.c.lease_owner.is_(None), actions.c.deadline < now_db)))).all()
        audits = []
        for r in rows:
            to_state = states.OVERDUE if r.channel in manual else states.MISSED
            reason = "not done by due + grace" if to_state == states.OVERDUE else (
                f"past due + grace; last result: {r.last_result}" if r.last_result else "past due + grace")
            values: dict[str, Any] = {"state": to_state, "reason": reason, "updated_at": now_db}
            if to_state == states.MISSED:
                values["finished_at"] = now_db
            conn.execute(update(actions).where(and_(actions.c.id == r.id, actions.c.state == r.state)).values(**values))
            audits.append({"action_key": r.key, "group_id": r.group_id, "sop_id": r.sop_id,
                           "from_state": r.state, "to_state": to_state, "detail": reason})
            changes.append((r.key, r.state, to_state))
        write_audit(conn, now, actor, audits)
    return changes


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


def next_wakeup(store: Store, now: datetime) -> datetime | None:
    """The earliest moment anything in the ledger needs the daemon (None: nothing ever).

    That is the soonest of: a waiting action of an unpaused group and SOP falling due; any
    waiting action falling due (a paused one's deadline is looked at from then on); the deadline
    of a waiting action already due but not claimed (paused) or of an operator task; a lease
    running out. Every part reads an index range, never the whole ledger.
    """
    unpaused = (actions.c.group_id.not_in(select(groups.c.id).where(groups.c.paused.is_(True))),
                actions.c.sop_id.not_in(select(sops.c.id).where(sops.c.paused.is_(True))))
    now_db = to_db(now)
    with store.engine.connect() as conn:
        times = []
        for state in (states.PLANNED, states.RETRYING):
            times.append(_soonest(conn, actions.c.next_attempt_at, actions.c.state == state, *unpaused))
            times.append(_soonest(conn, actions.c.next_attempt_at, actions.c.state == state,
                                  actions.c.next_attempt_at > now_db))
            times.append(_after(_soonest(conn, actions.c.deadline, actions.c.state == state,
                                         actions.c.next_attempt_at <= now_db)))
        times.append(_after(_soonest(conn, actions.c.deadline, actions.c.state == states.DUE,
                                     actions.c.lease_owner.is_(None))))
        times.append(_soonest(conn, actions.c.lease_expires_at, actions.c.state == states.DUE,
                              actions.c.lease_owner.is_not(None)))
    found = [t for t in times if t is not None]
    return aware(min(found)) if found else None


def versions_due(store: Store, start: datetime, end: datetime) -> set[int]:
    """SOP versions of the waiting actions falling due from ``start`` to ``end`` (claim index range)."""
    with store.engine.connect() as conn:
        return set(conn.execute(select(actions.c.version_id).distinct().where(
            actions.c.state.in_((states.PLANNED, states.RETRYING)),
            actions.c.next_attempt_at.between(to_db(start), to_db(end)))).scalars())


def _soonest(conn: Connection, column: Any, *where: Any) -> datetime | None:
    """The smallest ``column`` among actions matching ``where`` (ORDER BY … LIMIT 1, so an index
    walk can stop at the first match instead of aggregating a million rows)."""
    return conn.execute(select(column).where(*where, column.is_not(None)).order_by(column).limit(1)).scalar()


def _after(deadline: datetime | None) -> datetime | None:
    # the deadline sweep uses "deadline < now": wake just after it
    return None if deadline is None else deadline + timedelta(seconds=1)


def recent_sends(store: Store, targets: Iterable[str], since: datetime) -> dict[str, list[datetime]]:
    """Start times of attempts per target since ``since`` (for per-target rate limits)."""
    wanted = list(set(targets))
    out: dict[str, list[datetime]] = {t: [] for t in wanted}
    if not wanted:
        return out
    with store.engine.connect() as conn:
        for target, started in conn.execute(select(attempts.c.target, attempts.c.started_at).where(
                attempts.c.target.in_(wanted), attempts.c.started_at >= to_db(since))):
            out[target].append(aware(started))  # type: ignore[arg-type]
    for times in out.values():
        times.sort()
    return out


def group_row(conn: Connection, group_id: str) -> Any:
    return conn.execute(select(groups).where(groups.c.id == group_id)).first()


def group_from_row(row: Any) -> Group:
    """A :class:`Group` (with its current facts) from a groups-table row."""
    start = row.start if isinstance(row.start, date) else date.fromisoformat(str(row.start))
    return Group(row.id, row.name, start, tuple(row.tags or ()), dict(row.facts or {}),
                 dict(row.channels or {}), dict(row.vars or {}), dict(row.pools or {}),
                 parse_quiet(row.quiet) if row.quiet else None)
