"""Notices in the ledger: planned once by key, claimed under a lease, recorded once.

A notice is kept like an action (states of :mod:`.states`, attempts, audit rows naming its key)
but in its own table: it belongs to a person, not to a group or an SOP, so execution figures
never count it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Collection, Mapping, Sequence

from sqlalchemy import and_, func, insert, or_, select, update

from sopengine.model.notices import PlannedNotice
from sopengine.store import states
from sopengine.store.bulk import in_chunks
from sopengine.store.core import Database, write_audit, writing
from sopengine.store.database import aware, to_db
from sopengine.store.outcomes import AttemptRecord, write_attempts
from sopengine.store.queries import StoredAction
from sopengine.store.tables import actions, among_keys, groups, notices, sops

#: The states an operator task can still be done from: what a notice may be about.
OPEN_TASK_STATES = frozenset({states.PLANNED, states.DUE, states.RETRYING, states.OVERDUE})
#: Keys read per statement: with their groups, well under any backend's bound-parameter limit.
KEYS_PER_READ = 400


@dataclass(frozen=True)
class StoredNotice:
    """A notice row as the daemon and displays read it."""

    key: str
    kind: str
    operator: str
    channel: str
    due: datetime
    about: datetime
    deadline: datetime
    tasks: Mapping[str, tuple[str, ...]]
    state: str
    attempts: int
    next_attempt_at: datetime
    progress: int = 0
    last_result: str | None = None
    reason: str | None = None
    finished_at: datetime | None = None
    #: For a claimed notice: the state it was claimed from.
    previous_state: str | None = None

    def to_json(self, zone: Any = None) -> dict[str, Any]:
        """The fields of ``actions --notices --format json`` (times in ``zone``, else UTC)."""
        def local(t: datetime | None) -> str | None:
            return (t.astimezone(zone) if zone is not None else t).isoformat() if t is not None else None
        return {"key": self.key, "kind": self.kind, "operator": self.operator, "channel": self.channel,
                "due": local(self.due), "about": local(self.about), "state": self.state, "attempts": self.attempts,
                "last_result": self.last_result, "reason": self.reason, "finished_at": local(self.finished_at),
                "tasks": sorted(self.tasks)}


@dataclass
class NoticeOutcome:
    """What sending a claimed notice came to."""

    notice: StoredNotice
    state: str
    reason: str | None = None
    last_result: str | None = None
    provider_id: str | None = None
    next_attempt_at: datetime | None = None
    #: Bodies sent so far, this attempt included.
    progress: int = 0
    attempts: list[AttemptRecord] = field(default_factory=list)


def plan_notices(store: Database, planned: Sequence[PlannedNotice], now: datetime, actor: str) -> int:
    """Keep ``planned``: new keys are inserted; a notice not yet sent takes the new time, channel
    and tasks. Returns how many rows were written."""
    if not planned:
        return 0
    written = 0
    by_key = {n.key: n for n in planned}
    with writing(store) as conn:
        existing: dict[str, Any] = {}
        for chunk in in_chunks(conn, sorted(by_key)):
            existing.update((r.key, r) for r in conn.execute(
                select(notices.c.key, notices.c.state, notices.c.due, notices.c.channel, notices.c.tasks)
                .where(notices.c.key.in_(chunk))))
        fresh, audit_rows = [], []
        for key, n in by_key.items():
            row = existing.get(key)
            tasks = {k: list(v) for k, v in n.tasks.items()}
            if row is None:
                fresh.append({"key": key, "kind": n.kind, "operator": n.operator, "channel": n.channel,
                              "due": to_db(n.due), "about": to_db(n.about), "deadline": to_db(n.deadline),
                              "tasks": tasks, "state": states.PLANNED, "next_attempt_at": to_db(n.due),
                              "attempts": 0, "progress": 0, "updated_at": to_db(now)})
                audit_rows.append({"action_key": key, "to_state": states.PLANNED, "detail": "notice planned"})
            elif row.state == states.PLANNED and (aware(row.due) != n.due or row.channel != n.channel
                                                  or row.tasks != tasks):
                conn.execute(update(notices).where(notices.c.key == key, notices.c.state == states.PLANNED).values(
                    due=to_db(n.due), next_attempt_at=to_db(n.due), channel=n.channel, tasks=tasks,
                    updated_at=to_db(now)))
                written += 1
        if fresh:
            conn.execute(insert(notices), fresh)
        write_audit(conn, now, actor, audit_rows)
    return written + len(fresh)


def claim_notices(store: Database, now: datetime, owner: str, limit: int, lease: timedelta) -> list[StoredNotice]:
    """Lease up to ``limit`` notices due now (and those whose sender's lease ran out), oldest first."""
    now_db = to_db(now)
    ready = or_(and_(notices.c.state.in_([states.PLANNED, states.RETRYING]), notices.c.next_attempt_at <= now_db),
                and_(notices.c.state == states.DUE, notices.c.lease_expires_at < now_db))
    chosen = (select(notices).where(ready).order_by(notices.c.next_attempt_at, notices.c.id).limit(limit)
              .with_for_update(skip_locked=True))
    with writing(store) as conn:
        rows = conn.execute(chosen).all()
        if not rows:
            return []
        for chunk in in_chunks(conn, [r.id for r in rows]):
            conn.execute(update(notices).where(notices.c.id.in_(chunk)).values(
                state=states.DUE, lease_owner=owner, lease_expires_at=to_db(now + lease), updated_at=now_db))
        write_audit(conn, now, owner, [{"action_key": r.key, "from_state": r.state, "to_state": states.DUE,
                                        "detail": "claimed" if r.state != states.DUE else "lease reclaimed"}
                                       for r in rows])
    return [_notice(r, previous_state=r.state) for r in rows]


def record_notice(store: Database, outcome: NoticeOutcome, now: datetime, owner: str) -> bool:
    """Write what sending came to, with its attempts and an audit row; False (nothing written)
    when the lease is no longer ``owner``'s."""
    n = outcome.notice
    final = outcome.state in states.FINAL
    values = {"state": outcome.state, "lease_owner": None, "lease_expires_at": None, "updated_at": to_db(now),
              "attempts": n.attempts + (1 if outcome.attempts else 0), "reason": outcome.reason,
              "next_attempt_at": to_db(outcome.next_attempt_at or now), "progress": outcome.progress,
              "finished_at": to_db(now) if final else None}
    if outcome.last_result is not None:
        values["last_result"] = outcome.last_result
    if outcome.provider_id is not None:
        values["provider_id"] = outcome.provider_id
    with store.engine.begin() as conn:
        changed = conn.execute(update(notices).where(notices.c.key == n.key, notices.c.lease_owner == owner)
                               .values(values)).rowcount
        if not changed:
            return False
        write_attempts(conn, [(n.key, n.attempts + 1, a) for a in outcome.attempts], owner)
        write_audit(conn, now, owner, [{"action_key": n.key, "from_state": states.DUE, "to_state": outcome.state,
                                        "detail": outcome.reason}])
    return True


def release_notices(store: Database, claimed: Sequence[StoredNotice], now: datetime, owner: str) -> None:
    """Hand back leases of notices not sent (shutdown): each returns to the state it was claimed from."""
    with store.engine.begin() as conn:
        for n in claimed:
            back = n.previous_state if n.previous_state in states.WAITING else states.PLANNED
            conn.execute(update(notices).where(notices.c.key == n.key, notices.c.lease_owner == owner).values(
                state=back, lease_owner=None, lease_expires_at=None, updated_at=to_db(now)))


def next_notice(store: Database, now: datetime) -> datetime | None:
    """When a notice is next due (or a sender's lease runs out), None when none waits."""
    with store.engine.connect() as conn:
        waiting = conn.execute(select(func.min(notices.c.next_attempt_at))
                               .where(notices.c.state.in_([states.PLANNED, states.RETRYING]))).scalar()
        leased = conn.execute(select(func.min(notices.c.lease_expires_at))
                              .where(notices.c.state == states.DUE)).scalar()
    found = [aware(t) for t in (waiting, leased) if t is not None]
    return min(found) if found else None


def list_notices(store: Database, *, since: datetime | None = None, until: datetime | None = None,
                 operator: str | None = None, state: str | None = None,
                 limit: int | None = None) -> list[StoredNotice]:
    """Notices due in ``[since, until)``, by due time (each filter optional)."""
    q = select(notices)
    if since is not None:
        q = q.where(notices.c.due >= to_db(since))
    if until is not None:
        q = q.where(notices.c.due < to_db(until))
    if operator is not None:
        q = q.where(notices.c.operator == operator)
    if state is not None:
        q = q.where(notices.c.state == state)
    q = q.order_by(notices.c.due, notices.c.id)
    if limit is not None:
        q = q.limit(limit)
    with store.engine.connect() as conn:
        return [_notice(r) for r in conn.execute(q)]


def open_tasks(store: Database, keys: Collection[str]) -> list[StoredAction]:
    """The actions of ``keys`` that can still be done by someone: in an open state, of a live,
    unpaused group and an unpaused SOP. Found through the (group, step, key) index: a key names
    its group (see :func:`~.tables.by_key`)."""
    wanted = sorted(set(keys))
    group_ids = sorted({_group_of(k) for k in wanted})
    out: list[StoredAction] = []
    with store.engine.connect() as conn:
        live = {r.id for chunk in in_chunks(conn, group_ids) for r in conn.execute(
            select(groups.c.id).where(groups.c.id.in_(chunk), groups.c.paused.is_(False),
                                      groups.c.dissolved_at.is_(None)))}
        paused_sops = set(conn.execute(select(sops.c.id).where(sops.c.paused.is_(True))).scalars())
        for start in range(0, len(wanted), KEYS_PER_READ):
            chunk = [k for k in wanted[start:start + KEYS_PER_READ] if _group_of(k) in live]
            if not chunk:
                continue
            for r in conn.execute(select(actions).where(
                    among_keys(chunk), actions.c.state.in_(sorted(OPEN_TASK_STATES)))):
                if r.sop_id in paused_sops:
                    continue
                out.append(StoredAction(r.key, r.sop_id, r.step, r.part, r.group_id, r.kind, r.channel,
                                        aware(r.due), aware(r.deadline), r.day, r.occurrence, r.item, r.data,
                                        r.version_id, r.state, r.reason))
    out.sort(key=lambda a: (a.due, a.key))
    return out


def _group_of(key: str) -> str:
    parts = key.split("/")
    return parts[-2] if len(parts) >= 4 else ""


def _notice(r: Any, previous_state: str | None = None) -> StoredNotice:
    return StoredNotice(r.key, r.kind, r.operator, r.channel, aware(r.due), aware(r.about), aware(r.deadline),
                        {k: tuple(v) for k, v in (r.tasks or {}).items()}, r.state, r.attempts,
                        aware(r.next_attempt_at), r.progress, r.last_result, r.reason, aware(r.finished_at),
                        previous_state)
