"""The benchmark runner runs (``python -m bench --quick``). No assertion on speed: figures vary by machine."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_bench_runs_and_prints_the_table() -> None:
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--only", "apply,burst,plan,workspace"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "sopengine benchmarks" in out
    for section in ("1 apply", "2 burst", "5 plan latency", "7 workspace"):
        assert section in out, out
    assert "ERROR" not in out, out


def test_the_end_to_end_sections_run() -> None:
    """Sections 9–12 (apply of a fleet, start-up, a virtual life, horizon by age) at CI size."""
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--only", "fleet,startup,simulation,horizon"],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    for section in ("9 apply end to end", "10 start-up", "11 virtual life", "12 horizon by age"):
        assert section in out, out
    assert "ERROR" not in out, out
