"""What the benchmarks share: settings, the shipped camp SOP, N groups, a null channel, fast inserts."""

from __future__ import annotations

import dataclasses
import functools
import os
import sqlite3
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Table, create_engine, event, insert, select
from sqlalchemy.engine import make_url

from sopengine import Group, Sop, load_sop, load_workspace
from sopengine.channels import Capabilities, Ok, OutboundAction, SendResult, Target
from sopengine.planning.planner import PlannedAction, action_key, plan
from sopengine.plugins import PluginHost, load_plugins
from sopengine.store import Store
from sopengine.store.apply import apply
from sopengine.store.bulk import action_row, driver_values
from sopengine.store.database import to_db
from sopengine.store.tables import sops

ROOT = Path(__file__).resolve().parent.parent
CAMP_FILE = ROOT / "sops" / "learning-camp-21d.yaml"
GROUPS_FILE = ROOT / "sops" / "groups.yaml"
TEMPLATE_GROUP = "ppt-camp-2026-09-a"
SH = ZoneInfo("Asia/Shanghai")
#: ``now`` of every apply benchmark: the day before the camp groups start, so every action is kept.
APPLY_NOW = datetime(2026, 9, 18, tzinfo=SH)


@dataclass
class Settings:
    """What one benchmark run measures (from the command line)."""

    ns: list[int] = field(default_factory=lambda: [1_000, 10_000])
    repeat: int = 3
    quick: bool = False
    burst_n: int = 10_000
    idle_actions: int = 1_000_000
    idle_seconds: float = 30.0
    #: Actions in the ledger that section 13 reads.
    read_actions: int = 10_000_000
    #: Groups of the large fleet section 9 applies once (0: skip it).
    fleet_large: int = 100_000
    aps_sample: int = 20_000
    pg_url: str | None = None
    #: Group counts for the PostgreSQL apply (default: ``ns``).
    pg_ns: list[int] | None = None
    workdir: Path = Path("/tmp")
    aps: bool = True
    #: Fresh SQLite files left by the apply benchmark, by N (re-apply reuses them).
    applied: dict[int, Path] = field(default_factory=dict)


@functools.cache
def host() -> PluginHost:
    return load_plugins()


@functools.cache
def camp() -> Sop:
    ws = load_workspace([CAMP_FILE], [GROUPS_FILE], options=host().load_options())
    if not ws.ok or not ws.sops:
        raise RuntimeError(f"the shipped camp SOP does not load: {ws.problems}")
    return ws.sops[0]


def camp_from_text(text: str) -> Sop:
    """An edited camp SOP (pools still resolve next to the shipped file)."""
    return load_sop(CAMP_FILE, host().load_options(), text=text)


@functools.cache
def template_group() -> Group:
    ws = load_workspace([], [GROUPS_FILE])
    return next(g for g in ws.groups if g.id == TEMPLATE_GROUP)


def camp_groups(n: int, prefix: str = "camp", start: date | None = None) -> list[Group]:
    """``n`` copies of the shipped 9月A班 group (ids ``{prefix}-000001``…)."""
    g = template_group()
    return [dataclasses.replace(g, id=f"{prefix}-{i:06d}", name=f"{g.name}·{i}", start=start or g.start)
            for i in range(n)]


@dataclass
class NullChannel:
    """An automatic channel that accepts everything instantly (counts sends)."""

    name: str = "wechat"
    sent: int = 0
    capabilities: Capabilities = field(default_factory=Capabilities)

    def target_key(self, target: Target) -> str:
        return f"{self.name}:{target.group_id}"

    def render(self, action: OutboundAction, target: Target) -> Sequence[str]:
        return [action.text]

    def send(self, payload: Any, idempotency_key: str) -> SendResult:
        self.sent += 1
        return Ok()


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> str:
    return make_url(url).database or ""


def sqlite_engine(path: Path) -> Engine:
    """An engine with sopengine's own SQLite settings (WAL, synchronous=NORMAL), for comparisons."""
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    return engine


def raw_sqlite(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def db_tuples(store: Store, table: Table, rows: Iterable[dict[str, Any]]) -> tuple[str, list[tuple[Any, ...]]]:
    """(INSERT statement, rows as DB-API tuples converted exactly as SQLAlchemy stores them)."""
    cols = [c for c in table.columns if not (c.primary_key and c.autoincrement is True and c.name == "id")
            and c.computed is None]  # a generated column (the actions' key) is the database's to write
    defaults = {c.name: c.default.arg for c in cols if c.default is not None and not callable(c.default.arg)}
    out = driver_values(store.engine.dialect, cols, ({**defaults, **r} for r in rows))
    sql = f"INSERT INTO {table.name} ({', '.join(c.name for c in cols)}) VALUES ({', '.join('?' * len(cols))})"
    return sql, out


def bulk_insert(store: Store, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert fast: raw sqlite3 executemany on SQLite, SQLAlchemy executemany elsewhere."""
    if not rows:
        return
    if store.dialect == "sqlite":
        sql, tuples = db_tuples(store, table, rows)
        conn = raw_sqlite(sqlite_path(str(store.engine.url)))
        try:
            conn.execute("BEGIN")
            conn.executemany(sql, tuples)
            conn.execute("COMMIT")
        finally:
            conn.close()
        return
    with store.engine.begin() as conn:
        for i in range(0, len(rows), 5000):
            conn.execute(insert(table), rows[i:i + 5000])


def group_rows(gs: Iterable[Group], now: datetime) -> list[dict[str, Any]]:
    """groups-table rows as ``apply`` writes them."""
    return [{"id": g.id, "name": g.name, "start": g.start, "tags": list(g.tags), "facts": g.facts,
             "facts_updated_at": to_db(now), "channels": g.channels, "vars": g.vars, "pools": g.pools,
             "paused": False, "updated_at": to_db(now)} for g in gs]


def camp_version(store: Store, now: datetime) -> int:
    """Store the camp SOP's version (applying it to the template group, whose life is over); its id."""
    apply(store, [camp()], [template_group()], now)
    with store.engine.connect() as conn:
        return int(conn.execute(select(sops.c.version_id).where(sops.c.id == camp().id)).scalar_one())


def template_actions() -> list[PlannedAction]:
    """The camp's planned actions for the template group (every step, every occurrence)."""
    return plan(camp(), template_group(), render=False)


def cloned_rows(gs: Sequence[Group], per_group: Sequence[PlannedAction], version_id: int, now: datetime,
                due: datetime | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """Actions-table rows: ``per_group`` cloned onto each group (optionally all moved to ``due``)."""
    sop = camp()
    rows: list[dict[str, Any]] = []
    for g in gs:
        for i, a in enumerate(per_group):
            when = due if due is not None else a.due
            key = action_key(a.sop, a.step, a.part, g.id, when, sop.timezone)
            if due is not None:
                key = f"{key}#{i}"
            rows.append(action_row(dataclasses.replace(a, group=g.id, key=key, due=when), version_id, now))
            if limit is not None and len(rows) >= limit:
                return rows
    return rows


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)




def remove_db(path: Path) -> None:
    """Delete a SQLite file and whatever it left beside it (WAL, shared memory, journal)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def timed_command(args: list[str], cwd: Path, accept: tuple[int, ...] = (0,)) -> float:
    """Wall seconds of one run of ``args`` as a user runs it (bytecode caching on); raises if it
    exits with a code not in ``accept``."""
    t = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, capture_output=True, timeout=3600,
                          env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"})
    seconds = time.perf_counter() - t
    if done.returncode not in accept:
        raise RuntimeError(f"{' '.join(args)} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return seconds


def measured_command(args: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, peak resident MB) of one run of ``args`` as :func:`timed_command` runs it.

    The peak is the process's own high-water mark (``VmHWM``), read from ``/proc`` as it runs:
    the kernel's ``ru_maxrss`` of a child also counts what its parent had resident when it was
    forked, and this benchmark's parent holds hundreds of megabytes by then."""
    t = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"})
    errors: list[bytes] = []
    reader = threading.Thread(target=lambda: errors.append(proc.stderr.read() if proc.stderr else b""), daemon=True)
    reader.start()
    status, peak_kib = Path(f"/proc/{proc.pid}/status"), 0
    while proc.poll() is None:
        try:
            line = next(x for x in status.read_text().splitlines() if x.startswith("VmHWM:"))
            peak_kib = max(peak_kib, int(line.split()[1]))
        except (OSError, StopIteration, ValueError):
            pass
        time.sleep(0.02)
    seconds = time.perf_counter() - t
    reader.join(10)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {proc.returncode}: {b''.join(errors).decode()[-500:]}")
    return seconds, peak_kib / 1024
