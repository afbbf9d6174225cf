"""7. workspace: an operator's today page and a confirmation, served by the real ``sopengine serve``
(a subprocess) over a store holding 1,000,000 actions of about 10,000 groups.

One operator runs enough camp groups to have about 200 tasks on the measured day; the others
share the rest of the fleet. The figures are the server's own time per request, as its request
log writes it (``ms``: from the request reaching the app to the response leaving it); the round
trip a client on loopback sees is in the note. SQLite always; PostgreSQL with ``--pg-url``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager, nullcontext
from datetime import date
from pathlib import Path
from typing import Any, ContextManager, Iterator

import httpx

from sopengine.model.group import Group
from sopengine.model.operators import Operator
from sopengine.planning.ledger_planner import LedgerPlanner
from sopengine.store import Store
from sopengine.web.tokens import new_token, token_hash

from .fixtures import APPLY_NOW, ROOT, SH, Settings, camp, camp_groups, host, template_actions
from .report import Row, percentile

TARGET_PAGE_MS = 50.0
TARGET_CONFIRM_MS = 20.0
TASKS_ON_THE_PAGE = 200
PAGE_SAMPLES, CONFIRM_SAMPLES = 60, 200


def busiest_day() -> tuple[date, int]:
    """The camp's local day with the most tasks for one group, and how many."""
    per_day = Counter(a.due.astimezone(SH).date() for a in template_actions())
    day, n = max(per_day.items(), key=lambda kv: (kv[1], kv[0]))
    return day, n


def fleet(total_actions: int) -> tuple[list[Group], int, date]:
    """Camp groups holding ``total_actions``; the first ``mine`` are operator op0000's."""
    per_group = len(template_actions())
    day, per_day = busiest_day()
    mine = math.ceil(TASKS_ON_THE_PAGE / per_day)
    gs = camp_groups(max(math.ceil(total_actions / per_group), mine), prefix="ws")
    out = [dataclasses.replace(g, channels={**g.channels, "wechat": {"operator": f"op{i // mine:04d}"}},
                               operators=(f"op{i // mine:04d}",)) for i, g in enumerate(gs)]
    return out, mine, day


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(url: str, token: str) -> Iterator[tuple[httpx.Client, list[dict[str, Any]]]]:
    """A real ``sopengine serve`` over ``url`` (a subprocess on a free loopback port), up and
    answering: a client holding ``token``, and the server's request log lines as they come."""
    port = free_port()
    env = {**os.environ, "SOPENGINE_DB": url}
    command = [sys.executable, "-m", "sopengine", "serve", "--port", str(port), "--tz", "Asia/Shanghai"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    logged: list[dict[str, Any]] = []
    reader = threading.Thread(target=lambda: [logged.append(json.loads(line)) for line in server.stderr
                                              if line.startswith("{")], daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"},
                          timeout=120) as c:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if c.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("sopengine serve did not come up")
                time.sleep(0.1)
            yield c, logged
    finally:
        server.terminate()
        server.wait(30)


def measure(url: str, total_actions: int) -> dict[str, Any]:
    gs, mine, day = fleet(total_actions)
    store = Store.open(url, host().kinds, planner=LedgerPlanner())
    t = time.perf_counter()
    report = store.apply([camp()], gs, APPLY_NOW, roster=[Operator(f"op{i:04d}", f"运营{i}")
                                                          for i in range(len(gs) // mine + 1)])
    filled = time.perf_counter() - t
    token = new_token()
    store.add_token(token_hash(token), "op0000", False, APPLY_NOW, None)
    store.close()
    with served(url, token) as (c, logged):
        tasks = c.get("/api/tasks", params={"date": day.isoformat()}).json()["tasks"]
        for _ in range(5):  # warm up: templates compiled, SOP version cached
            c.get("/", params={"date": day.isoformat()})
        page_rtt: list[float] = []
        mark = len(logged)
        for _ in range(PAGE_SAMPLES):
            t = time.perf_counter()
            r = c.get("/", params={"date": day.isoformat()}, headers={"Cookie": f"sopengine_token={token}"})
            page_rtt.append(time.perf_counter() - t)
            assert r.status_code == 200, r.status_code
        page_logged = [e["ms"] for e in logged[mark:] if e.get("path") == "/"]
        confirm_rtt: list[float] = []
        mark = len(logged)
        for task in tasks[:CONFIRM_SAMPLES]:
            t = time.perf_counter()
            r = c.post(f"/api/tasks/{task['key']}/done")
            confirm_rtt.append(time.perf_counter() - t)
            assert r.status_code == 200, r.text
        time.sleep(0.5)  # the last log lines
        confirm_logged = [e["ms"] for e in logged[mark:] if str(e.get("path", "")).endswith("/done")]
    return {"groups": len(gs), "actions": report.total("added"), "tasks": len(tasks), "fill_s": filled,
            "page_p50": percentile(page_logged, 50), "page_p99": percentile(page_logged, 99),
            "page_rtt_p99": percentile(page_rtt, 99) * 1000, "confirm_p50": percentile(confirm_logged, 50),
            "confirm_p99": percentile(confirm_logged, 99), "confirm_rtt_p99": percentile(confirm_rtt, 99) * 1000,
            "confirms": len(confirm_logged)}


def rows_for(backend: str, m: dict[str, Any]) -> list[Row]:
    section = f"7 workspace · {backend}"
    subject = f"{m['groups']:,} groups, {m['actions']:,} actions; one operator's day of {m['tasks']} tasks"
    return [
        Row(section, f"{subject}: today page (server time)", f"p99 {m['page_p99']:.1f} ms",
            f"p99 ≤ {TARGET_PAGE_MS:.0f} ms", m["page_p99"] <= TARGET_PAGE_MS,
            f"p50 {m['page_p50']:.1f} ms; loopback round trip p99 {m['page_rtt_p99']:.1f} ms; "
            f"store filled in {m['fill_s']:.1f} s", {k: v for k, v in m.items()}),
        Row(section, f"a confirmation (POST /api/tasks/KEY/done, {m['confirms']} of them)",
            f"p99 {m['confirm_p99']:.1f} ms", f"p99 ≤ {TARGET_CONFIRM_MS:.0f} ms",
            m["confirm_p99"] <= TARGET_CONFIRM_MS,
            f"p50 {m['confirm_p50']:.1f} ms; loopback round trip p99 {m['confirm_rtt_p99']:.1f} ms"),
    ]


def run(settings: Settings) -> list[Row]:
    total = 100_000 if settings.quick else 1_000_000
    path = settings.workdir / "workspace.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    rows = rows_for("SQLite", measure(f"sqlite:///{path}", total))
    if settings.pg_url:
        from .pg import _normal, fresh_database

        database: ContextManager[str] = fresh_database(_normal(settings.pg_url))
    else:
        database = nullcontext("")
    with database as db:
        if db:
            rows += rows_for("PostgreSQL", measure(db, total))
        else:
            rows.append(Row("7 workspace · PostgreSQL", "today page and confirmation", "skipped", "", None,
                            "no --pg-url given"))
    return rows
