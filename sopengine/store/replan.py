"""Re-planning enrolled (SOP, group) pairs after an edit: only the future changes, written in bulk.

For each pair the new plan is compared with the ledger by key: an action whose
key is new is added; a planned, future action whose content changed is updated
in place (same row, same key) and moves to the new SOP version; one the SOP no
longer has is cancelled. The rest are unchanged and keep the version that
planned them: their fingerprint covers everything that shapes them, so either
version renders them alike. (The fingerprint is not stored: it is the step's in
the version a row names.) Anything past or finished is never touched.

An edit of one step for 10,000 groups concerns a million rows, so:
- only steps whose definition changed are compared: when nothing but some steps
  differ between the version a pair was planned with and the new one (and
  neither the group nor the planning window changed), every other step would
  plan exactly what is stored, so its actions are not read at all; a pair with
  no change at all is not planned either (its actions still to come are counted);
- rows are read 500 groups per query, groups sharing a timing share one plan;
- writes are collected and issued as a few set-based statements.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Hashable, Mapping, Sequence

from sqlalchemy import Integer, Text, and_, bindparam, func, or_, select, true, type_coerce, update
from sqlalchemy.engine import Connection

from sopengine.model.definition import sop_definition, step_fingerprint
from sopengine.model.group import Group
from sopengine.model.actions import Window
from sopengine.model.sop import Sop
from sopengine.store import states
from sopengine.store.bulk import (
    action_row, driver_time, fetch_tuples, in_chunks, insert_actions, item_json, update_actions,
)
from sopengine.store.core import write_audit
from sopengine.store.database import to_db
from sopengine.store.abc import Planner
from sopengine.store.first_plans import FirstPlans, split_key
from sopengine.store.tables import actions, enrollments, key_tail, sop_versions

#: Group ids per ``IN (…)`` list (well under every backend's parameter limit).
CHUNK = 500
#: Why apply cancels a future action; such an action is planned again when a later apply wants
#: it back (an edit undone, a group matching again). Cancelled for any other reason, it stays so.
REMOVED_FROM_SOP = "removed from the SOP"
NO_LONGER_MATCHES = "group no longer matches the SOP"
REVIVABLE = frozenset({REMOVED_FROM_SOP, NO_LONGER_MATCHES})
#: Keys kept per kind of change and pair, for a review (``apply --dry-run``).
SAMPLES = 3
#: Columns an in-place change rewrites.
_CHANGED = ("item", "channel", "deadline", "kind", "occurrence", "step_index", "part_index")


def rolls(planner: Planner, sop: Sop, group: Group, window: Window) -> bool:
    """Whether a pair planned through ``window`` still has more of its life to plan."""
    end = planner.life_end(sop, group)
    return end is None or window.end < end


@dataclass(slots=True)  # a fleet apply holds one for every pair
class PairChange:
    """What one apply did to one (SOP, group) pair."""

    sop: str
    group: str
    added: int = 0
    changed: int = 0
    cancelled: int = 0
    unchanged: int = 0
    #: "added" / "changed" / "cancelled" → the first few keys of each, for a review before applying.
    samples: dict[str, list[str]] = field(default_factory=dict)

    def sample(self, what: str, key: str) -> None:
        keys = self.samples.setdefault(what, [])
        if len(keys) < SAMPLES:
            keys.append(key)


@dataclass(frozen=True)
class Enrollment:
    """What the ledger knows of an enrolled pair before this apply."""

    version_id: int
    planned_until: datetime
    active: bool
    #: The group itself changed in this apply (start, quiet hours, pools, ...).
    group_changed: bool


@dataclass
class Replans:
    """Re-plans enrolled pairs of one SOP version; :meth:`run` compares, then writes in bulk."""

    conn: Connection
    sop: Sop
    version_id: int
    #: Step id → fingerprint in an earlier stored version (the version an unchanged action keeps).
    stored_fingerprints: Callable[[int], Mapping[str, str]]
    now: datetime
    actor: str
    planner: Planner
    _timings: dict[Hashable, _Template] = field(default_factory=dict)
    _new: list[dict[str, Any]] = field(default_factory=list)
    _changed: list[dict[str, Any]] = field(default_factory=list)
    _cancelled: list[int] = field(default_factory=list)
    _revived: list[dict[str, Any]] = field(default_factory=list)
    _audits: list[dict[str, Any]] = field(default_factory=list)
    _scopes: dict[int, frozenset[str] | None] = field(default_factory=dict)
    #: Group → how far its pair was planned, as stored (past it, what is over is still written).
    _planned_until: dict[str, Any] = field(default_factory=dict)
    _copies: FirstPlans = field(init=False)

    def __post_init__(self) -> None:
        self._copies = FirstPlans(self.conn, self.now, self.planner)
        self._stored_time = driver_time(self.conn)  # integers on SQLite, as _raw reads them
        self._now_stored = self._stored_time(to_db(self.now))
        self._fingerprints = {s.id: step_fingerprint(self.sop, s) for s in self.sop.steps}
        self._earlier: dict[int, Mapping[str, str]] = {self.version_id: self._fingerprints}

    def _unchanged_step(self, version_id: int, step: str) -> bool:
        """Whether ``step`` plans alike in ``version_id`` and in the new version."""
        prints = self._earlier.get(version_id)
        if prints is None:
            prints = self._earlier[version_id] = self.stored_fingerprints(version_id)
        return prints.get(step) == self._fingerprints.get(step)

    def run(self, pairs: Sequence[tuple[Group, Window, Enrollment]]) -> list[PairChange]:
        """Re-plan ``pairs`` (group, planning window, enrollment); returns one change per pair, in order."""
        by_scope: dict[frozenset[str] | None, list[tuple[int, Group, Window]]] = {}
        for n, (group, window, enrollment) in enumerate(pairs):
            by_scope.setdefault(self._scope(window, enrollment), []).append((n, group, window))
            self._planned_until[group.id] = self._stored_time(enrollment.planned_until)
        changes: dict[int, PairChange] = {}
        for scope, scoped in by_scope.items():
            for start in range(0, len(scoped), CHUNK):
                chunk = scoped[start:start + CHUNK]
                if scope == frozenset():  # nothing that plans changed: what is stored stands, unplanned
                    counts = self._still_to_come([g.id for _, g, _ in chunk])
                    for n, group, _ in chunk:
                        changes[n] = PairChange(self.sop.id, group.id, unchanged=counts.get(group.id, 0))
                    continue
                stored = self._stored([g.id for _, g, _ in chunk], scope)
                for n, group, window in chunk:
                    changes[n] = self._compare(group, window, stored.get(group.id, {}), scope)
        self._write([(g, w) for g, w, _ in pairs])
        return [changes[n] for n in range(len(pairs))]

    def _scope(self, window: Window, enrollment: Enrollment) -> frozenset[str] | None:
        """Ids of the steps to compare for a pair (None: every step)."""
        if enrollment.group_changed or not enrollment.active or enrollment.planned_until != to_db(window.end):
            return None
        if enrollment.version_id not in self._scopes:
            self._scopes[enrollment.version_id] = self._changed_steps(enrollment.version_id)
        return self._scopes[enrollment.version_id]

    def _changed_steps(self, old_version: int) -> frozenset[str] | None:
        """Steps that differ between ``old_version`` and the new definition (None: something beyond
        steps differs — lifetime, calendar, vars, pools, ... — so every step may plan differently)."""
        if old_version == self.version_id:
            return frozenset()
        old = self.conn.execute(select(sop_versions.c.definition).where(sop_versions.c.id == old_version)).scalar()
        new = sop_definition(self.sop)
        if old is None or _without_steps(old) != _without_steps(new):
            return None
        old_steps = {s["id"]: s for s in old["steps"]}
        new_steps = {s["id"]: s for s in new["steps"]}
        return frozenset(i for i in old_steps.keys() | new_steps.keys() if old_steps.get(i) != new_steps.get(i))

    def _stored(self, group_ids: list[str], scope: frozenset[str] | None) -> dict[str, dict[str, Any]]:
        """group → key → stored row (a tuple of the columns selected), for the planned actions of
        these groups that are planned or not yet over (event actions excluded; only the steps in
        ``scope`` unless it is None). Times and items as stored (see :meth:`_raw`)."""
        out: dict[str, dict[str, Any]] = {}
        query = select(actions.c.id, actions.c.key, actions.c.group_id, actions.c.state, self._raw(actions.c.due),
                       actions.c.version_id, actions.c.step, self._raw(actions.c.item, Text), actions.c.channel,
                       self._raw(actions.c.deadline), actions.c.reason).where(
            actions.c.sop_id == self.sop.id, actions.c.group_id.in_(group_ids), actions.c.data.is_(None),
            # what is over can neither change nor come back (nor be planned again): not read
            or_(actions.c.state == states.PLANNED, self._raw(actions.c.deadline) >= self._now_stored))
        if scope is not None:
            query = query.where(actions.c.step.in_(sorted(scope)))
        for row in fetch_tuples(self.conn, query):  # plain tuples: a re-apply may read a million
            out.setdefault(row[2], {})[row[1]] = row
        return out

    def _still_to_come(self, group_ids: list[str]) -> dict[str, int]:
        """group → its planned (not event) actions of this SOP that are due from now on and not
        cancelled: what an unchanged pair counts as unchanged, read instead of planned again."""
        query = (select(actions.c.group_id, func.count()).where(
            actions.c.sop_id == self.sop.id, actions.c.group_id.in_(group_ids), actions.c.data.is_(None),
            self._raw(actions.c.due) >= self._now_stored, actions.c.state != states.CANCELLED)
            .group_by(actions.c.group_id))
        return {str(group): int(count) for group, count in fetch_tuples(self.conn, query)}

    def _raw(self, column: Any, as_type: Any = Integer) -> Any:
        """SQLite: the column as stored (integer instants, JSON text), compared as such: converting
        a million values costs more than the rest of a re-apply. Elsewhere the driver's values."""
        return type_coerce(column, as_type).label(column.name) if self._raw_columns else column

    @property
    def _raw_columns(self) -> bool:
        return self.conn.dialect.name == "sqlite"

    def _template(self, group: Group, window: Window) -> tuple[Any, _Template]:
        """(timing key, or None when the group's plan is its own; the planned actions).
        Groups sharing a timing share one plan."""
        timing_key = self.planner.timing_of(self.sop, self.version_id, group, window)
        template = self._timings.get(timing_key) if timing_key is not None else None
        if template is None:
            template = _Template([])
            for a in self.planner.plan(self.sop, group, window):
                row = action_row(a, self.version_id, self.now)
                head, tail = split_key(a.key)
                template.entries.append(_Entry(head, tail, row, item_json(row["item"]),
                                               self._stored_time(row["due"]), self._stored_time(row["deadline"])))
            if timing_key is not None:
                self._timings[timing_key] = template
        return timing_key, template

    def _compare(self, group: Group, window: Window, stored: dict[str, Any],
                 scope: frozenset[str] | None) -> PairChange:
        change = PairChange(self.sop.id, group.id)
        now = self._now_stored
        wanted: set[str] = set()
        timing_key, template = self._template(group, window)
        compared, change.unchanged = template.scoped(scope, now)
        new: list[int] = []
        revived: list[int] = []
        for index in compared:
            entry = template.entries[index]
            key = f"{entry.head}/{group.id}/{entry.tail}"
            wanted.add(key)
            row = stored.get(key)
            if row is None:
                # beyond what the ledger held (a rolling pair stretched), even what is over goes
                # in, to be recorded as missed: a daemon would have planned it in its time
                if entry.deadline >= now or entry.due >= self._planned_until[group.id]:
                    new.append(index)
                    change.sample("added", key)
                continue
            row_id, _, _, state, due, version_id, step, item, channel, deadline, reason = row
            if state == states.CANCELLED and reason in REVIVABLE and due >= now:
                revived.append(index)  # an edit undone: the same action is wanted again
                change.sample("added", key)
                self._revived.append({"id": row_id, "next_attempt_at": entry.row["due"],
                                      **{c: entry.row[c] for c in _CHANGED}})
                self._audits.append(self._audit(key, group.id, states.PLANNED, "planned again by apply",
                                                states.CANCELLED))
                continue
            if state != states.PLANNED or due < now:
                continue
            fresh = entry.row
            if ((channel, deadline) != (fresh["channel"], entry.deadline) or not self._unchanged_step(version_id, step)
                    or not _same_item(item, entry.item, fresh["item"], self._raw_columns)):
                self._changed.append({"id": row_id, **{c: fresh[c] for c in _CHANGED}})
                self._audits.append(self._audit(key, group.id, states.PLANNED, "changed by apply"))
                change.changed += 1
                change.sample("changed", key)
            else:
                change.unchanged += 1
        change.added = len(new) + len(revived)
        rows = [template.entries[i].row for i in new]
        if new and timing_key is not None:  # copied inside SQL, like a first plan
            self._copies.add_rows((timing_key, tuple(new)), rows, group.id)
        else:
            self._new += [{**template.entries[i].row, "group_id": group.id,
                           "key_tail": key_tail(f"{template.entries[i].head}/{group.id}/{template.entries[i].tail}")}
                          for i in new]
        # a rolling pair's window ends at its horizon: what lies beyond was not planned here
        until = self._stored_time(to_db(window.end)) if rolls(self.planner, self.sop, group, window) else None
        for key, row in stored.items():
            if (key not in wanted and row[_STATE] == states.PLANNED and row[_DUE] >= now
                    and (until is None or row[_DUE] < until)):
                self._cancelled.append(row[0])
                self._audits.append(self._audit(key, group.id, states.CANCELLED, REMOVED_FROM_SOP))
                change.cancelled += 1
                change.sample("cancelled", key)
        return change

    def _audit(self, key: str, group_id: str, to_state: str, detail: str,
               from_state: str = states.PLANNED) -> dict[str, Any]:
        return {"action_key": key, "group_id": group_id, "sop_id": self.sop.id, "from_state": from_state,
                "to_state": to_state, "detail": detail}

    def _write(self, pairs: Sequence[tuple[Group, Window]]) -> None:
        conn, now_db, version = self.conn, to_db(self.now), self.version_id
        conn.execute(update(enrollments).where(and_(enrollments.c.sop_id == self.sop.id,
                                                    enrollments.c.group_id == bindparam("b_group")))
                     .values(planned_until=bindparam("b_until"), version_id=version, active=True,
                             rolling=bindparam("b_rolling")),
                     [{"b_group": g.id, "b_until": to_db(w.end), "b_rolling": rolls(self.planner, self.sop, g, w)}
                      for g, w in pairs])
        # each write re-checks the state it read: on PostgreSQL a daemon may have claimed a row since
        update_actions(conn, self._changed, {"version_id": version, "updated_at": now_db}, state=states.PLANNED)
        update_actions(conn, self._revived, {"state": states.PLANNED, "reason": None, "finished_at": None,
                                             "version_id": version, "updated_at": now_db}, state=states.CANCELLED)
        # SQLite has held the write lock since the read, and given a long id list and this state its
        # planner would walk every planned action through the claim index
        still_planned = actions.c.state == states.PLANNED if conn.dialect.name == "postgresql" else true()
        for ids in in_chunks(conn, self._cancelled):
            conn.execute(update(actions).where(actions.c.id.in_(ids), still_planned).values(
                state=states.CANCELLED, reason=REMOVED_FROM_SOP, finished_at=now_db, updated_at=now_db))
        insert_actions(conn, self._new)
        self._copies.flush()
        write_audit(conn, self.now, self.actor, self._audits)


#: Positions in a stored row (see :meth:`Replans._stored`).
_STATE, _DUE = 3, 4


@dataclass
class _Entry:
    """One planned action of a template: its key around the group segment, its fresh row, and
    its item, due and deadline in the form the ledger stores them (for comparing with stored rows)."""

    head: str
    tail: str
    row: dict[str, Any]
    item: str | None
    due: Any
    deadline: Any


@dataclass
class _Template:
    """A plan shared by the groups of one timing (or one group's own plan)."""

    entries: list[_Entry]
    _scoped: dict[frozenset[str] | None, tuple[list[int], int]] = field(default_factory=dict)

    def scoped(self, scope: frozenset[str] | None, now: Any) -> tuple[list[int], int]:
        """(indexes of the entries to compare, future entries outside ``scope``): the same
        definition plans those exactly as stored, so they count as unchanged unread."""
        if scope not in self._scoped:
            inside = [i for i, e in enumerate(self.entries) if scope is None or e.row["step"] in scope]
            outside = sum(1 for e in self.entries if scope is not None and e.row["step"] not in scope and e.due >= now)
            self._scoped[scope] = (inside, outside)
        return self._scoped[scope]


def _same_item(stored: Any, as_json: str | None, item: Any, raw: bool) -> bool:
    """Whether a stored item is ``item``; ``raw``: ``stored`` is JSON text (``as_json`` is ``item``'s)."""
    if not raw:
        return bool(stored == item)
    if stored is None or item is None:  # SQLAlchemy's JSON type writes None as the text 'null'
        return stored in (None, "null") and item is None
    return bool(stored == as_json or json.loads(stored) == item)  # older rows: ASCII escapes


def _without_steps(definition: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in definition.items() if k != "steps"}
