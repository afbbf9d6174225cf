"""5. plan latency: ``sopengine plan <camp> --groups <one group> --format json`` as a whole subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from .fixtures import CAMP_FILE, ROOT, Settings, template_group
from .report import Row, median_runs, secs

TARGET_S = 0.5
#: What any ``sopengine plan`` must load before doing anything: the required libraries it uses.
#: (``holidays`` is not among them once its answers are cached: see ``sopengine.planning.calendar_cache``.)
FLOOR_IMPORTS = "import pydantic, jinja2, ruamel.yaml, croniter, click, pluggy, importlib.metadata"


def command() -> list[str]:
    """The installed ``sopengine`` script beside this Python, else ``python -m sopengine``."""
    script = Path(sys.executable).with_name("sopengine")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sopengine"]


def one_group_file(path: Path) -> Path:
    g = template_group()
    entry = {"id": g.id, "name": g.name, "start": g.start.isoformat(), "tags": list(g.tags), **g.facts,
             "channels": g.channels}
    path.write_text(json.dumps({"groups": [entry]}, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def timed(args: list[str], count: bool = True) -> tuple[float, int]:
    """(wall seconds, actions printed) of one run; raises if it fails."""
    t = time.perf_counter()
    done = subprocess.run(args, cwd=ROOT, capture_output=True, timeout=120)
    seconds = time.perf_counter() - t
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return seconds, len(json.loads(done.stdout)) if count else 0


def run(settings: Settings) -> list[Row]:
    groups = one_group_file(settings.workdir / "one-group.yaml")
    args = [*command(), "plan", str(CAMP_FILE), "--groups", str(groups), "--format", "json"]
    timed(args)  # warm the bytecode and calendar caches, as any earlier run would: not timed
    floor_args = [sys.executable, "-c", FLOOR_IMPORTS]
    python_args = [sys.executable, "-c", "pass"]
    timed(floor_args, count=False)
    runs = []
    for _ in range(max(settings.repeat, 3)):  # interleaved, so the three see the same machine
        seconds, count = timed(args)
        runs.append({"seconds": seconds, "actions": count, "floor_s": timed(floor_args, count=False)[0],
                     "python_s": timed(python_args, count=False)[0]})
    m = median_runs(runs)
    shown = " ".join(["sopengine", *args[len(command()):]]).replace(str(ROOT) + "/", "").replace(
        str(settings.workdir) + "/", "")
    return [Row("5 plan latency · 1 SOP × 1 group", f"{shown} (subprocess)", secs(m["seconds"]),
                f"≤ {TARGET_S} s", m["seconds"] <= TARGET_S,
                f"whole command, median of {len(runs)} (after 1 warm-up); {int(m['actions'])} actions printed", m),
            Row("5 plan latency · 1 SOP × 1 group", "floor: python -c 'import <the libraries plan needs>'",
                secs(m["floor_s"]), "", None,
                f"pydantic, jinja2, ruamel.yaml, croniter, click, pluggy; "
                f"bare python -c pass: {secs(m['python_s'])}", {"floor_s": m["floor_s"], "python_s": m["python_s"]})]
