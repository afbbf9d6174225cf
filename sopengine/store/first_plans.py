"""Planning new (SOP, group) pairs in bulk: one plan per timing, copied to every group inside SQL.

An agency enrolls thousands of groups at once, and most share their timing (same start day,
quiet hours and window), so their actions differ only in the group: the key tail's group segment
and the ``group_id`` column. Such a timing is planned once; its rows go into a temporary table,
the groups into another, and an ``INSERT … SELECT`` writes every group's copy (500 groups at a
time, in the order the copies fall due). The database then does what Python would otherwise do a
million times: build the row and bind its 22 parameters. Pairs that cannot share are planned one
by one and bulk-inserted. Groups that pick from pools of their own (or shuffled) still share
their timing: their items go into a third temporary table, and each copy of a pick step takes
the group's item at its occurrence (``occurrence % pool length``).

Keys are unique in the ledger and inserts skip keys that exist, so a repeated
or concurrent apply never doubles an action.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import Any, Hashable, Iterable, Iterator, Mapping, Sequence

from sqlalchemy import (
    Column, Index, Integer, MetaData, String, Table, Text, and_, case, join, select, true,
)
from sqlalchemy.engine import Connection

from sopengine.model.group import Group
from sopengine.model.actions import Window
from sopengine.model.sop import Sop
from sopengine.store import pair_counts
from sopengine.store.abc import Planner
from sopengine.store.bulk import (
    COLUMNS, action_row, insert_prepared, insert_rows, item_json, planned_tuples, prepare,
)
from sopengine.store.database import to_db
from sopengine.store.tables import KEY_INDEX, actions, around_group

#: Rows of pairs planned one by one, collected before one bulk insert.
BATCH_ROWS = 20_000
#: Groups whose copies one statement writes, in due order (see :meth:`FirstPlans._flush_timings`):
#: one minute's actions of a fleet lie in runs of this many.
GROUPS_PER_COPY = 500
#: Columns a copy takes from its timing's plan unchanged (all but id, key tail and group_id).
_COPIED = ("sop_id", "step", "part", "kind", "channel", "due", "deadline", "state", "next_attempt_at", "attempts",
           "progress", "occurrence", "day", "step_index", "part_index", "item", "version_id",
           "updated_at")
#: Where each of :data:`_COPIED` stands in a prepared row (:func:`.bulk.prepare`, in COLUMNS order).
_COPIED_AT = tuple(COLUMNS.index(c) for c in _COPIED)
_temp = MetaData()
_timing_rows = Table(
    "sopengine_timing_rows", _temp,
    # the rows of every timing in the order their copies are written: by due (see _due_order)
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("timing", Integer, nullable=False),
    # a copy's key tail is key_before + its group + key_after (see tables.around_group)
    Column("key_before", Text, nullable=False), Column("key_after", Text, nullable=False),
    *(Column(name, actions.c[name].type) for name in _COPIED),
    prefixes=["TEMPORARY"],
)
_timing_groups = Table(
    "sopengine_timing_groups", _temp,
    Column("timing", Integer, nullable=False),
    Column("group_id", String(120), nullable=False),
    prefixes=["TEMPORARY"],
)
# keyed by what a copy of a pick step looks its group's item up by; on SQLite the key's tree
# holds the rows, so a lookup reads the count and item where it finds the key
_timing_picks = Table(
    "sopengine_timing_picks", _temp,
    Column("timing", Integer, primary_key=True, autoincrement=False),
    Column("group_id", String(120), primary_key=True),
    Column("step", String(120), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("count", Integer, nullable=False),
    Column("item", actions.c.item.type),
    prefixes=["TEMPORARY"], sqlite_with_rowid=False,
)
# what a slice's groups find their timing's rows by, or the rows their groups, whichever the
# database reads first (created and dropped with the tables)
Index("ix_sopengine_timing_rows", _timing_rows.c.timing)
Index("ix_sopengine_timing_groups", _timing_groups.c.timing)


def split_key(key: str) -> tuple[str, str]:
    """An action key's parts around its group segment: (``sop/step[/part]``, local due)."""
    head, _group, tail = key.rsplit("/", 2)
    return head, tail


#: Longer than quiet hours can defer an action (see :meth:`FirstPlans._still_possible`).
QUIET_MARGIN = timedelta(days=2)


@dataclass
class _Timing:
    rows: list[dict[str, Any]]
    groups: list[str] = field(default_factory=list)
    #: group → pick step → the group's items in pick order (its copies take theirs, not the plan's)
    picks: dict[str, Mapping[str, Sequence[Any]]] = field(default_factory=dict)


@dataclass
class FirstPlans:
    """Collects the first plans of new pairs, or a rolling pair's next stretch; :meth:`flush`
    writes them. One per transaction."""

    conn: Connection
    now: datetime
    planner: Planner
    #: Whether what is certainly over (due + grace before ``now``) is left out: true of a new
    #: pair (that belongs to before the engine ran it); a rolling pair's stretch keeps it, so
    #: what a stopped daemon did not plan in time is recorded as missed, not lost.
    drops_over: bool = True
    _timings: dict[Hashable, _Timing] = field(default_factory=dict)
    _single: list[tuple[Any, ...]] = field(default_factory=list)  # prepared rows (bulk.prepare)

    def add(self, sop: Sop, group: Group, window: Window, version_id: int) -> int:
        """Plan a new pair; returns how many actions it gets (written at the next flush).

        Occurrences whose due + grace already passed belong to before the engine ran this
        group and are left out.
        """
        shared = self.planner.shared_timing(sop, version_id, group, window)
        timing_key, picks = shared if shared is not None else (None, {})
        timing = self._timings.get(timing_key) if timing_key is not None else None
        if timing is None:
            planned = self.planner.plan(sop, group, self._still_possible(sop, window) if self.drops_over else window)
            if timing_key is None:
                prepared = planned_tuples(self.conn, planned, version_id, self.now, drops_over=self.drops_over)
                self._single += prepared
                if len(self._single) >= BATCH_ROWS:
                    self._flush_single()
                return len(prepared)
            now_db = to_db(self.now)
            rows = [r for r in (action_row(a, version_id, self.now) for a in planned)
                    if not self.drops_over or r["deadline"] >= now_db]
            timing = self._timings[timing_key] = _Timing(rows)
        timing.groups.append(group.id)
        if picks:
            timing.picks[group.id] = picks
        return len(timing.rows)

    def _still_possible(self, sop: Sop, window: Window) -> Window:
        """``window`` without the stretch whose actions are certainly over (due + grace before now):
        a group that started months ago is not planned from its day 0 only to drop it. The margin
        covers quiet hours, which defer a time by less than a day."""
        grace = max((step.grace for step in sop.steps), default=timedelta(0))
        start = self.now - grace - QUIET_MARGIN
        return Window(start, window.end) if start > window.start else window

    def add_rows(self, timing_key: Any, rows: list[dict[str, Any]], group_id: str) -> None:
        """Queue ``rows`` (planned for some group of the timing ``timing_key``) to be copied to ``group_id``."""
        timing = self._timings.get(timing_key)
        if timing is None:
            timing = self._timings[timing_key] = _Timing(rows)
        timing.groups.append(group_id)

    def flush(self) -> int:
        """Write everything collected; returns rows inserted."""
        return self._flush_single() + self._flush_timings()

    def _flush_single(self) -> int:
        self._single.sort(key=_due_order)
        inserted = insert_prepared(self.conn, self._single)
        self._single.clear()
        return inserted

    def _flush_timings(self) -> int:
        timings = [t for t in self._timings.values() if t.rows and t.groups]
        self._timings.clear()
        if not timings:
            return 0
        conn = self.conn
        with_picks = any(t.picks for t in timings)
        _timing_rows.create(conn)
        _timing_groups.create(conn)
        if with_picks:
            _timing_picks.create(conn)
        try:
            # at the driver level (COPY on PostgreSQL): a fleet's timings hold hundreds of thousands of rows
            planned = sorted(((n, r, values) for n, t in enumerate(timings)
                              for r, values in zip(t.rows, prepare(conn, t.rows))), key=lambda p: _due_order(p[2]))
            insert_rows(conn, _timing_rows.name, [c.name for c in _timing_rows.columns], [
                (position, n, *around_group(r["key_tail"]), *(values[i] for i in _COPIED_AT))
                for position, (n, r, values) in enumerate(planned)])
            for chunk in _chunked((n, g, step, i, len(items), item_json(item))
                                  for n, t in enumerate(timings) for g, steps in t.picks.items()
                                  for step, items in steps.items() for i, item in enumerate(items)):
                insert_rows(conn, _timing_picks.name, [c.name for c in _timing_picks.columns], chunk)
            # the groups copied a slice at a time, in the order of their ids: within a slice the
            # copies go in due order, and the unique key index (group first) takes them within a
            # few of its pages, not all over it (a fleet in one slice took a fifth longer to apply)
            by_group = sorted((g, n) for n, t in enumerate(timings) for g in t.groups)
            inserted = 0
            for start in range(0, len(by_group), GROUPS_PER_COPY):
                conn.execute(_timing_groups.delete())
                insert_rows(conn, _timing_groups.name, ["timing", "group_id"],
                            [(n, g) for g, n in by_group[start:start + GROUPS_PER_COPY]])
                inserted += _insert_copies(conn, with_picks=with_picks)
            _count_copies(conn, timings, inserted)
            return inserted
        finally:
            if with_picks:
                _timing_picks.drop(conn)
            _timing_groups.drop(conn)
            _timing_rows.drop(conn)


def _due_order(row: Sequence[Any]) -> tuple[Any, ...]:
    """Where a prepared row (:func:`.bulk.prepare`) goes among those written together: by due, then
    as a claim takes them. The actions due in one minute across a fleet then lie side by side in
    the ledger, so the claims, outcomes and confirmations of that minute write a few pages of
    it, not a page per group."""
    return row[_DUE_AT], row[_STEP_INDEX_AT], row[_PART_INDEX_AT]


_DUE_AT, _STEP_INDEX_AT, _PART_INDEX_AT = (COLUMNS.index(c) for c in ("due", "step_index", "part_index"))


def _chunked(rows: Iterable[tuple[Any, ...]], size: int = BATCH_ROWS) -> Iterator[list[tuple[Any, ...]]]:
    """``rows`` in lists of ``size`` (the last one shorter)."""
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _count_copies(conn: Connection, timings: Sequence[_Timing], inserted: int) -> None:
    """Count the copies just inserted: each timing's rows by SOP and state, once per group of it, when
    every copy went in; else (some keys were there already) the groups' actions again."""
    if not pair_counts.counts_inserts(conn):
        return
    if inserted == sum(len(t.rows) * len(t.groups) for t in timings):
        counts: Counter[tuple[str, str, str]] = Counter()
        for t in timings:
            per_group = Counter((r["sop_id"], r["state"]) for r in t.rows)
            for group_id in t.groups:
                for (sop_id, state), n in per_group.items():
                    counts[sop_id, group_id, state] += n
        pair_counts.count_inserted(conn, counts)
    else:
        pair_counts.recount_groups(conn, {g for t in timings for g in t.groups})


def _insert_copies(conn: Connection, *, with_picks: bool = False) -> int:
    r, g, p = _timing_rows.c, _timing_groups.c, _timing_picks.c
    tail = r.key_before + g.group_id + r.key_after
    columns: list[Any] = [r[c] for c in _COPIED]
    joined = join(_timing_groups, _timing_rows, r.timing == g.timing)
    if with_picks:  # a pick step's copy takes the group's own item at its occurrence
        # a group's own item may be null: whether the group has a pick row decides, not its item
        columns[_COPIED.index("item")] = case((p.step.is_not(None), p.item), else_=r.item).label("item")
        joined = joined.outerjoin(_timing_picks, and_(
            p.timing == g.timing, p.group_id == g.group_id, p.step == r.step,
            p.position == r.occurrence % p.count))
    # SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT. The order is the rows' (by due):
    # a slice's copies are few enough to sort
    copies = select(tail, g.group_id, *columns).select_from(joined).where(true()).order_by(r.position)
    statement = _upsert_module(conn).insert(actions).from_select(["key_tail", "group_id", *_COPIED], copies)
    return max(conn.execute(statement.on_conflict_do_nothing(index_elements=list(KEY_INDEX))).rowcount, 0)


def _upsert_module(conn: Connection) -> Any:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql
        return postgresql
    from sqlalchemy.dialects import sqlite
    return sqlite
