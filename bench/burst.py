"""2. burst: N actions due at the same instant, dispatched by real daemons through a null channel.

Each daemon runs in its own (spawned) process on the real SystemClock: it
starts before the due instant, sleeps until it, and dispatches; a watcher
thread stops it once no burst action is left waiting. Lateness is read back
from the attempts table (attempt started_at − action due). Beside it,
APScheduler's BackgroundScheduler gets the same burst (see :mod:`.aps`).
"""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select

from sopengine.planning.ledger_planner import LedgerPlanner
from sopengine.daemon.clock import SystemClock
from sopengine.daemon.runner import Daemon
from sopengine.planning.planner import PlannedAction
from sopengine.planning.local_time import format_local_minute
from sopengine.store import Store, states
from sopengine.store.tables import actions, attempts, groups

from . import aps
from .fixtures import (
    NullChannel, Settings, bulk_insert, camp, camp_groups, camp_version, cloned_rows, group_rows, host,
    template_actions, utcnow,
)
from .report import Row, median_runs, percentile, rate, secs

TARGET_P99 = 2.0
LEAD = timedelta(seconds=2)
WAITING = (states.PLANNED, states.DUE, states.RETRYING)


def representative_actions() -> list[PlannedAction]:
    """The first occurrence of every part of every step but the dissolution (varied rendering)."""
    seen: dict[tuple[str, str | None], PlannedAction] = {}
    for a in template_actions():
        if a.kind != "dissolution":
            seen.setdefault((a.step, a.part), a)
    return list(seen.values())


def _remaining(store: Store, due: datetime) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(actions).where(
            actions.c.state.in_(WAITING), actions.c.due == due.replace(tzinfo=None))).scalar_one())


def worker(url: str, batch: int | None, due_ts: Any, ready: Any, go: Any, out: Any, timeout: float) -> None:
    """One daemon process: open the store, wait for go, run until the burst is done."""
    store = Store.open(url, host().kinds, planner=LedgerPlanner())
    channel = NullChannel()
    daemon = Daemon(store, {channel.name: channel}, SystemClock())
    if batch is not None:
        daemon.batch_size = batch
    ready.set()
    go.wait()
    due = datetime.fromtimestamp(due_ts.value, timezone.utc)
    finished = threading.Event()

    def watch() -> None:
        time.sleep(max(0.0, (due - utcnow()).total_seconds()))
        give_up = time.monotonic() + timeout
        while not finished.is_set():
            if _remaining(store, due) == 0 or time.monotonic() > give_up:
                daemon.stop()
                return
            time.sleep(0.05)

    threading.Thread(target=watch, daemon=True).start()
    try:
        stats = daemon.run()
    finally:
        finished.set()
    out.put({"owner": daemon.owner, "sent": channel.sent, "by_state": dict(stats.by_state)})
    store.close()


def daemon_burst(url: str, n: int, daemons: int = 1, batch: int | None = None,
                 timeout: float = 600.0) -> dict[str, float]:
    """Set up ``n`` actions due at one instant and let ``daemons`` processes dispatch them."""
    store = Store.open(url, host().kinds, planner=LedgerPlanner())
    now = utcnow()
    version = camp_version(store, now)
    gs = camp_groups(n, prefix="burst")
    bulk_insert(store, groups, group_rows(gs, now))
    reps = representative_actions()
    placeholder = now.replace(microsecond=0) + timedelta(days=1)
    rows = [row for i, g in enumerate(gs)
            for row in cloned_rows([g], [reps[i % len(reps)]], version, now, due=placeholder)]
    ctx = mp.get_context("spawn")
    due_ts, go, out = ctx.Value("d", 0.0), ctx.Event(), ctx.Queue()
    readies = [ctx.Event() for _ in range(daemons)]
    procs = [ctx.Process(target=worker, args=(url, batch, due_ts, r, go, out, timeout)) for r in readies]
    for p in procs:
        p.start()
    for r in readies:
        if not r.wait(120):
            raise RuntimeError("a burst daemon did not start in 120 s")
    due = (utcnow() + LEAD).replace(microsecond=0) + timedelta(seconds=1)
    bulk_insert(store, actions, [moved(r, placeholder, due) for r in rows])
    if store.engine.dialect.name == "postgresql":
        # the statistics autovacuum keeps: a ledger's actions are applied long before they fall due
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE actions")
    setup_late = max(0.0, (utcnow() - due).total_seconds())
    due_ts.value = due.timestamp()
    go.set()
    results = [out.get(timeout=timeout + 60) for _ in procs]
    for p in procs:
        p.join(30)
    m = measure(store, due, n)
    store.close()
    m["setup_late_s"] = setup_late
    sent_by = sorted((r["sent"] for r in results), reverse=True)
    for i, s in enumerate(sent_by):
        m[f"daemon{i + 1}_sent"] = float(s)
    return m


def moved(row: dict[str, Any], placeholder: datetime, due: datetime) -> dict[str, Any]:
    """``row`` (planned at ``placeholder``) due at ``due`` instead, key and grace kept in step."""
    tz = camp().timezone
    naive = due.astimezone(timezone.utc).replace(tzinfo=None)
    return {**row, "key_tail": row["key_tail"].replace(format_local_minute(placeholder, tz),
                                                        format_local_minute(due, tz)),
            "due": naive, "next_attempt_at": naive, "deadline": naive + (row["deadline"] - row["due"])}


def measure(store: Store, due: datetime, n: int) -> dict[str, float]:
    """Sent count, lateness and completion of the burst, from the ledger."""
    naive = due.replace(tzinfo=None)
    with store.engine.connect() as conn:
        tries = conn.execute(select(attempts.c.action_key, attempts.c.started_at, attempts.c.finished_at)
                             .join(actions, actions.c.key == attempts.c.action_key)
                             .where(actions.c.due == naive)).all()
        by_state = dict(conn.execute(select(actions.c.state, func.count()).where(actions.c.due == naive)
                                     .group_by(actions.c.state)).all())
    late = [(t.started_at - naive).total_seconds() for t in tries]
    last = max((t.finished_at for t in tries), default=None)
    first = min((t.started_at for t in tries), default=None)
    sent = by_state.get(states.SENT, 0)
    completion = (last - naive).total_seconds() if last else float("nan")
    busy = (last - first).total_seconds() if last and first else float("nan")
    return {"n": float(n), "sent": float(sent), "dropped": float(n - sent),
            "duplicates": float(len(tries) - len({t.action_key for t in tries})),
            "p50": percentile(late, 50), "p99": percentile(late, 99), "max": max(late, default=float("nan")),
            "completion_s": completion, "throughput": sent / busy if busy and busy > 0 else float("nan")}


def run(settings: Settings) -> list[Row]:
    n = settings.burst_n
    section = f"2 burst · {n:,} due at one instant"
    runs = []
    for i in range(settings.repeat):
        path = settings.workdir / f"burst-{i}.db"
        for suffix in ("", "-wal", "-shm"):
            (settings.workdir / f"burst-{i}.db{suffix}").unlink(missing_ok=True)
        runs.append(daemon_burst(f"sqlite:///{path}", n))
    rows = daemon_rows(section, "sopengine daemon ×1 (SQLite, SystemClock, null channel)", median_runs(runs), n)
    if settings.aps:
        for grace, label in ((None, "misfire_grace_time=None"), (1.0, "misfire_grace_time=1 s (default)")):
            aruns = []
            for i in range(settings.repeat):
                path = settings.workdir / f"aps-burst-{i}.db"
                for suffix in ("", "-wal", "-shm"):
                    (settings.workdir / f"aps-burst-{i}.db{suffix}").unlink(missing_ok=True)
                r = aps.burst(path, n, grace)
                aruns.append({"ran": r.ran, "dropped": r.dropped, "completion_s": r.completion, "p50": r.p50,
                              "p99": r.p99, "max": r.worst, "throughput": r.throughput, "add_late_s": r.add_late})
            rows.append(aps_row(section, label, median_runs(aruns), n))
    else:
        rows.append(Row(section, "APScheduler 3", "skipped", "", None, "--no-aps, or apscheduler<4 is not installed"))
    return rows


def daemon_rows(section: str, subject: str, m: dict[str, float], n: int) -> list[Row]:
    split = [int(m[k]) for k in sorted(m) if k.startswith("daemon") and k.endswith("_sent")]
    note = f"time to last sent {secs(m['completion_s'])} after due; {rate(m['throughput'])}"
    if len(split) > 1:
        note += "; split " + " / ".join(f"{s:,}" for s in split)
    if m["duplicates"]:
        note += f"; {int(m['duplicates'])} DUPLICATE sends"
    if m["setup_late_s"] > 0:
        note += f"; setup ran {secs(m['setup_late_s'])} past due"
    return [
        Row(section, subject, f"sent {int(m['sent']):,} / {n:,}, dropped {int(m['dropped']):,}",
            "all sent, none dropped", m["sent"] == n and not m["dropped"] and not m["duplicates"], note, m),
        Row(section, "  lateness p50 / p99 / max",
            f"{secs(m['p50'])} / {secs(m['p99'])} / {secs(m['max'])}", f"p99 ≤ {TARGET_P99:.0f} s",
            m["p99"] <= TARGET_P99, "attempt started_at − due (attempts table)"),
    ]


def aps_row(section: str, label: str, m: dict[str, float], n: int) -> Row:
    note = (f"lateness p50 {secs(m['p50'])} / p99 {secs(m['p99'])} / max {secs(m['max'])}; "
            f"last processed {secs(m['completion_s'])} after due; {rate(m['throughput'], 'jobs/s')}")
    if m["add_late_s"] > 0:
        note += f"; adding ran {secs(m['add_late_s'])} past due"
    return Row(section, f"APScheduler {aps.version()} BackgroundScheduler, {label}",
               f"ran {int(m['ran']):,} / {n:,}, dropped {int(m['dropped']):,}", "", None, note, m)


__all__ = ["daemon_burst", "run", "worker"]
