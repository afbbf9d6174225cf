"""What the daemon reads of the ledger between batches: deadlines to sweep, when to wake
next, which SOP versions are due, recent sends per target, and groups as they are now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Iterable

from sqlalchemy import and_, bindparam, case, false, literal, select, update
from sqlalchemy.engine import Connection

from sopengine.store import states
from sopengine.store.core import Database, write_audit, writing
from sopengine.store.database import aware, to_db
from sopengine.store.tables import CLAIM_ORDER, actions, attempts, enrollments, groups, sops
from sopengine.store.timestamps import UtcDateTime


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
    now_db = to_db(now)
    changes: list[tuple[str, str, str]] = []
    audits: list[dict[str, Any]] = []
    with writing(store) as conn:
        for from_state, statement in _sweeps(tuple(sorted(set(manual_channels)))):
            for row in conn.execute(statement, {"now": now_db}):
                audits.append({"action_key": row.key, "group_id": row.group_id, "sop_id": row.sop_id,
                               "from_state": from_state, "to_state": row.state, "detail": row.reason})
                changes.append((row.key, from_state, row.state))
        write_audit(conn, now, actor, audits)
    return changes


@lru_cache(maxsize=8)
def _sweeps(manual: tuple[str, ...]) -> list[tuple[str, Any]]:
    """(from, the UPDATE … RETURNING) of each state swept, built once per set of channels people
    work (building them costs more than running them on a quiet ledger); ``now`` is a parameter.
    One statement a state, operator tasks and the rest told apart in it: each reads its range of
    the claim index once."""
    now_db: Any = bindparam("now", type_=UtcDateTime())
    by_person = actions.c.channel.in_(manual) if manual else false()
    missed_reason = case((actions.c.last_result.is_(None), literal("past due + grace")),
                         else_=literal("past due + grace; last result: ") + actions.c.last_result)
    values = {"state": case((by_person, literal(states.OVERDUE)), else_=literal(states.MISSED)),
              "reason": case((by_person, literal(OVERDUE_REASON)), else_=missed_reason),
              "finished_at": case((by_person, actions.c.finished_at), else_=now_db),  # a missed one is over
              "updated_at": now_db}
    out: list[tuple[str, Any]] = []
    for from_state in (states.DUE, states.PLANNED, states.RETRYING):
        if from_state == states.DUE:  # handed out and not being sent right now
            where = and_(actions.c.state == states.DUE, actions.c.lease_owner.is_(None))
        else:
            where = and_(actions.c.state == from_state, actions.c.next_attempt_at < now_db)
        out.append((from_state, update(actions).where(where, actions.c.deadline < now_db).values(**values)
                    .returning(actions.c.key, actions.c.group_id, actions.c.sop_id, actions.c.state,
                               actions.c.reason)))
    return out


#: Why an operator task is overdue.
OVERDUE_REASON = "not done by due + grace"


def next_wakeup(store: Database, now: datetime) -> datetime | None:
    """The earliest moment anything in the ledger needs the daemon (None: nothing ever).

    That is the soonest of: a waiting action of an unpaused group and SOP falling due; any
    waiting action falling due (a paused one's deadline is looked at from then on); the deadline
    of a waiting action already due but not claimed (paused) or of an operator task; a lease
    running out. Every part reads an index range, never the whole ledger.
    """
    now_db = to_db(now)
    with store.engine.connect() as conn:
        times = [conn.execute(statement, {"now": now_db}).scalar() for statement in _wakeup_statements()]
        rolling = conn.execute(_NEXT_TO_EXTEND).scalar() if store.planner is not None else None
    # the deadline sweep uses "deadline < now", and a claim takes over a lease once it has run
    # out ("lease_expires_at < now"): wake just after those
    found = [t if i in _SOONEST_AS_IS else t + timedelta(seconds=1) for i, t in enumerate(times) if t is not None]
    if rolling is not None and store.planner is not None:
        # a rolling pair is extended once its plan ends less than a horizon ahead
        # (:func:`.apply.extend_horizons`): wake just after, even when nothing planned falls due
        # before (a life with a step a month); one already due is left of a step's batch
        found.append(max(rolling - store.planner.horizon + timedelta(seconds=1), now_db + timedelta(seconds=1)))
    return aware(min(found)) if found else None


#: The soonest end of a rolling pair's plan (of a live group): the first entry of a range of
#: ``ix_enrollments_rolling`` in order, not the minimum of every one.
_NEXT_TO_EXTEND = (select(enrollments.c.planned_until)
                   .select_from(enrollments.join(groups, groups.c.id == enrollments.c.group_id))
                   .where(enrollments.c.rolling.is_(True), enrollments.c.active.is_(True),
                          groups.c.dissolved_at.is_(None))
                   .order_by(enrollments.c.planned_until).limit(1))


#: Which of :func:`_wakeup_statements` give a moment as it is (the others: a deadline or a lease end).
_SOONEST_AS_IS = frozenset({0, 1, 3, 4})


@lru_cache(maxsize=1)
def _wakeup_statements() -> list[Any]:
    """The statements of :func:`next_wakeup`, built once (``now`` is a parameter), each reading
    one index range in order and stopping at its first row."""
    now_db: Any = bindparam("now")
    unpaused = (actions.c.group_id.not_in(select(groups.c.id).where(groups.c.paused.is_(True))),
                actions.c.sop_id.not_in(select(sops.c.id).where(sops.c.paused.is_(True))))
    out = []
    for state in (states.PLANNED, states.RETRYING):
        out.append(_soonest(actions.c.next_attempt_at, actions.c.state == state, *unpaused))
        out.append(_soonest(actions.c.next_attempt_at, actions.c.state == state, actions.c.next_attempt_at > now_db))
        out.append(_soonest(actions.c.deadline, actions.c.state == state, actions.c.next_attempt_at <= now_db))
    out.append(_soonest(actions.c.deadline, actions.c.state == states.DUE, actions.c.lease_owner.is_(None)))
    out.append(_soonest(actions.c.lease_expires_at, actions.c.state == states.DUE, actions.c.lease_owner.is_not(None)))
    return out


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


def _soonest(column: Any, *where: Any) -> Any:
    """The smallest ``column`` among actions matching ``where`` (ORDER BY … LIMIT 1, so an index
    walk can stop at the first match instead of aggregating a million rows)."""
    return select(column).where(*where, column.is_not(None)).order_by(column).limit(1)


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
