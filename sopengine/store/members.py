"""Members in the ledger: imported in bulk, learned from member events, read back as
:class:`~sopengine.model.members.Member` records."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Collection, Iterable, Mapping

from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Connection

from sopengine.model.members import Member, member_segment
from sopengine.store.bulk import in_chunks
from sopengine.store.core import Database, bump_revision, write_audit, writing
from sopengine.store.database import aware, to_db
from sopengine.store.records import group_from_row
from sopengine.store.tables import groups, member_history, members

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def import_members(store: Database, rows: Iterable[Any], now: datetime,
                   actor: str = "cli") -> tuple[int, list[str]]:
    """Upsert the members ``rows`` give (each with ``group_id``, ``id``, ``name``, ``joined_at``,
    ``left_at``, ``tags``, ``facts``), keeping each import of their facts as history. Returns
    (members written, group ids the store does not know: their rows are left out)."""
    rows = list(rows)
    written = 0
    with writing(store) as conn:
        known = set(conn.execute(select(groups.c.id).where(groups.c.id.in_(sorted({r.group_id for r in rows}))))
                    .scalars()) if rows else set()
        for row in rows:
            if row.group_id not in known:
                continue
            _upsert(conn, row.group_id, row.id, now, name=row.name, joined_at=row.joined_at, left_at=row.left_at,
                    tags=list(row.tags), facts=dict(row.facts))
            if row.facts:
                conn.execute(insert(member_history).values(group_id=row.group_id, member_id=row.id, at=to_db(now),
                                                           facts=dict(row.facts)))
            written += 1
            if row.left_at is not None:
                cancel_member_steps(conn, row.group_id, row.id, now, actor)
        plan_member_steps(store, conn, now, sorted({r.group_id for r in rows} & known))
        write_audit(conn, now, actor, [{"group_id": g, "detail": "members imported"}
                                       for g in sorted({r.group_id for r in rows} & known)])
        bump_revision(conn)
    return written, sorted({r.group_id for r in rows} - known)


def _upsert(conn: Connection, group_id: str, member_id: str, now: datetime, **values: Any) -> None:
    """Write one member; a value not given (None) keeps what the row has."""
    row = conn.execute(select(members).where(and_(members.c.group_id == group_id, members.c.member_id == member_id))
                       ).first()
    given: dict[str, Any] = {k: (to_db(v) if isinstance(v, datetime) else v) for k, v in values.items()
                             if v is not None}
    if row is None:
        conn.execute(insert(members).values(group_id=group_id, member_id=member_id, name=given.get("name", member_id),
                                            joined_at=given.get("joined_at"), left_at=given.get("left_at"),
                                            tags=given.get("tags", []), facts=given.get("facts", {}),
                                            updated_at=to_db(now)))
        return
    if "facts" in given:
        given["facts"] = {**(row.facts or {}), **given["facts"]}
    conn.execute(update(members).where(and_(members.c.group_id == group_id, members.c.member_id == member_id))
                 .values(updated_at=to_db(now), **given))


def plan_member_steps(store: Database, conn: Connection, now: datetime, group_ids: Collection[str] | None = None,
                      member_id: str | None = None) -> int:
    """Plan the ``audience: member`` steps of the SOPs each group is enrolled in, for its present
    members (``member_id``: that one only), from ``now`` on; a key already planned is left as it
    is, so planning again adds nothing. Returns how many actions were added."""
    from sopengine.store.bulk import action_row, insert_actions
    from sopengine.store.tables import actions, enrollments

    planner = store.planner
    if planner is None:
        return 0
    q = select(enrollments.c.sop_id, enrollments.c.group_id, enrollments.c.version_id).where(
        enrollments.c.active.is_(True))
    if group_ids is not None:
        q = q.where(enrollments.c.group_id.in_(sorted(group_ids)))
    pairs = [r for r in conn.execute(q)
             if any(s.audience == "member" for s in store.sop_version(r.version_id, conn).steps)]
    added = 0
    for pair in pairs:
        sop = store.sop_version(pair.version_id, conn)
        grow = conn.execute(select(groups).where(groups.c.id == pair.group_id)).first()
        if grow is None or grow.dissolved_at is not None:
            continue
        group = group_from_row(grow)
        mq = select(members).where(members.c.group_id == group.id, members.c.left_at.is_(None),
                                   members.c.joined_at.is_not(None))
        if member_id is not None:
            mq = mq.where(members.c.member_id == member_id)
        for m in conn.execute(mq).all():
            joined = aware(m.joined_at).astimezone(sop.timezone).date()
            planned = [a for a in planner.member_actions(sop, group, m.member_id, joined) if a.due >= now]
            if not planned:
                continue
            have = set(conn.execute(select(actions.c.key).where(
                actions.c.group_id == group.id, actions.c.key.in_([a.key for a in planned]))).scalars())
            rows = []
            for a in planned:
                if a.key in have:
                    continue
                row = action_row(a, pair.version_id, now)
                row["data"] = {"member": {"id": m.member_id, "name": m.name}}
                rows.append(row)
            insert_actions(conn, rows)
            added += len(rows)
    return added


def cancel_member_steps(conn: Connection, group_id: str, member_id: str, now: datetime, actor: str) -> int:
    """Cancel what is still planned for a member who left (their journey ends with them)."""
    from sopengine.store.tables import actions

    segment = f"/{member_segment(member_id)}/"
    rows = [r for r in conn.execute(select(actions.c.id, actions.c.key).where(
        actions.c.group_id == group_id, actions.c.state == "planned", actions.c.key.contains(segment)))]
    for chunk in in_chunks(conn, [r.id for r in rows]):
        conn.execute(update(actions).where(actions.c.id.in_(chunk)).values(
            state="cancelled", reason="the member left the group", finished_at=to_db(now), updated_at=to_db(now)))
    write_audit(conn, now, actor, [{"action_key": r.key, "group_id": group_id, "from_state": "planned",
                                    "to_state": "cancelled", "detail": "member left"} for r in rows])
    return len(rows)


def member_ident(data: Mapping[str, Any]) -> str:
    """The member an event is about: their id, else their name ('' when it names none)."""
    member = dict(data.get("member") or {})
    return str(member.get("id") or member.get("name") or "").strip()


def note_member_event(conn: Connection, group_id: str, name: str, occurred_at: datetime,
                      data: Mapping[str, Any]) -> None:
    """What a member event says about the member: joined (and is back, if they had left) or left."""
    member = dict(data.get("member") or {})
    ident = member_ident(data)
    if not ident:
        return
    if name == "member_joined":
        _upsert(conn, group_id, ident, occurred_at, name=str(member.get("name") or ident), joined_at=occurred_at)
        conn.execute(update(members).where(and_(members.c.group_id == group_id, members.c.member_id == ident))
                     .values(left_at=None))
    elif name == "member_left":
        _upsert(conn, group_id, ident, occurred_at, name=str(member.get("name") or ident), left_at=occurred_at)


def list_members(store: Database, group_ids: Collection[str] | None = None, *,
                 present: bool = False) -> list[Member]:
    """Members of ``group_ids`` (all groups when None), by group and join time; ``present``: only
    those still in their group."""
    q = select(members)
    if present:
        q = q.where(members.c.left_at.is_(None))
    with store.engine.connect() as conn:
        if group_ids is None:
            rows = list(conn.execute(q))
        else:
            rows = [r for chunk in in_chunks(conn, sorted(group_ids))
                    for r in conn.execute(q.where(members.c.group_id.in_(chunk)))]
    out = [Member(r.group_id, r.member_id, r.name, aware(r.joined_at), aware(r.left_at), tuple(r.tags or ()),
                  dict(r.facts or {})) for r in rows]
    out.sort(key=lambda m: (m.group_id, m.joined_at is None, m.joined_at or EPOCH, m.id))
    return out


def member_facts_at(store: Database, group_id: str, at: datetime) -> dict[str, dict[str, Any]]:
    """Member id → their facts as of the latest import at or before ``at`` (for a window's change)."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(member_history.c.member_id, member_history.c.facts).where(
            member_history.c.group_id == group_id, member_history.c.at <= to_db(at))
            .order_by(member_history.c.at, member_history.c.id)).all()
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        out.setdefault(r.member_id, {}).update(r.facts or {})
    return out
