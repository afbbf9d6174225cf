"""The people around the ledger: the declared operators, who does which group's tasks, their
workspace links (hashes only), and who confirmed what."""

from __future__ import annotations

import hmac
import json
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, Collection, Iterable

from sqlalchemy import Text, and_, case, cast, func, insert, or_, select, update

from sopengine.model.notices import NoticeSettings
from sopengine.model.operators import Operator, Roster
from sopengine.store import states
from sopengine.store.bulk import fetch_tuples, in_chunks, rows_in
from sopengine.store.commands import NotFound, transition
from sopengine.store.core import Database, writing
from sopengine.store.database import aware, to_db
from sopengine.store.records import Confirmation, DayStats, ExecutionRecord, ExecutionTally, TokenGrant
from sopengine.store.tables import (
    actions, audit, by_key, events, fact_history, group_operators, groups, operator_tokens,
)
from sopengine.store.tables import operators as operators_table


def roster(store: Database) -> Roster:
    """The operators the groups files declared (by id), to find anyone by id or name."""
    with store.engine.connect() as conn:
        return Roster(tuple(Operator(r.id, r.name, r.role, dict(r.notify or {}),
                                     NoticeSettings.from_json(r.notices))
                            for r in conn.execute(select(operators_table).order_by(operators_table.c.id))))


def group_operators_of(store: Database, group_ids: Collection[str] | None = None, *,
                       live: bool = True) -> dict[str, tuple[str, ...]]:
    """Group id → who does its tasks (as written), for live groups (``live`` false: dissolved
    ones too; ``group_ids``: only those)."""
    query = select(groups.c.id, groups.c.operators)
    if live:
        query = query.where(groups.c.dissolved_at.is_(None))
    with store.engine.connect() as conn:
        if group_ids is not None:
            return {r.id: tuple(r.operators or ()) for r in rows_in(conn, query, groups.c.id, group_ids)}
        # every group of a fleet: read at the driver level, the JSON decoded here (SQLAlchemy's
        # per-row processing would cost more than the reading)
        rows = fetch_tuples(conn, query.with_only_columns(groups.c.id, cast(groups.c.operators, Text)))
    return {group_id: tuple(json.loads(text) or ()) if text else () for group_id, text in rows}


def groups_of_operator(store: Database, refs: Iterable[str]) -> set[str]:
    """The ids of the live groups whose tasks any of ``refs`` (an operator's id and name) does."""
    wanted = list(set(refs))
    with store.engine.connect() as conn:
        return set(conn.execute(
            select(group_operators.c.group_id).join(groups, groups.c.id == group_operators.c.group_id)
            .where(group_operators.c.operator.in_(wanted), groups.c.dissolved_at.is_(None))).scalars())


def add_token(store: Database, token_hash: str, operator: str, lead: bool, now: datetime,
              expires_at: datetime | None) -> None:
    """Keep a new workspace link's hash."""
    with store.engine.begin() as conn:
        conn.execute(insert(operator_tokens).values(token_hash=token_hash, operator=operator, lead=lead,
                                                    created_at=to_db(now), expires_at=to_db(expires_at)
                                                    if expires_at else None))


def revoke_tokens(store: Database, operator: str, now: datetime) -> int:
    """End every live link of ``operator``; returns how many."""
    with store.engine.begin() as conn:
        return int(conn.execute(update(operator_tokens).where(
            operator_tokens.c.operator == operator, operator_tokens.c.revoked_at.is_(None))
            .values(revoked_at=to_db(now))).rowcount)


def token_grant(store: Database, token_hash: str, now: datetime) -> TokenGrant | None:
    """What the link with this hash lets in now, or None (unknown, revoked or expired). The
    lookup is by primary key on the hash: the token itself is never stored or compared."""
    with store.engine.connect() as conn:
        row = conn.execute(select(operator_tokens).where(
            operator_tokens.c.token_hash == token_hash, operator_tokens.c.revoked_at.is_(None),
            or_(operator_tokens.c.expires_at.is_(None), operator_tokens.c.expires_at > to_db(now)))).first()
    if row is None or not hmac.compare_digest(str(row.token_hash), token_hash):  # constant time, whatever the index
        return None
    return TokenGrant(row.operator, bool(row.lead), aware(row.expires_at))


def confirmations(store: Database, keys: Collection[str]) -> dict[str, Confirmation]:
    """Action key → the latest hand confirmation (``done``) of it."""
    out: dict[str, Confirmation] = {}
    with store.engine.connect() as conn:
        for chunk in in_chunks(conn, list(keys)):
            for r in conn.execute(select(audit.c.action_key, audit.c.actor, audit.c.at, audit.c.from_state)
                                  .where(audit.c.action_key.in_(chunk), audit.c.to_state == states.DONE)
                                  .order_by(audit.c.id)):
                out[r.action_key] = Confirmation(r.actor, aware(r.at), r.from_state)
    return out


def undo_done(store: Database, key: str, now: datetime, actor: str, within: timedelta) -> str:
    """Take back ``actor``'s confirmation of ``key`` made less than ``within`` ago: the action
    returns to the state it was confirmed from. Returns that state."""
    with writing(store) as conn:
        if conn.execute(select(actions.c.id).where(by_key(key))).first() is None:
            raise NotFound(f"no action {key!r}")
        last = conn.execute(select(audit.c.actor, audit.c.at, audit.c.from_state, audit.c.to_state)
                            .where(and_(audit.c.action_key == key, audit.c.to_state.isnot(None)))
                            .order_by(audit.c.id.desc()).limit(1)).first()
    if last is None or last.to_state != states.DONE or last.actor != actor:
        raise states.TransitionError(f"{key}: nothing of yours to undo")
    if aware(last.at) < now - within:
        raise states.TransitionError(f"{key}: confirmed more than {int(within.total_seconds() // 60)} minutes ago")
    back = last.from_state if last.from_state in (states.DUE, states.OVERDUE) else states.DUE
    transition(store, key, back, frozenset({states.DONE}), now, actor=actor, reason="confirmation undone",
               extra={"finished_at": None})
    return back


def execution_records(store: Database, since: datetime | None, until: datetime | None) -> list[ExecutionRecord]:
    """Every action due in ``[since, until)`` (either end open when None), with who confirmed it."""
    q = select(actions.c.key, actions.c.sop_id, actions.c.group_id, actions.c.step, actions.c.channel,
               actions.c.due, actions.c.deadline, actions.c.state, actions.c.finished_at, _confirmer())
    if since is not None:
        q = q.where(actions.c.due >= to_db(since))
    if until is not None:
        q = q.where(actions.c.due < to_db(until))
    with store.engine.connect() as conn:
        rows = conn.execute(q.order_by(actions.c.due, actions.c.id)).all()
    return [ExecutionRecord(r.key, r.sop_id, r.group_id, r.step, r.channel, aware(r.due), aware(r.deadline), r.state,
                            aware(r.finished_at), r.confirmed_by) for r in rows]


def execution_tally(store: Database, since: datetime, until: datetime) -> list[ExecutionTally]:
    """The actions due in ``[since, until)`` counted by group, channel, state, finishing by the
    deadline and confirmer, in one grouped query over a range of the due index."""
    finished = func.coalesce(actions.c.finished_at, actions.c.due)
    on_time = case((actions.c.state.in_((states.DONE, states.SENT)), finished <= actions.c.deadline)).label("on_time")
    rows = (select(actions.c.group_id, actions.c.channel, actions.c.state, on_time, _confirmer())
            .where(actions.c.due >= to_db(since), actions.c.due < to_db(until)).subquery())
    q = (select(rows.c.group_id, rows.c.channel, rows.c.state, rows.c.on_time, rows.c.confirmed_by, func.count())
         .group_by(rows.c.group_id, rows.c.channel, rows.c.state, rows.c.on_time, rows.c.confirmed_by))
    with store.engine.connect() as conn:
        return [ExecutionTally(g, channel, state, None if ok is None else bool(ok), by, int(n))
                for g, channel, state, ok, by, n in conn.execute(q)]


def _confirmer() -> Any:
    """Who confirmed a done action: its latest ``done`` in the audit, a seek in the audit's action
    index per done action inside the reading query (a fleet's day holds tens of thousands)."""
    latest = (select(audit.c.actor).where(audit.c.action_key == actions.c.key, audit.c.to_state == states.DONE)
              .order_by(audit.c.id.desc()).limit(1).correlate(actions).scalar_subquery())
    return case((actions.c.state == states.DONE, latest)).label("confirmed_by")


def group_days(store: Database, group_id: str, first: date, last: date, zone: tzinfo) -> list[DayStats]:
    """``group_id``'s numbers for each local day ``first``..``last`` in ``zone``: imported facts
    carried forward from the latest import on or before the day, joins counted per day."""
    start = datetime.combine(first, time(0), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    with store.engine.connect() as conn:
        history = conn.execute(select(fact_history.c.at, fact_history.c.facts)
                               .where(fact_history.c.group_id == group_id, fact_history.c.at < to_db(end))
                               .order_by(fact_history.c.at, fact_history.c.id)).all()
        joined = conn.execute(select(events.c.occurred_at).where(
            events.c.group_id == group_id, events.c.name == "member_joined",
            events.c.occurred_at >= to_db(start), events.c.occurred_at < to_db(end))).scalars().all()
    joins: dict[date, int] = {}
    for at in joined:
        d = aware(at).astimezone(zone).date()
        joins[d] = joins.get(d, 0) + 1
    out: list[DayStats] = []
    known: dict[str, Any] = {}
    i = 0
    day = first
    while day <= last:
        day_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        messages = None
        while i < len(history) and aware(history[i].at) < day_end:
            facts = dict(history[i].facts or {})
            known.update(facts)
            if aware(history[i].at) >= day_end - timedelta(days=1):
                messages = facts.get("messages_yesterday", messages)
            i += 1
        out.append(DayStats(day, known.get("members"), known.get("active_members"), messages, joins.get(day, 0)))
        day += timedelta(days=1)
    return out
