"""9. ``sopengine apply`` as a user runs it: a realistic fleet from YAML, end to end, as a subprocess.

Beside it, in the same run, what no engine can beat: libyaml reading the same files
(``yaml.load`` with PyYAML's ``CSafeLoader``, in a subprocess of its own so start-up counts
alike) plus a raw ``INSERT … SELECT`` of the very rows the apply wrote into an empty copy of the
actions table (same columns, same indexes; the stored columns named, the generated key left to
SQLite). Since the key became a generated column (migration 0022) SQLite can no longer take this
copy as a page-by-page transfer (its ``INSERT … SELECT *`` shortcut between identical tables), so
the floor is what writing the rows costs, row by row, as it is for the apply itself. Targets: the
apply within 2× of that sum, a no-op re-apply within 1×.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path

from .fleet import write_fleet
from .plan_cmd import command
from .report import Row, median_runs, ratio, secs, spread
from .fixtures import Settings, measured_command, remove_db, timed_command

TARGET_APPLY = 2.0
TARGET_NOOP = 1.0
#: The large fleet (one run): seconds, peak resident MB, store MB.
TARGET_LARGE_S, TARGET_LARGE_RSS_MB, TARGET_LARGE_STORE_MB = 60.0, 500.0, 1024.0
NOW = "2026-06-01T00:00+08:00"
C_LOADER = ("import sys, yaml, pathlib\n"
            "for p in sys.argv[1:]:\n"
            "    yaml.load(pathlib.Path(p).read_text(encoding='utf-8'), Loader=yaml.CSafeLoader)\n")


def _raw_copy(source: Path, target: Path) -> tuple[float, int]:
    """(seconds, rows) of ``INSERT … SELECT`` of ``source``'s actions into an empty twin table."""
    remove_db(target)
    with sqlite3.connect(source) as src:
        schema = [sql for (sql,) in src.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'actions' AND sql IS NOT NULL")]
        src_columns = src.execute("PRAGMA table_info(actions)").fetchall()
    conn = sqlite3.connect(target)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        for sql in schema:
            conn.execute(sql)
        conn.execute("ATTACH DATABASE ? AS src", (str(source),))
        t = time.perf_counter()
        columns = ", ".join(f'"{name}"' for _, name, *_ in src_columns)  # not the generated key
        rows = conn.execute(f"INSERT INTO main.actions ({columns}) SELECT {columns} FROM src.actions").rowcount
        conn.commit()
        return time.perf_counter() - t, rows
    finally:
        conn.close()
        remove_db(target)


def large(settings: Settings) -> list[Row]:
    """One apply of the large fleet: its time, its peak memory and the store it leaves."""
    n = 2_000 if settings.quick else settings.fleet_large
    if not n:
        return []
    folder = settings.workdir / "fleet-large"
    sops, groups = write_fleet(folder, n)
    db = folder / "fleet.db"
    remove_db(db)
    seconds, peak = measured_command([*command(), "apply", str(sops), "--groups", str(groups), "--db",
                                      f"sqlite:///{db}", "--now", NOW, "--format", "json"], folder)
    with sqlite3.connect(db) as conn:
        actions = conn.execute("SELECT count(*) FROM actions").fetchone()[0]
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store_mb = sum(Path(f"{db}{suffix}").stat().st_size for suffix in ("", "-wal")
                   if Path(f"{db}{suffix}").exists()) / 2**20
    remove_db(db)
    section = "9 apply end to end"
    return [
        Row(section, f"sopengine apply --format json · the same fleet at {n:,} groups ({actions:,} actions, "
                     "planned 35 days ahead), one run", secs(seconds), f"≤ {TARGET_LARGE_S:g} s",
            seconds <= TARGET_LARGE_S),
        Row(section, "its peak memory", f"{peak:,.0f} MB", f"≤ {TARGET_LARGE_RSS_MB:g} MB",
            peak <= TARGET_LARGE_RSS_MB),
        Row(section, "the store it leaves", f"{store_mb:,.0f} MB", f"≤ {TARGET_LARGE_STORE_MB:g} MB",
            store_mb <= TARGET_LARGE_STORE_MB),
    ]


def run(settings: Settings) -> list[Row]:
    return realistic(settings) + large(settings)


def realistic(settings: Settings) -> list[Row]:
    n = 500 if settings.quick else 10_000
    folder = settings.workdir / "fleet"
    sops, groups = write_fleet(folder, n)
    db = folder / "fleet.db"
    files = [str(groups), *map(str, sorted(sops.glob("*.yaml")))]
    apply_args = [*command(), "apply", str(sops), "--groups", str(groups), "--db", f"sqlite:///{db}",
                  "--now", NOW, "--format", "json"]
    timed_command([*command(), "validate", str(sops), str(groups)], folder)  # warm bytecode and caches: not timed
    runs = []
    for _ in range(settings.repeat):
        remove_db(db)
        yaml_s = timed_command([sys.executable, "-c", C_LOADER, *files], folder)
        apply_s = timed_command(apply_args, folder)
        noop_s = timed_command(apply_args, folder)
        table_s = timed_command(apply_args[:-2], folder)
        raw_s, rows = _raw_copy(db, folder / "raw.db")
        runs.append({"apply_s": apply_s, "noop_s": noop_s, "table_s": table_s, "yaml_s": yaml_s,
                     "raw_s": raw_s, "rows": rows, "floor_s": yaml_s + raw_s})
    remove_db(db)
    m = median_runs(runs)
    floor = m["floor_s"]
    subject = f"{n:,} groups, starts over 365 days, own topic pools, 5 SOPs ({int(m['rows']):,} actions)"
    return [
        Row("9 apply end to end", f"sopengine apply --format json · {subject}", secs(m["apply_s"]),
            f"≤ {TARGET_APPLY:g}× floor", m["apply_s"] <= TARGET_APPLY * floor,
            f"{ratio(m['apply_s'] / floor)} the floor; {spread([r['apply_s'] for r in runs])}", m),
        Row("9 apply end to end", "the same, a no-op re-apply", secs(m["noop_s"]), f"≤ {TARGET_NOOP:g}× floor",
            m["noop_s"] <= TARGET_NOOP * floor,
            f"{ratio(m['noop_s'] / floor)} the floor; {spread([r['noop_s'] for r in runs])}"),
        Row("9 apply end to end", "the same no-op re-apply, default table output", secs(m["table_s"]), "", None,
            f"{ratio(m['table_s'] / m['noop_s'])} the JSON run; {spread([r['table_s'] for r in runs])}"),
        Row("9 apply end to end", "floor: libyaml reads the files + raw INSERT … SELECT of the rows",
            secs(floor), "", None, f"libyaml {secs(m['yaml_s'])} + insert {secs(m['raw_s'])}"),
    ]
