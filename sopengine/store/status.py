"""``status``: counts by state, next due and lateness per (SOP, group) pair, and the same summed
by SOP in SQL for a ledger too large to list pair by pair.

Both are bounded by pairs, not actions: the counts come from :mod:`.pair_counts` (and the sums by
SOP from the sums it keeps), each pair's next due and late waiting actions from a seek in
``ix_actions_waiting``. A task handed over to an operator is late once its due is past: every
overdue one (its counts say how many), and those still open within their grace whose due is past,
read from the claim index's range of that state.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, Collection, Iterator

from sqlalchemy import Integer, String, bindparam, column, or_, select, text
from sqlalchemy.engine import Connection

from sopengine.store import pair_counts, states
from sopengine.store.bulk import driver_time, fetch_tuples, time_from_driver
from sopengine.store.core import Database
from sopengine.store.database import aware, to_db
from sopengine.store.tables import WAITING_STATES, actions, groups, pair_count_deltas, sops
from sopengine.store.timestamps import UtcDateTime


@dataclass(frozen=True)
class PairStatus:
    """Counts by state of one (SOP, group) pair, with its next due and lateness. In a row summed
    by SOP, ``group`` says how many groups it sums."""

    sop: str
    group: str
    counts: dict[str, int]
    next_due: datetime | None
    late: int
    paused: bool
    dissolved: bool

    def next_due_in(self, zone: tzinfo | None) -> datetime | None:
        """The next due in ``zone`` (as stored, UTC, if None)."""
        return self.next_due if zone is None or self.next_due is None else self.next_due.astimezone(zone)

    def to_json(self, zone: tzinfo | None = None) -> dict[str, Any]:
        """As plain data, the next due in ``zone`` (as stored, UTC, if None)."""
        due = self.next_due_in(zone)
        return {"sop": self.sop, "group": self.group, "counts": self.counts,
                "next_due": due.isoformat() if due else None, "late": self.late,
                "paused": self.paused, "dissolved": self.dissolved}


@dataclass(frozen=True)
class StatusSummary:
    """``status`` summed in SQL: how many pairs hold actions, a row per SOP, and the pairs needing
    someone (late, overdue, missed or failed), the ``limit`` with the most first."""

    pairs: int
    by_sop: list[PairStatus]
    needing: list[PairStatus]
    needing_total: int


#: States a pair needs someone for, besides being late.
TROUBLE = (states.OVERDUE, states.MISSED, states.FAILED)


def status(store: Database, now: datetime) -> list[PairStatus]:
    """Per (SOP, group): counts by state, next due, and how many are late (due, not yet done)."""
    with store.engine.connect() as conn:
        return _pair_statuses(conn, now, pair_counts.read(conn))


def status_summary(store: Database, now: datetime, limit: int) -> StatusSummary:
    """:func:`status` summed by SOP, and the ``limit`` pairs needing someone most, without a
    Python object per pair: what a person's ``status`` shows of a fleet.

    Each source is read once, as plain driver rows where they are many: the kept sums by SOP and
    state, how many pairs each SOP holds, the pairs' counts in trouble states, every waiting pair's
    next due and late count, and the tasks handed over but not yet overdue whose due is past. They
    are put together here."""
    now_db = to_db(now)
    with store.engine.connect() as conn:
        by_sop = pair_counts.read_sops(conn)
        counted = pair_state(conn)
        sized = {sop_id: int(n) for sop_id, n in fetch_tuples(conn, text(
            f"SELECT sop_id, count(*) FROM (SELECT DISTINCT sop_id, group_id FROM ({counted}) AS c) AS p"
            " GROUP BY sop_id"))}
        # an overdue task is past its deadline, so past due: late as well as in trouble
        weight: dict[tuple[str, str], int] = {(sop_id, group_id): int(n) for sop_id, group_id, n in fetch_tuples(
            conn, text(f"SELECT sop_id, group_id, sum(CASE WHEN state = '{states.OVERDUE}' THEN 2 * n ELSE n END)"
                       f" FROM ({counted}) AS c WHERE state IN ({_TROUBLES}) GROUP BY sop_id, group_id")) if n}
        late: dict[str, int] = {}
        for sop_id, counts in by_sop.items():
            if counts.get(states.OVERDUE):
                late[sop_id] = counts[states.OVERDUE]
        firsts: dict[str, Any] = {}  # as the driver gives times: they compare alike
        for sop_id, group_id, first, n in fetch_tuples(conn, _WAITING_BY_PAIR, {"now": now_db}):
            if first is not None and (sop_id not in firsts or first < firsts[sop_id]):
                firsts[sop_id] = first
            if n:
                late[sop_id] = late.get(sop_id, 0) + n
                weight[sop_id, group_id] = weight.get((sop_id, group_id), 0) + n
        for sop_id, group_id in late_open_tasks(conn, now_db):
            late[sop_id] = late.get(sop_id, 0) + 1
            weight[sop_id, group_id] = weight.get((sop_id, group_id), 0) + 1
        most = heapq.nsmallest(limit, weight.items(), key=lambda pair_weight: (-pair_weight[1], pair_weight[0]))
        needing = [pair for pair, _ in most]
        pairs = _pair_statuses(conn, now, pair_counts.read_pairs(conn, needing))
        as_time = time_from_driver(conn)
        next_due = {sop_id: aware(as_time(first)) for sop_id, first in firsts.items()}
    order = {pair: n for n, pair in enumerate(needing)}
    return StatusSummary(
        sum(sized.values()),
        [PairStatus(sop_id, f"{sized.get(sop_id, 0)} groups", counts, next_due.get(sop_id), late.get(sop_id, 0),
                    False, False) for sop_id, counts in sorted(by_sop.items())],
        sorted(pairs, key=lambda p: order[p.sop, p.group]), len(weight))


def late_open_tasks(conn: Connection, now_db: datetime, group_ids: Collection[str] | None = None
                    ) -> Iterator[tuple[str, str]]:
    """(SOP, group) of each task handed over to an operator and not yet overdue (``due``) whose
    due is past, of ``group_ids`` only if given. Overdue tasks are all past due: their counts say
    how many.

    Read by state alone, so the claim index serves it (a condition on due would draw SQLite to
    the due index, whose range before now is most of the ledger): as many as are open within
    their grace. Past due is checked here."""
    handed = select(actions.c.sop_id, actions.c.group_id, actions.c.due).where(actions.c.state == states.DUE)
    if group_ids is not None:
        handed = handed.where(actions.c.group_id.in_(sorted(group_ids)))
    before = driver_time(conn)(now_db)
    for sop_id, group_id, due in fetch_tuples(conn, handed):
        if due < before:
            yield sop_id, group_id


def _pair_statuses(conn: Connection, now: datetime, counts: dict[tuple[str, str], dict[str, int]]
                   ) -> list[PairStatus]:
    """The statuses of the pairs ``counts`` holds, in (SOP, group) order."""
    now_db = to_db(now)
    few = len(counts) <= _FEW_PAIRS
    nexts: dict[tuple[str, str], datetime] = {}
    late: dict[tuple[str, str], int] = {}
    if few:
        waiting = [(s, g, *conn.execute(_WAITING_OF_PAIR, {"sop": s, "group": g, "now": now_db}).one())
                   for s, g in counts]
    else:  # tens of thousands of pairs: their times converted here, as the driver gives them
        as_time = time_from_driver(conn)
        waiting = [(s, g, as_time(first), n)
                   for s, g, first, n in fetch_tuples(conn, _WAITING_BY_PAIR, {"now": now_db})]
    for s, g, first, n in waiting:
        if first is not None:
            nexts[s, g] = aware(first)
        if n:
            late[s, g] = n
    for pair, by_state in counts.items():
        if by_state.get(states.OVERDUE):
            late[pair] = late.get(pair, 0) + by_state[states.OVERDUE]
    few_groups = sorted({g for _, g in counts}) if few else None
    for s, g in late_open_tasks(conn, now_db, few_groups):
        if (s, g) in counts:
            late[s, g] = late.get((s, g), 0) + 1
    paused_groups, dissolved, paused_sops = flagged_groups(conn, few_groups)
    return [PairStatus(s, g, c, nexts.get((s, g)), late.get((s, g), 0),
                       g in paused_groups or s in paused_sops, g in dissolved)
            for (s, g), c in sorted(counts.items())]


def flagged_groups(conn: Connection, group_ids: Collection[str] | None = None
                   ) -> tuple[set[str], set[str], set[str]]:
    """The paused groups, the dissolved groups (of ``group_ids`` only, if given) and the paused
    SOPs."""
    flagged = select(groups.c.id, groups.c.paused, groups.c.dissolved_at.is_not(None)).where(
        or_(groups.c.paused.is_(True), groups.c.dissolved_at.is_not(None)))
    if group_ids is not None:
        flagged = flagged.where(groups.c.id.in_(group_ids))
    paused_groups: set[str] = set()
    dissolved: set[str] = set()
    for group_id, paused, gone in conn.execute(flagged):
        if paused:
            paused_groups.add(group_id)
        if gone:
            dissolved.add(group_id)
    return paused_groups, dissolved, set(conn.execute(select(sops.c.id).where(sops.c.paused.is_(True))).scalars())


#: Up to this many pairs, each is read on its own (seeks) rather than every pair at once.
_FEW_PAIRS = 200

#: Whether an action is still to be sent (SQL), word for word as ``ix_actions_waiting``'s condition.
IS_WAITING = f"state IN ({', '.join(repr(s) for s in WAITING_STATES)})"
_PAIRS_WAITING = f"""SELECT sop_id, group_id FROM pair_counts WHERE {IS_WAITING} AND n > 0
          UNION SELECT sop_id, group_id FROM {pair_count_deltas.name} WHERE {IS_WAITING}"""


def waiting_seeks(sop: str, group: str) -> tuple[str, str]:
    """The earliest waiting due, and how many waiting are due before ``:now``, of the pair
    ``sop``, ``group`` (SQL expressions): two seeks in ``ix_actions_waiting``, whose condition
    they repeat word for word, as SQLite needs to use a partial index."""
    pair = f"a.sop_id = {sop} AND a.group_id = {group} AND a.{IS_WAITING}"
    return (f"(SELECT min(a.due) FROM actions a WHERE {pair})",
            f"(SELECT count(*) FROM actions a WHERE {pair} AND a.due < :now)")


def _waiting_of(sop: str, group: str) -> str:
    """:func:`waiting_seeks` as columns ``first`` and ``late``."""
    first, late = waiting_seeks(sop, group)
    return f"{first} AS first, {late} AS late"


_WAITING_COLUMNS = f"p.sop_id, p.group_id, {_waiting_of('p.sop_id', 'p.group_id')}"
#: Each pair with actions still to be sent, its earliest due and late count (:func:`_waiting_of`).
#: Pairs come from the counts, deltas included.
_WAITING_BY_PAIR = text(f"SELECT {_WAITING_COLUMNS} FROM ({_PAIRS_WAITING}) AS p").bindparams(
    bindparam("now", type_=UtcDateTime())).columns(
    column("sop_id", String), column("group_id", String), column("first", UtcDateTime()), column("late", Integer))
#: One pair's (``:sop``, ``:group``).
_WAITING_OF_PAIR = text(f"SELECT {_waiting_of(':sop', ':group')}").bindparams(
    bindparam("now", type_=UtcDateTime())).columns(column("first", UtcDateTime()), column("late", Integer))
_TROUBLES = ", ".join(repr(s) for s in TROUBLE)


def pair_state(conn: Connection) -> str:
    """A query of the counts (``sop_id, group_id, state, n``), non-zero ones only: read as they
    are on SQLite (which keeps them without deltas), summed with the deltas else."""
    # SQLite's triggers keep the counts themselves (no deltas, ever); on PostgreSQL deltas may be
    # committed between any two statements, so they are always summed in
    if conn.dialect.name == "sqlite":
        return "SELECT sop_id, group_id, state, n FROM pair_counts WHERE n <> 0"
    return ("SELECT sop_id, group_id, state, sum(n) AS n FROM (SELECT sop_id, group_id, state, n FROM"
            f" pair_counts UNION ALL SELECT sop_id, group_id, state, n FROM {pair_count_deltas.name}) AS c"
            " GROUP BY sop_id, group_id, state HAVING sum(n) <> 0")
