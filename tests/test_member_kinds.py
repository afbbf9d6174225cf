"""表彰大会 and 三个月清理 from the ledger's members, over a virtual life on SQLite and PostgreSQL:
the recognition post names the week's top members by their messages this week (the change
between two imports), the cleanup task names exactly the members silent for 90 days."""

from __future__ import annotations

import textwrap
from datetime import datetime
from zoneinfo import ZoneInfo

from sopengine import load_workspace
from sopengine.model.members import Member as Row
from sopengine.daemon.clock import VirtualClock
from sopengine.daemon.runner import Daemon
from sopengine.operators.sheet import build_sheet
from sopengine_wechat import WeChatTaskChannel

from .channels_for_tests import RecordingChannel

SH = ZoneInfo("Asia/Shanghai")

SOP = """
sop: fans
timezone: Asia/Shanghai
match: {tags: [fans]}
channel: wechat
steps:
  - id: stars
    kind: recognition
    channel: console
    cron: "0 20 * * 0"
    by: messages
    over: 7d
    top: 2
    text: |-
      🏆 本周之星：{% for m in winners %}{{ m.name }}（{{ m.value }}条）{% if not loop.last %}、{% endif %}{% endfor %}
  - id: cleanup
    kind: cleanup
    cron: "0 10 1 * *"
    where: member.days_silent >= 90
"""

GROUPS = """
groups:
  - {id: f1, name: 粉丝1群, start: 2026-06-01, tags: [fans], channels: {wechat: {operator: 小雅}}}
"""




def at(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=SH)


def test_recognition_and_cleanup_read_the_members_when_due(store, host, tmp_path):
    (tmp_path / "fans.yaml").write_text(textwrap.dedent(SOP), encoding="utf-8")
    (tmp_path / "groups.yaml").write_text(textwrap.dedent(GROUPS), encoding="utf-8")
    ws = load_workspace([tmp_path / "fans.yaml"], [tmp_path / "groups.yaml"], host.load_options())
    assert [p.message for p in ws.problems if p.severity == "error"] == []
    store.apply(ws.sops, ws.groups, at(9, 20))
    joined = at(6, 1)
    week_start = [Row("f1", "wm1", "小美", joined, facts={"messages": 100, "last_active_at": at(9, 19).isoformat()}),
                  Row("f1", "wm2", "老王", joined, facts={"messages": 300, "last_active_at": at(9, 19).isoformat()}),
                  Row("f1", "wm3", "阿强", joined, facts={"messages": 10, "last_active_at": at(9, 19).isoformat()}),
                  Row("f1", "wm4", "潜水员", joined, facts={"messages": 1, "last_active_at": at(6, 2).isoformat()}),
                  Row("f1", "wm5", "路人", joined, facts={"messages": 0})]
    store.import_members(week_start, at(9, 20))
    week_end = [Row("f1", "wm1", "小美", facts={"messages": 180}), Row("f1", "wm2", "老王", facts={"messages": 340}),
                Row("f1", "wm3", "阿强", facts={"messages": 70})]
    store.import_members(week_end, at(9, 27, 12))
    pager = RecordingChannel(name="console")
    Daemon(store, {"wechat": WeChatTaskChannel(), "console": pager}, VirtualClock(at(9, 27, 19))).run(
        until=at(10, 1, 12))
    [(key, post)] = pager.sent
    assert key.startswith("fans/stars/f1/2026-09-27T20:00")
    # this week: 小美 +80, 阿强 +60, 老王 +40 (a big total, a quiet week)
    assert post["text"] == "🏆 本周之星：小美（80条）、阿强（60条）"
    [task] = [r.task for r in build_sheet(store, "wechat", at(10, 1).date(), SH, lambda s: [s["operator"]])]
    assert task.instruction == "把下面 2 位成员移出群聊（群聊信息 → 删除成员）"
    assert task.copy_text == "潜水员、路人" and task.details == {"count": 2}


def test_a_bad_cleanup_rule_is_an_error_at_its_line(tmp_path, host):
    (tmp_path / "fans.yaml").write_text(textwrap.dedent(SOP).replace("member.days_silent >= 90",
                                                                     "member.days_silent >="), encoding="utf-8")
    (tmp_path / "groups.yaml").write_text(textwrap.dedent(GROUPS), encoding="utf-8")
    ws = load_workspace([tmp_path / "fans.yaml"], [tmp_path / "groups.yaml"], host.load_options())
    [problem] = [p for p in ws.problems if p.severity == "error"]
    assert problem.line == 19 and "step 'cleanup'" in problem.message
