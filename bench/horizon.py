"""12. Horizon extension by a group's age: two days after an apply, the daemon plans a persistent
SOP (the shipped fan group) two more days ahead, for groups that started 30 days, one year and
four years ago. The cost must not grow with age: the four-year-old groups within 1.5× of the
30-day-old ones."""

from __future__ import annotations

import dataclasses
import time
from datetime import timedelta

from sopengine.planning.ledger_planner import LedgerPlanner
from sopengine.store import Store
from sopengine.store.apply import apply, extend_horizons

from .fixtures import ROOT, SH, Settings, host, remove_db
from .report import Row, median_runs, secs

TARGET_RATIO = 1.5
AGES = {"30 days": 30, "1 year": 365, "4 years": 4 * 365}


def fan_sop():  # type: ignore[no-untyped-def]
    from sopengine import load_workspace

    ws = load_workspace([ROOT / "sops" / "fan-group.yaml"], [ROOT / "sops" / "groups.yaml"],
                        options=host().load_options())
    return next(s for s in ws.sops if s.id == "fan-group"), next(g for g in ws.groups if "fans" in g.tags)


def one_day(settings: Settings, age_days: int, n: int, run: int) -> float:
    """Seconds for the extension of ``n`` fan groups ``age_days`` old, two days after their apply
    (the daemon extends once a pair's plan ends within a day of the horizon)."""
    from datetime import datetime

    sop, template = fan_sop()
    now = datetime(2026, 9, 1, 6, tzinfo=SH)
    start = (now - timedelta(days=age_days)).date()
    gs = [dataclasses.replace(template, id=f"fans-{age_days}-{i}", start=start) for i in range(n)]
    db = settings.workdir / f"horizon-{age_days}-{run}.db"
    remove_db(db)
    store = Store.open(f"sqlite:///{db}", host().kinds, planner=LedgerPlanner())
    try:
        apply(store, [sop], gs, now)
        extend_horizons(store, now)  # anything already owed: not timed
        t = time.perf_counter()
        added = extend_horizons(store, now + timedelta(days=2))
        seconds = time.perf_counter() - t
        if added <= 0:
            raise RuntimeError(f"extending {age_days}-day-old groups by two days added nothing")
        return seconds
    finally:
        store.close()
        remove_db(db)


def run(settings: Settings) -> list[Row]:
    n = 20 if settings.quick else 200
    runs = [{name: one_day(settings, days, n, i) for name, days in AGES.items()} for i in range(settings.repeat)]
    m = median_runs(runs)
    ratio = m["4 years"] / m["30 days"]
    return [Row("12 horizon by age", f"extension by 2 days of {n} fan groups, {name} old", secs(m[name]),
                f"4 years ≤ {TARGET_RATIO}× 30 days" if name == "4 years" else "",
                ratio <= TARGET_RATIO if name == "4 years" else None,
                f"{secs(m[name] / n)} a group" + (f"; {ratio:.2f}× the 30-day-old" if name == "4 years" else ""))
            for name in AGES]
