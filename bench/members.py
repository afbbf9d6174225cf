"""8. members: ``sopengine members import`` of a group tool's export (GBK CSV, Chinese headers)
of N members into a group whose SOP has three ``audience: member`` steps, as a whole subprocess:
every member's journey (3 × N actions) is planned by it. Beside it, in the same run, a raw
``executemany`` of the same member and action rows into an empty ledger."""

from __future__ import annotations

import subprocess
import textwrap
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sopengine import load_workspace
from sopengine.planning.ledger_planner import LedgerPlanner
from sopengine.planning.planner import plan_member
from sopengine.store import Store
from sopengine.store.bulk import action_row
from sopengine.store.database import to_db
from sopengine.store.tables import actions, members

from .fixtures import ROOT, Settings, bulk_insert, host
from .plan_cmd import command
from .report import Row, median_runs, secs

#: The import with everyone's journey planned, against the raw insert of the same rows.
TARGET_RATIO = 10.0
SOP = """
sop: fans
timezone: Asia/Shanghai
match: {tags: [fans]}
steps:
  - {id: morning, kind: morning_post, cron: "0 8 * * *", text: 早安}
  - {id: hello, kind: task, audience: member, at: day 1 20:00, text: "私聊{{ member.name }}"}
  - {id: third, kind: task, audience: member, at: day 3 20:00, text: "问问{{ member.name }}的感受"}
  - {id: week, kind: task, audience: member, at: day 7 10:00, text: "一周回访{{ member.name }}"}
"""
GROUPS = """
groups:
  - {id: f1, name: 粉丝1群, start: 2026-12-01, tags: [fans], channels: {wechat: {operator: 小雅}}}
"""
NOW = datetime.fromisoformat("2026-12-01T09:00+08:00")


def export(path: Path, n: int) -> Path:
    lines = ["成员ID,群昵称,入群时间,发言数"]
    for i in range(n):
        joined = NOW + timedelta(minutes=i % 1440)
        lines.append(f"wm{i},成员{i},{joined:%Y-%m-%d %H:%M},{i % 50}")
    path.write_bytes("\n".join(lines).encode("gbk"))
    return path


def fresh_store(settings: Settings, name: str) -> tuple[str, Any]:
    for leftover in settings.workdir.glob(f"{name}.db*"):
        leftover.unlink()
    url = f"sqlite:///{settings.workdir / name}.db"
    (settings.workdir / "fans.yaml").write_text(textwrap.dedent(SOP), encoding="utf-8")
    (settings.workdir / "groups.yaml").write_text(textwrap.dedent(GROUPS), encoding="utf-8")
    ws = load_workspace([settings.workdir / "fans.yaml"], [settings.workdir / "groups.yaml"], host().load_options())
    store = Store.open(url, host().kinds, planner=LedgerPlanner())
    store.apply(ws.sops, ws.groups, NOW)
    return url, (store, ws)


def raw_rows(ws: Any, n: int, version_id: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    sop, group = ws.sops[0], ws.groups[0]
    member_rows, action_rows = [], []
    for i in range(n):
        joined = NOW + timedelta(minutes=i % 1440)
        member_rows.append({"group_id": group.id, "member_id": f"wm{i}", "name": f"成员{i}", "joined_at": to_db(joined),
                            "left_at": None, "tags": [], "facts": {"messages": i % 50}, "updated_at": to_db(NOW)})
        for a in plan_member(sop, group, f"wm{i}", joined.date()):
            row = action_row(a, version_id, NOW)
            row["data"] = {"member": {"id": f"wm{i}", "name": f"成员{i}"}}
            action_rows.append(row)
    return member_rows, action_rows


def run(settings: Settings) -> list[Row]:
    n = 1_000 if settings.quick else 10_000
    csv = export(settings.workdir / "members.csv", n)
    runs = []
    for i in range(settings.repeat):
        url, (store, ws) = fresh_store(settings, f"members-{i}")
        store.close()
        t = time.perf_counter()
        done = subprocess.run([*command(), "members", "import", str(csv), "--group", "f1", "--db", url,
                               "--now", NOW.isoformat()], cwd=ROOT, capture_output=True, timeout=600)
        seconds = time.perf_counter() - t
        if done.returncode != 0:
            raise RuntimeError(f"members import exited {done.returncode}: {done.stderr.decode()[-500:]}")
        check = Store.open(url, host().kinds, planner=LedgerPlanner())
        planned = sum(1 for a in check.list_actions() if a.step in ("hello", "third", "week"))
        check.close()
        ref_url, (ref_store, ref_ws) = fresh_store(settings, f"members-ref-{i}")
        with ref_store.engine.connect() as conn:
            version_id = conn.execute(actions.select().limit(1)).first().version_id
        member_rows, action_rows = raw_rows(ref_ws, n, version_id)
        t = time.perf_counter()
        bulk_insert(ref_store, members, member_rows)
        bulk_insert(ref_store, actions, action_rows)
        raw_s = time.perf_counter() - t
        ref_store.close()
        runs.append({"seconds": seconds, "raw_s": raw_s, "planned": planned, "ratio": seconds / raw_s})
    m = median_runs(runs)
    if m["planned"] != 3 * n:
        raise RuntimeError(f"{int(m['planned'])} member actions planned, not {3 * n}")
    # at the quick size the command's start-up is most of it: the target is for 10,000 members
    ok = None if settings.quick else m["ratio"] <= TARGET_RATIO
    return [Row(f"8 members · N={n:,} members", "sopengine members import (GBK CSV) with journeys planned",
                secs(m["seconds"]), f"≤ {TARGET_RATIO:.0f}× raw insert", ok,
                f"{int(m['planned']):,} member actions; raw executemany of the same rows {secs(m['raw_s'])} "
                f"({m['ratio']:.1f}×)", {"n": n, **m})]


__all__ = ["run"]
