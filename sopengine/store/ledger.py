"""What the daemon reads of the ledger between batches: deadlines to sweep, when to wake
next, which SOP versions are due, recent sends per target, and groups as they are now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import and_, case, false, literal, not_, select, update
from sqlalchemy.engine import Connection

from sopengine.store import states
from sopengine.store.core import Database, write_audit, writing
from sopengine.store.database import aware, to_db
from sopengine.store.tables import CLAIM_ORDER, actions, attempts, groups, sops


def sweep_deadlines(store: Database, now: datetime, manual_channels: Iterable[str],
                    actor: str) -> list[tuple[str, str, str]]:
    """Past due + grace: automatic → missed, operator tasks → overdue. Returns (key, from, to).

    Set-based: a few ``UPDATE … RETURNING`` statements whatever the number of actions (a virtual
    life sweeps thousands of tasks a day). Each re-checks its conditions as it writes, so an
    action a daemon claimed or an operator retried meanwhile is left alone. Relies on the
    ledger's invariant that a waiting action's next attempt is never after its deadline (a retry
    or deferral that would be is recorded as missed instead), so the sweep reads the claim index:
    only actions already due are candidates.
    """
    manual = sorted(set(manual_channels))
    now_db = to_db(now)
    by_person = actions.c.channel.in_(manual) if manual else false()
    missed_reason = case((actions.c.last_result.is_(None), literal("past due + grace")),
                         else_=literal("past due + grace; last result: ") + actions.c.last_result)
    changes: list[tuple[str, str, str]] = []
    audits: list[dict[str, Any]] = []
    with writing(store) as conn:
        for from_state in (states.DUE, states.PLANNED, states.RETRYING):
            if from_state == states.DUE:  # handed out and not being sent right now
                where = and_(actions.c.state == states.DUE, actions.c.lease_owner.is_(None))
            else:
                where = and_(actions.c.state == from_state, actions.c.next_attempt_at < now_db)
            where = and_(where, actions.c.deadline < now_db)
            for to_state, whose, reason in ((states.OVERDUE, by_person, literal(OVERDUE_REASON)),
                                            (states.MISSED, not_(by_person), missed_reason)):
                values: dict[str, Any] = {"state": to_state, "reason": reason, "updated_at": now_db}
                if to_state == states.MISSED:
                    values["finished_at"] = now_db
                for row in conn.execute(update(actions).where(where, whose).values(**values).returning(
                        actions.c.key, actions.c.group_id, actions.c.sop_id, actions.c.reason)):
                    audits.append({"action_key": row.key, "group_id": row.group_id, "sop_id": row.sop_id,
                                   "from_state": from_state, "to_state": to_state, "detail": row.reason})
                    changes.append((row.key, from_state, to_state))
        write_audit(conn, now, actor, audits)
    return changes


#: Why an operator task is overdue.
OVERDUE_REASON = "not done by due + grace"


def next_wakeup(store: Database, now: datetime) -> datetime | None:
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
        # a claim takes over a lease once it has run out ("lease_expires_at < now"): just after it
        times.append(_after(_soonest(conn, actions.c.lease_expires_at, actions.c.state == states.DUE,
                                     actions.c.lease_owner.is_not(None))))
    found = [t for t in times if t is not None]
    return aware(min(found)) if found else None


@dataclass(frozen=True)
class DueSoon:
    """What the next waiting actions need: their SOP versions and their groups."""

    version_ids: frozenset[int]
    group_ids: frozenset[str]


def due_soon(store: Database, start: datetime, end: datetime, limit: int) -> DueSoon:
    """SOP versions and groups of the first ``limit`` waiting actions falling due from ``start`` to
    ``end`` (a range of the claim index: a million actions due at once are not all read)."""
    with store.engine.connect() as conn:  # one state at a time: each is one ordered index range
        rows = [r for state in (states.PLANNED, states.RETRYING) for r in conn.execute(
            select(actions.c.version_id, actions.c.group_id).where(
                actions.c.state == state, actions.c.next_attempt_at.between(to_db(start), to_db(end)))
            .order_by(*CLAIM_ORDER).limit(limit))]  # the ones claimed first
    return DueSoon(frozenset(r[0] for r in rows), frozenset(r[1] for r in rows))


def _soonest(conn: Connection, column: Any, *where: Any) -> datetime | None:
    """The smallest ``column`` among actions matching ``where`` (ORDER BY … LIMIT 1, so an index
    walk can stop at the first match instead of aggregating a million rows)."""
    return conn.execute(select(column).where(*where, column.is_not(None)).order_by(column).limit(1)).scalar()


def _after(deadline: datetime | None) -> datetime | None:
    # the deadline sweep uses "deadline < now": wake just after it
    return None if deadline is None else deadline + timedelta(seconds=1)


def recent_sends(store: Database, targets: Iterable[str], since: datetime) -> dict[str, list[datetime]]:
    """Start times of attempts per target since ``since`` (for per-target rate limits)."""
    wanted = list(set(targets))
    out: dict[str, list[datetime]] = {t: [] for t in wanted}
    if not wanted:
        return out
    with store.engine.connect() as conn:
        for target, started in conn.execute(select(attempts.c.target, attempts.c.started_at).where(
                attempts.c.target.in_(wanted), attempts.c.started_at >= to_db(since))):
            out[target].append(aware(started))
    for times in out.values():
        times.sort()
    return out


def group_row(conn: Connection, group_id: str) -> Any:
    return conn.execute(select(groups).where(groups.c.id == group_id)).first()
