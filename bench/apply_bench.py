"""1. apply: plan + store N groups × the shipped 21-day camp SOP into a fresh SQLite file.

Beside it, measured in the same run: APScheduler 3 adding one-shot
DateTrigger jobs for the same actions (a sample, rate extrapolated), and raw
sqlite3 ``executemany`` of rows of the same shape into the same schema.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from sopengine.planning.ledger_planner import LedgerPlanner
from sopengine.store import Store
from sopengine.store.apply import apply
from sopengine.store.tables import actions

from . import aps
from .fixtures import (
    APPLY_NOW, Settings, camp, camp_groups, cloned_rows, db_tuples, host, raw_sqlite, remove_db, template_actions,
)
from .report import Row, median_runs, rate, ratio, secs

TARGET_RATE = 100_000
TARGET_VS_APS = 50.0
TARGET_VS_RAW = 0.5


def apply_once(settings: Settings, n: int, run: int, keep: bool) -> tuple[float, int]:
    """(seconds, actions stored) of one apply of N groups into a fresh file."""
    path = settings.workdir / f"apply-{n}-{run}.db"
    remove_db(path)
    store = Store.open(f"sqlite:///{path}", host().kinds, planner=LedgerPlanner())
    try:
        groups = camp_groups(n)
        t = time.perf_counter()
        report = apply(store, [camp()], groups, APPLY_NOW)
        seconds = time.perf_counter() - t
    finally:
        store.close()
    if keep:
        settings.applied[n] = path
    else:
        remove_db(path)
    return seconds, report.total("added")


def raw_once(settings: Settings, n: int, run: int, sql: str, tuples: list[tuple[object, ...]],
             bare: bool = False) -> float:
    """Seconds of one executemany + commit of ``tuples`` into a freshly migrated actions table
    (``bare``: the same columns with no index but the rowid, the most SQLite can do)."""
    path = settings.workdir / f"raw-{n}-{run}.db"
    remove_db(path)
    Store.open(f"sqlite:///{path}", host().kinds, planner=LedgerPlanner()).close()
    conn = raw_sqlite(str(path))
    if bare:
        columns = ", ".join(r[1] for r in conn.execute("PRAGMA table_info(actions)") if r[1] != "id")
        conn.execute("DROP TABLE actions")
        conn.execute(f"CREATE TABLE actions (id INTEGER PRIMARY KEY, {columns})")
    try:
        t = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany(sql, tuples)
        conn.execute("COMMIT")
        return time.perf_counter() - t
    finally:
        conn.close()
        remove_db(path)


def run(settings: Settings) -> list[Row]:
    rows: list[Row] = []
    for n in settings.ns:
        rows += run_n(settings, n)
    return rows


def run_n(settings: Settings, n: int) -> list[Row]:
    shaped = cloned_rows(camp_groups(n), template_actions(), 1, APPLY_NOW)
    scratch = settings.workdir / "shape.db"
    remove_db(scratch)
    shape_store = Store.open(f"sqlite:///{scratch}", host().kinds, planner=LedgerPlanner())
    sql, tuples = db_tuples(shape_store, actions, shaped)
    shape_store.close()
    remove_db(scratch)
    sample = min(settings.aps_sample, len(shaped))
    # the same run dates moved into the future (stored naive UTC), so none is due while APScheduler runs
    shift = datetime.now(timezone.utc) - APPLY_NOW + timedelta(days=30)
    jobs = [(f"{r['sop_id']}/{r['step']}/{r['key_tail']}", r["due"].replace(tzinfo=timezone.utc) + shift)
            for r in shaped[:sample]]
    del shaped
    # what an APScheduler user would write instead: a cron trigger per recurring step (a sample of groups)
    natural_groups = min(n, max(1, sample // 17))
    natural = aps.natural_jobs(camp(), camp_groups(natural_groups)) if settings.aps else []
    runs = []
    for i in range(settings.repeat):
        seconds, count = apply_once(settings, n, i, keep=i == settings.repeat - 1)
        m = {"apply_s": seconds, "actions": float(count), "apply_rate": count / seconds}
        m["raw_s"] = raw_once(settings, n, i, sql, tuples)
        m["raw_rate"] = len(tuples) / m["raw_s"]
        m["bare_s"] = raw_once(settings, n, i, sql, tuples, bare=True)
        m["bare_rate"] = len(tuples) / m["bare_s"]
        if settings.aps:
            path = settings.workdir / f"aps-add-{n}-{i}.db"
            remove_db(path)
            m["aps_sample_s"] = aps.add_seconds(path, jobs)
            m["aps_rate"] = sample / m["aps_sample_s"]
            remove_db(path)
            m["aps_natural_s"] = aps.add_triggers_seconds(path, natural)
            m["aps_natural_jobs"] = float(len(natural))
            m["aps_natural_rate"] = natural_groups * (count / n) / m["aps_natural_s"]  # actions covered a second
            remove_db(path)
        runs.append(m)
    return rows_for(settings, n, median_runs(runs), sample, len(tuples))


def rows_for(settings: Settings, n: int, m: dict[str, float], sample: int, raw_rows: int) -> list[Row]:
    section = f"1 apply · N={n:,} groups"
    total = int(m["actions"])
    rows = [
        Row(section, "sopengine apply (plan + store, SQLite)",
            f"{rate(m['apply_rate'])} ({secs(m['apply_s'])} for {total:,})", f"≥ {TARGET_RATE:,} actions/s",
            m["apply_rate"] >= TARGET_RATE, "fresh file; Store.open/migrate not timed",
            {"n": n, **m}),
        Row(section, "raw sqlite3 executemany (same rows, same schema and indexes)",
            f"{rate(m['raw_rate'], 'rows/s')} ({secs(m['raw_s'])} for {raw_rows:,})", "", None,
            "one transaction; rows pre-built, not timed", {"n": n, "raw_rate": m["raw_rate"], "raw_s": m["raw_s"]}),
        Row(section, "raw sqlite3 executemany (same rows, bare table: no index)",
            f"{rate(m['bare_rate'], 'rows/s')} ({secs(m['bare_s'])} for {raw_rows:,})", "", None,
            "the physical limit: what SQLite does with no key to keep unique and nothing to claim by",
            {"n": n, "bare_rate": m["bare_rate"], "bare_s": m["bare_s"]}),
    ]
    if settings.aps:
        extrapolated = total / m["aps_rate"]
        rows.append(Row(section, f"APScheduler {aps.version()} add_job → SQLAlchemyJobStore (SQLite)",
                        f"{rate(m['aps_rate'], 'jobs/s')} (~{secs(extrapolated)} for {total:,})", "", None,
                        f"measured {sample:,} jobs in {secs(m['aps_sample_s'])}; total extrapolated from that rate",
                        {"n": n, "aps_rate": m["aps_rate"], "aps_sample": sample,
                         "aps_extrapolated_s": extrapolated}))
        natural_s = m["aps_natural_s"] * n / max(1, min(n, max(1, sample // 17)))
        rows.append(Row(section, f"APScheduler {aps.version()} with its natural triggers (CronTrigger per "
                                 "recurring step, DateTrigger per one-off)",
                        f"{rate(m['aps_natural_rate'])} covered (~{secs(natural_s)} for {n:,} groups)", "", None,
                        f"{int(m['aps_natural_jobs']):,} jobs for a sample of groups in {secs(m['aps_natural_s'])}; "
                        f"sopengine ÷ this: {ratio(m['apply_rate'] / m['aps_natural_rate'])} (no holidays, quiet "
                        "hours or per-action state on its side)",
                        {"n": n, "aps_natural_rate": m["aps_natural_rate"], "aps_natural_s": m["aps_natural_s"]}))
        vs_aps = m["apply_rate"] / m["aps_rate"]
        rows.append(Row(section, "sopengine ÷ APScheduler", ratio(vs_aps), f"≥ {TARGET_VS_APS:.0f}×",
                        vs_aps >= TARGET_VS_APS, "", {"n": n, "ratio": vs_aps}))
    else:
        rows.append(Row(section, "APScheduler 3", "skipped", "", None, "--no-aps, or apscheduler<4 is not installed"))
    vs_raw = m["apply_rate"] / m["bare_rate"]
    rows.append(Row(section, "sopengine ÷ raw executemany into the bare table", f"{vs_raw:.1%}",
                    f"≥ {TARGET_VS_RAW:.0%}", vs_raw >= TARGET_VS_RAW,
                    f"÷ same schema: {m['apply_rate'] / m['raw_rate']:.0%}", {"n": n, "ratio": vs_raw}))
    return rows
