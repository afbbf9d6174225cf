"""Group statistics day by day (每天统计群数据): every facts import is kept, stamped, and carried
forward; joins are counted from events; the report and the calendar page show them."""

from __future__ import annotations

import json
from datetime import date
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from sopengine.cli import main

SH = ZoneInfo("Asia/Shanghai")
GROUP = "ppt-camp-2026-09-a"


def cli(*args: str, db: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, [*args, "--db", db])


def test_imports_are_kept_per_day_and_joins_counted(store_url, sops_dir, tmp_path, host):
    assert cli("apply", str(sops_dir / "learning-camp-21d.yaml"), "--groups", str(sops_dir / "groups.yaml"),
               "--now", "2026-09-19T00:00+08:00", db=store_url).exit_code == 0
    for day, members, active, messages in (("2026-09-20", 190, 60, 120), ("2026-09-22", 201, 48, 80)):
        csv_file = tmp_path / f"facts-{day}.csv"
        csv_file.write_text(f"id,members,active_members,messages_yesterday\n{GROUP},{members},{active},{messages}\n",
                            encoding="utf-8")
        result = cli("groups", "import", str(csv_file), "--now", f"{day}T09:00+08:00", db=store_url)
        assert result.exit_code == 0, result.output
    for when in ("2026-09-20T10:00+08:00", "2026-09-20T11:00+08:00", "2026-09-21T10:00+08:00"):
        assert cli("event", GROUP, "member_joined", "--data", "member.name=小明", "--now", when,
                   db=store_url).exit_code == 0
    from sopengine.planning.ledger_planner import LedgerPlanner
    from sopengine.store import Store

    store = Store.open(store_url, host.kinds, planner=LedgerPlanner())
    try:
        days = store.group_days(GROUP, date(2026, 9, 19), date(2026, 9, 23), SH)
    finally:
        store.close()
    assert [(d.day.day, d.members, d.active_members, d.messages, d.joins) for d in days] == [
        (19, None, None, None, 0), (20, 190, 60, 120, 2), (21, 190, 60, None, 1), (22, 201, 48, 80, 0),
        (23, 201, 48, None, 0)]
    report = cli("report", "--by", "day", "--group", GROUP, "--from", "2026-09-19", "--to", "2026-09-23",
                 "--format", "json", db=store_url)
    assert report.exit_code == 0, report.output
    rows = {r["label"]: r for r in json.loads(report.stdout)["rows"]}
    assert rows["2026-09-20"]["stats"] == {"day": "2026-09-20", "members": 190, "active_members": 60,
                                           "messages": 120, "joins": 2}
    assert json.loads(report.stdout)["group"] == GROUP
