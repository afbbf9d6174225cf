"""6. apply and burst on PostgreSQL (``--pg-url``), the burst shared by two daemon processes.

Each run gets its own database, created on the server of ``--pg-url`` and
dropped afterwards (the role needs CREATEDB); the named database is untouched.
"""

from __future__ import annotations

import time
import uuid
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sopengine.planning.ledger_planner import LedgerPlanner
from sopengine.store import Store
from sopengine.store.apply import apply

from .apply_bench import TARGET_RATE
from .burst import daemon_burst, daemon_rows
from .fixtures import APPLY_NOW, Settings, camp, camp_groups, host
from .report import Row, median_runs, rate, secs


def _normal(url: str) -> str:
    u = make_url(url)
    if u.drivername == "postgresql":
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


@contextmanager
def fresh_database(url: str) -> Iterator[str]:
    """A new, empty database on the server of ``url``, dropped on exit."""
    base = make_url(_normal(url))
    name = f"sopengine_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def apply_rows(settings: Settings, url: str) -> list[Row]:
    rows = []
    for n in settings.pg_ns or settings.ns:
        runs = []
        for _ in range(settings.repeat):
            with fresh_database(url) as db:
                store = Store.open(db, host().kinds, planner=LedgerPlanner())
                try:
                    t = time.perf_counter()
                    report = apply(store, [camp()], camp_groups(n), APPLY_NOW)
                    seconds = time.perf_counter() - t
                finally:
                    store.close()
            count = report.total("added")
            runs.append({"apply_s": seconds, "actions": count, "apply_rate": count / seconds})
        m = median_runs(runs)
        rows.append(Row(f"6 PostgreSQL · apply N={n:,}", "sopengine apply (plan + store, PostgreSQL)",
                        f"{rate(m['apply_rate'])} ({secs(m['apply_s'])} for {int(m['actions']):,})",
                        "", None, f"no target: the {TARGET_RATE:,} actions/s target is stated for SQLite",
                        {"n": n, **m}))
    return rows


def run(settings: Settings) -> list[Row]:
    if not settings.pg_url:
        return [Row("6 PostgreSQL", "apply and burst", "skipped", "", None,
                    "no --pg-url given (e.g. postgresql://user@127.0.0.1:5432/postgres; the role needs CREATEDB)")]
    url = _normal(settings.pg_url)
    rows = apply_rows(settings, url)
    runs = []
    for _ in range(settings.repeat):
        with fresh_database(url) as db:
            runs.append(daemon_burst(db, settings.burst_n, daemons=2))
    rows += daemon_rows(f"6 PostgreSQL · burst {settings.burst_n:,}",
                        "sopengine daemons ×2 (processes, SKIP LOCKED claims)", median_runs(runs), settings.burst_n)
    return rows
