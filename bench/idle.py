"""3. idle: the real daemon (``python -m sopengine run``) holding many planned actions, none due for an hour.

The actions are inserted with executemany (not timed), all due an hour from
now; the daemon runs in a subprocess and psutil samples its RSS and CPU
after it has settled (the settling time and CPU are reported too).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import psutil

from sopengine.planning.ledger_planner import LedgerPlanner
from sopengine.store import Store
from sopengine.store.tables import actions, groups

from .fixtures import (
    ROOT, Settings, bulk_insert, camp_groups, camp_version, ceil_div, cloned_rows, group_rows, host,
    template_actions, utcnow,
)
from .report import Row, median_runs, secs

TARGET_RSS_MB = 150.0
TARGET_CPU = 1.0
CHUNK_GROUPS = 1000


def populate(path: Path, total: int) -> float:
    """A fresh store with ``total`` planned actions due in an hour; seconds it took."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    t = time.perf_counter()
    store = Store.open(f"sqlite:///{path}", host().kinds, planner=LedgerPlanner())
    now = utcnow()
    version = camp_version(store, now)
    per = template_actions()
    gs = camp_groups(ceil_div(total, len(per)), prefix="idle")
    bulk_insert(store, groups, group_rows(gs, now))
    due = now + timedelta(hours=1)
    left = total
    for i in range(0, len(gs), CHUNK_GROUPS):
        rows = cloned_rows(gs[i:i + CHUNK_GROUPS], per, version, now, due=due, limit=left)
        bulk_insert(store, actions, rows)
        left -= len(rows)
    store.close()
    return time.perf_counter() - t


def settle(proc: psutil.Process, most: float = 120.0) -> tuple[float, float]:
    """Wait until the process uses < 2 % CPU over half a second; (seconds waited, CPU seconds used)."""
    start = time.monotonic()
    cpu0 = sum(proc.cpu_times()[:2])
    last = cpu0
    while time.monotonic() - start < most:
        time.sleep(0.5)
        now = sum(proc.cpu_times()[:2])
        if now - last < 0.01:
            break
        last = now
    return time.monotonic() - start, sum(proc.cpu_times()[:2]) - cpu0


def observe(url: str, seconds: float, log: Path) -> dict[str, float]:
    """Start the daemon, let it settle, then sample RSS and CPU for ``seconds``."""
    with open(log, "wb") as err:
        popen = subprocess.Popen([sys.executable, "-m", "sopengine", "run", "--db", url, "-q"], cwd=ROOT,
                                 stdout=subprocess.DEVNULL, stderr=err, env=dict(os.environ))
    try:
        proc = psutil.Process(popen.pid)
        settle_s, settle_cpu = settle(proc)
        cpu0, t0, peak = sum(proc.cpu_times()[:2]), time.monotonic(), proc.memory_info().rss
        while time.monotonic() - t0 < seconds:
            time.sleep(min(0.5, seconds))
            peak = max(peak, proc.memory_info().rss)
            if popen.poll() is not None:
                raise RuntimeError(f"the daemon exited ({popen.returncode}); see {log}")
        cpu = sum(proc.cpu_times()[:2]) - cpu0
        wall = time.monotonic() - t0
    finally:
        popen.send_signal(signal.SIGTERM)
        try:
            code = popen.wait(30)
        except subprocess.TimeoutExpired:
            popen.kill()
            code = popen.wait()
    return {"rss_mb": peak / 2**20, "cpu_pct": 100 * cpu / wall, "settle_s": settle_s,
            "settle_cpu_s": settle_cpu, "exit": float(code)}


def run(settings: Settings) -> list[Row]:
    path = settings.workdir / "idle.db"
    url = f"sqlite:///{path}"
    insert_s = populate(path, settings.idle_actions)
    runs = [observe(url, settings.idle_seconds, settings.workdir / f"idle-{i}.log") for i in range(settings.repeat)]
    m = median_runs(runs)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    section = f"3 idle · {settings.idle_actions:,} planned, none due for 1 h"
    note = (f"sampled {settings.idle_seconds:g} s after it settled ({secs(m['settle_s'])}, "
            f"{m['settle_cpu_s']:.2f} CPU-s at start); store filled in {secs(insert_s)}")
    if m["exit"]:
        note += f"; SIGTERM exit code {int(m['exit'])}"
    return [
        Row(section, "sopengine run --db … -q (subprocess): peak RSS", f"{m['rss_mb']:,.0f} MB",
            f"≤ {TARGET_RSS_MB:.0f} MB", m["rss_mb"] <= TARGET_RSS_MB, note, m),
        Row(section, "  CPU while idle", f"{m['cpu_pct']:.2f} %", f"≤ {TARGET_CPU:.0f} %",
            m["cpu_pct"] <= TARGET_CPU, "user + system of the daemon process"),
    ]
