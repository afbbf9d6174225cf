"""Operators in groups files: declared with ids and roles, named by groups (one or several, by
id or name), steps assigned to a person or a role the group maps; mistakes at their line."""

from __future__ import annotations

import textwrap
from datetime import datetime
from zoneinfo import ZoneInfo

from sopengine import load_workspace
from sopengine.model.operators import Operator, Roster

SOP = """
sop: camp
timezone: Asia/Shanghai
lifetime: 3d
match: {tags: [camp]}
channel: wechat
steps:
  - {id: morning, kind: morning_post, at: day 1 08:00, text: 早安}
  - {id: packet, kind: red_packet, at: day 1 20:00, amount: 20, count: 10, blessing: 恭喜, announce: 红包预告,
     operator: 群主}
"""

GROUPS = """
operators:
  - {id: xiaoya, name: 小雅}
  - {id: nuannuan, name: 暖暖妈, role: lead}
groups:
  - id: g1
    name: 一群
    start: 2026-09-19
    tags: [camp]
    members: 50
    roles: {群主: 暖暖妈}
    channels:
      wechat: {operators: [小雅, 暖暖妈]}
"""


def workspace(tmp_path, host, sop=SOP, groups=GROUPS):  # type: ignore[no-untyped-def]
    (tmp_path / "camp.yaml").write_text(textwrap.dedent(sop), encoding="utf-8")
    (tmp_path / "groups.yaml").write_text(textwrap.dedent(groups), encoding="utf-8")
    return load_workspace([tmp_path / "camp.yaml"], [tmp_path / "groups.yaml"], host.load_options())


def errors(ws):  # type: ignore[no-untyped-def]
    return [(p.line, p.message) for p in ws.problems if p.severity == "error"]


def test_operators_are_declared_and_groups_name_them_by_id_or_name(tmp_path, host):
    ws = workspace(tmp_path, host)
    assert errors(ws) == []
    assert ws.operators == [Operator("xiaoya", "小雅"), Operator("nuannuan", "暖暖妈", "lead")]
    assert ws.groups[0].operators == ("小雅", "暖暖妈") and ws.groups[0].roles == {"群主": "暖暖妈"}
    roster = Roster(tuple(ws.operators))
    assert roster.resolve("小雅").id == "xiaoya" and roster.resolve("nuannuan").is_lead
    assert roster.resolve("阿杰") == Operator("阿杰", "阿杰")  # named only in a group: known by that name


def test_a_bad_operators_entry_is_an_error_at_its_line(tmp_path, host):
    ws = workspace(tmp_path, host, groups=GROUPS.replace("role: lead", "role: boss").replace(
        "{id: xiaoya, name: 小雅}", "{id: xiaoya, name: 小雅}\n  - {id: xiaoya2, name: 小雅}"))
    found = errors(ws)
    assert any(line == 4 and "listed twice" in msg for line, msg in found), found
    assert any(line == 5 and "role" in msg for line, msg in found), found


def test_a_step_for_someone_not_in_the_group_is_caught_at_validate(tmp_path, host):
    ws = workspace(tmp_path, host, groups=GROUPS.replace("roles: {群主: 暖暖妈}", "roles: {}"))
    assert any("step 'packet' is for operator '群主'" in msg and "roles:" in msg for _, msg in errors(ws))
    nobody = GROUPS.replace("wechat: {operators: [小雅, 暖暖妈]}", "wechat: {operators: []}")
    ws = workspace(tmp_path, host, groups=nobody)
    assert any("operators is a list of names" in msg for _, msg in errors(ws))


def test_the_sheet_gives_a_role_step_to_its_holder_and_the_rest_to_everyone(tmp_path, host, store):
    from sopengine.operators.sheet import build_sheet
    from sopengine_wechat import WeChatTaskChannel

    ws = workspace(tmp_path, host)
    sh = ZoneInfo("Asia/Shanghai")
    store.apply(ws.sops, ws.groups, datetime(2026, 9, 19, tzinfo=sh), roster=ws.operators)
    rows = build_sheet(store, "wechat", datetime(2026, 9, 20).date(), sh, WeChatTaskChannel.operators)
    who = {(r.task.key.split("/")[1], r.task.operator) for r in rows}
    assert ("morning", "小雅、暖暖妈") in who and ("packet", "暖暖妈") in who
    xiaoya = build_sheet(store, "wechat", datetime(2026, 9, 20).date(), sh, WeChatTaskChannel.operators,
                         operator=Roster(tuple(ws.operators)).resolve("xiaoya").refs)
    assert {r.task.key.split("/")[1] for r in xiaoya} >= {"morning", "packet"}  # visible to every operator
    assert sorted(store.roster().operators, key=lambda o: o.id) == sorted(ws.operators, key=lambda o: o.id)
    again = store.apply(ws.sops, ws.groups, datetime(2026, 9, 19, tzinfo=sh), roster=ws.operators)
    assert not again.changed_anything  # running it again changes nothing
