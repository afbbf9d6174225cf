"""Read-only views of the ledger: status counts, action listings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Collection
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select

from sopengine.store import states
from sopengine.model.group import Group
from sopengine.model.sop import Sop
from sopengine.store.core import Database
from sopengine.store.records import ActionRecord, AwaitingTask, StoredGroup, group_from_row
from sopengine.store.bulk import driver_time, fetch_tuples, instant_from_driver, rows_in
from sopengine.store.database import aware, to_db
from sopengine.store.tables import actions, attempts, by_key, groups, sop_versions, sops


@dataclass(frozen=True)
class ActionView:
    """One action as ``sopengine actions`` shows it."""

    key: str
    group: str
    sop: str
    step: str
    part: str | None
    kind: str
    channel: str
    due: datetime
    state: str
    attempts: int
    last_result: str | None
    reason: str | None

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "group": self.group, "sop": self.sop, "step": self.step, "part": self.part,
                "kind": self.kind, "channel": self.channel, "due": self.due.isoformat(), "state": self.state,
                "attempts": self.attempts, "last_result": self.last_result, "reason": self.reason}


def list_actions(store: Database, *, group: str | None = None, sop: str | None = None, state: str | None = None,
                 since: datetime | None = None, until: datetime | None = None,
                 limit: int | None = None, key: str | None = None) -> list[ActionView]:
    """Actions ordered by due time, filtered (``key``: that one action, or none)."""
    q = select(actions.c.key, actions.c.group_id, actions.c.sop_id, actions.c.step, actions.c.part, actions.c.kind,
               actions.c.channel, actions.c.due, actions.c.state, actions.c.attempts, actions.c.last_result,
               actions.c.reason)
    if key is not None:
        q = q.where(by_key(key))
    if group:
        q = q.where(actions.c.group_id == group)
    if sop:
        q = q.where(actions.c.sop_id == sop)
    if state:
        q = q.where(actions.c.state == state)
    if since:
        q = q.where(actions.c.due >= to_db(since))
    if until:
        q = q.where(actions.c.due < to_db(until))
    q = q.order_by(actions.c.due, actions.c.step_index, actions.c.part_index, actions.c.id)
    if limit:
        q = q.limit(limit)
    with store.engine.connect() as conn:
        return [ActionView(r.key, r.group_id, r.sop_id, r.step, r.part, r.kind, r.channel, aware(r.due),
                           r.state, r.attempts, r.last_result, r.reason) for r in conn.execute(q)]


def attempt_count(store: Database, key: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(attempts.c.action_key == key)).scalar_one())


@dataclass(frozen=True)
class StoredAction(ActionRecord):
    """An action row as a display shows it (operator task sheets, previews): rendered again, with its state."""

    state: str
    reason: str | None


#: The order of a task sheet: by due time, then the SOP's order of steps and parts.
_SHEET_ORDER = (actions.c.due, actions.c.step_index, actions.c.part_index, actions.c.id)


def channel_actions(store: Database, channel: str, since: datetime, until: datetime,
                    group_ids: Collection[str] | None = None,
                    in_states: Collection[str] | None = None, limit: int | None = None) -> list[StoredAction]:
    """Actions of ``channel`` due in ``[since, until)``, by due time (``group_ids``: of those
    groups only, read through the group index, else through the due index; ``in_states``: in
    those states only; ``limit``: the first so many)."""
    q = select(actions).where(actions.c.channel == channel, actions.c.due >= to_db(since),
                              actions.c.due < to_db(until))
    if in_states is not None:
        q = q.where(actions.c.state.in_(sorted(in_states)))
    if limit is not None:
        q = q.order_by(*_SHEET_ORDER).limit(limit)
    with store.engine.connect() as conn:
        rows = rows_in(conn, q, actions.c.group_id, group_ids)
    rows.sort(key=lambda r: (aware(r.due), r.step_index, r.part_index, r.id))
    if limit is not None:
        del rows[limit:]
    return [StoredAction(r.key, r.sop_id, r.step, r.part, r.group_id, r.kind, r.channel, aware(r.due),
                         aware(r.deadline), r.day, r.occurrence, r.item, r.data,
                         r.version_id, r.state, r.reason) for r in rows]


def awaiting_confirmation(store: Database, channels: Collection[str], since: datetime, until: datetime,
                          handed_since: datetime | None = None) -> list[AwaitingTask]:
    """Tasks of ``channels`` due in ``[since, until)`` that are handed over (due) or overdue and not
    yet confirmed: five columns, read through the claim index by state, not whole actions. With
    ``handed_since``, only those handed over at or after it (what a reader that remembers the
    tasks it saw before has not seen yet)."""
    # the span is checked here, not in SQL: a condition on due would draw SQLite to the due index,
    # whose range is every action of the span, where the states' range holds only these tasks. An
    # action's next attempt is never before its due (it starts there and only moves later), so
    # the claim index's range from ``since`` on holds every task due since then, and leaves out
    # the overdue tasks of long ago, which would otherwise be read again at every call
    q = select(actions.c.id, actions.c.key, actions.c.group_id, actions.c.due, actions.c.deadline).where(
        actions.c.state.in_((states.DUE, states.OVERDUE)), actions.c.next_attempt_at >= to_db(since),
        actions.c.channel.in_(sorted(channels)))
    if handed_since is not None:
        q = q.where(actions.c.dispatched_at >= to_db(handed_since))
    with store.engine.connect() as conn:
        stamp, instant = driver_time(conn), instant_from_driver(conn)
        first, end = stamp(to_db(since)), stamp(to_db(until))
        return [AwaitingTask(key, group, instant(due), instant(deadline), row_id)
                for row_id, key, group, due, deadline in fetch_tuples(conn, q) if first <= due < end]


def groups_by_id(store: Database, ids: set[str]) -> dict[str, StoredGroup]:
    """The stored groups of ``ids``, by id (unknown ids are left out)."""
    with store.engine.connect() as conn:
        return {r.id: StoredGroup(group_from_row(r), bool(r.paused), aware(r.dissolved_at))
                for r in conn.execute(select(groups).where(groups.c.id.in_(ids)))}


@dataclass(frozen=True)
class GroupView:
    """A group as ``sopengine groups`` shows it."""

    id: str
    name: str
    start: str
    tags: list[str]
    facts: dict[str, Any]
    facts_updated_at: datetime | None
    sops: list[str]
    paused: bool
    dissolved_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "start": self.start, "tags": self.tags, "facts": self.facts,
                "facts_updated_at": self.facts_updated_at.isoformat() if self.facts_updated_at else None,
                "sops": self.sops, "paused": self.paused,
                "dissolved_at": self.dissolved_at.isoformat() if self.dissolved_at else None}


def list_groups(store: Database) -> list[GroupView]:
    """Every group with its facts and the SOPs it currently runs."""
    from sopengine.store.tables import enrollments

    with store.engine.connect() as conn:
        running: dict[str, list[str]] = {}
        for sop_id, group_id in conn.execute(select(enrollments.c.sop_id, enrollments.c.group_id)
                                             .where(enrollments.c.active.is_(True))):
            running.setdefault(group_id, []).append(sop_id)
        return [GroupView(r.id, r.name, str(r.start), list(r.tags or []), dict(r.facts or {}),
                          aware(r.facts_updated_at), sorted(running.get(r.id, [])), bool(r.paused),
                          aware(r.dissolved_at))
                for r in conn.execute(select(groups).order_by(groups.c.id))]


@dataclass(frozen=True)
class Health:
    """What an operator of the daemon checks first."""

    workers: list[dict[str, Any]]
    late: int
    failed: int
    missed: int
    overdue: int
    oldest_late: datetime | None
    next_due: datetime | None

    @property
    def live_workers(self) -> int:
        return sum(1 for w in self.workers if w["alive"])

    def to_json(self) -> dict[str, Any]:
        return {"workers": self.workers, "live_workers": self.live_workers, "late": self.late, "failed": self.failed,
                "missed": self.missed, "overdue": self.overdue,
                "oldest_late": self.oldest_late.isoformat() if self.oldest_late else None,
                "next_due": self.next_due.isoformat() if self.next_due else None}


def health(store: Database, now: datetime, alive_within: float = 60.0) -> Health:
    """Workers (alive if they beat within ``alive_within`` s) and the ledger's trouble counts."""
    from datetime import timedelta

    from sopengine.store.tables import workers

    now_db = to_db(now)
    with store.engine.connect() as conn:
        rows = conn.execute(select(workers).where(workers.c.stopped_at.is_(None))).all()
        ws = [{"id": w.id, "host": w.host, "pid": w.pid, "heartbeat_at": aware(w.heartbeat_at).isoformat(),
               "alive": now_db - w.heartbeat_at <= timedelta(seconds=alive_within), "stats": w.stats} for w in rows]
        waiting = (states.PLANNED, states.RETRYING)
        # late: waiting past its time, or claimed and still not sent (under a dead daemon's lease,
        # say); an operator task handed over is not late but overdue, counted on its own
        leased = and_(actions.c.state == states.DUE, actions.c.lease_owner.is_not(None))
        late_q = select(func.count(), func.min(actions.c.due)).where(
            or_(actions.c.state.in_(waiting), leased), actions.c.next_attempt_at < now_db - timedelta(minutes=1))
        late, oldest = conn.execute(late_q).one()
        counts: dict[str, int] = dict(conn.execute(select(actions.c.state, func.count()).where(
            actions.c.state.in_((states.FAILED, states.MISSED, states.OVERDUE))).group_by(actions.c.state)).all())
        next_due = conn.execute(select(func.min(actions.c.next_attempt_at))
                                .where(actions.c.state.in_(waiting))).scalar()
    return Health(ws, int(late), counts.get(states.FAILED, 0), counts.get(states.MISSED, 0),
                  counts.get(states.OVERDUE, 0), aware(oldest), aware(next_due))


def running_groups(store: Database, ids: set[str] | None = None) -> list[tuple[Group, list[Sop]]]:
    """Each live (not dissolved) group, or those of ``ids``, with its current facts and the current
    version of every SOP it is enrolled in: what the checks of a stored group are run against."""
    from sopengine.store.tables import enrollments

    with store.engine.connect() as conn:
        query = select(groups).where(groups.c.dissolved_at.is_(None)).order_by(groups.c.id)
        if ids is not None:
            query = query.where(groups.c.id.in_(sorted(ids)))
        rows = conn.execute(query).all()
        versions: dict[str, list[int]] = {}
        for group_id, version_id in conn.execute(
                select(enrollments.c.group_id, sops.c.version_id).join(sops, sops.c.id == enrollments.c.sop_id)
                .where(enrollments.c.active.is_(True))):
            versions.setdefault(group_id, []).append(version_id)
        return [(group_from_row(r), [store.sop_version(v, conn) for v in versions.get(r.id, [])]) for r in rows]


def sop_zones(store: Database) -> dict[str, ZoneInfo]:
    """SOP id → the timezone of its current version (the zone its keys and sheets are in).

    Read from the stored definition as it is, without building its SOP: a command that only
    shows times (``status``, ``health``) then never builds a step kind's validators."""
    zone = sop_versions.c.definition["timezone"].as_string()
    with store.engine.connect() as conn:
        current = conn.execute(select(sops.c.id, zone).join(sop_versions, sop_versions.c.id == sops.c.version_id))
        return {sop_id: ZoneInfo(name) for sop_id, name in current}
