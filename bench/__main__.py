"""``python -m bench``: run the benchmarks and print one table (see :mod:`bench`)."""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Callable, Sequence

from . import aps
from .fixtures import Settings
from .report import Row, print_table, to_json

NAMES = ("apply", "burst", "idle", "reapply", "plan", "pg", "workspace", "members", "fleet", "startup", "simulation",
         "horizon", "reads")


def runners() -> dict[str, Callable[[Settings], list[Row]]]:
    from . import (
        apply_bench, burst, fleet_apply, horizon, idle, members, pg, plan_cmd, reads, reapply, simulation,
        startup, workspace,
    )
    return {"apply": apply_bench.run, "burst": burst.run, "idle": idle.run, "reapply": reapply.run,
            "plan": plan_cmd.run, "pg": pg.run, "workspace": workspace.run, "members": members.run,
            "fleet": fleet_apply.run, "startup": startup.run, "simulation": simulation.run,
            "horizon": horizon.run, "reads": reads.run}


def revision() -> str:
    """The commit measured (``+dirty`` when sopengine/ or plugins/ have uncommitted changes)."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                              timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "sopengine", "plugins"], cwd=root,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown commit"
    return (head or "unknown commit") + ("+dirty" if dirty else "")


def parse(argv: Sequence[str] | None) -> tuple[Settings, list[str], str | None, bool]:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--n", help="group counts for apply (comma-separated; default 1000,10000)")
    p.add_argument("--repeat", type=int, help="runs per figure, median reported (default 3; --quick: 1)")
    p.add_argument("--quick", action="store_true",
                   help="CI size: 200 groups, 1,000 burst, 10,000 idle actions for 3 s, 1 repeat")
    p.add_argument("--only", help=f"comma-separated subset of {','.join(NAMES)}")
    p.add_argument("--json", nargs="?", const="-", metavar="PATH",
                   help="also write results as JSON (to PATH, or to stdout after the table)")
    p.add_argument("--pg-url", help="PostgreSQL server URL for section 6 (skipped without it)")
    p.add_argument("--pg-n", help="group counts for the PostgreSQL apply (default: as --n)")
    p.add_argument("--idle-seconds", type=float, help="idle sampling time (default 30; --quick: 3)")
    p.add_argument("--idle-actions", type=int, help="planned actions the idle daemon holds (default 1,000,000)")
    p.add_argument("--read-actions", type=int,
                   help="actions in the ledger section 13 reads (default 10,000,000; --quick: 20,000)")
    p.add_argument("--fleet-large", type=int,
                   help="groups of section 9's large fleet, applied once (default 100,000; 0: skip it)")
    p.add_argument("--burst", type=int, help="actions in the burst (default 10,000; --quick: 1,000)")
    p.add_argument("--aps-sample", type=int, help="APScheduler jobs actually added for the apply rate (default 20,000)")
    p.add_argument("--no-aps", action="store_true", help="skip the APScheduler comparisons")
    p.add_argument("--workdir", type=Path, help="where scratch databases go (default: a new temp folder)")
    p.add_argument("--keep", action="store_true", help="keep the scratch folder")
    a = p.parse_args(argv)
    only = [x.strip() for x in (a.only or ",".join(NAMES)).split(",") if x.strip()]
    unknown = sorted(set(only) - set(NAMES))
    if unknown:
        p.error(f"--only: unknown {', '.join(unknown)} (choose from {', '.join(NAMES)})")
    s = Settings(quick=a.quick)
    if a.quick:
        s.ns, s.repeat, s.burst_n, s.idle_actions, s.idle_seconds, s.aps_sample = [200], 1, 1_000, 10_000, 3.0, 2_000
    if a.n:
        s.ns = [int(x.replace("_", "")) for x in a.n.split(",") if x.strip()]
    s.repeat = a.repeat or s.repeat
    s.burst_n = a.burst or s.burst_n
    s.idle_actions = a.idle_actions or s.idle_actions
    s.read_actions = a.read_actions or s.read_actions
    s.fleet_large = a.fleet_large if a.fleet_large is not None else s.fleet_large
    s.idle_seconds = a.idle_seconds if a.idle_seconds is not None else s.idle_seconds
    s.aps_sample = a.aps_sample or s.aps_sample
    s.pg_url = a.pg_url
    if a.pg_n:
        s.pg_ns = [int(x.replace("_", "")) for x in a.pg_n.split(",") if x.strip()]
    s.aps = aps.available() and not a.no_aps
    s.workdir = a.workdir or Path(tempfile.mkdtemp(prefix="sopengine-bench-"))
    s.workdir.mkdir(parents=True, exist_ok=True)
    if not aps.available() and not a.no_aps and not a.quick:
        print("note: apscheduler<4 is not installed; APScheduler comparisons skipped", file=sys.stderr)
    return s, [n for n in NAMES if n in only], a.json, a.keep or a.workdir is not None


def main(argv: Sequence[str] | None = None) -> int:
    settings, chosen, json_to, keep = parse(argv)
    rows: list[Row] = []
    failed = False
    table_runners = runners()
    measured = revision()  # before running: others may commit while it runs
    started = time.perf_counter()
    try:
        for name in chosen:
            # Flush what the previous section wrote (an apply writes gigabytes): its writeback
            # must not throttle the next one's writes and land in its figures.
            os.sync()
            t = time.perf_counter()
            print(f"running {name} …", file=sys.stderr, flush=True)
            try:
                rows += table_runners[name](settings)
            except Exception as exc:  # one broken benchmark must not hide the others
                failed = True
                traceback.print_exc()
                rows.append(Row(name, "ERROR", type(exc).__name__, "", False, str(exc)[:200]))
            print(f"  {name} took {time.perf_counter() - t:,.1f} s", file=sys.stderr, flush=True)
    finally:
        if not keep:
            shutil.rmtree(settings.workdir, ignore_errors=True)
    title = (f"sopengine benchmarks @ {measured} — median of {settings.repeat} run(s) · "
             f"Python {platform.python_version()} · "
             f"SQLite {sqlite3.sqlite_version} · {platform.machine()} · {time.perf_counter() - started:,.0f} s total")
    print_table(rows, title)
    if json_to:
        doc = to_json(rows, {"ns": settings.ns, "repeat": settings.repeat, "quick": settings.quick,
                             "burst": settings.burst_n, "idle_actions": settings.idle_actions,
                             "idle_seconds": settings.idle_seconds, "aps_sample": settings.aps_sample,
                             "aps": settings.aps, "pg": bool(settings.pg_url), "only": chosen})
        if json_to == "-":
            print(doc)
        else:
            Path(json_to).write_text(doc, encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
