"""11. A virtual life: ``sopengine run --now … --until … --simulate-operators`` of N camp groups
(every action an operator task, confirmed by simulated operators), end to end as a subprocess.

Its rate (actions dispatched per second of the whole command) is set beside the burst path's
(section 2: a real daemon sending 10,000 due actions through a null channel), measured in the
same run. Target: the virtual clock at ≥ 50 % of the burst path.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

from .burst import daemon_burst
from .fixtures import CAMP_FILE, ROOT, Settings, remove_db, timed_command
from .plan_cmd import command
from .report import Row, median_runs, rate, secs, spread

TARGET_SHARE = 0.5
START, UNTIL = "2026-09-19T00:00+08:00", "2026-10-12T00:00+08:00"


def camp_groups_file(path: Path, n: int) -> None:
    lines = ["operators:", "  - {id: xiaoya, name: 小雅}", "  - {id: ajie, name: 阿杰}", "groups:"]
    for i in range(n):
        lines += [f"  - id: camp-{i:05d}", f"    name: PPT打卡营{i + 1}班", "    start: 2026-09-19",
                  "    tags: [learning, camp]", f"    members: {40 + i % 300}", "    channels:",
                  f"      wechat: {{operator: {'小雅' if i % 2 else '阿杰'}}}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _dispatched(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM actions WHERE state != 'planned'").fetchone()[0])


def run(settings: Settings) -> list[Row]:
    n = 100 if settings.quick else 1_000
    burst_n = 1_000 if settings.quick else 10_000
    folder = settings.workdir / "simulation"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(CAMP_FILE, folder / CAMP_FILE.name)
    shutil.copytree(ROOT / "sops" / "pools", folder / "pools", dirs_exist_ok=True)
    groups = folder / "groups.yaml"
    camp_groups_file(groups, n)
    db = folder / "life.db"
    args = [*command(), "run", CAMP_FILE.name, "--groups", str(groups), "--now", START, "--until", UNTIL,
            "--simulate-operators", "--db", f"sqlite:///{db}", "-q"]
    runs = []
    for i in range(settings.repeat):
        remove_db(db)
        seconds = timed_command(args, folder)
        dispatched = _dispatched(db)
        burst_db = folder / f"burst-{i}.db"
        remove_db(burst_db)
        t = time.perf_counter()
        burst = daemon_burst(f"sqlite:///{burst_db}", burst_n)
        remove_db(burst_db)
        runs.append({"seconds": seconds, "dispatched": dispatched, "rate": dispatched / seconds,
                     "burst_rate": burst["throughput"], "burst_wall_s": time.perf_counter() - t})
    remove_db(db)
    m = median_runs(runs)
    share = m["rate"] / m["burst_rate"]
    return [
        Row("11 virtual life", f"{n:,} camp groups × 21 days, simulated operators ({int(m['dispatched']):,} tasks)",
            f"{secs(m['seconds'])} · {rate(m['rate'])}", f"≥ {TARGET_SHARE:.0%} of the burst path",
            share >= TARGET_SHARE,
            f"{share:.0%} of the burst path ({rate(m['burst_rate'])}, {burst_n:,} due at once, same run); "
            f"whole command; {spread([r['seconds'] for r in runs])}", m),
    ]
