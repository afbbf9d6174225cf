"""Rules that run a community: targeting, quiet hours, batching, activity, red-packet limits."""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo

import pytest

from sopengine import matches, plan
from sopengine.model.group import Group
from sopengine.model.quiet import parse_quiet

from .helpers import group, sop_from_text

SH = ZoneInfo("Asia/Shanghai")


def test_match_by_tags_and_where_expression():
    sop = sop_from_text("""
        sop: sz
        match: {tags: [fans], where: "group.members >= 100 and group.city == '深圳'"}
        steps: [{id: m, kind: message, at: day 0 10:00, text: hi}]
    """)
    assert matches(sop, group(tags=("fans",), members=120, city="深圳"))
    assert not matches(sop, group(tags=("fans",), members=80, city="深圳"))
    assert not matches(sop, group(tags=("fans",), members=120, city="广州"))
    assert not matches(sop, group(tags=(), members=120, city="深圳"))


@pytest.mark.parametrize("span, inside, outside", [
    ("22:30-07:30", [time(23), time(0, 10), time(7, 29)], [time(7, 30), time(12), time(22, 29)]),
    ("12:00-14:00", [time(12), time(13, 59)], [time(11, 59), time(14)]),
])
def test_quiet_hours_contains(span, inside, outside):
    q = parse_quiet(span)
    assert all(q.contains(t) for t in inside) and not any(q.contains(t) for t in outside)


def test_group_quiet_hours_defer_actions_to_their_end():
    sop = sop_from_text("""
        sop: q
        steps:
          - {id: late, kind: message, cron: "0 23 * * *", text: 晚安}
          - {id: task, kind: task, at: day 0 23:30, text: 统计}
    """)
    g = Group("g", "群", date(2026, 9, 19), (), {"members": 10}, quiet=parse_quiet("22:30-07:30"))
    actions = plan(sop, g)
    late = [a for a in actions if a.step == "late"]
    assert all(a.due.time() == time(7, 30) for a in late)
    assert late[0].due.date() == date(2026, 9, 20) and late[0].key.endswith("/2026-09-20T07:30")
    assert [a.due.time() for a in actions if a.step == "task"] == [time(23, 30)]  # operator work is exempt


def test_sop_quiet_hours_are_a_validation_error():
    from sopengine.model.problems import SopFileError
    with pytest.raises(SopFileError, match="falls inside quiet hours 22:30-07:30"):
        sop_from_text("""
            sop: q
            quiet: "22:30-07:30"
            steps: [{id: m, kind: message, at: day 0 23:00, text: hi}]
        """)


def test_two_sops_posting_the_same_kind_at_the_same_minute_are_reported():
    from sopengine.checking.conflicts import find_conflicts
    a = sop_from_text("sop: a\nmatch: {tags: [x]}\nsteps: [{id: m, kind: morning_post, cron: '0 8 * * *', text: a}]\n")
    b = sop_from_text("sop: b\nmatch: {tags: [x]}\nsteps: [{id: m, kind: morning_post, cron: '0 8 * * 1', text: b},"
                      " {id: t, kind: topic, cron: '0 8 * * *', text: t}]\n")
    g = group(tags=("x",))
    conflicts = find_conflicts(plan(a, g) + plan(b, g))
    assert conflicts and all(c.kind == "morning_post" and c.minute.endswith("T08:00") for c in conflicts)
    assert len(conflicts) == 5  # the Mondays of days 0..30
    assert "a/m/g1/" in str(conflicts[0]) and "b/m/g1/" in str(conflicts[0])


def test_groups_override_vars_and_pools():
    sop = sop_from_text("""
        sop: ov
        lifetime: 3d
        vars: {host: 小雅}
        pools: {topics: [a, b]}
        steps:
          - {id: t, kind: topic, cron: "0 20 * * *", pick: topics, text: "{{ vars.host }}:{{ item }}"}
    """)
    plain = group()
    custom = Group("g2", "群2", date(2026, 9, 19), (), {"members": 10}, vars={"host": "阿杰"}, pools={"topics": ["x"]})
    assert [a.payload["text"] for a in plan(sop, plain)][:2] == ["小雅:a", "小雅:b"]
    assert [a.payload["text"] for a in plan(sop, custom)][:2] == ["阿杰:x", "阿杰:x"]
