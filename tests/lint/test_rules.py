"""Each rule fires on a small SOP that breaks it and stays silent once it is fixed."""

from __future__ import annotations

from sopengine.lint import RULES

from .helpers import BASE, GROUPS, edit, fired, line_of, lint


def test_the_base_sop_is_clean_for_every_rule(tmp_path):
    assert lint(tmp_path, BASE) == []
    assert lint(tmp_path, BASE, GROUPS) == []


def test_rule_ids_are_unique_kebab_case():
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids)) == 10
    assert all(i == i.lower() and " " not in i and "_" not in i for i in ids)


# ---------- few-touches ----------

def test_few_touches_reports_the_days_compressed(tmp_path):
    bad = edit(BASE, 'days: 0-2\n    text: 今晚话题', 'days: 0-0\n    text: 今晚话题')
    [finding] = fired(lint(tmp_path, bad), "few-touches")
    assert "days 1-2" in finding.message and "as few as 2" in finding.message
    assert finding.step is None and finding.line == line_of(bad, "steps:")


def test_few_touches_does_not_count_operator_tasks(tmp_path):
    bad = edit(BASE, "kind: topic", "kind: task")
    assert fired(lint(tmp_path, bad), "few-touches")
    assert not fired(lint(tmp_path, BASE), "few-touches")


def test_few_touches_stops_at_the_dissolution_notice(tmp_path):
    # Lifetime 5d, dissolved from day 3: days 4-5 are not expected to be busy.
    longer = edit(BASE, "lifetime: 3d", "lifetime: 5d")
    assert not fired(lint(tmp_path, longer), "few-touches")
    no_notice = edit(longer, "at: day 3 20:00", "at: day 5 20:00")
    [finding] = fired(lint(tmp_path, no_notice), "few-touches")
    assert "days 3-5" in finding.message


# ---------- too-many-pushes ----------

def test_too_many_pushes_two_pushes_within_ten_minutes(tmp_path):
    step = ("\n  - id: extra\n    kind: message\n    cron: \"5 12 * * *\"\n    days: 0-3\n"
            "    text: 再提醒一次\n")
    bad = BASE + step
    [finding] = fired(lint(tmp_path, bad), "too-many-pushes")
    assert finding.step == "extra" and "5m after 'noon'" in finding.message
    assert finding.line == line_of(bad, "id: extra") and finding.col == 5
    fixed = BASE + step.replace("5 12", "30 12")
    assert not fired(lint(tmp_path, fixed), "too-many-pushes")


def test_too_many_pushes_in_a_day(tmp_path):
    step = ("\n  - id: hourly\n    kind: message\n    cron: \"15 9-17 * * *\"\n    days: 1\n"
            "    text: 整点播报\n")
    [finding] = fired(lint(tmp_path, BASE + step), "too-many-pushes")
    assert finding.step is None and "day 1 " in finding.message and "up to 12" in finding.message
    fixed = BASE + step.replace("9-17", "9-13")
    assert not fired(lint(tmp_path, fixed), "too-many-pushes")


def test_a_red_packet_announcement_and_its_packet_are_not_spam(tmp_path):
    step = ("\n  - id: red-packet\n    kind: red_packet\n    at: day 1 16:00\n    lead: 5m\n"
            "    announce: 5分钟后发红包\n    amount: 50\n    count: 20\n")
    assert not fired(lint(tmp_path, BASE + step), "too-many-pushes")


# ---------- irregular-time ----------

def test_irregular_time_flags_the_step_off_the_usual_time(tmp_path):
    bad = edit(BASE, 'days: 0-3\n    text: 早安', 'days: 0-2\n    text: 早安') + (
        "\n  - id: last-morning\n    kind: morning_post\n    at: day 3 09:30\n    text: 最后一天早安\n")
    [finding] = fired(lint(tmp_path, bad), "irregular-time")
    assert finding.step == "last-morning"
    assert "morning_post goes out at 09:30 on day 3, but at 08:00 on days 0-2" in finding.message
    fixed = bad.replace("day 3 09:30", "day 3 08:00")
    assert not fired(lint(tmp_path, fixed), "irregular-time")


def test_irregular_time_ignores_kinds_posted_several_times_a_day(tmp_path):
    step = ("\n  - id: evening-note\n    kind: message\n    cron: \"0 19 * * *\"\n    days: 1-2\n"
            "    text: 晚间提醒\n")
    assert not fired(lint(tmp_path, BASE + step), "irregular-time")


# ---------- wall-of-text ----------

def test_wall_of_text(tmp_path):
    wall = "这是一段很长很长的说明文字，" * 25  # 350 characters, one line
    bad = edit(BASE, "text: 午间提醒：记得打卡", f"text: {wall}")
    [finding] = fired(lint(tmp_path, bad), "wall-of-text")
    assert finding.step == "noon" and "350-character" in finding.message
    broken = "\n      ".join(wall[i:i + 70] for i in range(0, len(wall), 70))
    fixed = edit(BASE, "text: 午间提醒：记得打卡", f"text: |\n      {broken}")
    assert not fired(lint(tmp_path, fixed), "wall-of-text")


def test_wall_of_text_is_measured_after_rendering(tmp_path):
    sop = edit(BASE, "text: 午间提醒：记得打卡", "text: \"{% for i in range(50) %}打卡提醒一下哦{% endfor %}\"")
    [finding] = fired(lint(tmp_path, sop), "wall-of-text")   # a 48-character template, 350 rendered
    assert "350-character" in finding.message


# ---------- no-survey ----------

PERSISTENT = edit(edit(BASE, "lifetime: 3d\n", ""), "days: 0-3\n    text: 早安", "text: 早安")
PERSISTENT = edit(PERSISTENT, "days: 0-3\n    text: 午间", "text: 午间")
PERSISTENT = edit(PERSISTENT, "days: 0-2\n    text: 今晚", "text: 今晚")
PERSISTENT = PERSISTENT[:PERSISTENT.index("  - id: farewell")].rstrip() + "\n"


def test_no_survey_for_a_persistent_group(tmp_path):
    [finding] = fired(lint(tmp_path, PERSISTENT), "no-survey")
    assert "a persistent group has no survey" in finding.message and finding.step is None
    fixed = PERSISTENT + ("\n  - id: monthly-survey\n    kind: survey\n    at: day 10 21:00\n    title: 月度调查\n"
                          "    questions:\n      - ask: 群里的内容有帮助吗？\n        choices: [有, 没有]\n")
    assert lint(tmp_path, fixed) == []


def test_no_survey_threshold_is_the_lifetime(tmp_path):
    assert not fired(lint(tmp_path, BASE), "no-survey")
    [finding] = fired(lint(tmp_path, BASE, sets=["no-survey.min_lifetime=3"]), "no-survey")
    assert "a 3-day group" in finding.message


# ---------- no-dissolution ----------

def test_no_dissolution_points_at_the_lifetime(tmp_path):
    bad = BASE[:BASE.index("  - id: farewell")].rstrip() + "\n"
    [finding] = fired(lint(tmp_path, bad), "no-dissolution")
    assert finding.line == line_of(bad, "lifetime:") and finding.col == 1
    assert not fired(lint(tmp_path, BASE), "no-dissolution")
    assert not fired(lint(tmp_path, PERSISTENT), "no-dissolution")


# ---------- stingy-red-packet ----------

RED_PACKET = ("\n  - id: red-packet\n    kind: red_packet\n    at: day 1 16:00\n"
              "    announce: 4点发{{ count }}个红包\n    amount: \"{{ group.members * 0.01 }}\"\n"
              "    count: \"{{ (group.members / 3) | round | int }}\"\n")


def test_stingy_red_packet_names_the_group_getting_least(tmp_path):
    [finding] = fired(lint(tmp_path, BASE + RED_PACKET, GROUPS), "stingy-red-packet")
    assert finding.step == "red-packet"
    # mini-a: ¥3.00 in 100 packets (¥0.03 each); mini-b: ¥0.20 in 7 (¥0.0286 each) is the least.
    assert "¥0.03 a packet (¥0.20 in 7 packets) for group mini-b" in finding.message
    fixed = BASE + RED_PACKET.replace("* 0.01", "* 0.5")
    assert not fired(lint(tmp_path, fixed, GROUPS), "stingy-red-packet")


def test_stingy_red_packet_skips_packets_whose_when_is_false(tmp_path):
    gated = BASE + RED_PACKET + "    when: \"group.members < 30\"\n"   # only mini-b (20 members)
    [finding] = fired(lint(tmp_path, gated, GROUPS), "stingy-red-packet")
    assert "mini-b" in finding.message
    never = BASE + RED_PACKET + "    when: \"group.members > 1000\"\n"
    assert not fired(lint(tmp_path, never, GROUPS), "stingy-red-packet")


# ---------- no-rules-day0 ----------

def test_no_rules_day0(tmp_path):
    bad = edit(BASE, "at: day 0 10:00", "at: day 1 10:00")
    [finding] = fired(lint(tmp_path, bad), "no-rules-day0")
    assert "(the first is on day 1)" in finding.message and finding.line == line_of(bad, "steps:")
    assert not fired(lint(tmp_path, BASE), "no-rules-day0")


# ---------- quiet-hours ----------

def test_quiet_hours(tmp_path):
    bad = edit(BASE, 'cron: "30 20 * * *"', 'cron: "0 23 * * *"')
    [finding] = fired(lint(tmp_path, bad), "quiet-hours")
    assert finding.step == "topic" and "posts at 23:00 on days 0-2" in finding.message
    early = edit(BASE, 'cron: "0 8 * * *"', 'cron: "0 7 * * *"')
    assert fired(lint(tmp_path, early), "quiet-hours")
    boundary = edit(BASE, 'cron: "0 8 * * *"', 'cron: "30 7 * * *"')
    assert not fired(lint(tmp_path, boundary), "quiet-hours")


def test_quiet_hours_except_operator_actions(tmp_path):
    night_task = ("\n  - id: tally\n    kind: task\n    cron: \"0 23 * * *\"\n    days: 0-3\n"
                  "    text: 统计今日数据\n")
    night_dissolve = edit(BASE, "notice: 感谢", "sequence: {grey_avatar: 1h, rename: 2h, dissolve: 6h}\n"
                                               "    notice: 感谢")  # dissolve at 02:00
    assert not fired(lint(tmp_path, BASE + night_task), "quiet-hours")
    assert not fired(lint(tmp_path, night_dissolve), "quiet-hours")


def test_quiet_hours_declared_by_the_sop_win_over_the_default(tmp_path):
    night_owls = edit(edit(BASE, 'cron: "30 20 * * *"', 'cron: "0 23 * * *"'),
                      "lifetime: 3d\n", "lifetime: 3d\nquiet: \"23:30-07:00\"\n")
    assert not fired(lint(tmp_path, night_owls), "quiet-hours")
    early = edit(night_owls, 'cron: "0 8 * * *"', 'cron: "15 7 * * *"')   # inside the default, not the SOP's
    assert not fired(lint(tmp_path, early), "quiet-hours")
