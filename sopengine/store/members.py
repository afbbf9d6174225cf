"""Members in the ledger: imported in bulk, learned from member events, read back as
:class:`~sopengine.model.members.Member` records."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Collection, Iterable, Mapping

from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Connection

from sopengine.model.actions import PlannedAction
from sopengine.model.group import Group
from sopengine.model.members import Member, member_segment
from sopengine.model.sop import Sop
from sopengine.store.bulk import action_row, insert_actions
from sopengine.store.bulk import in_chunks, rows_in
from sopengine.store.core import Database, bump_revision, write_audit, writing
from sopengine.store.database import aware, to_db
from sopengine.store.records import group_from_row
from sopengine.store.tables import (
    actions, among_keys, enrollments, groups, member_history, member_journeys, member_stages, members,
)

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def import_members(store: Database, rows: Iterable[Member], now: datetime,
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


def _member_of(r: Any) -> Member:
    return Member(r.group_id, r.member_id, r.name, aware(r.joined_at), aware(r.left_at), tuple(r.tags or ()),
                  dict(r.facts or {}))


def _journey_pairs(store: Database, conn: Connection, group_ids: Collection[str] | None,
                   staged_only: bool = False) -> list[tuple[Sop, int, Group]]:
    """(SOP, version, group) of the live enrolled pairs whose SOP has per-member steps (and stages).
    Only the versions that have such steps are looked for: an apply of 10,000 groups whose SOPs
    have none reads the enrolled versions, not every pair."""
    versions = [v for v in conn.execute(select(enrollments.c.version_id).where(
        enrollments.c.active.is_(True)).distinct()).scalars()
        if any(s.audience == "member" for s in store.sop_version(v, conn).steps)
        and (not staged_only or store.sop_version(v, conn).stages)]
    if not versions:
        return []
    q = select(enrollments.c.group_id, enrollments.c.version_id).where(
        enrollments.c.active.is_(True), enrollments.c.version_id.in_(versions))
    rows = (list(conn.execute(q)) if group_ids is None else
            [r for chunk in in_chunks(conn, sorted(group_ids), spare=len(versions) + 4) for r in conn.execute(
                q.where(enrollments.c.group_id.in_(chunk)))])
    out = []
    for r in rows:
        grow = conn.execute(select(groups).where(groups.c.id == r.group_id)).first()
        if grow is not None and grow.dissolved_at is None:
            out.append((store.sop_version(r.version_id, conn), r.version_id, group_from_row(grow)))
    return out


def _insert_planned(conn: Connection, planned: list[PlannedAction], version_id: int, member: Member,
                    now: datetime) -> int:
    """Insert the actions of ``planned`` not in the ledger yet (by key); returns how many."""
    if not planned:
        return 0
    have = set(conn.execute(select(actions.c.key).where(among_keys([a.key for a in planned]))).scalars())
    rows = _journey_rows(planned, have, version_id, member, now)
    insert_actions(conn, rows)
    return len(rows)


def _journey_rows(planned: list[PlannedAction], have: set[str], version_id: int, member: Member,
                  now: datetime) -> list[dict[str, Any]]:
    """The actions-table rows of ``planned`` whose keys are not in ``have`` (added to it), each
    naming its member."""
    rows = []
    for a in planned:
        if a.key not in have:
            have.add(a.key)
            row = action_row(a, version_id, now)
            row["data"] = {"member": {"id": member.id, "name": member.name}}
            rows.append(row)
    return rows


def _stage_row(conn: Connection, sop_id: str, member: Member) -> Any:
    return conn.execute(select(member_stages).where(and_(
        member_stages.c.sop_id == sop_id, member_stages.c.group_id == member.group_id,
        member_stages.c.member_id == member.id))).first()


def start_journeys(conn: Connection, sop_id: str, group_id: str, now: datetime) -> None:
    """Each present member of the group starts ``sop`` now: its member steps count from ``now``."""
    present = conn.execute(select(members.c.member_id).where(members.c.group_id == group_id,
                                                             members.c.left_at.is_(None))).scalars().all()
    known = set(conn.execute(select(member_journeys.c.member_id).where(
        member_journeys.c.sop_id == sop_id, member_journeys.c.group_id == group_id)).scalars())
    fresh = [{"sop_id": sop_id, "group_id": group_id, "member_id": m, "since": to_db(now)}
             for m in present if m not in known]
    if fresh:
        conn.execute(insert(member_journeys), fresh)


def plan_member_steps(store: Database, conn: Connection, now: datetime, group_ids: Collection[str] | None = None,
                      member_id: str | None = None) -> int:
    """Plan the ``audience: member`` steps of the SOPs each group is enrolled in, for its present
    members (``member_id``: that one only), from ``now`` on: those counted from the join, and
    those of the stage the member is at (found now, the first time). A key already planned is
    left as it is, so planning again adds nothing. Returns how many actions were added."""
    planner = store.planner
    if planner is None:
        return 0
    added = 0
    for sop, version_id, group in _journey_pairs(store, conn, group_ids):
        mq = select(members).where(members.c.group_id == group.id, members.c.left_at.is_(None),
                                   members.c.joined_at.is_not(None))
        if member_id is not None:
            mq = mq.where(members.c.member_id == member_id)
        rows = conn.execute(mq).all()
        if not rows:
            continue
        # read once per pair, not once per member: a group tool's export brings thousands at a time
        held = {r.member_id: r for r in conn.execute(select(member_stages).where(
            member_stages.c.sop_id == sop.id, member_stages.c.group_id == group.id))} if sop.stages else {}
        began = {r.member_id: aware(r.since) for r in conn.execute(select(member_journeys).where(
            member_journeys.c.sop_id == sop.id, member_journeys.c.group_id == group.id))}
        steps = sorted({s.id for s in sop.steps if s.audience == "member"})
        have = set(conn.execute(select(actions.c.key).where(
            actions.c.group_id == group.id, actions.c.sop_id == sop.id, actions.c.step.in_(steps))).scalars())
        fresh_stages: list[dict[str, Any]] = []
        new_rows: list[dict[str, Any]] = []
        for row in rows:
            member = _member_of(row)
            assert member.joined_at is not None
            stage, since = None, None
            if sop.stages:
                if member.id in held:
                    stage, since = held[member.id].stage, aware(held[member.id].since)
                else:
                    stage, since = planner.member_stage(sop, member.template_view(now)), now
                    if stage is not None:
                        fresh_stages.append({"sop_id": sop.id, "group_id": group.id, "member_id": member.id,
                                             "stage": stage, "since": to_db(now)})
            anchor = began.get(member.id) or member.joined_at
            planned = [a for a in planner.member_actions(
                sop, group, member.id, anchor.astimezone(sop.timezone).date(), stage,
                since.astimezone(sop.timezone).date() if since else None, member=member.template_view(now))
                if a.due >= now]
            new_rows += _journey_rows(planned, have, version_id, member, now)
        if fresh_stages:
            conn.execute(insert(member_stages), fresh_stages)
        insert_actions(conn, new_rows)
        added += len(new_rows)
    return added


def update_member_stages(store: Database, now: datetime, actor: str) -> list[str]:
    """Move each member whose stage (by the SOP's ``stages``) has changed by ``now``: what is
    still planned for their old stage is cancelled, the new stage's steps are planned from now.
    Returns a line per move."""
    planner = store.planner
    if planner is None:
        return []
    moves: list[str] = []
    with store.engine.connect() as conn:  # most ledgers have no stages: no write lock for them
        if not _journey_pairs(store, conn, None, staged_only=True):
            return moves
    with writing(store) as conn:
        for sop, version_id, group in _journey_pairs(store, conn, None, staged_only=True):
            for row in conn.execute(select(members).where(members.c.group_id == group.id,
                                                          members.c.left_at.is_(None))).all():
                member = _member_of(row)
                stage = planner.member_stage(sop, member.template_view(now))
                held = _stage_row(conn, sop.id, member)
                if stage is None or (held is not None and held.stage == stage):
                    continue
                key = and_(member_stages.c.sop_id == sop.id, member_stages.c.group_id == group.id,
                           member_stages.c.member_id == member.id)
                if held is not None:
                    old_steps = [s.id for s in sop.steps if s.stage == held.stage]
                    _cancel(conn, group.id, member.id, now, actor, old_steps, f"left stage {held.stage}")
                    conn.execute(update(member_stages).where(key).values(stage=stage, since=to_db(now)))
                else:
                    conn.execute(insert(member_stages).values(sop_id=sop.id, group_id=group.id, member_id=member.id,
                                                              stage=stage, since=to_db(now)))
                if member.joined_at is not None:
                    planned = [a for a in planner.member_actions(
                        sop, group, member.id, member.joined_at.astimezone(sop.timezone).date(), stage,
                        now.astimezone(sop.timezone).date(), only_stage=True, member=member.template_view(now))
                        if a.due >= now]
                    _insert_planned(conn, planned, version_id, member, now)
                line = f"member {member.name} of {group.id}: {held.stage if held else '-'} → {stage} ({sop.id})"
                write_audit(conn, now, actor, [{"group_id": group.id, "sop_id": sop.id, "detail": line}])
                moves.append(line)
        if moves:
            bump_revision(conn)
    return moves


def _cancel(conn: Connection, group_id: str, member_id: str, now: datetime, actor: str,
            steps: Collection[str] | None, why: str) -> int:
    """Cancel what is still planned for a member (of ``steps`` only, unless None)."""
    segment = f"/{member_segment(member_id)}/"
    q = select(actions.c.id, actions.c.key).where(actions.c.group_id == group_id, actions.c.state == "planned",
                                                  actions.c.key.contains(segment))
    if steps is not None:
        if not steps:
            return 0
        q = q.where(actions.c.step.in_(sorted(steps)))
    rows = list(conn.execute(q))
    for chunk in in_chunks(conn, [r.id for r in rows]):
        conn.execute(update(actions).where(actions.c.id.in_(chunk)).values(
            state="cancelled", reason=why, finished_at=to_db(now), updated_at=to_db(now)))
    write_audit(conn, now, actor, [{"action_key": r.key, "group_id": group_id, "from_state": "planned",
                                    "to_state": "cancelled", "detail": why} for r in rows])
    return len(rows)


def cancel_member_steps(conn: Connection, group_id: str, member_id: str, now: datetime, actor: str) -> int:
    """Cancel what is still planned for a member who left (their journey ends with them)."""
    return _cancel(conn, group_id, member_id, now, actor, None, "the member left the group")


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
                 present: bool = False, member_id: str | None = None) -> list[Member]:
    """Members of ``group_ids`` (all groups when None), by group and join time; ``present``: only
    those still in their group; ``member_id``: that member only (read by key)."""
    q = select(members)
    if present:
        q = q.where(members.c.left_at.is_(None))
    if member_id is not None:
        q = q.where(members.c.member_id == member_id)
    with store.engine.connect() as conn:
        rows = rows_in(conn, q, members.c.group_id, group_ids)
    out = [_member_of(r) for r in rows]
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
