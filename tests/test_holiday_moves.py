"""``on_holiday: next_workday | previous_workday``: an occurrence on a public holiday moves to a
working day at the same time instead of being dropped; mistakes are caught with their line; and
``plan --to`` reaches as far as asked for a persistent SOP."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from sopengine.cli import main
from sopengine.planning.calendars import calendar_for
from sopengine.planning.planner import PlanningError, plan

from .helpers import group, sop_from_text

COURSE = """
sop: course
timezone: Asia/Shanghai
calendar: CN
lifetime: 42d
match: {{tags: [camp]}}
steps:
  - id: live
    kind: message
    cron: "0 20 * * 4"
    days: 1-41
    on_holiday: {direction}
    text: 今晚8点直播
"""


def lives(direction: str) -> list[date]:
    sop = sop_from_text(COURSE.format(direction=direction))
    return [a.due.date() for a in plan(sop, group(start=date(2026, 9, 19)), render=False)]


def test_a_thursday_class_in_national_day_moves_to_the_next_workday():
    cal = calendar_for("CN")
    plain = [date(2026, 9, 19) + timedelta(days=d) for d in range(1, 42)
             if (date(2026, 9, 19) + timedelta(days=d)).isoweekday() == 4]
    holiday = [d for d in plain if cal.is_holiday(d)]
    assert holiday, "a Thursday of the course falls in the National Day holiday"
    moved = lives("next_workday")
    assert len(moved) == len(plain) and not any(cal.is_holiday(d) for d in moved)
    for d in holiday:  # the first working day after it that has no class of its own
        after = next(d + timedelta(days=n) for n in range(1, 20)
                     if cal.is_workday(d + timedelta(days=n)) and d + timedelta(days=n) not in plain)
        assert after in moved and d not in moved
    earlier = lives("previous_workday")
    for d in holiday:
        before = next(d - timedelta(days=n) for n in range(1, 20) if cal.is_workday(d - timedelta(days=n)))
        assert before in earlier


def test_mistakes_are_caught_at_their_line(tmp_path):
    bad = COURSE.replace("calendar: CN\n", "").format(direction="next_workday")
    (tmp_path / "c.yaml").write_text(bad, encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "c.yaml")])
    assert result.exit_code == 1 and "on_holiday needs `calendar:`" in result.output
    both = COURSE.format(direction="next_workday").replace("    on_holiday:", "    skip: [holidays]\n    on_holiday:")
    (tmp_path / "c.yaml").write_text(both, encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "c.yaml")])
    assert result.exit_code == 1 and "keep one of them" in result.output
    (tmp_path / "c.yaml").write_text(COURSE.format(direction="tomorrow"), encoding="utf-8")
    assert CliRunner().invoke(main, ["validate", str(tmp_path / "c.yaml")]).exit_code == 1


def test_a_move_outside_the_life_is_an_error_naming_the_step():
    short = COURSE.format(direction="next_workday").replace("lifetime: 42d", "lifetime: 12d").replace(
        "days: 1-41", "days: 1-12")
    sop = sop_from_text(short)
    with pytest.raises(PlanningError) as err:
        plan(sop, group(start=date(2026, 9, 20)), render=False)
    assert err.value.step == "live" and "outside the group's life" in str(err.value)


def test_plan_to_reaches_as_far_as_asked_for_a_persistent_sop(tmp_path, sops_dir):
    result = CliRunner().invoke(main, ["plan", str(sops_dir / "fan-group.yaml"), "--groups",
                                       str(sops_dir / "groups.yaml"), "--from", "2027-03-01", "--to", "2027-03-07",
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    actions = json.loads(result.stdout)
    assert actions and all("2027-03-01" <= a["due"][:10] <= "2027-03-07" for a in actions)
