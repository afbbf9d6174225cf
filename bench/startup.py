"""10. What a user waits for before any work: ``--help``, ``validate`` and ``plan`` of one SOP,
and a big plan as a table beside the same plan as JSON. Each command runs as a subprocess with
bytecode caching on, as on a user's machine, interleaved with ``python -c pass``."""

from __future__ import annotations

import sys
from pathlib import Path

from .fixtures import CAMP_FILE, Settings, timed_command
from .fleet import write_fleet
from .plan_cmd import command, one_group_file
from .report import Row, median_runs, ratio, secs, spread

TARGET_HELP = 5.0
TARGET_ONE_SOP_S = 0.3
TARGET_TABLE = 2.0


def run(settings: Settings) -> list[Row]:
    folder = settings.workdir / "startup"
    folder.mkdir(parents=True, exist_ok=True)
    group = one_group_file(folder / "one-group.yaml")
    n = 200 if settings.quick else 1_000
    sops, groups = write_fleet(folder / "plan", n)
    commands = {
        "python_s": [sys.executable, "-c", "pass"],
        "help_s": [*command(), "--help"],
        "validate_s": [*command(), "validate", str(CAMP_FILE)],
        "plan_s": [*command(), "plan", str(CAMP_FILE), "--groups", str(group), "--format", "json"],
        "big_json_s": [*command(), "plan", str(sops), "--groups", str(groups), "--format", "json"],
        "big_table_s": [*command(), "plan", str(sops), "--groups", str(groups)],
    }
    for args in commands.values():
        timed_command(args, Path(folder))  # warm bytecode and caches, as any earlier run would: not timed
    # The short commands take turns among themselves, the two big plans among themselves: a
    # short command timed right after a seven-second plan runs on a machine still busy with it
    # (its memory being handed back, caches cold), not on the quiet one its target is for.
    # A short one is timed three times as often: a third of a second is easily disturbed.
    short = [name for name in commands if not name.startswith("big_")]
    repeat = max(settings.repeat, 3)
    runs = [{name: timed_command(commands[name], Path(folder)) for name in short} for _ in range(3 * repeat)]
    runs += [{name: timed_command(commands[name], Path(folder)) for name in commands if name not in short}
             for _ in range(repeat)]
    m = median_runs(runs)
    help_ratio = m["help_s"] / m["python_s"]

    def over(name: str) -> str:
        return spread([r[name] for r in runs if name in r])

    return [
        Row("10 start-up", "sopengine --help", secs(m["help_s"]), f"≤ {TARGET_HELP:g}× python -c pass",
            help_ratio <= TARGET_HELP, f"{ratio(help_ratio)} python -c pass ({secs(m['python_s'])}); {over('help_s')}",
            m),
        Row("10 start-up", "sopengine validate <camp>", secs(m["validate_s"]), f"≤ {TARGET_ONE_SOP_S} s",
            m["validate_s"] <= TARGET_ONE_SOP_S, over("validate_s")),
        Row("10 start-up", "sopengine plan <camp> --groups <one group> --format json", secs(m["plan_s"]),
            f"≤ {TARGET_ONE_SOP_S} s", m["plan_s"] <= TARGET_ONE_SOP_S, over("plan_s")),
        Row("10 start-up", f"sopengine plan of {n:,} groups × 5 SOPs, table", secs(m["big_table_s"]),
            f"≤ {TARGET_TABLE:g}× JSON", m["big_table_s"] <= TARGET_TABLE * m["big_json_s"],
            f"{ratio(m['big_table_s'] / m['big_json_s'])} the JSON run ({secs(m['big_json_s'])}); "
            f"{over('big_table_s')}"),
    ]
