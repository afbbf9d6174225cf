"""A real daemon process: SIGKILL loses nothing (duplicates bounded by the batch in flight); SIGTERM is clean."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select

from sopengine.planning.ledger_planner import LedgerPlanner
from sopengine.store import Store
from sopengine.store.tables import actions

BATCH = 5


def setup(tmp_path: Path, store_url: str) -> tuple[dict[str, str], Path, int]:
    yesterday = (datetime.now(timezone.utc) - timedelta(days=1)).date()
    (tmp_path / "burst.yaml").write_text(textwrap.dedent("""
        sop: burst
        timezone: UTC
        lifetime: 2d
        channel: console
        match: {tags: [burst]}
        steps:
          - {id: tick, kind: message, cron: "* * * * *", days: 0-0, grace: 2d, text: "第{{ occurrence }}条"}
    """), encoding="utf-8")
    (tmp_path / "groups.yaml").write_text(
        "groups:\n" + "".join(f"  - {{id: g{i}, name: 群{i}, start: {yesterday}, tags: [burst]}}\n" for i in range(2)),
        encoding="utf-8")
    env = {**os.environ, "SOPENGINE_DB": store_url, "PYTHONUNBUFFERED": "1"}
    out = tmp_path / "sent.jsonl"
    subprocess.run([sys.executable, "-m", "sopengine", "apply", str(tmp_path / "burst.yaml"), "--groups",
                    str(tmp_path / "groups.yaml"), "--format", "json"], env=env, check=True, capture_output=True)
    return env, out, 2 * 1440


def daemon(env: dict[str, str], out: Path, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "sopengine", "run", "--batch-size", str(BATCH), "-q",
                             "--channel-option", f"console.path={out}", *extra], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_for_lines(path: Path, n: int, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if path.exists() and path.read_text(encoding="utf-8").count("\n") >= n:
            return
        time.sleep(0.01)
    raise AssertionError(f"fewer than {n} sends after {timeout}s")


def sent_keys(path: Path) -> Counter[str]:
    return Counter(json.loads(line)["idempotency_key"] for line in path.read_text(encoding="utf-8").splitlines())


def test_sigkill_mid_run_loses_nothing(tmp_path, store_url):
    env, out, total = setup(tmp_path, store_url)
    proc = daemon(env, out)
    wait_for_lines(out, 300)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    before = sum(sent_keys(out).values())
    assert before < total, "the kill came too late to test anything"
    # restart after the killed daemon's leases expire
    finish = subprocess.run([sys.executable, "-m", "sopengine", "run", "--once", "-q", "--batch-size", "500",
                             "--channel-option", f"console.path={out}",
                             "--now", (datetime.now(timezone.utc) + timedelta(minutes=6)).isoformat()],
                            env=env, capture_output=True, timeout=300)
    assert finish.returncode == 0, finish.stderr.decode()
    keys = sent_keys(out)
    assert len(keys) == total, "every action was sent"
    duplicates = sum(n - 1 for n in keys.values())
    assert duplicates <= BATCH, f"{duplicates} duplicates, more than the batch in flight"
    store = Store.open(store_url, planner=LedgerPlanner())
    with store.engine.connect() as conn:
        states = dict(conn.execute(select(actions.c.state, func.count()).group_by(actions.c.state)).all())
    store.close()
    assert states == {"sent": total}


def test_sigterm_finishes_in_flight_work_and_releases_leases(tmp_path, store_url):
    env, out, total = setup(tmp_path, store_url)
    proc = daemon(env, out)
    wait_for_lines(out, 100)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0, proc.stderr.read().decode() if proc.stderr else ""
    store = Store.open(store_url, planner=LedgerPlanner())
    with store.engine.connect() as conn:
        leased = conn.execute(select(func.count()).where(actions.c.lease_owner.is_not(None))).scalar()
        sent = conn.execute(select(func.count()).where(actions.c.state == "sent")).scalar()
    store.close()
    assert leased == 0
    keys = sent_keys(out)
    assert sent == len(keys) and all(n == 1 for n in keys.values())


def test_sigterm_is_honoured_within_seconds_while_a_template_runs_away(tmp_path, store_url):
    yesterday = (datetime.now(timezone.utc) - timedelta(days=1)).date()
    (tmp_path / "loop.yaml").write_text(textwrap.dedent("""
        sop: loop
        timezone: UTC
        lifetime: 2d
        channel: console
        match: {tags: [loop]}
        steps:
          - id: tick
            kind: message
            cron: "* * * * *"
            days: 0-0
            grace: 2d
            text: "{% for a in group.names %}{% for b in group.names %}{% for c in group.names %}\\
              {% endfor %}{% endfor %}{% endfor %}"
    """), encoding="utf-8")
    (tmp_path / "groups.yaml").write_text(f"groups:\n  - {{id: g, name: 群, start: {yesterday}, tags: [loop], "
                                          f"names: [1, 2]}}\n", encoding="utf-8")
    env = {**os.environ, "SOPENGINE_DB": store_url, "PYTHONUNBUFFERED": "1"}
    subprocess.run([sys.executable, "-m", "sopengine", "apply", str(tmp_path / "loop.yaml"), "--groups",
                    str(tmp_path / "groups.yaml")], env=env, check=True, capture_output=True)
    (tmp_path / "facts.yaml").write_text("- {id: g, names: [" + ", ".join(map(str, range(3000))) + "]}\n",
                                         encoding="utf-8")  # imported later: the loop is now 2.7e10 steps
    subprocess.run([sys.executable, "-m", "sopengine", "groups", "import", str(tmp_path / "facts.yaml")],
                   env=env, capture_output=True)
    proc = daemon(env, tmp_path / "sent.jsonl")
    time.sleep(3)  # well inside the first renders
    proc.send_signal(signal.SIGTERM)
    started = time.monotonic()
    assert proc.wait(15) == 0, proc.stderr.read().decode() if proc.stderr else ""
    assert time.monotonic() - started < 5
    store = Store.open(store_url, planner=LedgerPlanner())
    with store.engine.connect() as conn:
        failed = conn.execute(select(actions.c.reason).where(actions.c.state == "failed")).scalars().all()
        leased = conn.execute(select(func.count()).where(actions.c.lease_owner.is_not(None))).scalar()
    store.close()
    assert failed and all("template stopped: the template ran longer than 2 s" in r for r in failed)
    assert leased == 0


def test_after_sigkill_the_duplicates_are_at_most_what_was_sent_since_the_last_record(tmp_path, store_url):
    from sopengine.daemon.dispatcher import RECORD_EVERY

    env, out, total = setup(tmp_path, store_url)
    proc = subprocess.Popen([sys.executable, "-m", "sopengine", "run", "--batch-size", "1000", "-q",
                             "--channel-option", f"console.path={out}"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for_lines(out, 700)  # well inside the first batch of 1,000
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    store = Store.open(store_url, planner=LedgerPlanner())
    with store.engine.connect() as conn:
        recorded = conn.execute(select(func.count()).where(actions.c.state == "sent")).scalar()
    store.close()
    in_flight = sum(sent_keys(out).values()) - recorded  # sent, not yet recorded when killed
    assert 0 <= in_flight <= RECORD_EVERY
    finish = subprocess.run([sys.executable, "-m", "sopengine", "run", "--once", "-q", "--batch-size", "1000",
                             "--channel-option", f"console.path={out}",
                             "--now", (datetime.now(timezone.utc) + timedelta(minutes=6)).isoformat()],
                            env=env, capture_output=True, timeout=300)
    assert finish.returncode == 0, finish.stderr.decode()
    keys = sent_keys(out)
    assert len(keys) == total, "every action was sent"
    assert sum(n - 1 for n in keys.values()) == in_flight  # sent again: exactly those in flight
