"""13. reads: ``status``, ``health`` and the lead's view over a big ledger (10,000,000 actions).

The ledger is an agency's after months of camps: groups whose starts spread over 120 days, up to
20 days after now, so most camps are over. Their past tasks are done (a few skipped, missed or
failed), a fifth of the last two days' still unconfirmed (overdue), the future planned. Rows go in
through the store's own bulk insert, which keeps its counts (not timed).

Timed as a user waits, each the median of a few runs: ``sopengine status --format json``, the
``status`` table and ``sopengine health --format json`` as subprocesses, end to end; the lead's
view (``GET /lead``) as the server's own time per request, from a real ``sopengine serve``.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import sys
from datetime import datetime, timedelta
from typing import Any, Iterator, Sequence

from sopengine.model.group import Group
from sopengine.model.operators import Operator
from sopengine.planning.ledger_planner import LedgerPlanner
from sopengine.planning.planner import PlannedAction, action_key
from sopengine.store import Store, states
from sopengine.store.apply import apply
from sopengine.store.bulk import driver_time, insert_prepared, item_json
from sopengine.store.database import to_db
from sopengine.store.tables import enrollments, group_operators, groups
from sopengine.web.tokens import new_token, token_hash

from .fixtures import (
    ROOT, SH, Settings, bulk_insert, camp, camp_groups, camp_version, group_rows, host, remove_db,
    template_actions, template_group, timed_command,
)
from .report import Row, spread
from .workspace import served

TARGET_S = 1.0
#: When the ledger is read: the camp template's first day, so template offsets below are days from now.
NOW = datetime(2026, 9, 19, 12, 0, tzinfo=SH)
SPREAD_DAYS, AHEAD_DAYS = 120, 20
GROUPS_PER_OPERATOR = 50
CHUNK_GROUPS = 2000
RUNS = 3


def _operator(group: int) -> str:
    return f"op{group // GROUPS_PER_OPERATOR:04d}"


def _state(group: int, index: int, due: datetime) -> str:
    """A past task's fate, spread evenly by a hash; the future's is planned."""
    if due >= NOW:
        return states.PLANNED
    roll = hashlib.blake2b(f"{group}/{index}".encode(), digest_size=2).digest()[0] % 100
    if due >= NOW - timedelta(days=2) and roll < 20:
        return states.OVERDUE
    return (states.SKIPPED if roll < 24 else states.MISSED if roll < 26 else states.FAILED if roll < 27
            else states.DONE)


def _rows(store: Store, gs: Sequence[Group], first: int, total: int, per: Sequence[PlannedAction],
          version_id: int) -> list[tuple[Any, ...]]:
    """The actions of ``gs`` (the ``first``-th group of ``total`` onwards) as prepared rows."""
    with store.engine.connect() as conn:
        time_of = driver_time(conn)
    updated = time_of(to_db(NOW))
    sop = camp()
    out: list[tuple[Any, ...]] = []
    for n, g in enumerate(gs, start=first):
        shift = timedelta(days=AHEAD_DAYS - SPREAD_DAYS * n // total)
        for i, a in enumerate(per):
            due = a.due + shift
            at = to_db(due)
            out.append((action_key(a.sop, a.step, a.part, g.id, due, sop.timezone), a.sop, a.step, a.part, g.id,
                        a.kind, a.channel, time_of(at), time_of(at + a.grace), _state(n, i, due), time_of(at),
                        0, 0, a.occurrence, a.day, a.step_index, a.part_index, item_json(a.item), None, version_id,
                        updated))
    return out


def populate(url: str, total: int) -> tuple[int, int, str]:
    """Fill a store at ``url`` with about ``total`` actions; (groups, actions, a lead's token)."""
    store = Store.open(url, host().kinds, planner=LedgerPlanner())
    try:
        per = template_actions()
        gs = camp_groups(max(1, total // len(per)), prefix="rd")
        operators = [Operator(f"op{i:04d}", f"运营{i}") for i in range(len(gs) // GROUPS_PER_OPERATOR + 1)]
        apply(store, [camp()], [template_group()], NOW, roster=operators)  # the SOP's version, the roster
        version_id = camp_version(store, NOW)
        bulk_insert(store, groups, [{**row, "operators": [_operator(n)]} for n, row in enumerate(group_rows(gs, NOW))])
        bulk_insert(store, enrollments, [{"sop_id": camp().id, "group_id": g.id, "planned_until": to_db(NOW),
                                          "version_id": version_id, "active": True} for g in gs])
        bulk_insert(store, group_operators, [{"group_id": g.id, "operator": _operator(n)} for n, g in enumerate(gs)])
        written = 0
        for start in range(0, len(gs), CHUNK_GROUPS):
            rows = _rows(store, gs[start:start + CHUNK_GROUPS], start, len(gs), per, version_id)
            with store.engine.begin() as conn:
                written += insert_prepared(conn, rows)
        token = new_token()
        store.add_token(token_hash(token), operators[0].id, True, NOW, None)
        return len(gs), written, token
    finally:
        store.close()


def _cli(url: str, *args: str) -> list[float]:
    command = [sys.executable, "-m", "sopengine", *args, "--db", url, "--now", NOW.isoformat()]
    # health exits 1 when something needs attention, as this ledger's failed and missed tasks do
    return [timed_command(command, ROOT, accept=(0, 1)) for _ in range(RUNS)]


def _lead_ms(url: str, token: str) -> list[float]:
    day = NOW.date().isoformat()
    with served(url, token) as (client, logged):
        client.get("/lead", params={"date": day})  # warm up: templates compiled, SOP version cached
        mark = len(logged)
        for _ in range(RUNS):
            assert client.get("/lead", params={"date": day}).status_code == 200
    return [float(e["ms"]) for e in logged[mark:] if e.get("path") == "/lead"]


def measure(url: str, total: int) -> dict[str, Any]:
    group_count, actions, token = populate(url, total)
    # the gigabytes just written go to disk first: a user's ledger was written long before they
    # read it, and writeback of them would otherwise be timed with the first reads
    os.sync()
    return {"groups": group_count, "actions": actions,
            "status_json": _cli(url, "status", "--format", "json"), "status_table": _cli(url, "status"),
            "health": _cli(url, "health", "--format", "json"), "lead_ms": _lead_ms(url, token)}


def rows_of(m: dict[str, Any]) -> Iterator[Row]:
    section = f"13 reads · {m['actions']:,} actions"
    subject = f"{m['groups']:,} camp groups, months of history"
    for key, what in (("status_json", "sopengine status --format json"), ("status_table", "sopengine status"),
                      ("health", "sopengine health --format json")):
        s = statistics.median(m[key])
        yield Row(section, f"{subject}: {what}", f"{s:.2f} s", f"≤ {TARGET_S:g} s", s <= TARGET_S,
                  spread(m[key]), {key: m[key]} if key != "status_json" else m)
    lead = statistics.median(m["lead_ms"]) / 1000
    yield Row(section, "the lead's view (GET /lead, server time)", f"{lead:.2f} s", f"≤ {TARGET_S:g} s",
              lead <= TARGET_S, spread([ms / 1000 for ms in m["lead_ms"]]))


def run(settings: Settings) -> list[Row]:
    total = 20_000 if settings.quick else settings.read_actions
    path = settings.workdir / "reads.db"
    remove_db(path)  # left in the scratch folder afterwards: gone with it, unless --keep
    return list(rows_of(measure(f"sqlite:///{path}", total)))
