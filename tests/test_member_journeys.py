"""Per-member steps (``audience: member``): each member's journey is counted from their join
(1v1 on day 1, a nudge on day 7 if still quiet), planned once when the member is imported or
joins, cancelled when they leave; keys name the member. On SQLite and PostgreSQL."""

from __future__ import annotations

import textwrap
from datetime import datetime
from zoneinfo import ZoneInfo

from sopengine import load_workspace
from sopengine.model.members import Member as Row
from sopengine.daemon.clock import VirtualClock
from sopengine.daemon.runner import Daemon
from sopengine_wechat import WeChatTaskChannel

SH = ZoneInfo("Asia/Shanghai")

SOP = """
sop: fans
timezone: Asia/Shanghai
match: {tags: [fans]}
channel: wechat
steps:
  - {id: morning, kind: morning_post, cron: "0 8 * * *", text: 早安}
  - id: hello
    kind: task
    audience: member
    at: day 1 20:00
    text: 私聊{{ member.name }}，问问入群感受
  - id: nudge
    kind: task
    audience: member
    at: day 7 10:00
    when: member.days_silent >= 3
    text: 私聊{{ member.name }}：一周没说话了，送一份新人礼
"""

GROUPS = """
groups:
  - {id: f1, name: 粉丝1群, start: 2026-09-01, tags: [fans], channels: {wechat: {operator: 小雅}}}
"""




def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=SH)


def journeys(store):  # type: ignore[no-untyped-def]
    return sorted((a.key, a.state) for a in store.list_actions() if a.step in ("hello", "nudge"))


def test_each_members_journey_counts_from_their_join(store, host, tmp_path):
    (tmp_path / "fans.yaml").write_text(textwrap.dedent(SOP), encoding="utf-8")
    (tmp_path / "groups.yaml").write_text(textwrap.dedent(GROUPS), encoding="utf-8")
    ws = load_workspace([tmp_path / "fans.yaml"], [tmp_path / "groups.yaml"], host.load_options())
    assert [p.message for p in ws.problems if p.severity == "error"] == []
    store.apply(ws.sops, ws.groups, at(1))
    assert journeys(store) == []  # no members yet
    store.import_members([Row("f1", "wm1", "小美", at(1, 9), facts={"last_active_at": at(1, 9).isoformat()}),
                          Row("f1", "wm2", "阿强", at(2, 15), facts={"last_active_at": at(8, 9).isoformat()})],
                         at(1, 12))
    assert journeys(store) == [
        ("fans/hello/m.wm1/f1/2026-10-02T20:00", "planned"), ("fans/hello/m.wm2/f1/2026-10-03T20:00", "planned"),
        ("fans/nudge/m.wm1/f1/2026-10-08T10:00", "planned"), ("fans/nudge/m.wm2/f1/2026-10-09T10:00", "planned")]
    # importing again, applying again: nothing twice
    store.import_members([Row("f1", "wm1", "小美", at(1, 9))], at(1, 13))
    store.apply(ws.sops, ws.groups, at(1, 14))
    assert len(journeys(store)) == 4
    # a newcomer's journey starts when they join; one who leaves has nothing more planned
    store.record_event("f1", "member_joined", at(3, 11), {"member": {"id": "wm3", "name": "新同学"}})
    store.record_event("f1", "member_left", at(3, 12), {"member": {"id": "wm2", "name": "阿强"}})
    states = dict(journeys(store))
    assert states["fans/hello/m.wm3/f1/2026-10-04T20:00"] == "planned"
    assert states["fans/nudge/m.wm2/f1/2026-10-09T10:00"] == "cancelled"
    Daemon(store, {"wechat": WeChatTaskChannel()}, VirtualClock(at(1, 14))).run(until=at(10))
    states = dict(journeys(store))
    assert states["fans/hello/m.wm1/f1/2026-10-02T20:00"] == "overdue"  # handed to 小雅, never confirmed
    assert states["fans/nudge/m.wm1/f1/2026-10-08T10:00"] in ("due", "overdue")  # 小美 was quiet for a week
    [hello] = [a for a in store.list_actions(key="fans/hello/m.wm1/f1/2026-10-02T20:00")]
    assert hello.state == "overdue"


def test_a_nudge_is_skipped_for_a_member_who_spoke(store, host, tmp_path):
    (tmp_path / "fans.yaml").write_text(textwrap.dedent(SOP), encoding="utf-8")
    (tmp_path / "groups.yaml").write_text(textwrap.dedent(GROUPS), encoding="utf-8")
    ws = load_workspace([tmp_path / "fans.yaml"], [tmp_path / "groups.yaml"], host.load_options())
    store.apply(ws.sops, ws.groups, at(1))
    store.import_members([Row("f1", "wm1", "小美", at(1, 9))], at(1, 12))
    store.import_members([Row("f1", "wm1", "小美", facts={"last_active_at": at(7, 21).isoformat()})], at(7, 22))
    Daemon(store, {"wechat": WeChatTaskChannel()}, VirtualClock(at(7, 22))).run(until=at(9))
    assert dict(journeys(store))["fans/nudge/m.wm1/f1/2026-10-08T10:00"] == "skipped"


def test_a_journey_needs_join_based_timing(tmp_path, host):
    bad = SOP.replace("at: day 7 10:00", 'cron: "0 10 * * *"')
    (tmp_path / "fans.yaml").write_text(textwrap.dedent(bad), encoding="utf-8")
    (tmp_path / "groups.yaml").write_text(textwrap.dedent(GROUPS), encoding="utf-8")
    ws = load_workspace([tmp_path / "fans.yaml"], [tmp_path / "groups.yaml"], host.load_options())
    [problem] = [p for p in ws.problems if p.severity == "error"]
    assert "needs `days` with cron" in problem.message


STAGED = """
sop: fans
timezone: Asia/Shanghai
match: {tags: [fans]}
channel: wechat
stages:
  - {id: new, name: 新人, when: "member.days_in_group < 7"}
  - {id: silent, name: 沉默, when: "member.days_silent >= 14"}
  - {id: active, name: 活跃}
steps:
  - {id: morning, kind: morning_post, cron: "0 8 * * *", text: 早安}
  - {id: welcome, kind: task, audience: member, stage: new, at: day 1 20:00, text: "私聊{{ member.name }}，欢迎"}
  - {id: week2, kind: task, audience: member, stage: new, at: day 10 20:00, text: 新人第10天（不会到）}
  - {id: wake, kind: task, audience: member, stage: silent, at: day 0 10:00, text: "唤醒{{ member.name }}"}
"""


def test_a_member_moving_stage_starts_its_steps_and_cancels_the_old_ones(store, host, tmp_path):
    (tmp_path / "fans.yaml").write_text(textwrap.dedent(STAGED), encoding="utf-8")
    (tmp_path / "groups.yaml").write_text(textwrap.dedent(GROUPS), encoding="utf-8")
    ws = load_workspace([tmp_path / "fans.yaml"], [tmp_path / "groups.yaml"], host.load_options())
    assert [p.message for p in ws.problems if p.severity == "error"] == []
    store.apply(ws.sops, ws.groups, at(1))
    store.record_event("f1", "member_joined", at(1, 9), {"member": {"id": "wm1", "name": "小美"}})
    assert [k for k, _ in journeys(store) if "m.wm1" in k] == []  # journeys() reads hello/nudge only
    planned = {a.step: a.state for a in store.list_actions() if "m.wm1" in a.key}
    assert planned == {"welcome": "planned", "week2": "planned"}  # she is new
    # she never writes: a week later she is no longer new, two weeks after joining she is silent
    Daemon(store, {"wechat": WeChatTaskChannel()}, VirtualClock(at(1, 10))).run(until=at(16, 12))
    by_step = {a.step: (a.state, a.due) for a in store.list_actions() if "m.wm1" in a.key}
    assert by_step["week2"][0] == "cancelled"  # her new-member journey ended when she left the stage
    assert by_step["welcome"][0] in ("due", "overdue")
    assert by_step["wake"][0] in ("due", "overdue") and by_step["wake"][1].astimezone(SH).date() == at(15).date()


def test_stage_mistakes_are_errors_at_their_line(tmp_path, host):
    bad = STAGED.replace("stage: silent", "stage: sleeping")
    (tmp_path / "fans.yaml").write_text(textwrap.dedent(bad), encoding="utf-8")
    (tmp_path / "groups.yaml").write_text(textwrap.dedent(GROUPS), encoding="utf-8")
    ws = load_workspace([tmp_path / "fans.yaml"], [tmp_path / "groups.yaml"], host.load_options())
    [problem] = [p for p in ws.problems if p.severity == "error"]
    assert "unknown stage 'sleeping' (stages: new, silent, active)" in problem.message and problem.line == 14


def test_where_picks_which_members_get_a_step(store, host, tmp_path):
    sop = SOP.replace("    at: day 1 20:00\n", "    at: day 1 20:00\n    where: \"'VIP' in member.tags\"\n")
    (tmp_path / "fans.yaml").write_text(textwrap.dedent(sop), encoding="utf-8")
    (tmp_path / "groups.yaml").write_text(textwrap.dedent(GROUPS), encoding="utf-8")
    ws = load_workspace([tmp_path / "fans.yaml"], [tmp_path / "groups.yaml"], host.load_options())
    assert [p.message for p in ws.problems if p.severity == "error"] == []
    store.apply(ws.sops, ws.groups, at(1))
    store.import_members([Row("f1", "wm1", "小美", at(1, 9), tags=("VIP",)), Row("f1", "wm2", "阿强", at(1, 10))],
                         at(1, 12))
    hello = sorted(k for k, _ in journeys(store) if "/hello/" in k)
    assert hello == ["fans/hello/m.wm1/f1/2026-10-02T20:00"]
    bad = SOP.replace("  - {id: morning", "  - {id: morning, where: member.vip")
    (tmp_path / "fans.yaml").write_text(textwrap.dedent(bad), encoding="utf-8")
    ws = load_workspace([tmp_path / "fans.yaml"], [tmp_path / "groups.yaml"], host.load_options())
    assert any("where needs audience: member" in p.message for p in ws.problems if p.severity == "error")
