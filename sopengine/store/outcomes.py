"""Recording what dispatching came to: outcomes, delivery attempts and audit rows, in bulk."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Sequence

from sqlalchemy import update
from sqlalchemy.engine import Connection

from sopengine.store import states
from sopengine.store.bulk import driver_time, in_chunks, insert_rows, marker
from sopengine.store.claims import ClaimedAction
from sopengine.store.core import Database, bump_revision, write_audit
from sopengine.store.database import to_db
from sopengine.store.tables import actions, groups


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


def record_outcomes(store: Database, outcomes: Sequence[Outcome], now: datetime, owner: str) -> list[Outcome]:
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
        audits: list[dict[str, Any]] = [
            {"action_key": o.action.key, "group_id": o.action.group_id, "sop_id": o.action.sop_id,
             "from_state": states.DUE, "to_state": o.state, "detail": o.reason or o.last_result} for o in written]
        dissolving = {o.action.group_id for o in written if o.dissolves_group}
        if dissolving:
            audits += _dissolve(conn, dissolving, now)
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
            # id = ANY: the planner reads the rows by primary key whatever it estimates of the
            # lease owner (with statistics saying "mostly NULL" it scanned the table for it)
            "WHERE actions.id = ANY(%s::integer[]) AND actions.id = v.id AND actions.lease_owner = %s "
            "RETURNING actions.id",
            (*(list(column) for column in zip(*rows)), [r[0] for r in rows], owner)).scalars())
    ours: set[int] = set()
    for ids in in_chunks(conn, [r[0] for r in rows]):
        ours.update(conn.execute(
            update(actions).where(actions.c.id.in_(ids), actions.c.lease_owner == owner)
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
    write_attempts(conn, [(o.action.key, o.action.attempts + 1, att) for o in outcomes for att in o.attempts],
                   owner)


def write_attempts(conn: Connection, attempted: Sequence[tuple[str, int, AttemptRecord]], owner: str) -> None:
    """Delivery attempts, each (the key it was for: an action's or a notice's, its attempt
    number, the record), in bulk."""
    time_of = driver_time(conn)
    insert_rows(conn, "attempts", _ATTEMPT_COLUMNS, [(
        key, number, att.target, owner, att.idempotency_key,
        time_of(to_db(att.started_at)), time_of(to_db(att.finished_at)), att.outcome, att.provider_id,
        att.detail[:2000], int(att.retry_after.total_seconds()) if att.retry_after else None,
    ) for key, number, att in attempted])


_ATTEMPT_COLUMNS = ("action_key", "attempt_no", "target", "owner", "idempotency_key", "started_at", "finished_at",
                    "outcome", "provider_id", "detail", "retry_after_s")


def _dissolve(conn: Connection, group_ids: set[str], now: datetime) -> list[dict[str, Any]]:
    """Mark the groups dissolved and cancel everything they still had waiting; the audit rows of
    the cancelled. A few statements for any number of groups: a fleet's camps often end in the
    same minute. The actions dissolving them are not among the cancelled: their outcomes are
    written first, and were sends (a claimed action is never planned or retrying)."""
    now_db = to_db(now)
    chunks = list(in_chunks(conn, sorted(group_ids)))
    for chunk in chunks:
        conn.execute(update(groups).where(groups.c.id.in_(chunk)).values(dissolved_at=now_db))
    bump_revision(conn)  # groups changed: rows read before (a daemon's prepared ones) are stale
    cancelled: list[dict[str, Any]] = []
    for state in (states.PLANNED, states.RETRYING):  # one statement each: what was claimed meanwhile is not
        for chunk in chunks:
            cancelled += [{"action_key": key, "group_id": group_id, "sop_id": sop_id, "from_state": state,
                           "to_state": states.CANCELLED, "detail": "group dissolved"}
                          for key, group_id, sop_id in conn.execute(update(actions).where(
                              actions.c.group_id.in_(chunk), actions.c.state == state)
                              .values(state=states.CANCELLED, reason="group dissolved", finished_at=now_db,
                                      updated_at=now_db)
                              .returning(actions.c.key, actions.c.group_id, actions.c.sop_id))]
    return cancelled
