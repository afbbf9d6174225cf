"""``status``: counts by state, next due and lateness per (SOP, group) pair, and the same summed
by SOP in SQL for a ledger too large to list pair by pair.

Both are bounded by pairs, not actions: the counts come from :mod:`.pair_counts`, each pair's next
due and late waiting actions from a seek in ``ix_actions_waiting``, and late handed-over tasks from
the claim index's range of those states (as many as nobody has confirmed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, bindparam, column, select, text
from sqlalchemy.engine import Connection

from sopengine.store import pair_counts, states
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

    def to_json(self) -> dict[str, Any]:
        return {"sop": self.sop, "group": self.group, "counts": self.counts,
                "next_due": self.next_due.isoformat() if self.next_due else None, "late": self.late,
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
_HANDED_OVER = (states.DUE, states.OVERDUE)


def status(store: Database, now: datetime) -> list[PairStatus]:
    """Per (SOP, group): counts by state, next due, and how many are late (due, not yet done)."""
    with store.engine.connect() as conn:
        return _pair_statuses(conn, now, pair_counts.read(conn))


def status_summary(store: Database, now: datetime, limit: int) -> StatusSummary:
    """:func:`status` summed by SOP, and the ``limit`` pairs needing someone most, without a
    Python object per pair: what a person's ``status`` shows of a fleet."""
    now_db = to_db(now)
    with store.engine.connect() as conn:
        cte = _per_pair(conn)
        params = {"now": now_db, "limit": limit}
        counts: dict[str, dict[str, int]] = {}
        for sop_id, state, n in conn.execute(_sql(cte, "SELECT sop_id, state, sum(n) FROM pair_state"
                                                       " GROUP BY sop_id, state"), params):
            counts.setdefault(sop_id, {})[state] = int(n)
        sized = dict(conn.execute(_sql(cte, "SELECT sop_id, count(*) FROM (SELECT DISTINCT sop_id, group_id"
                                            " FROM pair_state) AS p GROUP BY sop_id"), params).all())
        firsts, late = {}, {}
        for sop_id, first, n in conn.execute(_sql(cte, "SELECT sop_id, min(first), sum(late) FROM"
                                                       " (SELECT sop_id, first, late FROM waiting UNION ALL"
                                                       "  SELECT sop_id, NULL, late FROM handed) AS w"
                                                       " GROUP BY sop_id", first=True), params):
            firsts[sop_id], late[sop_id] = first, int(n or 0)
        # one reading gives the most needing and, counted over the whole result, how many need someone
        most = conn.execute(_sql(cte, f"SELECT sop_id, group_id, count(*) OVER () FROM ({_NEEDING}) AS t"
                                      " ORDER BY weight DESC, sop_id, group_id LIMIT :limit"), params).all()
        needing = [(s, g) for s, g, _ in most]
        needing_total = int(most[0][2]) if most else 0
        pairs = _pair_statuses(conn, now, pair_counts.read_pairs(conn, needing))
    order = {pair: n for n, pair in enumerate(needing)}
    return StatusSummary(
        sum(sized.values()),
        [PairStatus(sop_id, f"{sized.get(sop_id, 0)} groups", by_state, aware(firsts.get(sop_id)),
                    late.get(sop_id, 0), False, False) for sop_id, by_state in sorted(counts.items())],
        sorted(pairs, key=lambda p: order[p.sop, p.group]), needing_total)


def _pair_statuses(conn: Connection, now: datetime, counts: dict[tuple[str, str], dict[str, int]]
                   ) -> list[PairStatus]:
    """The statuses of the pairs ``counts`` holds, in (SOP, group) order."""
    now_db = to_db(now)
    few = len(counts) <= _FEW_PAIRS
    nexts: dict[tuple[str, str], datetime] = {}
    late: dict[tuple[str, str], int] = {}
    waiting = ([(s, g, *conn.execute(_WAITING_OF_PAIR, {"sop": s, "group": g, "now": now_db}).one())
                for s, g in counts] if few else conn.execute(_WAITING_BY_PAIR, {"now": now_db}))
    for s, g, first, n in waiting:
        if first is not None:
            nexts[s, g] = first
        if n:
            late[s, g] = n
    # by state alone, so the claim index serves it (a condition on due would draw SQLite to the
    # due index, whose range before now is most of the ledger); past due is checked here
    handed = select(actions.c.sop_id, actions.c.group_id, actions.c.due).where(actions.c.state.in_(_HANDED_OVER))
    if few:
        handed = handed.where(actions.c.group_id.in_(sorted({g for _, g in counts})))
    for s, g, due in conn.execute(handed):
        if due < now_db and (s, g) in counts:
            late[s, g] = late.get((s, g), 0) + 1
    paused_groups = set(conn.execute(select(groups.c.id).where(groups.c.paused.is_(True))).scalars())
    paused_sops = set(conn.execute(select(sops.c.id).where(sops.c.paused.is_(True))).scalars())
    dissolved = set(conn.execute(select(groups.c.id).where(groups.c.dissolved_at.is_not(None))).scalars())
    return [PairStatus(s, g, c, aware(nexts.get((s, g))), late.get((s, g), 0),
                       g in paused_groups or s in paused_sops, g in dissolved)
            for (s, g), c in sorted(counts.items())]


#: Up to this many pairs, each is read on its own (seeks) rather than every pair at once.
_FEW_PAIRS = 200

_WAITING = f"state IN ({', '.join(repr(s) for s in WAITING_STATES)})"
_PAIRS_WAITING = f"""SELECT sop_id, group_id FROM pair_counts WHERE {_WAITING} AND n > 0
          UNION SELECT sop_id, group_id FROM {pair_count_deltas.name} WHERE {_WAITING}"""


def _waiting_of(sop: str, group: str) -> str:
    """The earliest waiting due (``first``) and how many waiting are due before ``:now``
    (``late``) of the pair ``sop``, ``group`` (SQL expressions): two seeks in
    ``ix_actions_waiting``, whose condition they repeat word for word, as SQLite needs to use a
    partial index."""
    pair = f"a.sop_id = {sop} AND a.group_id = {group} AND a.{_WAITING}"
    return (f"(SELECT min(a.due) FROM actions a WHERE {pair}) AS first,"
            f" (SELECT count(*) FROM actions a WHERE {pair} AND a.due < :now) AS late")


_WAITING_COLUMNS = f"p.sop_id, p.group_id, {_waiting_of('p.sop_id', 'p.group_id')}"
#: Each pair with actions still to be sent, its earliest due and late count (:func:`_waiting_of`).
#: Pairs come from the counts, deltas included.
_WAITING_BY_PAIR = text(f"SELECT {_WAITING_COLUMNS} FROM ({_PAIRS_WAITING}) AS p").bindparams(
    bindparam("now", type_=UtcDateTime())).columns(
    column("sop_id", String), column("group_id", String), column("first", UtcDateTime()), column("late", Integer))
#: One pair's (``:sop``, ``:group``).
_WAITING_OF_PAIR = text(f"SELECT {_waiting_of(':sop', ':group')}").bindparams(
    bindparam("now", type_=UtcDateTime())).columns(column("first", UtcDateTime()), column("late", Integer))
_HANDED = ", ".join(repr(s) for s in _HANDED_OVER)
_TROUBLES = ", ".join(repr(s) for s in TROUBLE)
_NEEDING = f"""SELECT sop_id, group_id, sum(n) AS weight FROM (
        SELECT sop_id, group_id, n FROM pair_state WHERE state IN ({_TROUBLES})
        UNION ALL SELECT sop_id, group_id, late FROM waiting WHERE late > 0
        UNION ALL SELECT sop_id, group_id, late FROM handed WHERE late > 0) AS t
    GROUP BY sop_id, group_id"""


def _per_pair(conn: Connection) -> str:
    """The common table expressions the summary reads: ``pair_state`` (counts), ``waiting`` (next
    due and late waiting, per pair), ``handed`` (late handed-over tasks, per pair). The counts are
    read as they are on SQLite (which keeps them without deltas), summed with the deltas else."""
    # SQLite's triggers keep the counts themselves (no deltas, ever); on PostgreSQL deltas may be
    # committed between any two statements, so they are always summed in
    pending = conn.dialect.name != "sqlite"
    pair_state = ("SELECT sop_id, group_id, state, sum(n) AS n FROM (SELECT sop_id, group_id, state, n FROM"
                  f" pair_counts UNION ALL SELECT sop_id, group_id, state, n FROM {pair_count_deltas.name}) AS c"
                  " GROUP BY sop_id, group_id, state HAVING sum(n) <> 0") if pending else (
                  "SELECT sop_id, group_id, state, n FROM pair_counts WHERE n <> 0")
    return (f"WITH pair_state AS ({pair_state}),"
            f" waiting AS (SELECT {_WAITING_COLUMNS} FROM ({_PAIRS_WAITING}) AS p),"
            f" handed AS (SELECT sop_id, group_id, sum(CASE WHEN due < :now THEN 1 ELSE 0 END) AS late"
            f"  FROM actions WHERE state IN ({_HANDED}) GROUP BY sop_id, group_id) ")


def _sql(cte: str, query: str, *, first: bool = False) -> Any:
    """``query`` after ``cte``, ``now`` bound as the ledger stores times (and, with ``first``, its
    columns typed: SOP, earliest due, late)."""
    statement = text(cte + query).bindparams(bindparam("now", type_=UtcDateTime()))
    if not first:
        return statement
    return statement.columns(column("sop_id", String), column("first", UtcDateTime()), column("late", Integer))
