"""How many actions each (SOP, group) pair holds in each state, kept as the ledger changes, so that
``status`` reads a few rows a pair instead of counting ten million actions.

``pair_counts`` holds the counts. What keeps them true differs by backend, for cost and for
contention:

- **PostgreSQL**: statement-level triggers on ``actions`` (with transition tables) append one row a
  pair and state to ``pair_count_deltas`` for each INSERT, UPDATE and DELETE. Appending takes no row
  lock, so two daemons changing actions of the same pair never wait on, or deadlock over, a count.
  :func:`fold` moves the deltas into ``pair_counts``, and their sums by SOP into ``sop_counts``
  (the daemon calls it when it goes idle, an apply when it ends); a reading sums both tables, so
  it is exact at any time.
- **SQLite** (one writer at a time, nothing to contend on): row triggers on UPDATE and DELETE
  adjust ``pair_counts`` directly. Inserts are counted by the store itself (:func:`count_inserted`),
  because a row trigger costs an apply about 2.4 µs an action, a sixth of its time, where the store
  knows its inserts' counts from the rows it holds. The same triggers and the store's inserts keep
  ``sop_counts``, the counts' sums by SOP.

Only the two insert paths of the store (:mod:`.bulk`, :mod:`.first_plans`) insert actions, and both
call :func:`count_inserted`. A row inserted behind the store's back on SQLite is not counted until
:func:`rebuild`. Zero counts are left in place and never read.
"""

from __future__ import annotations

from typing import Any, Collection, Iterable, Mapping, Sequence

from sqlalchemy import func, select, union_all
from sqlalchemy.engine import Connection

from sopengine.store.tables import actions, pair_count_deltas, pair_counts, sop_counts

#: (SOP id, group id, state) → how many actions.
Counts = Mapping[tuple[str, str, str], int]

#: Advisory lock key (PostgreSQL) that keeps concurrent folds from queueing behind one another.
_FOLD_LOCK = 0x50_41_49_52  # "PAIR"

#: Groups recounted per statement: well within any backend's limit on bound parameters.
_RECOUNT_CHUNK = 500

#: The counts summed by SOP and state: what ``sop_counts`` holds.
_SUMS = (select(pair_counts.c.sop_id, pair_counts.c.state, func.sum(pair_counts.c.n))
         .group_by(pair_counts.c.sop_id, pair_counts.c.state))


def _sqlite_triggers(sums: bool) -> tuple[str, ...]:
    """SQLite's row triggers on ``actions``; ``sums``: they keep ``sop_counts`` too (from 0023 on),
    in one statement a change (triggers of their own on ``pair_counts`` would cost each change of
    state twice as much again)."""
    update_sums = """
        INSERT INTO sop_counts (sop_id, state, n) VALUES (old.sop_id, old.state, -1), (new.sop_id, new.state, 1)
            ON CONFLICT (sop_id, state) DO UPDATE SET n = n + excluded.n;""" if sums else ""
    delete_sums = """
        UPDATE sop_counts SET n = n - 1 WHERE sop_id = old.sop_id AND state = old.state;""" if sums else ""
    return (
        f"""CREATE TRIGGER IF NOT EXISTS actions_count_update AFTER UPDATE OF state, sop_id, group_id ON actions
    WHEN old.state IS NOT new.state OR old.sop_id IS NOT new.sop_id OR old.group_id IS NOT new.group_id
    BEGIN
        UPDATE pair_counts SET n = n - 1
            WHERE sop_id = old.sop_id AND group_id = old.group_id AND state = old.state;
        INSERT INTO pair_counts (sop_id, group_id, state, n) VALUES (new.sop_id, new.group_id, new.state, 1)
            ON CONFLICT (sop_id, group_id, state) DO UPDATE SET n = n + 1;{update_sums}
    END""",
        f"""CREATE TRIGGER IF NOT EXISTS actions_count_delete AFTER DELETE ON actions
    BEGIN
        UPDATE pair_counts SET n = n - 1
            WHERE sop_id = old.sop_id AND group_id = old.group_id AND state = old.state;{delete_sums}
    END""",
    )


_PG_FUNCTIONS = {
    "insert": """
        INSERT INTO pair_count_deltas (sop_id, group_id, state, n)
        SELECT sop_id, group_id, state, count(*) FROM new_rows GROUP BY sop_id, group_id, state;""",
    "update": """
        INSERT INTO pair_count_deltas (sop_id, group_id, state, n)
        SELECT sop_id, group_id, state, sum(n) FROM (
            SELECT o.sop_id, o.group_id, o.state, -1 AS n FROM old_rows o JOIN new_rows w ON w.id = o.id
                WHERE (o.state, o.sop_id, o.group_id) IS DISTINCT FROM (w.state, w.sop_id, w.group_id)
            UNION ALL
            SELECT w.sop_id, w.group_id, w.state, 1 FROM old_rows o JOIN new_rows w ON w.id = o.id
                WHERE (o.state, o.sop_id, o.group_id) IS DISTINCT FROM (w.state, w.sop_id, w.group_id)
        ) AS changed GROUP BY sop_id, group_id, state HAVING sum(n) <> 0;""",
    "delete": """
        INSERT INTO pair_count_deltas (sop_id, group_id, state, n)
        SELECT sop_id, group_id, state, -count(*) FROM old_rows GROUP BY sop_id, group_id, state;""",
}
_PG_REFERENCING = {"insert": "NEW TABLE AS new_rows", "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                   "delete": "OLD TABLE AS old_rows"}


def install(conn: Connection, *, sums: bool = True) -> None:
    """Create the triggers that keep the counts (and on SQLite, with ``sums``, their sums by SOP)
    where they are missing; idempotent. Runs after every migration, since rebuilding the actions
    table (SQLite's way of altering one) drops them. ``sums`` false: the triggers migrations 0018
    to 0022 installed, before ``sop_counts`` existed."""
    if conn.dialect.name == "sqlite":
        for statement in _sqlite_triggers(sums):
            conn.exec_driver_sql(statement)
        return
    for event, body in _PG_FUNCTIONS.items():
        conn.exec_driver_sql(f"CREATE OR REPLACE FUNCTION sopengine_count_{event}d() RETURNS trigger"
                             f" LANGUAGE plpgsql AS $$ BEGIN {body} RETURN NULL; END $$")
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS actions_count_{event} ON actions")
        conn.exec_driver_sql(f"CREATE TRIGGER actions_count_{event} AFTER {event.upper()} ON actions"
                             f" REFERENCING {_PG_REFERENCING[event]} FOR EACH STATEMENT"
                             f" EXECUTE FUNCTION sopengine_count_{event}d()")


def rebuild(conn: Connection) -> None:
    """Count every action again from scratch (a migration's backfill; a repair)."""
    if conn.dialect.name == "postgresql":  # no action may change between the clearing and the count
        conn.exec_driver_sql("LOCK TABLE actions IN SHARE MODE")
    conn.execute(pair_count_deltas.delete())
    conn.execute(pair_counts.delete())
    conn.execute(sop_counts.delete())
    conn.execute(pair_counts.insert().from_select(
        ["sop_id", "group_id", "state", "n"],
        select(actions.c.sop_id, actions.c.group_id, actions.c.state, func.count())
        .group_by(actions.c.sop_id, actions.c.group_id, actions.c.state)))
    conn.execute(sop_counts.insert().from_select(["sop_id", "state", "n"], _SUMS))


def counts_inserts(conn: Connection) -> bool:
    """Whether the store counts the actions it inserts (SQLite), rather than a trigger."""
    return conn.dialect.name == "sqlite"


def count_inserted(conn: Connection, counts: Counts) -> None:
    """Add ``counts`` of actions just inserted on ``conn`` (a no-op where a trigger counts them)."""
    if not counts_inserts(conn) or not counts:
        return
    conn.exec_driver_sql(
        "INSERT INTO pair_counts (sop_id, group_id, state, n) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (sop_id, group_id, state) DO UPDATE SET n = n + excluded.n",
        [(sop_id, group_id, state, n) for (sop_id, group_id, state), n in counts.items() if n])
    sums: dict[tuple[str, str], int] = {}
    for (sop_id, _, state), n in counts.items():
        sums[sop_id, state] = sums.get((sop_id, state), 0) + n
    _add_sums(conn, sums)


def _add_sums(conn: Connection, sums: Mapping[tuple[str, str], int]) -> None:
    """Add ``sums`` ((SOP, state) → n) to SQLite's ``sop_counts``."""
    rows = [(sop_id, state, n) for (sop_id, state), n in sums.items() if n]
    if rows:
        conn.exec_driver_sql("INSERT INTO sop_counts (sop_id, state, n) VALUES (?, ?, ?)"
                             " ON CONFLICT (sop_id, state) DO UPDATE SET n = n + excluded.n", rows)


def _sums_of_groups(conn: Connection, group_ids: Sequence[str]) -> dict[tuple[str, str], int]:
    """(SOP, state) → the counts of ``group_ids`` summed, as ``pair_counts`` holds them."""
    return {(sop_id, state): int(n) for sop_id, state, n in conn.execute(
        _SUMS.where(pair_counts.c.group_id.in_(group_ids)))}


def recount_groups(conn: Connection, group_ids: Iterable[str]) -> None:
    """Count the actions of ``group_ids`` again, through the group index (after an insert some of
    whose rows were already there: which ones the store cannot tell). A no-op where a trigger counts."""
    if not counts_inserts(conn):
        return
    ids = sorted(set(group_ids))
    for chunk in (ids[i:i + _RECOUNT_CHUNK] for i in range(0, len(ids), _RECOUNT_CHUNK)):
        before = _sums_of_groups(conn, chunk)
        conn.execute(pair_counts.delete().where(pair_counts.c.group_id.in_(chunk)))
        conn.execute(pair_counts.insert().from_select(
            ["sop_id", "group_id", "state", "n"],
            select(actions.c.sop_id, actions.c.group_id, actions.c.state, func.count())
            .where(actions.c.group_id.in_(chunk))
            .group_by(actions.c.sop_id, actions.c.group_id, actions.c.state)))
        after = _sums_of_groups(conn, chunk)
        _add_sums(conn, {k: after.get(k, 0) - before.get(k, 0) for k in before.keys() | after.keys()})


def fold(conn: Connection) -> int:
    """Move the deltas into the counts (PostgreSQL); returns deltas folded. Another fold already
    running makes this one return 0 at once rather than wait for it."""
    if conn.dialect.name != "postgresql":
        return 0
    if not conn.exec_driver_sql(f"SELECT pg_try_advisory_xact_lock({_FOLD_LOCK})").scalar():
        return 0
    moved = conn.exec_driver_sql("SELECT count(*) FROM pair_count_deltas").scalar_one()
    if not moved:
        return 0
    # the ORDER BY takes the count rows' locks in one order, whoever else folds or repairs; the
    # deleted deltas are read twice, by pair and by SOP, in one statement (one snapshot)
    conn.exec_driver_sql(
        "WITH moved AS (DELETE FROM pair_count_deltas RETURNING sop_id, group_id, state, n),"
        " by_pair AS (INSERT INTO pair_counts (sop_id, group_id, state, n)"
        "  SELECT sop_id, group_id, state, sum(n) FROM moved GROUP BY sop_id, group_id, state"
        "  ORDER BY sop_id, group_id, state"
        "  ON CONFLICT (sop_id, group_id, state) DO UPDATE SET n = pair_counts.n + excluded.n)"
        " INSERT INTO sop_counts (sop_id, state, n)"
        " SELECT sop_id, state, sum(n) FROM moved GROUP BY sop_id, state ORDER BY sop_id, state"
        " ON CONFLICT (sop_id, state) DO UPDATE SET n = sop_counts.n + excluded.n")
    return int(moved)


def read(conn: Connection, sop_id: str | None = None) -> dict[tuple[str, str], dict[str, int]]:
    """(SOP, group) → state → count, of every pair holding actions (of ``sop_id`` only, if given).

    Both tables are read in one statement (one snapshot) at the driver level, and summed here: a
    fleet's ledger has hundreds of thousands of count rows, and SQLAlchemy's per-row work, or
    grouping them in SQL, would cost more than reading them."""
    parts = [select(t.c.sop_id, t.c.group_id, t.c.state, t.c.n) for t in (pair_counts, pair_count_deltas)]
    if sop_id is not None:
        parts = [p.where(p.selected_columns.sop_id == sop_id) for p in parts]
    # one statement, one snapshot: a fold committing between two readings would be lost to both
    result = conn.execute(union_all(*parts))
    try:
        return _summed(result.cursor.fetchall())
    finally:
        result.close()


def read_sops(conn: Connection) -> dict[str, dict[str, int]]:
    """SOP → state → count of every SOP holding actions (what :func:`read` gives, summed by SOP),
    from the kept sums and the deltas in one statement."""
    parts = [select(t.c.sop_id, t.c.state, t.c.n) for t in (sop_counts, pair_count_deltas)]
    rows = conn.execute(union_all(*parts))  # a row per SOP and state: summed as a pair's are
    summed = _summed((sop_id, ALL_GROUPS, state, n) for sop_id, state, n in rows)
    return {sop_id: by_state for (sop_id, _), by_state in summed.items()}


def read_pairs(conn: Connection, pairs: Collection[tuple[str, str]]) -> dict[tuple[str, str], dict[str, int]]:
    """:func:`read` of these (SOP, group) pairs only (a few: read through their groups)."""
    wanted = set(pairs)
    group_ids = sorted({g for _, g in wanted})
    rows = []
    for start in range(0, len(group_ids), _RECOUNT_CHUNK):
        chunk = group_ids[start:start + _RECOUNT_CHUNK]
        both = union_all(*(select(t.c.sop_id, t.c.group_id, t.c.state, t.c.n).where(t.c.group_id.in_(chunk))
                           for t in (pair_counts, pair_count_deltas)))
        rows += [r for r in conn.execute(both) if (r[0], r[1]) in wanted]
    return _summed(rows)


def _summed(rows: Iterable[Sequence[Any]]) -> dict[tuple[str, str], dict[str, int]]:
    """(SOP, group, state, n) rows (counts and deltas) summed by pair and state, zeros left out."""
    out: dict[tuple[str, str], dict[str, int]] = {}
    summed = False  # a (pair, state) met twice: a delta beside its count, which may sum to zero
    for s, g, state, n in rows:
        if n:
            by_state = out.setdefault((s, g), {})
            if state in by_state:
                summed = True
                by_state[state] += n
            else:
                by_state[state] = n
    if not summed:  # each count read once and not zero (SQLite's counts, or no deltas pending)
        return out
    return {pair: {state: n for state, n in by_state.items() if n} for pair, by_state in out.items()
            if any(by_state.values())}


#: The group of a :func:`drift` entry about an SOP's sums (no group id is empty).
ALL_GROUPS = ""


def drift(conn: Connection) -> dict[tuple[str, str, str], tuple[int, int]]:
    """Where the kept counts differ from counting every action: (SOP, group, state) → (kept,
    actual), with group :data:`ALL_GROUPS` where an SOP's kept sum differs. Empty when they
    agree, as they always should; for tests and repairs (it reads the whole ledger)."""
    kept = {(s, g, state): n for (s, g), by_state in read(conn).items() for state, n in by_state.items()}
    kept.update({(s, ALL_GROUPS, state): n for s, by_state in read_sops(conn).items() for state, n in by_state.items()})
    actual = {(s, g, state): int(n) for s, g, state, n in conn.execute(
        select(actions.c.sop_id, actions.c.group_id, actions.c.state, func.count())
        .group_by(actions.c.sop_id, actions.c.group_id, actions.c.state))}
    for (s, _, state), n in list(actual.items()):
        actual[s, ALL_GROUPS, state] = actual.get((s, ALL_GROUPS, state), 0) + n
    return {k: (kept.get(k, 0), actual.get(k, 0)) for k in kept.keys() | actual.keys()
            if kept.get(k, 0) != actual.get(k, 0)}
