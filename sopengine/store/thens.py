"""What follows a life (an SOP's ``then:``), carried out once per group when its life ends: the
group takes the tags of the SOP it moves to and those added, loses those removed, and is
enrolled, re-planned or let go by every SOP accordingly. The tags it gained and lost are kept
(``groups.then_tags``) so that an apply of the groups file leaves the group moved."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta
from typing import Any, Mapping

from sqlalchemy import and_, func, select, update
from sqlalchemy.engine import Connection

from sopengine.model.sop import Sop
from sopengine.store.core import Database, bump_revision, write_audit, writing
from sopengine.store.bulk import in_chunks
from sopengine.store.database import aware, to_db
from sopengine.store.members import plan_member_steps, start_journeys
from sopengine.store.records import group_from_row
from sopengine.store.tables import actions, enrollments, groups, sops


def merged_tags(tags: tuple[str, ...], then_tags: Mapping[str, Any] | None) -> tuple[str, ...]:
    """``tags`` with what ``then:`` added (kept in order, once) and without what it removed."""
    if not then_tags:
        return tags
    removed = set(then_tags.get("remove") or ())
    out = [t for t in tags if t not in removed]
    out += [t for t in then_tags.get("add") or () if t not in out and t not in removed]
    return tuple(out)


def _current_sops(store: Database, conn: Connection) -> list[tuple[Sop, int]]:
    return [(store.sop_version(r.version_id, conn), r.version_id)
            for r in conn.execute(select(sops.c.id, sops.c.version_id).order_by(sops.c.id))]


def apply_thens(store: Database, now: datetime, actor: str) -> tuple[list[str], datetime | None]:
    """Carry out every ``then:`` whose group's life has ended by ``now`` (once each); returns
    (a line per one carried out, when the next one is due)."""
    from sopengine.store.apply import ApplyReport, _sync_sop

    done: list[str] = []
    upcoming: datetime | None = None
    with store.engine.connect() as conn:  # read first: most steps have nothing to carry out
        current = _current_sops(store, conn)
        with_then = {sop.id: sop for sop, _ in current if sop.then is not None and sop.lifetime is not None}
        if not with_then:
            return [], None
        pending = conn.execute(select(enrollments.c.sop_id, enrollments.c.group_id, groups.c.start)
                               .join(groups, groups.c.id == enrollments.c.group_id).where(
            enrollments.c.sop_id.in_(sorted(with_then)), enrollments.c.active.is_(True),
            enrollments.c.then_done_at.is_(None), groups.c.dissolved_at.is_(None))).all()
        step_ends = {}
        for sop in with_then.values():  # then.at: when that step's last action is due, group by group
            if sop.then is not None and sop.then.at is not None:
                step_ends[sop.id] = {r.group_id: aware(r.last) for r in conn.execute(
                    select(actions.c.group_id, func.max(actions.c.due).label("last")).where(
                        actions.c.sop_id == sop.id, actions.c.step == sop.then.at).group_by(actions.c.group_id))}
    due = []
    for pair in pending:
        start = pair.start if isinstance(pair.start, date) else date.fromisoformat(str(pair.start))
        sop = with_then[pair.sop_id]
        end: datetime | None = datetime.combine(start + timedelta(days=(sop.lifetime or 0) + 1), time(0),
                                                tzinfo=sop.timezone)
        if sop.id in step_ends:
            end = step_ends[sop.id].get(pair.group_id)
            if end is None:
                continue  # that step has no action for this group: nothing to wait for
        assert end is not None
        if end > now:
            upcoming = end if upcoming is None else min(upcoming, end)
        else:
            due.append(pair)
    if not due:
        return [], upcoming
    with writing(store) as conn:
        pending = due
        for pair in pending:
            sop = with_then[pair.sop_id]
            still = conn.execute(select(enrollments.c.then_done_at).where(and_(
                enrollments.c.sop_id == sop.id, enrollments.c.group_id == pair.group_id)).with_for_update()).first()
            if still is None or still.then_done_at is not None:
                continue  # another daemon did it meanwhile
            row = conn.execute(select(groups).where(groups.c.id == pair.group_id).with_for_update()).first()
            if row is None or row.dissolved_at is not None:
                continue
            group = group_from_row(row)
            then = sop.then
            assert then is not None
            target = next((s for s, _ in current if s.id == then.move_to), None)
            journey = next((s for s, _ in current if s.id == then.members_to), None)
            add = [*then.add_tags, *(target.match_tags if target is not None else ()),
                   *(journey.match_tags if journey is not None else ())]
            if journey is not None:
                start_journeys(conn, journey.id, group.id, now)
            kept = dict(row.then_tags or {})
            kept_add = [t for t in (kept.get("add") or []) if t not in then.remove_tags]
            kept_remove = [t for t in (kept.get("remove") or []) if t not in add]
            then_tags = {"add": list(dict.fromkeys([*kept_add, *add])),
                         "remove": list(dict.fromkeys([*kept_remove, *then.remove_tags]))}
            tags = merged_tags(group.tags, then_tags)
            conn.execute(update(groups).where(groups.c.id == group.id).values(
                tags=list(tags), then_tags=then_tags, updated_at=to_db(now)))
            conn.execute(update(enrollments).where(and_(enrollments.c.sop_id == sop.id,
                                                        enrollments.c.group_id == group.id))
                         .values(then_done_at=to_db(now)))
            moved = dataclasses.replace(group, tags=tags)
            report = ApplyReport()
            for other, version_id in current:
                _sync_sop(store, conn, other, version_id, [moved], {group.id}, now, actor, report)
            plan_member_steps(store, conn, now, [group.id])
            what = (f"then: group {group.id} after {sop.id}" + (f" moves to {then.move_to}" if then.move_to else "")
                    + (f"; its members start {then.members_to}" if then.members_to else "")
                    + f"; tags now {', '.join(tags) or '(none)'}")
            write_audit(conn, now, actor, [{"group_id": group.id, "sop_id": sop.id, "detail": what}])
            done.append(what)
        if done:
            bump_revision(conn)
    return done, upcoming


def then_tags_of(conn: Connection, ids: list[str]) -> dict[str, Any]:
    """Group id → the tags ``then:`` added and removed, for the groups that have some."""
    return {r.id: r.then_tags for chunk in in_chunks(conn, ids) for r in conn.execute(
        select(groups.c.id, groups.c.then_tags).where(groups.c.id.in_(chunk), groups.c.then_tags.is_not(None)))}


