"""Planner behaviour on the spec's example and on focused SOPs."""

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sopengine import date_window, life_window, load_groups, load_sop, plan

from .helpers import group, sop_from_text

SH = ZoneInfo("Asia/Shanghai")


def test_spec_example_keys_and_fields(spec_dir):
    sop = load_sop(spec_dir / "learning-camp.yaml")
    (g,) = load_groups(spec_dir / "groups.yaml")
    actions = plan(sop, g)
    first_morning = next(a for a in actions if a.step == "morning")
    assert first_morning.to_json() == {
        "key": "learning-camp-21d/morning/ppt-camp-2026-12-a/2026-12-02T08:00",
        "group": "ppt-camp-2026-12-a", "sop": "learning-camp-21d", "step": "morning",
        "part": None, "kind": "morning_post", "channel": "wechat",
        "due": "2026-12-02T08:00:00+08:00", "text": "早安☀️ 打卡第1天：第1课：PPT技巧1",
    }
    assert len({a.key for a in actions}) == len(actions)
    assert [a.due for a in actions] == sorted(a.due for a in actions)
    # 20 morning posts (days 1-20), one rules post on day 0
    assert sum(a.step == "morning" for a in actions) == 20
    assert [a.due.isoformat() for a in actions if a.step == "rules"] == ["2026-12-01T10:00:00+08:00"]


def test_red_packet_announces_first_and_is_sized_to_the_group(spec_dir):
    sop = load_sop(spec_dir / "learning-camp.yaml")
    (g,) = load_groups(spec_dir / "groups.yaml")
    packets = [a for a in plan(sop, g) if a.kind == "red_packet"]
    announce, send = packets[0], packets[1]
    assert (announce.part, send.part) == ("announce", "send")
    assert (send.due - announce.due).total_seconds() == 30 * 60
    assert send.payload["amount"] == 90.0 and send.payload["count"] == 60  # 180 members
    assert announce.payload["text"] == "8点整发60个红包，感谢大家这周的坚持！"
    assert send.when == "group.members >= 30"


def test_dissolution_four_parts_and_tail_after_lifetime(spec_dir):
    sop = load_sop(spec_dir / "learning-camp.yaml")
    (g,) = load_groups(spec_dir / "groups.yaml")
    parts = [(a.part, a.due.strftime("%m-%d %H:%M")) for a in plan(sop, g) if a.kind == "dissolution"]
    assert parts == [("notice", "12-22 20:00"), ("grey_avatar", "12-22 21:00"),
                     ("rename", "12-22 22:00"), ("dissolve", "12-23 20:00")]
    rename = next(a for a in plan(sop, g) if a.part == "rename")
    assert rename.payload["name"] == "社群已解散-后续服务请私信"


def test_clipping_the_window_keeps_occurrences_and_items(spec_dir):
    sop = load_sop(spec_dir / "learning-camp.yaml")
    (g,) = load_groups(spec_dir / "groups.yaml")
    full = {a.key: a for a in plan(sop, g)}
    window = life_window(sop, g).intersect(date_window(sop, date(2026, 12, 10), date(2026, 12, 12)))
    clipped = plan(sop, g, window)
    assert clipped and all(full[a.key] == a for a in clipped)
    assert {a.due.date() for a in clipped} == {date(2026, 12, 10), date(2026, 12, 11), date(2026, 12, 12)}


HOLIDAY_SOP = """
sop: holiday-check
timezone: Asia/Shanghai
calendar: CN
lifetime: 30d
match: {tags: [camp]}
pools:
  topics: [a, b, c]
steps:
  - id: topic
    kind: topic
    cron: "30 20 * * *"
    skip: [holidays]
    pick: topics
    text: "{{ item }}"
  - id: workday-post
    kind: morning_post
    cron: "0 8 * * *"
    only: workdays
    text: 早
"""


def test_skip_holidays_uses_the_cn_calendar_and_pick_does_not_waste_items():
    sop = sop_from_text(HOLIDAY_SOP)
    actions = plan(sop, group(start=date(2026, 9, 19)))
    topic_dates = [a.due.date() for a in actions if a.step == "topic"]
    for holiday in (date(2026, 9, 25), date(2026, 10, 1), date(2026, 10, 7)):
        assert holiday not in topic_dates
    assert date(2026, 10, 8) in topic_dates
    items = [a.payload["text"] for a in actions if a.step == "topic"]
    assert items[:4] == ["a", "b", "c", "a"]


def test_only_workdays_includes_make_up_workdays():
    sop = sop_from_text(HOLIDAY_SOP)
    dates = {a.due.date() for a in plan(sop, group(start=date(2026, 9, 19))) if a.step == "workday-post"}
    assert date(2026, 9, 20) in dates  # Sunday, 调休 make-up workday
    assert date(2026, 10, 10) in dates  # Saturday, 调休 make-up workday
    assert date(2026, 9, 26) not in dates  # an ordinary Saturday
    assert not any(date(2026, 10, 1) <= d <= date(2026, 10, 7) for d in dates)


def test_shuffle_is_fixed_per_group_and_differs_between_groups():
    text = HOLIDAY_SOP.replace("pick: topics", "pick: topics\n    shuffle: true").replace(
        "[a, b, c]", "[a, b, c, d, e, f, g, h]")
    sop = sop_from_text(text)
    def order(gid):
        return [a.payload["text"] for a in plan(sop, group(gid)) if a.step == "topic"][:8]
    assert order("g1") == order("g1")
    assert sorted(order("g1")) == list("abcdefgh")
    assert any(order(g) != order("g1") for g in ("g2", "g3", "g4"))


def test_persistent_sop_plans_day_0_to_30_by_default():
    sop = sop_from_text("""
        sop: fans
        match: {tags: [camp]}
        steps:
          - {id: morning, kind: morning_post, cron: "0 8 * * *", text: 早}
    """)
    actions = plan(sop, group(start=date(2026, 9, 1)))
    assert len(actions) == 31
    assert actions[-1].due == datetime(2026, 10, 1, 8, 0, tzinfo=SH)


def test_at_list_and_absolute_times():
    sop = sop_from_text("""
        sop: ats
        lifetime: 5d
        steps:
          - id: notes
            kind: message
            at: ["day 2 09:00", "2026-09-20 12:00", "day 0 10:00"]
            text: "第{{ day }}天 第{{ occurrence }}次"
    """)
    actions = plan(sop, group(start=date(2026, 9, 19), tags=()))
    assert [a.payload["text"] for a in actions] == ["第0天 第0次", "第1天 第1次", "第2天 第2次"]


def test_dst_zone_plan_fires_once_on_both_transitions():
    sop = sop_from_text("""
        sop: ny
        timezone: America/New_York
        steps:
          - {id: early, kind: message, cron: "30 2 * * *", text: hi}
          - {id: late, kind: message, cron: "30 1 * * *", text: hi}
    """)
    spring = plan(sop, group(start=date(2026, 3, 7), tags=()))
    mar8 = [a for a in spring if a.step == "early" and a.due.date() == date(2026, 3, 8)]
    assert [a.due.strftime("%H:%M") for a in mar8] == ["03:00"]
    assert mar8[0].key.endswith("/2026-03-08T03:00")
    autumn = plan(sop, group(start=date(2026, 10, 25), tags=()))
    nov1 = [a for a in autumn if a.step == "late" and a.due.date() == date(2026, 11, 1)]
    assert len(nov1) == 1 and nov1[0].due.utcoffset().total_seconds() == -4 * 3600


def test_a_step_that_cannot_be_planned_is_reported_at_its_line_and_the_other_sops_still_plan():
    import dataclasses

    from sopengine.loading.workspace import plan_workspace

    good = sop_from_text("""
        sop: good
        match: {tags: [camp]}
        steps:
          - {id: hello, kind: message, at: day 1 09:00, text: hi}
    """)
    step = good.steps[0].model_copy(update={"at": None, "cron": "0 8 30 2 *"})
    broken = dataclasses.replace(good, id="broken", steps=(step,), positions={"hello": (4, 5)},
                                 path=Path("broken.yaml"))
    errors: list = []
    actions = plan_workspace([broken, good], [group()], errors=errors)
    assert [a.sop for a in actions] == ["good"]
    assert [(e.file, e.line, e.col) for e in errors] == [("broken.yaml", 4, 5)]
    assert "step 'hello': for group 'g1': cannot be planned" in errors[0].message
