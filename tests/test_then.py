"""What follows a life (``then:``): once the camp's life ends, the group moves to the alumni SOP
(its tags change, the alumni SOP plans it, the camp lets it go), exactly once, recorded in the
ledger; an apply of the groups file leaves it moved. On SQLite and PostgreSQL."""

from __future__ import annotations

import textwrap
from datetime import datetime
from zoneinfo import ZoneInfo

from sopengine import load_workspace
from sopengine.daemon.clock import VirtualClock
from sopengine.daemon.runner import Daemon
from sopengine_wechat import WeChatTaskChannel

SH = ZoneInfo("Asia/Shanghai")

CAMP = """
sop: camp
timezone: Asia/Shanghai
lifetime: 3d
match: {tags: [camp]}
then: {move_to: alumni, add_tags: [graduated], remove_tags: [camp]}
steps:
  - {id: morning, kind: morning_post, cron: "0 8 * * *", days: 1-3, text: 早安}
"""

ALUMNI = """
sop: alumni
timezone: Asia/Shanghai
match: {tags: [alumni]}
steps:
  - {id: weekly, kind: topic, cron: "0 20 * * *", text: 校友群今日话题}
"""

GROUPS = """
groups:
  - {id: g1, name: 一期, start: 2026-10-01, tags: [camp], channels: {wechat: {operator: 小雅}}}
"""


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, tzinfo=SH)


def load(tmp_path, host, camp=CAMP):  # type: ignore[no-untyped-def]
    for name, text in (("camp.yaml", camp), ("alumni.yaml", ALUMNI), ("groups.yaml", GROUPS)):
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return load_workspace([tmp_path / "camp.yaml", tmp_path / "alumni.yaml"], [tmp_path / "groups.yaml"],
                          host.load_options())


def test_the_group_moves_to_the_alumni_sop_once_when_its_life_ends(store, host, tmp_path):
    ws = load(tmp_path, host)
    assert [p.message for p in ws.problems if p.severity == "error"] == []
    store.apply(ws.sops, ws.groups, at(1))
    assert {a.sop for a in store.list_actions()} == {"camp"}
    Daemon(store, {"wechat": WeChatTaskChannel()}, VirtualClock(at(1))).run(until=at(6))
    [stored] = store.groups_by_id({"g1"}).values()
    assert stored.group.tags == ("graduated", "alumni")
    alumni = [a for a in store.list_actions(sop="alumni")]
    assert alumni and min(a.due for a in alumni) >= at(5)  # planned from the end of the camp's life
    [view] = [g for g in store.list_groups() if g.id == "g1"]
    assert "alumni" in str(view.sops) and "camp" not in str(view.sops)
    # exactly once, whatever runs again
    Daemon(store, {"wechat": WeChatTaskChannel()}, VirtualClock(at(6))).run(until=at(7))
    assert store.apply_thens(at(8), "test") == ([], None)
    # the groups file still says camp: an apply keeps the group moved
    report = store.apply(ws.sops, ws.groups, at(7, 12))
    [stored] = store.groups_by_id({"g1"}).values()
    assert stored.group.tags == ("graduated", "alumni")
    assert not [p for p in report.pairs if p.sop == "camp" and p.added]


def test_then_needs_a_lifetime_and_a_known_sop(tmp_path, host):
    ws = load(tmp_path, host, CAMP.replace("lifetime: 3d\n", ""))
    assert any("then: follows the end of a life" in p.message for p in ws.problems if p.severity == "error")
    ws = load(tmp_path, host, CAMP.replace("move_to: alumni", "move_to: alumnus"))
    [problem] = [p for p in ws.problems if p.severity == "error"]
    assert "then.move_to: no SOP 'alumnus'" in problem.message and problem.line == 6


FOLLOWUP = """
sop: followup
timezone: Asia/Shanghai
match: {tags: [followup]}
steps:
  - {id: call, kind: task, audience: member, at: day 2 19:00, text: "回访{{ member.name }}：课程感受如何？"}
"""


def test_then_at_a_step_starts_a_journey_for_each_member(store, host, tmp_path):
    from sopengine.model.members import Member as Row

    camp = CAMP.replace("then: {move_to: alumni, add_tags: [graduated], remove_tags: [camp]}",
                        "then: {members_to: followup, at: morning}")
    for name, text in (("camp.yaml", camp), ("followup.yaml", FOLLOWUP), ("groups.yaml", GROUPS)):
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    ws = load_workspace([tmp_path / "camp.yaml", tmp_path / "followup.yaml"], [tmp_path / "groups.yaml"],
                        host.load_options())
    assert [p.message for p in ws.problems if p.severity == "error"] == []
    store.apply(ws.sops, ws.groups, at(1))
    store.import_members([Row("g1", "wm1", "小美", at(1, 9)), Row("g1", "wm2", "阿强", at(1, 10))], at(1, 12))
    assert not store.list_actions(sop="followup")
    # the camp's last morning post is day 3 (10-04 08:00): the members start the follow-up then
    Daemon(store, {"wechat": WeChatTaskChannel()}, VirtualClock(at(1, 12))).run(until=at(4, 9))
    calls = sorted(a.key for a in store.list_actions(sop="followup"))
    assert calls == ["followup/call/m.wm1/g1/2026-10-06T19:00", "followup/call/m.wm2/g1/2026-10-06T19:00"]
    [stored] = store.groups_by_id({"g1"}).values()
    assert "followup" in stored.group.tags and "camp" in stored.group.tags
