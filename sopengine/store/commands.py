"""Commands people run against the ledger: pause/resume, done, retry, skip, events."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Connection

from sopengine.model.group import Group
from sopengine.model.sop import Sop
from sopengine.store.members import cancel_member_steps, member_ident, note_member_event, plan_member_steps
from sopengine.store import states
from sopengine.store.bulk import (
    action_row, driver_time, fetch_tuples, in_chunks, insert_actions, insert_rows, update_actions,
)
from sopengine.store.abc import Planner
from sopengine.store.core import AUDIT_COLUMNS, Database, bump_revision, write_audit, writing
from sopengine.store.database import aware, to_db
from sopengine.store.records import AwaitingTask, group_from_row
from sopengine.store.tables import actions, among_keys, by_key, enrollments, events, fact_history, groups, sops

if TYPE_CHECKING:
    from sopengine.kinds import StepBase


class NotFound(KeyError):
    """No such group, SOP or action."""


def set_paused(store: Database, *, group: str | None = None, sop: str | None = None, paused: bool,
               now: datetime, actor: str = "cli") -> None:
    """Pause or resume a group or an SOP: paused work is not dispatched (it waits, or misses by its grace)."""
    table, ident = (groups, group) if group is not None else (sops, sop)
    with store.engine.begin() as conn:
        result = conn.execute(update(table).where(table.c.id == ident).values(paused=paused, updated_at=to_db(now)))
        if result.rowcount != 1:
            raise NotFound(f"no {'group' if table is groups else 'SOP'} {ident!r} in the store")
        write_audit(conn, now, actor, [{"group_id": group, "sop_id": sop,
                                        "detail": "paused" if paused else "resumed"}])
        bump_revision(conn)


def transition(store: Database, key: str, to_state: str, allowed_from: frozenset[str], now: datetime,
               *, actor: str, reason: str | None = None, extra: Mapping[str, Any] | None = None) -> str:
    """Move action ``key`` to ``to_state`` if its state allows; returns the previous state.

    An action a daemon is dispatching right now (leased) can only be confirmed done: skipping it
    would not stop the send."""
    with writing(store) as conn:
        row = conn.execute(select(actions).where(by_key(key)).with_for_update()).first()
        if row is None:
            raise NotFound(f"no action {key!r}")
        if row.state not in allowed_from:
            raise states.TransitionError(f"{key} is {row.state}; cannot become {to_state}")
        if row.lease_owner is not None and to_state != states.DONE:
            raise states.TransitionError(f"{key} is being dispatched by {row.lease_owner} right now; "
                                         f"cannot become {to_state}")
        values: dict[str, Any] = {"state": to_state, "updated_at": to_db(now), "lease_owner": None,
                                  "lease_expires_at": None, **(extra or {})}
        if reason is not None:
            values["reason"] = reason
        if to_state in states.FINAL:
            values["finished_at"] = to_db(now)
        conn.execute(update(actions).where(actions.c.id == row.id).values(**values))  # locked since read
        write_audit(conn, now, actor, [{"action_key": key, "group_id": row.group_id, "sop_id": row.sop_id,
                                        "from_state": row.state, "to_state": to_state, "detail": reason}])
        bump_revision(conn, setup=False)
        return str(row.state)


def mark_done(store: Database, key: str, now: datetime, actor: str = "operator") -> str:
    """An operator confirms a task was done."""
    return transition(store, key, states.DONE, states.OPERATOR_DONE_FROM, now, actor=actor,
                      reason="confirmed by operator")


#: Keys looked up per statement (with their groups and steps: at most three times as many values).
_KEYS_PER_READ = 300


def mark_done_many(store: Database, done: Sequence[tuple[str, datetime, str]]) -> dict[str, str]:
    """Confirm many tasks in one transaction: each (key, when, actor) as :func:`mark_done` would,
    with one audit row each. Returns key → previous state for those confirmed; a key that is
    unknown or in a state that cannot be confirmed is left as it is (and out of the result)."""
    wanted = {key: (at, actor) for key, at, actor in done}
    if not wanted:
        return {}
    with writing(store) as conn:
        found: list[tuple[Any, ...]] = []
        ordered = sorted(wanted)
        for keys in (ordered[i:i + _KEYS_PER_READ] for i in range(0, len(ordered), _KEYS_PER_READ)):
            found += fetch_tuples(conn, select(*_CONFIRMED_COLUMNS).where(among_keys(keys)).with_for_update())
        return _confirm_found(conn, found, wanted)


def confirm_tasks(store: Database, done: Sequence[tuple[AwaitingTask, datetime, str]]) -> dict[str, str]:
    """:func:`mark_done_many` for tasks read by :func:`~.queries.awaiting_confirmation`, each (task,
    when, actor): found by their ledger rows, not through the key index (a simulated day confirms
    thousands)."""
    wanted = {task.key: (at, actor) for task, at, actor in done}
    if not wanted:
        return {}
    with writing(store) as conn:
        found = [row for ids in in_chunks(conn, sorted({task.id for task, _, _ in done}))
                 for row in fetch_tuples(conn, select(*_CONFIRMED_COLUMNS).where(actions.c.id.in_(ids))
                                         .with_for_update())]
        # a row of the same id but another key is another action (an id freed by a delete is reused)
        return _confirm_found(conn, [r for r in found if r[1] in wanted], wanted)


#: What a confirmation reads of each row it may confirm (as plain rows: id, key, state, group, SOP).
_CONFIRMED_COLUMNS = (actions.c.id, actions.c.key, actions.c.state, actions.c.group_id, actions.c.sop_id)


def _confirm_found(conn: Connection, found: Sequence[tuple[Any, ...]], wanted: Mapping[str, tuple[datetime, str]]
                   ) -> dict[str, str]:
    """Confirm the rows ``found`` (locked since read) whose state allows it, each at its time
    in ``wanted``, with an audit row each; key → previous state of those confirmed."""
    rows = [r for r in found if r[2] in states.OPERATOR_DONE_FROM]
    if not rows:
        return {}
    stamp = driver_time(conn)
    at = {key: to_db(wanted[key][0]) for _, key, _, _, _ in rows}
    update_actions(conn, [{"id": row_id, "updated_at": at[key], "finished_at": at[key]}
                          for row_id, key, _, _, _ in rows],
                   {"state": states.DONE, "reason": "confirmed by operator", "lease_owner": None,
                    "lease_expires_at": None})  # locked since read: no state to check again
    insert_rows(conn, "audit", AUDIT_COLUMNS, [
        (stamp(at[key]), wanted[key][1], key, group_id, sop_id, state, states.DONE, "confirmed by operator")
        for _, key, state, group_id, sop_id in rows])
    bump_revision(conn, setup=False)
    return {key: str(state) for _, key, state, _, _ in rows}


def skip(store: Database, key: str, reason: str, now: datetime, actor: str = "cli") -> str:
    """Skip an action that has not happened yet, with a reason."""
    return transition(store, key, states.SKIPPED, states.SKIP_FROM, now, actor=actor, reason=reason)


def retry(store: Database, key: str, now: datetime, grace: timedelta = timedelta(hours=1), actor: str = "cli") -> str:
    """Try a failed, missed or overdue action again now (with a fresh grace)."""
    return transition(store, key, states.RETRYING, states.RETRY_FROM, now, actor=actor, reason="retry requested",
                      extra={"next_attempt_at": to_db(now), "deadline": to_db(now + grace)})


def record_event(store: Database, group_id: str, name: str, occurred_at: datetime, data: Mapping[str, Any],
                 *, actor: str = "cli") -> list[str]:
    """Record an event and plan the ``on:`` steps it triggers; returns the keys planned or merged.

    Two events that land on the same step in the same minute share one action
    (its ``members`` list grows): newcomers are greeted together, not twice.
    """
    planner = store.planner_or_raise()
    with writing(store) as conn:  # PostgreSQL: the group row locked, so its events merge one at a time
        grow = conn.execute(select(groups).where(groups.c.id == group_id).with_for_update()).first()
        if grow is None:
            raise NotFound(f"no group {group_id!r} in the store")
        conn.execute(insert(events).values(group_id=group_id, name=name, occurred_at=to_db(occurred_at),
                                           data=dict(data), recorded_at=to_db(occurred_at)))
        note_member_event(conn, group_id, name, occurred_at, data)
        if grow.dissolved_at is not None:
            return []
        ident = member_ident(data)
        if name == "member_joined" and ident:
            plan_member_steps(store, conn, occurred_at, [group_id], ident)
        elif name == "member_left" and ident:
            cancel_member_steps(conn, group_id, ident, occurred_at, actor)
        group = group_from_row(grow)
        keys: list[str] = []
        enrolled = conn.execute(select(enrollments.c.sop_id).where(and_(
            enrollments.c.group_id == group_id, enrollments.c.active.is_(True)))).scalars().all()
        for sop_id in enrolled:
            version_id = conn.execute(select(sops.c.version_id).where(sops.c.id == sop_id)).scalar_one()
            sop = store.sop_version(version_id, conn)
            for index, step in enumerate(sop.steps):
                if step.on == name:
                    keys += _plan_event_step(conn, planner, sop, step, index, group, version_id, name,
                                             occurred_at, data)
        write_audit(conn, occurred_at, actor, [{"group_id": group_id, "action_key": k, "to_state": states.PLANNED,
                                                "detail": f"event {name}"} for k in keys])
        bump_revision(conn)
        return keys


def _plan_event_step(conn: Connection, planner: Planner, sop: Sop, step: StepBase, index: int, group: Group,
                     version_id: int, name: str, occurred_at: datetime, data: Mapping[str, Any]) -> list[str]:
    """Write (or merge into) the actions one ``on:`` step plans for an event (see
    :meth:`~.abc.Planner.event_actions`): a newcomer joins a greeting still collecting newcomers
    (``batch:``), and the later parts go with it."""
    planned = planner.event_actions(sop, step, index, group, occurred_at)
    member = dict(data.get("member") or {})
    keys: list[str] = []
    columns = (actions.c.id, actions.c.data, actions.c.state, actions.c.key, actions.c.due)
    for part_index in range(len(planned)):
        key = planned[part_index].key
        # locked: a daemon's claim skips it until this merge is in
        existing = conn.execute(select(*columns).where(by_key(key)).with_for_update()).first()
        if existing is None and step.batch is not None and part_index == 0:
            existing = conn.execute(select(*columns).where(
                actions.c.sop_id == sop.id, actions.c.step == step.id, actions.c.group_id == group.id,
                actions.c.part_index == 0, actions.c.state == states.PLANNED, actions.c.due >= to_db(occurred_at))
                .order_by(actions.c.due).limit(1).with_for_update()).first()
            if existing is not None:
                key = existing.key
                planned = planner.event_actions(sop, step, index, group, occurred_at, first_due=aware(existing.due))
        if existing is not None:
            if existing.state in (states.PLANNED, states.RETRYING):
                merged = dict(existing.data or {})
                merged["members"] = [*merged.get("members", []), member]
                conn.execute(update(actions).where(actions.c.id == existing.id).values(data=merged))
                keys.append(key)
            continue
        row = action_row(planned[part_index], version_id, occurred_at)
        row["data"] = {"event": name, "members": [member], **{k: v for k, v in data.items() if k != "member"}}
        insert_actions(conn, [row])
        keys.append(key)
    return keys


def import_facts(store: Database, facts_by_group: Mapping[str, Mapping[str, Any]], now: datetime,
                 actor: str = "cli") -> tuple[list[str], list[str]]:
    """Merge facts into groups (stamped ``now``, and kept as history); returns (updated ids,
    unknown ids)."""
    updated, unknown = [], []
    with writing(store) as conn:
        for gid, facts in facts_by_group.items():
            row = conn.execute(select(groups.c.facts).where(groups.c.id == gid).with_for_update()).first()
            if row is None:
                unknown.append(gid)
                continue
            conn.execute(update(groups).where(groups.c.id == gid).values(
                facts={**(row.facts or {}), **facts}, facts_updated_at=to_db(now), updated_at=to_db(now)))
            conn.execute(insert(fact_history).values(group_id=gid, at=to_db(now), facts=dict(facts)))
            updated.append(gid)
        write_audit(conn, now, actor, [{"group_id": g, "detail": "facts imported"} for g in updated])
        bump_revision(conn)
    return updated, unknown
