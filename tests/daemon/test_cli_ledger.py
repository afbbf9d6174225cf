"""The ledger commands end to end through the CLI, on every backend."""

from __future__ import annotations

import json
import threading
import time

from click.testing import CliRunner

from sopengine.cli import main
from sopengine.daemon.clock import SystemClock
from sopengine.daemon.runner import Daemon
from sopengine.store.queries import health

from ..channels_for_tests import RecordingChannel

NOW = "2026-09-19T00:00+08:00"


def cli(*args: str, db: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, [*args, "--db", db])


def test_apply_run_status_actions_done(store_url, sops_dir):
    paths = [str(sops_dir / "learning-camp-21d.yaml"), "--groups", str(sops_dir / "groups.yaml")]
    first = cli("apply", *paths, "--now", NOW, "--format", "json", db=store_url)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["added"] > 100
    again = json.loads(cli("apply", *paths, "--now", NOW, "--format", "json", db=store_url).stdout)
    assert (again["added"], again["changed"], again["cancelled"]) == (0, 0, 0)
    run = cli("run", "--now", NOW, "--until", "2026-09-20T00:00+08:00", "-q", db=store_url)
    assert run.exit_code == 0, run.output
    rows = json.loads(cli("actions", "--group", "ppt-camp-2026-09-a", "--format", "json", db=store_url).stdout)
    assert {"key", "group", "step", "part", "kind", "due", "state", "attempts", "last_result"} <= set(rows[0])
    handed = [r for r in rows if r["state"] in ("due", "overdue")]
    assert handed
    done = cli("done", handed[0]["key"], "--now", "2026-09-19T23:00+08:00", db=store_url)
    assert done.exit_code == 0 and "→ done" in done.stdout
    again_done = cli("done", handed[0]["key"], db=store_url)
    assert again_done.exit_code == 1 and "cannot become done" in again_done.output
    assert cli("done", "no/such/key", db=store_url).exit_code == 1
    status = json.loads(cli("status", "--format", "json", "--now", NOW, db=store_url).stdout)
    assert {s["group"] for s in status} == {"ppt-camp-2026-09-a", "ppt-camp-2026-09-b"}


def test_pause_resume_and_event(store_url, sops_dir):
    cli("apply", str(sops_dir / "learning-camp-21d.yaml"), "--groups", str(sops_dir / "groups.yaml"), "--now", NOW,
        db=store_url)
    assert cli("pause", "--group", "ppt-camp-2026-09-a", db=store_url).exit_code == 0
    assert cli("pause", db=store_url).exit_code == 2
    assert cli("pause", "--group", "nope", db=store_url).exit_code == 1
    status = json.loads(cli("status", "--format", "json", db=store_url).stdout)
    assert next(s for s in status if s["group"] == "ppt-camp-2026-09-a")["paused"] is True
    assert cli("resume", "--sop", "learning-camp-21d", db=store_url).exit_code == 0
    event = cli("event", "ppt-camp-2026-09-b", "member_joined", "--data", "member.name=小明", "--now",
                "2026-09-19T09:00+08:00", db=store_url)
    assert event.exit_code == 0 and "planned learning-camp-21d/welcome/ppt-camp-2026-09-b/" in event.stdout
    assert cli("event", "ppt-camp-2026-09-b", "member_left", db=store_url).exit_code == 2
    for nameless in ([], ["--data", "member.name="], ["--data", "member.id=42"]):
        refused = cli("event", "ppt-camp-2026-09-b", "member_joined", *nameless, db=store_url)
        assert refused.exit_code == 2 and "must carry member.name" in refused.output, refused.output


def test_health_sees_a_live_daemon(store):
    daemon = Daemon(store, {"wechat": RecordingChannel()}, SystemClock(), watch_interval=0.05)
    thread = threading.Thread(target=daemon.run)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not health(store, SystemClock().now()).live_workers:
            time.sleep(0.05)
        assert health(store, SystemClock().now()).live_workers == 1
    finally:
        daemon.stop()
        thread.join(10)
    assert health(store, SystemClock().now()).live_workers == 0


def test_times_are_shown_in_each_sops_zone_or_tz(store_url, sops_dir):
    paths = [str(sops_dir / "learning-camp-21d.yaml"), "--groups", str(sops_dir / "groups.yaml")]
    assert cli("apply", *paths, "--now", NOW, db=store_url).exit_code == 0
    rows = json.loads(cli("actions", "--group", "ppt-camp-2026-09-a", "--format", "json", db=store_url).stdout)
    first = min(rows, key=lambda r: r["due"])
    assert first["due"] == "2026-09-19T10:00:00+08:00" and first["key"].endswith("2026-09-19T10:00")
    table = cli("actions", "--group", "ppt-camp-2026-09-a", "--limit", "1", db=store_url).stdout
    assert "2026-09-19 10:00" in table and "UTC" not in table
    status = json.loads(cli("status", "--format", "json", "--now", NOW, db=store_url).stdout)
    assert all(s["next_due"].endswith("+08:00") for s in status if s["next_due"])
    assert "next due" in cli("status", "--now", NOW, db=store_url).stdout
    in_utc = cli("status", "--now", NOW, "--tz", "UTC", db=store_url).stdout
    assert "next due (UTC)" in in_utc and "09-19 02:00" in in_utc
    health = cli("health", "--now", NOW, db=store_url).stdout
    assert "next due: 2026-09-19 10:00 (Asia/Shanghai)" in health
    assert cli("status", "--tz", "Mars/Olympus", db=store_url).exit_code == 2


def test_the_status_of_many_groups_is_summed_by_sop_and_lists_those_needing_someone(store_url, host):
    from datetime import timedelta

    from sopengine.planning.ledger_planner import LedgerPlanner
    from sopengine.store import Store, states
    from sopengine.store.claims import claim_due
    from sopengine.store.outcomes import Outcome, record_outcomes

    from ..store.camp_world import at, camp, groups

    store = Store.open(store_url, host.kinds, planner=LedgerPlanner())
    try:
        store.apply([camp()], groups(60), at(0))
        now = at(1, 8)
        claimed = claim_due(store, now, "a", 3, timedelta(minutes=1))
        record_outcomes(store, [Outcome(c, states.FAILED) for c in claimed], now, "a")
    finally:
        store.close()

    shown = cli("status", "--now", "2026-09-20T09:00+08:00", db=store_url)

    assert shown.exit_code == 0, shown.output
    assert "status by SOP: 60 groups × SOPs" in shown.stdout
    camp_line = next(line for line in shown.stdout.splitlines() if line.strip().startswith("camp"))
    assert "60 groups" in camp_line
    assert "needing someone: 60 groups × SOPs (the 50 with" in " ".join(shown.stdout.split())
    pairs = json.loads(cli("status", "--format", "json", db=store_url).stdout)
    assert len(pairs) == 60
