"""``apply``: sync SOP files and groups into the ledger, idempotently.

Re-applying an edited SOP re-plans only the **future** actions of the groups
it matches: unchanged actions keep their row and identity, changed ones are
updated in place, removed ones are cancelled; anything past or finished is
never touched. Applying the same files twice changes nothing.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Sequence

from sqlalchemy import and_, bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection

from sopengine.model.definition import definition_hash, sop_definition
from sopengine.model.group import Group
from sopengine.model.operators import Operator
from sopengine.store.media import keep_media
from sopengine.store.members import plan_member_steps
from sopengine.store.thens import merged_tags, then_tags_of
from sopengine.model.actions import PlanningError, Window
from sopengine.model.problems import Problem
from sopengine.model.sop import Sop
from sopengine.store import pair_counts, states
from sopengine.store.core import Database, bump_revision, write_audit, writing
from sopengine.store.bulk import first_fill, in_chunks, insert_dicts
from sopengine.store.database import aware, bulk_cache, to_db
from sopengine.store.first_plans import FirstPlans
from sopengine.store.replan import NO_LONGER_MATCHES, Enrollment, PairChange, Replans, rolls
from sopengine.store.records import group_from_row
from sopengine.store.tables import actions, enrollments, group_operators, groups, sop_versions, sops
from sopengine.store.tables import operators as operators_table

@dataclass
class ApplyReport:
    """Summary of an apply: counts, and per-pair detail."""

    pairs: list[PairChange] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    #: SOPs that could not be planned (left as they were in the store), each at its step's line.
    problems: list[Problem] = field(default_factory=list)
    groups_added: int = 0
    groups_updated: int = 0
    operators_changed: int = 0

    def total(self, what: str) -> int:
        return sum(getattr(p, what) for p in self.pairs)

    @property
    def changed_anything(self) -> bool:
        return bool(self.new_versions or self.groups_added or self.groups_updated or self.operators_changed
                    or any(p.added or p.changed or p.cancelled for p in self.pairs))


#: Rows added or cancelled from which an apply refreshes PostgreSQL's planner statistics.
ANALYZE_AFTER = 50_000


class _DryRun(Exception):
    """Raised inside the apply's transaction to roll it back once the report is made."""


def apply(store: Database, sop_list: Sequence[Sop], group_list: Sequence[Group], now: datetime,
          *, actor: str = "apply", dry_run: bool = False, roster: Sequence[Operator] = ()) -> ApplyReport:
    """Sync ``sop_list`` and ``group_list`` into the store as of ``now`` (one transaction).

    ``dry_run``: do all of it, report it, and roll it back: the store is left exactly as it was
    (a review before the change reaches the groups)."""
    report = ApplyReport()
    try:
        _apply(store, sop_list, group_list, now, actor, report, dry_run, roster)
    except _DryRun:
        return report
    if store.dialect == "postgresql" and report.total("added") + report.total("cancelled") >= ANALYZE_AFTER:
        # A bulk load leaves PostgreSQL's statistics behind until autovacuum comes by: meanwhile it
        # plans a group's reads as scans of the whole ledger. Sampling takes a fraction of a second.
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE actions, groups, group_operators, enrollments")
    return report


def _apply(store: Database, sop_list: Sequence[Sop], group_list: Sequence[Group], now: datetime, actor: str,
           report: ApplyReport, dry_run: bool, roster: Sequence[Operator]) -> None:
    with writing(store) as conn, bulk_cache(conn):
        _sync_roster(conn, roster, now, report)
        moved = then_tags_of(conn, [g.id for g in group_list])  # a group an SOP's then: moved stays moved
        if moved:
            group_list = [dataclasses.replace(g, tags=merged_tags(g.tags, moved[g.id])) if g.id in moved else g
                          for g in group_list]
        stored_groups = _sync_groups(conn, group_list, now, report)
        live = [g for g in group_list if stored_groups[g.id][0] is None]
        updated = {gid for gid, (_, changed) in stored_groups.items() if changed}
        with first_fill(conn):
            for sop in sop_list:
                pairs, versions = len(report.pairs), len(report.new_versions)
                try:
                    with conn.begin_nested():  # one SOP that cannot be planned leaves the others applied
                        keep_media(conn, [sop], now)
                        version_id = _sync_version(conn, sop, now, report)
                        _sync_sop(store, conn, sop, version_id, live, updated, now, actor, report)
                except PlanningError as exc:
                    del report.pairs[pairs:], report.new_versions[versions:]
                    report.problems.append(sop.problem(getattr(exc, "step", None), f"not applied: {exc}"))
            plan_member_steps(store, conn, now, [g.id for g in live])  # members' journeys in newly joined SOPs
        if dry_run:
            raise _DryRun
        pair_counts.fold(conn)  # an apply's deltas are many: fold them now, not at the daemon's next idle
        if report.changed_anything:
            bump_revision(conn)


def _sync_sop(store: Database, conn: Connection, sop: Sop, version_id: int, live_groups: Sequence[Group],
              updated_groups: set[str], now: datetime, actor: str, report: ApplyReport) -> None:
    """Enroll, re-plan or unenroll every live (not dissolved) group for one SOP."""
    # locked: a daemon extending a pair's horizon waits for this apply, and this apply for it
    enrolled = {r.group_id: Enrollment(r.version_id, r.planned_until, r.active, r.group_id in updated_groups)
                for r in conn.execute(select(enrollments.c.group_id, enrollments.c.version_id,
                                             enrollments.c.planned_until, enrollments.c.active)
                                      .where(enrollments.c.sop_id == sop.id).with_for_update())}
    planner = store.planner_or_raise()
    first_plans = FirstPlans(conn, now, planner)
    new_enrollments: list[dict[str, Any]] = []
    replans: list[tuple[Group, Window, Enrollment]] = []
    for group in live_groups:
        if not planner.matches(sop, group):
            if group.id in enrolled:
                change = _unenroll(conn, sop.id, group.id, now, actor)
                if change.cancelled:
                    report.pairs.append(change)
            continue
        window = planner.first_window(sop, group, now)
        if group.id in enrolled:
            held = enrolled[group.id]
            replans.append((group, planner.replanning_window(sop, window, aware(held.planned_until)), held))
            continue
        new_enrollments.append({"sop_id": sop.id, "group_id": group.id, "active": True,
                                "rolling": rolls(planner, sop, group, window), "planned_until": to_db(window.end),
                                "version_id": version_id})
        # a new pair's keys are new: its group id is in each of them
        report.pairs.append(PairChange(sop.id, group.id, added=first_plans.add(sop, group, window, version_id)))
    insert_dicts(conn, enrollments, new_enrollments)
    first_plans.flush()
    if replans:
        earlier = lambda version: store.step_fingerprints(version, conn)  # noqa: E731
        report.pairs += Replans(conn, sop, version_id, earlier, now, actor, planner).run(replans)


#: New group rows written at a time.
GROUP_ROWS = 2_000


def _sync_groups(conn: Connection, group_list: Iterable[Group], now: datetime,
                 report: ApplyReport) -> dict[str, tuple[datetime | None, bool]]:
    """Upsert groups; returns id → (dissolved_at, whether this apply changed it) for every given group."""
    wanted = {g.id: g for g in group_list}
    ids = list(wanted)
    existing = {r.id: r for chunk in in_chunks(conn, ids)  # locked: facts merge with imports and events
                for r in conn.execute(select(groups).where(groups.c.id.in_(chunk)).with_for_update())}
    dissolved: dict[str, tuple[datetime | None, bool]] = {}
    new_rows: list[dict[str, Any]] = []
    new_index: list[dict[str, Any]] = []
    now_db = to_db(now)
    for gid, g in wanted.items():
        values = {"name": g.name, "start": g.start, "tags": list(g.tags), "channels": g.channels,
                  "vars": g.vars, "pools": g.pools, "quiet": str(g.quiet) if g.quiet else None,
                  "operators": list(g.operators), "roles": dict(g.roles)}
        row = existing.get(gid)
        if row is None:
            new_rows.append({"id": gid, "facts": g.facts, "facts_updated_at": now_db, "paused": False,
                             "dissolved_at": None, "updated_at": now_db, **values})
            new_index += [{"group_id": gid, "operator": ref} for ref in g.operators]
            report.groups_added += 1
            dissolved[gid] = (None, True)
            if len(new_rows) >= GROUP_ROWS:  # a fleet's rows at once would outweigh its groups
                insert_dicts(conn, groups, new_rows)
                new_rows.clear()
            continue
        facts = {**(row.facts or {}), **g.facts}
        stored = {k: getattr(row, k) for k in values}
        stored["operators"] = stored["operators"] or []  # NULL: stored before operators were
        stored["roles"] = stored["roles"] or {}
        if stored != values or facts != row.facts:
            if (row.operators or []) != values["operators"]:
                _reindex_operators(conn, gid, g.operators)
            conn.execute(update(groups).where(groups.c.id == gid)
                         .values(facts=facts, updated_at=now_db, **values))
            report.groups_updated += 1
            dissolved[gid] = (row.dissolved_at, True)
            continue
        dissolved[gid] = (row.dissolved_at, False)
    insert_dicts(conn, groups, new_rows)
    insert_dicts(conn, group_operators, new_index)
    return dissolved


def _reindex_operators(conn: Connection, group_id: str, refs: Sequence[str]) -> None:
    """A changed group's ``group_operators`` rows (who to find it by), written anew."""
    conn.execute(delete(group_operators).where(group_operators.c.group_id == group_id))
    insert_dicts(conn, group_operators, [{"group_id": group_id, "operator": ref} for ref in refs])


def _sync_roster(conn: Connection, roster: Sequence[Operator], now: datetime, report: ApplyReport) -> None:
    """Upsert the groups file's ``operators:``. One dropped from the file keeps its row (its links
    are ended by ``operators revoke``, not by an edit)."""
    existing = {r.id: r for r in conn.execute(select(operators_table))}
    for op in roster:
        values = {"name": op.name, "role": op.role, "notify": dict(op.notify), "notices": op.notices.to_json()}
        row = existing.get(op.id)
        if row is None:
            conn.execute(insert(operators_table).values(id=op.id, updated_at=to_db(now), **values))
            report.operators_changed += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            conn.execute(update(operators_table).where(operators_table.c.id == op.id)
                         .values(updated_at=to_db(now), **values))
            report.operators_changed += 1


def _sync_version(conn: Connection, sop: Sop, now: datetime, report: ApplyReport) -> int:
    definition = sop_definition(sop)
    digest = definition_hash(definition)
    version_id = conn.execute(select(sop_versions.c.id).where(
        and_(sop_versions.c.sop_id == sop.id, sop_versions.c.content_hash == digest))).scalar()
    if version_id is None:
        inserted = conn.execute(insert(sop_versions).values(
            sop_id=sop.id, content_hash=digest, definition=definition,
            path=str(sop.path) if sop.path else None, created_at=to_db(now))).inserted_primary_key
        assert inserted is not None  # an INSERT of one row has its key
        version_id = inserted[0]
        report.new_versions.append(sop.id)
    current = conn.execute(select(sops.c.version_id).where(sops.c.id == sop.id)).scalar()
    if current is None:
        conn.execute(insert(sops).values(id=sop.id, version_id=version_id, paused=False, updated_at=to_db(now)))
    elif current != version_id:
        conn.execute(update(sops).where(sops.c.id == sop.id).values(version_id=version_id, updated_at=to_db(now)))
    return int(version_id)


def _unenroll(conn: Connection, sop_id: str, group_id: str, now: datetime, actor: str) -> PairChange:
    """A group that no longer matches an SOP: its future planned actions are cancelled (one
    statement, so an action claimed meanwhile is left to its daemon and not audited here)."""
    now_db = to_db(now)
    keys = conn.execute(update(actions).where(
        actions.c.group_id == group_id, actions.c.sop_id == sop_id, actions.c.state == states.PLANNED,
        actions.c.due >= now_db,
    ).values(state=states.CANCELLED, reason=NO_LONGER_MATCHES, finished_at=now_db, updated_at=now_db)
        .returning(actions.c.key)).scalars().all()
    conn.execute(update(enrollments).where(and_(enrollments.c.sop_id == sop_id, enrollments.c.group_id == group_id))
                 .values(active=False))
    write_audit(conn, now, actor, [{"action_key": key, "group_id": group_id, "sop_id": sop_id,
                                    "from_state": states.PLANNED, "to_state": states.CANCELLED,
                                    "detail": NO_LONGER_MATCHES} for key in keys])
    change = PairChange(sop_id, group_id, cancelled=len(keys))
    for key in keys:
        change.sample("cancelled", key)
    return change


#: Rolling pairs one daemon step extends at most: the write lock is held for a bounded time, and
#: the daemon wakes again at once for the rest (:func:`.ledger.next_wakeup`).
EXTEND_BATCH = 2000


@lru_cache(maxsize=1)
def _extensions() -> tuple[Any, Any]:
    """(whether any pair needs planning further, the first pairs that do, locked), built once: the
    daemon asks every step, and most steps nothing is due (``threshold`` is a parameter)."""
    threshold: Any = bindparam("threshold")
    due = and_(enrollments.c.active.is_(True), enrollments.c.rolling.is_(True),
               enrollments.c.planned_until < threshold, groups.c.dissolved_at.is_(None))
    joined = enrollments.join(groups, groups.c.id == enrollments.c.group_id)
    return (select(enrollments.c.sop_id).select_from(joined).where(due).limit(1),
            select(enrollments, groups).select_from(joined).where(due)
            .order_by(enrollments.c.planned_until, enrollments.c.sop_id, enrollments.c.group_id)
            .limit(EXTEND_BATCH).with_for_update(of=enrollments))


def extend_horizons(store: Database, now: datetime) -> int:
    """Plan rolling pairs (persistent SOPs, long lives, groups starting later) further ahead as
    time passes; returns the actions planned for them.

    A pair is extended as soon as its plan ends less than a horizon ahead: its ends being whole
    days, that is once a day, and an apply on the same day finds its window as it left it. Each
    pair plans the stretch from where its plan ends to the horizon, whatever the group's age,
    and pairs alike share one plan copied in SQL (a new pair's way); at most
    :data:`EXTEND_BATCH` pairs a call. A pair planned to its life's end stops rolling. Takes the
    write lock only when some pair is due for it."""
    planner = store.planner_or_raise()
    threshold = {"threshold": to_db(now + planner.horizon)}
    any_due, pairs = _extensions()
    with store.engine.connect() as conn:
        if conn.execute(any_due, threshold).first() is None:
            return 0
    with writing(store) as conn:  # an apply re-planning or un-enrolling a pair waits, or is waited for
        stretches = FirstPlans(conn, now, planner, drops_over=False)
        ends: list[dict[str, Any]] = []
        added = 0
        for row in conn.execute(pairs, threshold).all():
            sop = store.sop_version(row.version_id, conn)
            group = group_from_row(row)
            window = planner.extension(sop, group, aware(row.planned_until), now)
            added += stretches.add(sop, group, window, row.version_id)
            ends.append({"b_sop": row.sop_id, "b_group": row.group_id, "b_until": to_db(window.end),
                         "b_rolling": rolls(planner, sop, group, window)})
        stretches.flush()
        if not ends:  # an apply un-enrolled them meanwhile
            return 0
        conn.execute(update(enrollments).where(and_(enrollments.c.sop_id == bindparam("b_sop"),
                                                    enrollments.c.group_id == bindparam("b_group")))
                     .values(planned_until=bindparam("b_until"), rolling=bindparam("b_rolling")), ends)
    return added
