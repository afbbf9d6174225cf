"""Reading and writing many rows at the driver level, beneath SQLAlchemy's per-row work.

Applying 10,000 groups plans over a million actions, and a daemon records
thousands of outcomes a second; SQLAlchemy's per-row type processing costs
more than the database itself there. So rows are prepared once as tuples in
the driver's own formats and written in one ``executemany`` (SQLite) or one
``COPY`` (PostgreSQL). Planned actions are inserted with ``INSERT … ON
CONFLICT DO NOTHING`` on the key's unique index on both, which also makes concurrent or repeated
applies safe without a prior lookup.
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Callable, Collection, Iterable, Iterator, Mapping, Sequence

from sqlalchemy import Column, Table, bindparam, select, update
from sqlalchemy.engine import Connection, Dialect

from sopengine.model.actions import PlannedAction
from sopengine.store import pair_counts, states
from sopengine.store.database import json_text, planner_statistics, to_db
from sopengine.store.tables import KEY_INDEX, actions, key_tail
from sopengine.store.timestamps import UtcDateTime, to_micros

#: Columns written for a planned action, in order.
COLUMNS = (
    "key_tail", "sop_id", "step", "part", "group_id", "kind", "channel", "due", "deadline", "state", "next_attempt_at",
    "attempts", "progress", "occurrence", "day", "step_index", "part_index", "item", "data", "version_id",
    "updated_at",
)
_SOP, _GROUP, _STATE = (COLUMNS.index(c) for c in ("sop_id", "group_id", "state"))
_TIMES = frozenset({"due", "deadline", "next_attempt_at", "updated_at"})
_JSON = frozenset({"item", "data"})
CHUNK = 20_000


def action_row(a: PlannedAction, version_id: int, now: datetime) -> dict[str, Any]:
    """The actions-table row of a freshly planned action."""
    due = to_db(a.due)
    return {
        "key_tail": key_tail(a.key), "sop_id": a.sop, "step": a.step, "part": a.part, "group_id": a.group,
        "kind": a.kind, "channel": a.channel, "due": due, "deadline": due + a.grace, "state": states.PLANNED,
        "next_attempt_at": due, "attempts": 0, "progress": 0, "occurrence": a.occurrence, "day": a.day,
        "step_index": a.step_index, "part_index": a.part_index, "item": a.item, "version_id": version_id,
        "updated_at": to_db(now),
    }


def planned_tuples(conn: Connection, planned: Iterable[PlannedAction], version_id: int, now: datetime,
                   *, drops_over: bool = True) -> list[tuple[Any, ...]]:
    """Freshly planned actions as prepared rows (:func:`prepare`'s tuples, no dict between),
    leaving out those whose deadline is already past ``now`` (a first plan's "before the engine
    ran this group"), unless ``drops_over`` is false."""
    time_of = driver_time(conn)
    now_db = to_db(now)
    updated = time_of(now_db)
    out: list[tuple[Any, ...]] = []
    for a in planned:
        due = to_db(a.due)
        deadline = due + a.grace
        if drops_over and deadline < now_db:
            continue
        stored_due = time_of(due)
        out.append((key_tail(a.key), a.sop, a.step, a.part, a.group, a.kind, a.channel, stored_due, time_of(deadline),
                    states.PLANNED, stored_due, 0, 0, a.occurrence, a.day, a.step_index, a.part_index,
                    None if a.item is None else json_text(a.item), None, version_id, updated))
    return out


def item_json(value: Any) -> str | None:
    """JSON text as the ledger stores it (:data:`.database.json_text`); None stays SQL NULL."""
    return None if value is None else json_text(value)


def driver_time(conn: Connection) -> Callable[[datetime], Any]:
    """How a naive UTC instant is passed to the driver (integer microseconds on SQLite)."""
    return to_micros if conn.dialect.name == "sqlite" else _same


def _same(value: datetime) -> Any:
    return value


def time_from_driver(conn: Connection) -> Callable[[Any], datetime | None]:
    """The inverse of :func:`driver_time`: the naive UTC instant of a time as the driver gives it
    back in a plain row (:func:`fetch_tuples`); None stays None."""
    process, dialect = UtcDateTime().process_result_value, conn.dialect
    return lambda value: process(value, dialect)


def instant_from_driver(conn: Connection) -> Callable[[Any], datetime]:
    """The aware UTC instant of a NOT NULL time as the driver gives it back in a plain row."""
    naive_of = time_from_driver(conn)

    def instant(value: Any) -> datetime:
        naive = naive_of(value)
        if naive is None:
            raise ValueError("a NOT NULL time came back NULL")
        return naive.replace(tzinfo=timezone.utc)

    return instant


def prepare(conn: Connection, rows: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Rows as tuples in :data:`COLUMNS` order, values already in the driver's formats."""
    time_of = driver_time(conn)
    converters: list[Callable[[Any], Any] | None] = [
        time_of if c in _TIMES else item_json if c in _JSON else None for c in COLUMNS]
    return [tuple(conv(r.get(c)) if conv and r.get(c) is not None else r.get(c)
                  for c, conv in zip(COLUMNS, converters)) for r in rows]


def fetch_tuples(conn: Connection, query: Any, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """Rows of ``query`` as the driver returns them: plain tuples, no result processing (for
    reads of hundreds of thousands of rows; parameters are still bound as SQLAlchemy binds them)."""
    result = conn.execute(query, dict(params or {}))
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def in_chunks(conn: Connection, values: Sequence[Any], spare: int = 4) -> Iterator[Sequence[Any]]:
    """``values`` in slices short enough for one ``IN (…)`` list on this backend, leaving ``spare``
    bound parameters for the rest of the statement."""
    step = _parameter_limit(conn) - spare
    for start in range(0, len(values), step):
        yield values[start:start + step]


def rows_in(conn: Connection, query: Any, column: Any, values: Collection[Any] | None) -> list[Any]:
    """The rows of ``query``: all of them when ``values`` is None, else those whose ``column`` is
    one of ``values`` (read :func:`in_chunks` at a time, sorted, so any number of ids fits)."""
    if values is None:
        return list(conn.execute(query))
    return [r for chunk in in_chunks(conn, sorted(values)) for r in conn.execute(query.where(column.in_(chunk)))]


def _parameter_limit(conn: Connection) -> int:
    """How many bound parameters one statement may carry on this backend (with room to spare)."""
    if conn.dialect.name == "sqlite":
        import sqlite3

        return 32_000 if sqlite3.sqlite_version_info >= (3, 32, 0) else 990
    return 30_000


def marker(conn: Connection) -> str:
    """The driver's parameter placeholder (``?`` for sqlite3, ``%s`` for psycopg)."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def insert_rows(conn: Connection, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Append ``rows`` (tuples in the driver's formats, in ``columns`` order) to ``table``.

    PostgreSQL: one ``COPY`` (a statement per row costs a server round of parsing and
    planning each, even pipelined). Elsewhere: one driver-level ``executemany``.
    """
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    values = ", ".join([marker(conn)] * len(columns))
    conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({values})", list(rows))


def insert_dicts(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys, by column name) through :func:`insert_rows`."""
    if not rows:
        return
    columns = [c for c in table.columns if c.name in rows[0]]
    insert_rows(conn, table.name, [c.name for c in columns], driver_values(conn.dialect, columns, rows))


def driver_values(dialect: Dialect, columns: Sequence[Column[Any]], rows: Iterable[Mapping[str, Any]]
                  ) -> list[tuple[Any, ...]]:
    """``rows`` as tuples of ``columns`` (a missing key is None), each value converted by its column
    type as SQLAlchemy binds it; None stays SQL NULL."""
    processors = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    return [tuple(v if p is None or v is None else p(v) for v, p in zip((r.get(c.name) for c in columns), processors))
            for r in rows]


def insert_prepared(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> int:
    """Insert prepared tuples (see :func:`prepare`); returns rows inserted."""
    if not rows:
        return 0
    cast = "::json" if conn.dialect.name == "postgresql" else ""
    values = ", ".join(f"{marker(conn)}{cast}" if c in _JSON else marker(conn) for c in COLUMNS)
    sql = (f"INSERT INTO actions ({', '.join(COLUMNS)}) VALUES ({values})"
           f" ON CONFLICT ({', '.join(KEY_INDEX)}) DO NOTHING")
    inserted = 0
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        written = max(conn.exec_driver_sql(sql, list(chunk)).rowcount, 0)
        if pair_counts.counts_inserts(conn):
            if written == len(chunk):
                pair_counts.count_inserted(conn, Counter((r[_SOP], r[_GROUP], r[_STATE]) for r in chunk))
            else:  # some keys were there already: which ones, only the table can say
                pair_counts.recount_groups(conn, {r[_GROUP] for r in chunk})
        inserted += written
    return inserted


def insert_actions(conn: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Insert rows (dicts keyed by :data:`COLUMNS`; missing keys are NULL); returns rows inserted."""
    return insert_prepared(conn, prepare(conn, rows))


@contextmanager
def first_fill(conn: Connection) -> Iterator[None]:
    """Around the inserts of an apply: on SQLite, when the ledger holds no action yet, the actions'
    indexes other than the unique one are dropped for the fill and built once after it.

    Building an index from all its rows sorts them and packs its pages; keeping it while rows come
    in scattered order splits pages, and once a fleet's indexes outgrow the page cache every insert
    reads and writes pages all over them. The unique index stays: inserts skip keys through it. All
    of it is inside the apply's transaction: a failed apply rolls back to the indexes it found, and
    readers see them throughout. If the body raises, the indexes are left to that rollback.
    """
    if conn.dialect.name != "sqlite" or conn.execute(select(actions.c.id).limit(1)).first() is not None:
        yield
        return
    deferred = sorted((index for index in actions.indexes if not index.unique), key=lambda index: str(index.name))
    for index in deferred:
        index.drop(conn)
    yield
    # SQLite sorts an index's entries in memory up to the page cache's size before it spills them
    # to a temporary file: with the apply's large cache that doubled what the build held
    cache = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    conn.exec_driver_sql(f"PRAGMA cache_size = {INDEX_BUILD_CACHE}")
    try:
        for index in deferred:
            index.create(conn)
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(cache)}")
    planner_statistics(conn)  # dropping an index dropped its statistics


#: SQLite's page cache (and so its sort memory) while :func:`first_fill` builds the indexes: 16 MiB.
INDEX_BUILD_CACHE = -16_384


def update_actions(conn: Connection, rows: Sequence[Mapping[str, Any]], fixed: Mapping[str, Any],
                   *, state: str | None = None) -> None:
    """Update many actions, each found by its ``"id"``: the other keys of its row (the same in
    every row, values as SQLAlchemy binds them) and ``fixed`` (alike for all). ``state``: only
    an action still in that state is written (what was read may have moved since).

    PostgreSQL: one ``UPDATE … FROM unnest(…)``, so the count trigger runs once for the
    statement, not once a row as it would for an ``executemany``. SQLite: an ``executemany``
    (its count triggers are per row either way).
    """
    if not rows:
        return
    per_row = [name for name in rows[0] if name != "id"]
    if not per_row and not fixed:
        return
    if conn.dialect.name != "postgresql":
        condition = [actions.c.id == bindparam("b_id")] + ([] if state is None else [actions.c.state == state])
        conn.execute(update(actions).where(*condition).values(
            **fixed, **{name: bindparam(f"b_{name}") for name in per_row}),
            [{f"b_{name}": value for name, value in r.items()} for r in rows])
        return
    dialect = conn.dialect
    columns = [actions.c[name] for name in per_row]
    values = driver_values(dialect, columns, rows)
    fixed_columns = [actions.c[name] for name in fixed]
    (fixed_values,) = driver_values(dialect, fixed_columns, [fixed]) if fixed else [()]
    types = [c.type.compile(dialect=dialect) for c in columns]
    assignments = [f'"{name}" = v."{name}"' for name in per_row] + [f'"{name}" = %s' for name in fixed]
    ids = [r["id"] for r in rows]
    arrays = ", ".join(["%s::integer[]", *(f"%s::{t}[]" for t in types)])
    names = ", ".join(["id", *(f'"{name}"' for name in per_row)])
    sql = (f"UPDATE actions SET {', '.join(assignments)} FROM unnest({arrays}) AS v({names}) "
           # id = ANY: read by primary key whatever the planner estimates (see outcomes)
           "WHERE actions.id = ANY(%s::integer[]) AND actions.id = v.id"
           + ("" if state is None else " AND actions.state = %s"))
    params = (*fixed_values, ids, *([r[i] for r in values] for i in range(len(per_row))), ids,
              *(() if state is None else (state,)))
    conn.exec_driver_sql(sql, params)
