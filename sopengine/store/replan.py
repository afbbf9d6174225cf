"""Re-planning enrolled (SOP, group) pairs after an edit: only the future changes, written in bulk.

For each pair the new plan is compared with the ledger by key: an action whose
key is new is added; a planned, future action whose content changed is updated
in place (same row, same key) and moves to the new SOP version; one the SOP no
longer has is cancelled. The rest are unchanged and keep the version that
planned them: their fingerprint covers everything that shapes them, so either
version renders them alike, and rewriting a million rows for nothing is what
made re-applies slow. Anything past or finished is never touched. An edit of one step for 10,000 groups touches a million rows,
so the comparison runs pair by pair but the writes are collected and issued
as a few set-based statements, and groups sharing a timing share one plan.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterator, Sequence

from sqlalchemy import Text, and_, bindparam, select, type_coerce, update
from sqlalchemy.engine import Connection

from ..group import Group
from ..planner import Window, plan
from ..sop import Sop
from . import states
from .bulk import action_row, insert_actions, item_json
from .core import write_audit
from .database import to_db
from .tables import actions, enrollments

#: Group ids per ``IN (…)`` list (well under every backend's parameter limit).
CHUNK = 500
#: Columns an in-place change rewrites.
_CHANGED = ("fingerprint", "item", "channel", "deadline", "kind", "occurrence", "step_index", "part_index")


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
class Replans:
    """Re-plans enrolled pairs of one SOP version; :meth:`run` compares, then writes in bulk."""

    conn: Connection
    sop: Sop
    version_id: int
    fingerprints: dict[str, str]
    now: datetime
    actor: str
    _timings: dict[tuple[Any, ...], list[tuple[str, str, dict[str, Any], str | None]]] = field(default_factory=dict)
    _new: list[dict[str, Any]] = field(default_factory=list)
    _changed: list[dict[str, Any]] = field(default_factory=list)
    _cancelled: list[int] = field(default_factory=list)
    _audits: list[dict[str, Any]] = field(default_factory=list)

    def run(self, pairs: Sequence[tuple[Group, Window]]) -> list[PairChange]:
        """Re-plan ``pairs`` (each group with its planning window); returns one change per pair."""
        changes = []
        for start in range(0, len(pairs), CHUNK):
            chunk = pairs[start:start + CHUNK]
            stored = self._stored([g.id for g, _ in chunk])
            changes += [self._compare(group, window, stored.get(group.id, {})) for group, window in chunk]
        self._write(pairs)
        return changes

    def _stored(self, group_ids: list[str]) -> dict[str, dict[str, Any]]:
        """group → key → stored row, for the planned actions of these groups (event actions excluded)."""
        out: dict[str, dict[str, Any]] = {}
        for r in self.conn.execute(
                select(actions.c.id, actions.c.key, actions.c.group_id, actions.c.state, actions.c.due,
                       actions.c.fingerprint, self._item_column(), actions.c.channel,
                       actions.c.deadline)
                .where(actions.c.sop_id == self.sop.id, actions.c.group_id.in_(group_ids), actions.c.data.is_(None))):
            out.setdefault(r.group_id, {})[r.key] = r
        return out

    def _item_column(self) -> Any:
        """SQLite: the item's JSON text, compared as text (parsing a million items costs more than the
        rest of a re-apply). PostgreSQL: the driver hands it over parsed."""
        if self._raw_items:
            return type_coerce(actions.c.item, Text).label("item")
        return actions.c.item

    @property
    def _raw_items(self) -> bool:
        return self.conn.dialect.name == "sqlite"

    def _desired(self, group: Group, window: Window) -> Iterator[tuple[str, dict[str, Any], str | None]]:
        """(key, fresh row without key and group, its item as JSON) of each planned action; one plan
        per shared timing."""
        shared = not group.pools and not any(s.shuffle for s in self.sop.steps)
        timing_key = (group.start, group.quiet, window)
        template = self._timings.get(timing_key) if shared else None
        if template is None:
            template = []
            for a in plan(self.sop, group, window, render=False):
                row = action_row(a, self.version_id, self.fingerprints[a.step], self.now)
                head, tail = a.key.rsplit("/", 2)[0], a.key.rsplit("/", 1)[1]
                template.append((head, tail, row, item_json(row["item"])))
            if shared:
                self._timings[timing_key] = template
        for head, tail, row, item in template:
            yield f"{head}/{group.id}/{tail}", row, item

    def _compare(self, group: Group, window: Window, stored: dict[str, Any]) -> PairChange:
        change = PairChange(self.sop.id, group.id)
        now_db = to_db(self.now)
        wanted: set[str] = set()
        for key, fresh, item in self._desired(group, window):
            wanted.add(key)
            row = stored.get(key)
            if row is None:
                if fresh["deadline"] >= now_db:
                    self._new.append({**fresh, "key": key, "group_id": group.id})
                    change.added += 1
                continue
            if row.state != states.PLANNED or row.due < now_db:
                continue
            if (row.fingerprint, row.channel, row.deadline) != (fresh["fingerprint"], fresh["channel"], fresh["deadline"]) \
                    or not _same_item(row.item, item, fresh["item"], self._raw_items):
                self._changed.append({"b_id": row.id, **{f"b_{c}": fresh[c] for c in _CHANGED}})
                self._audits.append(self._audit(key, group.id, states.PLANNED, "changed by apply"))
                change.changed += 1
            else:
                change.unchanged += 1
        for key, row in stored.items():
            if key not in wanted and row.state == states.PLANNED and row.due >= now_db:
                self._cancelled.append(row.id)
                self._audits.append(self._audit(key, group.id, states.CANCELLED, "removed from the SOP"))
                change.cancelled += 1
        return change

    def _audit(self, key: str, group_id: str, to_state: str, detail: str) -> dict[str, Any]:
        return {"action_key": key, "group_id": group_id, "sop_id": self.sop.id, "from_state": states.PLANNED,
                "to_state": to_state, "detail": detail}

    def _write(self, pairs: Sequence[tuple[Group, Window]]) -> None:
        conn, now_db, version = self.conn, to_db(self.now), self.version_id
        conn.execute(update(enrollments).where(and_(enrollments.c.sop_id == self.sop.id,
                                                    enrollments.c.group_id == bindparam("b_group")))
                     .values(planned_until=bindparam("b_until"), version_id=version, active=True,
                             persistent=self.sop.lifetime is None),
                     [{"b_group": g.id, "b_until": to_db(w.end)} for g, w in pairs])
        if self._changed:
            conn.execute(update(actions).where(actions.c.id == bindparam("b_id")).values(
                version_id=version, updated_at=now_db, **{c: bindparam(f"b_{c}") for c in _CHANGED}), self._changed)
        for start in range(0, len(self._cancelled), CHUNK):
            conn.execute(update(actions).where(actions.c.id.in_(self._cancelled[start:start + CHUNK])).values(
                state=states.CANCELLED, reason="removed from the SOP", finished_at=now_db, updated_at=now_db))
        insert_actions(conn, self._new)
        write_audit(conn, self.now, self.actor, self._audits)


def _same_item(stored: Any, as_json: str | None, item: Any, raw: bool) -> bool:
    """Whether a stored item is ``item``; ``raw``: ``stored`` is JSON text (``as_json`` is ``item``'s)."""
    if not raw:
        return bool(stored == item)
    if stored is None or item is None:  # SQLAlchemy's JSON type writes None as the text 'null'
        return stored in (None, "null") and item is None
    return bool(stored == as_json or json.loads(stored) == item)  # older rows: ASCII escapes
