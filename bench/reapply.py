"""4. re-apply: the camp SOP edited (one step's text and time) and applied again to N groups.

Starts from the store the apply benchmark left for the largest N (or applies
it first, untimed). Run *i* moves ``evening-recap`` from 21:30 to 21:(41+i)
and changes its text, so every run is a real edit of the previous version:
per group 20 actions are cancelled and 20 added, the rest are unchanged.
"""

from __future__ import annotations

import time

from sopengine.planning.ledger_planner import LedgerPlanner
from sopengine.store import Store
from sopengine.store.apply import apply

from .apply_bench import apply_once
from .fixtures import APPLY_NOW, CAMP_FILE, Settings, camp_from_text, camp_groups, host
from .report import Row, median_runs, secs

TARGET_S = 10.0
STEP_CRON = 'cron: "30 21 * * *"'
STEP_TEXT = "📒 第{{ day }}天打卡今晚24点截止"


def edited(run: int) -> str:
    text = CAMP_FILE.read_text(encoding="utf-8")
    if text.count(STEP_CRON) != 1 or text.count(STEP_TEXT) != 1:
        raise RuntimeError("the shipped camp SOP changed: update bench/reapply.py's edit")
    edited = text.replace(STEP_CRON, f'cron: "{41 + run} 21 * * *"')
    return edited.replace(STEP_TEXT, f"📒（第{run + 2}版）{STEP_TEXT[2:]}")


def run(settings: Settings) -> list[Row]:
    n = max(settings.ns)
    if n not in settings.applied:
        apply_once(settings, n, 0, keep=True)
    url = f"sqlite:///{settings.applied[n]}"
    groups = camp_groups(n)
    runs = []
    for i in range(settings.repeat):
        sop = camp_from_text(edited(i))
        store = Store.open(url, host().kinds, planner=LedgerPlanner())
        try:
            t = time.perf_counter()
            report = apply(store, [sop], groups, APPLY_NOW)
            seconds = time.perf_counter() - t
        finally:
            store.close()
        runs.append({"seconds": seconds, "added": report.total("added"), "changed": report.total("changed"),
                     "cancelled": report.total("cancelled"), "unchanged": report.total("unchanged")})
    m = median_runs(runs)
    section = f"4 re-apply · N={n:,} groups"
    return [Row(section, "sopengine apply of the edited SOP (SQLite)", secs(m["seconds"]), f"≤ {TARGET_S:.0f} s",
                m["seconds"] <= TARGET_S,
                f"{int(m['added']):,} added, {int(m['cancelled']):,} cancelled, {int(m['changed']):,} changed, "
                f"{int(m['unchanged']):,} unchanged", {"n": n, **m})]
