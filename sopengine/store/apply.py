"""``apply``: sync SOP files and groups into the ledger, idempotently.

Re-applying an edited SOP re-plans only the **future** actions of the groups
it matches: unchanged actions keep their row and identity, changed ones are
updated in place, removed ones are cancelled; anything past or finished is
never touched. Applying the same files twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable, Sequence

from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Connection

from ..definition import definition_hash, sop_definition, step_fingerprint
from ..group import Group
from ..planner import PlannedAction, Window, life_window, matches, plan
from ..sop import Sop
from . import states
from .core import Store, bump_revision, write_audit
from .bulk import for_group, insert_actions, insert_prepared, prepare
from .database import aware, to_db
from .ledger import group_from_row
from .tables import actions, enrollments, groups, sop_versions, sops

#: Rows of new pairs collected before one bulk insert.
BATCH_ROWS = 20_000
#: How far ahead a persistent SOP is planned; the daemon keeps extending it.
PERSISTENT_HORIZON = timedelta(days=35)


@dataclass
class PairChange:
    """What one apply did to one (SOP, group) pair."""

    sop: str
    group: str
    added: int = 0
    changed: int = 0
    cancelled: int = 0
    unchanged: int = 0


@dataclass
class ApplyReport:
    """Summary of an apply: counts, and per-pair detail."""

    pairs: list[PairChange] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    groups_added: int = 0
    groups_updated: int = 0

    def total(self, what: str) -> int:
        return sum(getattr(p, what) for p in self.pairs)

    @property
    def changed_anything(self) -> bool:
        return bool(self.new_versions or self.groups_added or self.groups_updated
                    or any(p.added or p.changed or p.cancelled for p in self.pairs))


#: Prepared rows of a first plan, shared by every group with the same timing (see _first_plan).
Templates = dict[tuple[Any, ...], tuple[str, list[tuple[Any, ...]]]]


def apply(store: Store, sop_list: Sequence[Sop], group_list: Sequence[Group], now: datetime,
          *, actor: str = "apply") -> ApplyReport:
    """Sync ``sop_list`` and ``group_list`` into the store as of ``now`` (one transaction)."""
    report = ApplyReport()
    templates: Templates = {}
    pending: list[tuple[Any, ...]] = []  # new pairs' rows, inserted in large batches
    with store.engine.begin() as conn:
        stored_groups = _sync_groups(conn, group_list, now, report)
        for sop in sop_list:
            version_id = _sync_version(conn, sop, now, report)
            fingerprints = {s.id: step_fingerprint(sop, s) for s in sop.steps}
            for group in group_list:
                if stored_groups.get(group.id) is not None:  # dissolved: nothing more
                    continue
                if matches(sop, group):
                    report.pairs.append(_sync_pair(conn, sop, group, version_id, fingerprints, now, actor,
                                                   templates, pending))
                    if len(pending) >= BATCH_ROWS:
                        insert_prepared(conn, pending)
                        pending.clear()
                else:
                    change = _unenroll(conn, sop.id, group.id, now, actor)
                    if change.cancelled:
                        report.pairs.append(change)
        insert_prepared(conn, pending)
        if report.changed_anything:
            bump_revision(conn)
    return report


def _sync_groups(conn: Connection, group_list: Iterable[Group], now: datetime,
                 report: ApplyReport) -> dict[str, datetime | None]:
    """Upsert groups; returns id → dissolved_at for every given group."""
    wanted = {g.id: g for g in group_list}
    ids = list(wanted)
    existing = {r.id: r for i in range(0, len(ids), 500)
                for r in conn.execute(select(groups).where(groups.c.id.in_(ids[i:i + 500])))}
    dissolved: dict[str, datetime | None] = {}
    new_rows: list[dict[str, Any]] = []
    for gid, g in wanted.items():
        values = {"name": g.name, "start": g.start, "tags": list(g.tags), "channels": g.channels,
                  "vars": g.vars, "pools": g.pools, "quiet": str(g.quiet) if g.quiet else None}
        row = existing.get(gid)
        if row is None:
            new_rows.append({"id": gid, "facts": g.facts, "facts_updated_at": to_db(now), "paused": False,
                             "dissolved_at": None, "updated_at": to_db(now), **values})
            report.groups_added += 1
            dissolved[gid] = None
            continue
        facts = {**(row.facts or {}), **g.facts}
        if any(getattr(row, k) != v for k, v in values.items()) or facts != row.facts:
            conn.execute(update(groups).where(groups.c.id == gid)
                         .values(facts=facts, updated_at=to_db(now), **values))
            report.groups_updated += 1
        dissolved[gid] = row.dissolved_at
    if new_rows:
        conn.execute(insert(groups), new_rows)
    return dissolved


def _sync_version(conn: Connection, sop: Sop, now: datetime, report: ApplyReport) -> int:
    definition = sop_definition(sop)
    digest = definition_hash(definition)
    version_id = conn.execute(select(sop_versions.c.id).where(
        and_(sop_versions.c.sop_id == sop.id, sop_versions.c.content_hash == digest))).scalar()
    if version_id is None:
        version_id = conn.execute(insert(sop_versions).values(
            sop_id=sop.id, content_hash=digest, definition=definition,
            path=str(sop.path) if sop.path else None, created_at=to_db(now))).inserted_primary_key[0]
        report.new_versions.append(sop.id)
    current = conn.execute(select(sops.c.version_id).where(sops.c.id == sop.id)).scalar()
    if current is None:
        conn.execute(insert(sops).values(id=sop.id, version_id=version_id, paused=False, updated_at=to_db(now)))
    elif current != version_id:
        conn.execute(update(sops).where(sops.c.id == sop.id).values(version_id=version_id, updated_at=to_db(now)))
    return int(version_id)


def planning_window(sop: Sop, group: Group, now: datetime) -> Window:
    """A lifetime SOP's whole life; a persistent SOP's first day up to ``now`` + horizon."""
    life = life_window(sop, group)
    if sop.lifetime is not None:
        return life
    return Window(life.start, max(life.start, now) + PERSISTENT_HORIZON)


def action_row(a: PlannedAction, version_id: int, fingerprint: str, now: datetime) -> dict[str, Any]:
    """The actions-table row of a freshly planned action."""
    due = to_db(a.due)
    return {
        "key": a.key, "sop_id": a.sop, "step": a.step, "part": a.part, "group_id": a.group, "kind": a.kind,
        "channel": a.channel, "due": due, "deadline": due + a.grace, "state": states.PLANNED,
        "next_attempt_at": due, "attempts": 0, "progress": 0, "occurrence": a.occurrence, "day": a.day,
        "step_index": a.step_index, "part_index": a.part_index, "item": a.item, "fingerprint": fingerprint,
        "version_id": version_id, "updated_at": to_db(now),
    }


def insert_rows(conn: Connection, rows: list[dict[str, Any]]) -> int:
    """Insert planned rows; a key that already exists is left as it is."""
    return insert_actions(conn, rows)


def _first_plan(conn: Connection, sop: Sop, group: Group, window: Window, version_id: int,
                fingerprints: dict[str, str], now: datetime, templates: Templates) -> list[tuple[Any, ...]]:
    """Prepared rows of a new pair. Groups whose timing cannot differ (same start, quiet hours and
    window, no per-group pools or shuffles) share one plan, re-addressed: planning 10,000 groups
    costs little more than inserting them."""
    shared = not group.pools and not any(s.shuffle for s in sop.steps)
    cache_key = (sop.id, version_id, group.start, group.quiet, window)
    if shared and cache_key in templates:
        template_group, template = templates[cache_key]
        return for_group(template, template_group, group.id)
    rows = [r for r in (action_row(a, version_id, fingerprints[a.step], now)
                        for a in plan(sop, group, window, render=False)) if r["deadline"] >= to_db(now)]
    prepared = prepare(conn, rows)
    if shared:
        templates[cache_key] = (group.id, prepared)
    return prepared


def _sync_pair(conn: Connection, sop: Sop, group: Group, version_id: int, fingerprints: dict[str, str],
               now: datetime, actor: str, templates: Templates, pending: list[tuple[Any, ...]]) -> PairChange:
    change = PairChange(sop.id, group.id)
    window = planning_window(sop, group, now)
    enrolled = conn.execute(select(enrollments.c.version_id).where(
        and_(enrollments.c.sop_id == sop.id, enrollments.c.group_id == group.id))).first()
    if enrolled is None:
        conn.execute(insert(enrollments).values(sop_id=sop.id, group_id=group.id, active=True,
                                                persistent=sop.lifetime is None,
                                                planned_until=to_db(window.end), version_id=version_id))
        # Occurrences whose due + grace already passed belong to before the engine ran this group.
        rows = _first_plan(conn, sop, group, window, version_id, fingerprints, now, templates)
        pending += rows  # a new pair's keys are new: its group id is in each of them
        change.added = len(rows)
        return change
    desired = plan(sop, group, window, render=False)
    conn.execute(update(enrollments).where(and_(enrollments.c.sop_id == sop.id, enrollments.c.group_id == group.id))
                 .values(planned_until=to_db(window.end), version_id=version_id, active=True,
                         persistent=sop.lifetime is None))
    now_db = to_db(now)
    existing = {r.key: r for r in conn.execute(
        select(actions.c.id, actions.c.key, actions.c.state, actions.c.due, actions.c.fingerprint,
               actions.c.item, actions.c.channel, actions.c.deadline, actions.c.version_id)
        .where(and_(actions.c.sop_id == sop.id, actions.c.group_id == group.id, actions.c.data.is_(None))))}
    wanted_keys = set()
    new_rows, audits = [], []
    for a in desired:
        wanted_keys.add(a.key)
        row = existing.get(a.key)
        fresh = action_row(a, version_id, fingerprints[a.step], now)
        if row is None:
            if fresh["deadline"] >= now_db:
                new_rows.append(fresh)
            continue
        if row.state != states.PLANNED or row.due < now_db:
            continue
        if (row.fingerprint, row.item, row.channel, row.deadline) != (
                fresh["fingerprint"], fresh["item"], fresh["channel"], fresh["deadline"]):
            conn.execute(update(actions).where(actions.c.id == row.id).values(
                fingerprint=fresh["fingerprint"], item=fresh["item"], channel=fresh["channel"],
                deadline=fresh["deadline"], kind=fresh["kind"], version_id=version_id, occurrence=fresh["occurrence"],
                step_index=fresh["step_index"], part_index=fresh["part_index"], updated_at=now_db))
            audits.append({"action_key": a.key, "group_id": group.id, "sop_id": sop.id,
                           "from_state": states.PLANNED, "to_state": states.PLANNED, "detail": "changed by apply"})
            change.changed += 1
        else:
            if row.version_id != version_id:
                conn.execute(update(actions).where(actions.c.id == row.id).values(version_id=version_id))
            change.unchanged += 1
    for key, row in existing.items():
        if key not in wanted_keys and row.state == states.PLANNED and row.due >= now_db:
            audits.append(_cancel(conn, row.id, key, group.id, sop.id, now, "removed from the SOP"))
            change.cancelled += 1
    change.added = insert_actions(conn, new_rows)
    write_audit(conn, now, actor, audits)
    return change


def _cancel(conn: Connection, action_id: int, key: str, group_id: str, sop_id: str, now: datetime,
            reason: str) -> dict[str, Any]:
    conn.execute(update(actions).where(actions.c.id == action_id).values(
        state=states.CANCELLED, reason=reason, finished_at=to_db(now), updated_at=to_db(now)))
    return {"action_key": key, "group_id": group_id, "sop_id": sop_id, "from_state": states.PLANNED,
            "to_state": states.CANCELLED, "detail": reason}


def _unenroll(conn: Connection, sop_id: str, group_id: str, now: datetime, actor: str) -> PairChange:
    """A group that no longer matches an SOP: its future planned actions are cancelled."""
    change = PairChange(sop_id, group_id)
    rows = conn.execute(select(actions.c.id, actions.c.key).where(and_(
        actions.c.sop_id == sop_id, actions.c.group_id == group_id, actions.c.state == states.PLANNED,
        actions.c.due >= to_db(now)))).all()
    audits = [_cancel(conn, r.id, r.key, group_id, sop_id, now, "group no longer matches the SOP") for r in rows]
    change.cancelled = len(audits)
    conn.execute(update(enrollments).where(and_(enrollments.c.sop_id == sop_id, enrollments.c.group_id == group_id))
                 .values(active=False))
    write_audit(conn, now, actor, audits)
    return change


def extend_horizons(store: Store, now: datetime) -> int:
    """Plan persistent SOPs further ahead as time passes; returns actions added."""
    threshold = to_db(now + PERSISTENT_HORIZON - timedelta(days=1))
    added = 0
    with store.engine.begin() as conn:
        due = conn.execute(select(enrollments, groups).join(groups, groups.c.id == enrollments.c.group_id).where(and_(
            enrollments.c.active.is_(True), enrollments.c.persistent.is_(True),
            enrollments.c.planned_until < threshold, groups.c.dissolved_at.is_(None)))).all()
        for row in due:
            sop = store.sop_version(row.version_id, conn)
            group = group_from_row(row)
            window = Window(aware(row.planned_until), now + PERSISTENT_HORIZON)  # type: ignore[arg-type]
            fingerprints = {s.id: step_fingerprint(sop, s) for s in sop.steps}
            rows = [action_row(a, row.version_id, fingerprints[a.step], now)
                    for a in plan(sop, group, window, render=False)]
            added += insert_actions(conn, rows)
            conn.execute(update(enrollments).where(and_(enrollments.c.sop_id == row.sop_id,
                                                        enrollments.c.group_id == row.group_id))
                         .values(planned_until=to_db(window.end)))
    return added
