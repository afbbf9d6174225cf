"""Planning for groups, deduplication across groups, the shipped SOPs, small helpers."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from sopengine import load_sop, load_workspace
from sopengine.lint import RULES, ConfigError, LintConfig, is_touch, lint_workspace, plans_for
from sopengine.lint.days import format_days
from sopengine.lint.params import parse_clock, parse_count, parse_duration_param, parse_money

from .helpers import BASE, GROUPS, edit, fired, lint, write

ROOT = Path(__file__).resolve().parents[2]


def test_every_shipped_sop_lints_clean_against_its_groups():
    ws = load_workspace([ROOT / "sops"], [ROOT / "sops" / "groups.yaml"])
    assert ws.ok and len(ws.sops) >= 5
    report = lint_workspace(ws, LintConfig.defaults(RULES))
    assert [str(f) for f in report.findings] == []
    assert report.notes == [] and report.sops == len(ws.sops)


def test_findings_are_reported_once_per_sop_rule_and_step(tmp_path):
    night = edit(BASE, 'cron: "30 20 * * *"', 'cron: "0 23 * * *"')
    findings = lint(tmp_path, night, GROUPS)   # two matching groups, both at night
    assert [(f.rule, f.step) for f in findings] == [("quiet-hours", "topic")]


def test_day_findings_merge_the_days_of_every_group(tmp_path):
    # `when` drops the topic on day 2 for mini-b (20 members) only.
    gated = edit(BASE, "text: 今晚话题", "when: \"group.members > 100 or day != 2\"\n    text: 今晚话题")
    sop_path, groups_path = write(tmp_path, gated, GROUPS)
    ws = load_workspace([sop_path], [groups_path])
    plans, notes = plans_for(ws.sops[0], ws.groups)
    assert [p.group.id for p in plans] == ["mini-a", "mini-b"] and notes == []
    [finding] = fired(lint_workspace(ws, LintConfig.defaults(RULES)).findings, "few-touches")
    assert "on day 2 (as few as 2)" in finding.message


def test_without_a_matching_group_the_sample_group_starts_on_a_monday(tmp_path):
    sop_path, _ = write(tmp_path, edit(BASE, "tags: [mini]", "tags: [other]"), GROUPS)
    sop = load_sop(sop_path)
    plans, _ = plans_for(sop, [])
    [plan] = plans
    assert plan.sample and plan.group.start.weekday() == 0
    assert plan.rendered and plan.days == range(0, 4)


def test_unrenderable_group_is_noted_and_planned_unrendered(tmp_path):
    sop_text = edit(BASE, "text: 午间提醒：记得打卡", "text: \"{{ group.city }}的午间提醒\"")
    groups = GROUPS.replace("    members: 300\n", "    members: 300\n    city: 杭州\n")
    sop_path, groups_path = write(tmp_path, sop_text, groups)
    ws = load_workspace([sop_path], [groups_path])
    errors = [p for p in ws.problems if p.severity == "error"]  # validate says so, at the group's line
    assert len(errors) == 1 and "group 'mini-b': lacks fact 'city'" in errors[0].message
    report = lint_workspace(ws, LintConfig.defaults(RULES))
    assert report.findings == []
    assert len(report.notes) == 1 and "mini-b" in report.notes[0]


def test_touches_exclude_operator_steps_and_later_dissolution_parts(tmp_path):
    sop_path, _ = write(tmp_path, BASE + "\n  - id: tally\n    kind: task\n    at: day 1 21:00\n    text: 统计\n")
    [plan], _ = plans_for(load_sop(sop_path), [])
    kinds = {(a.kind, a.part) for a in plan.actions if not is_touch(plan.sop, a)}
    assert kinds == {("task", None), ("dissolution", "grey_avatar"), ("dissolution", "rename"),
                     ("dissolution", "dissolve")}


@pytest.mark.parametrize("days, text", [
    ([], ""), ([3], "3"), ([0, 1, 2, 5, 7, 8], "0-2, 5, 7-8"), ([4, 2, 3, 3], "2-4"), ([1, 3, 5], "1, 3, 5"),
])
def test_format_days(days, text):
    assert format_days(days) == text


def test_param_parsers():
    assert parse_count("6") == 6 and parse_count(6) == 6
    assert parse_duration_param("1h30m") == timedelta(minutes=90) and parse_duration_param(0) == timedelta(0)
    assert parse_clock("7:05") == time(7, 5) and parse_clock("23:59") == time(23, 59)
    assert parse_money("0.5") == Decimal("0.5") and parse_money(1) == Decimal(1)
    for parse, bad in ((parse_count, "-1"), (parse_count, True), (parse_count, 1.5), (parse_clock, "24:00"),
                       (parse_clock, 2230), (parse_money, "abc"), (parse_money, -1), (parse_duration_param, "5")):
        with pytest.raises(ValueError):
            parse(bad)


def test_config_values_keep_their_types():
    config = LintConfig.defaults(RULES).with_mapping(
        {"rules": {"too-many-pushes": {"max_per_day": 6, "min_gap": "15m"}, "wall-of-text": {"enabled": False}}})
    assert config.params("too-many-pushes") == {"max_per_day": 6, "min_gap": timedelta(minutes=15)}
    assert "wall-of-text" not in [r.id for r in config.enabled_rules()]
    with pytest.raises(ConfigError, match="no setting 'max'"):
        config.with_assignment("too-many-pushes.max=1")


def test_day_zero_of_a_sample_plan_is_its_start(tmp_path):
    sop_path, _ = write(tmp_path, BASE)
    [plan], _ = plans_for(load_sop(sop_path), [])
    first = min(a.due for a in plan.actions)
    assert first.date() == plan.group.start and plan.group.start >= date(2026, 1, 1)


def test_groups_alike_in_the_facts_an_sop_reads_share_its_trial_renders_each_named_for_itself(tmp_path):
    sop_text = edit(BASE, "text: 午间提醒：记得打卡", "text: \"{{ group.city }}的午间提醒\"")
    sop_text = edit(sop_text, "text: 今晚话题：你今天学到了什么？", "text: \"{{ group.members }}人的今晚话题\"")
    groups = "groups:\n" + "".join(
        f"  - id: g-{name}\n    name: 营{name}\n    start: 2026-12-07\n    tags: [mini]\n    members: {members}\n"
        f"    channels:\n      wechat: {{operator: 小雅}}\n{extra}"
        for name, members, extra in [("a", 10, "    city: 杭州\n"), ("b", 10, ""), ("c", 10, ""),
                                     ("d", 500, ""), ("e", 500, "    city: 苏州\n")])
    sop_path, groups_path = write(tmp_path, sop_text, groups)
    ws = load_workspace([sop_path], [groups_path])
    errors = sorted(p.message for p in ws.problems if p.severity == "error")
    assert [m.split(":")[0] for m in errors] == ["group 'g-b'", "group 'g-c'", "group 'g-d'"]
    assert all("lacks fact 'city'" in m and "step 'noon'" in m for m in errors)
