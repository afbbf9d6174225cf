"""``status`` as JSON lines, a pair a line, put together by the database: what ``sopengine status
--format json`` writes of a fleet's hundred thousand pairs.

Each pair's counts come as a compact JSON object, built by the database from the kept counts
(``json_group_object`` on SQLite, ``string_agg`` on PostgreSQL), its next due and late count from
two seeks in ``ix_actions_waiting`` made only for pairs with actions still to be sent. No Python
object is made per pair or per count: the line is the row's fields in a format string.
"""

from __future__ import annotations

from json.encoder import encode_basestring
from operator import itemgetter
from datetime import datetime, tzinfo
from typing import Any, Callable

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import TextClause

from sopengine.store import states
from sopengine.store.bulk import fetch_tuples, instant_from_driver
from sopengine.store.core import Database
from sopengine.store.database import to_db
from sopengine.store.status import IS_WAITING, flagged_groups, late_open_tasks, pair_state, waiting_seeks
from sopengine.store.timestamps import UtcDateTime


def json_line(sop: str, group: str, counts: str, next_due: str, late: int, paused: bool, dissolved: bool) -> str:
    """A pair's status as ``json.dumps(…, ensure_ascii=False)`` writes its JSON on one line, from
    ``counts`` (the counts object's members, ``"state": n, …``) and ``next_due`` (JSON already:
    a string, or ``null``)."""
    return (f'{{"sop": {encode_basestring(sop)}, "group": {encode_basestring(group)}, '
            f'"counts": {{{counts}}}, "next_due": {next_due}, "late": {late}, '
            f'"paused": {_TRUTH[paused]}, "dissolved": {_TRUTH[dissolved]}}}')


_TRUTH = {True: "true", False: "false"}


def status_lines(store: Database, now: datetime, zone_of: Callable[[str], tzinfo | None]) -> list[str]:
    """Every pair of :func:`~sopengine.store.status.status`, in (SOP, group) order, as the JSON of
    its ``to_json(zone_of(sop))`` on one line (:func:`json_line`); the counts in the order of
    the states' names."""
    now_db = to_db(now)
    with store.engine.connect() as conn:
        rows = fetch_tuples(conn, _pairs_query(conn), {"now": now_db})
        open_late: dict[tuple[str, str], int] = {}
        for pair in late_open_tasks(conn, now_db):
            open_late[pair] = open_late.get(pair, 0) + 1
        paused_groups, dissolved, paused_sops = flagged_groups(conn)
        as_instant = instant_from_driver(conn)
    rows.sort(key=itemgetter(0, 1))  # as Python orders text, whatever the database's collation
    zones: dict[str, tzinfo | None] = {}
    dues: dict[tuple[str, Any], str] = {}  # a fleet's pairs share a few hundred next dues
    lines = []
    for sop, group, counts, overdue, first, late in rows:
        if first is None:
            due = "null"
        elif (due := dues.get((sop, first))) is None:  # type: ignore[assignment]
            zone = zones[sop] if sop in zones else zones.setdefault(sop, zone_of(sop))
            instant = as_instant(first)
            due = dues[sop, first] = encode_basestring((instant.astimezone(zone) if zone else instant).isoformat())
        # members spaced as json.dumps spaces them: the keys are states' names, the values numbers
        members = counts[1:-1].replace('":', '": ').replace(',"', ', "')
        lines.append(json_line(sop, group, members, due, (late or 0) + overdue + open_late.get((sop, group), 0),
                               group in paused_groups or sop in paused_sops, group in dissolved))
    return lines


def _pairs_query(conn: Connection) -> TextClause:
    """Per pair: SOP, group, its counts as a compact JSON object, how many are overdue, and, for a
    pair with actions still to be sent, its earliest waiting due and how many waiting are past
    ``:now``."""
    # the counts as a compact JSON object: SQLite builds one faster than it joins texts
    counts = ("json_group_object(state, n)" if conn.dialect.name == "sqlite"
              else "'{' || string_agg('\"' || state || '\":' || n, ',' ORDER BY state) || '}'")
    first, late = waiting_seeks("c.sop_id", "c.group_id")
    # SQLite reads the counts in their key's order, (SOP, group, state): the members come in the
    # states' order without sorting
    return text(
        f"SELECT c.sop_id, c.group_id, c.counts, c.overdue, CASE WHEN c.waiting = 1 THEN {first} END,"
        f" CASE WHEN c.waiting = 1 THEN {late} END"
        f" FROM (SELECT sop_id, group_id, {counts} AS counts,"
        f" CAST(sum(CASE WHEN state = '{states.OVERDUE}' THEN n ELSE 0 END) AS INTEGER) AS overdue,"
        f" max(CASE WHEN {IS_WAITING} THEN 1 ELSE 0 END) AS waiting"
        f" FROM ({pair_state(conn)}) AS s GROUP BY sop_id, group_id) AS c"
    ).bindparams(bindparam("now", type_=UtcDateTime()))
