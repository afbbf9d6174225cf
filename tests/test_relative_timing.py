"""``before: {step: live, by: 1h}`` / ``after:``: a step timed from another follows it, including
its moves off a holiday; mistakes (unknown step, a loop, an event step, quiet hours) are caught
at validate; an edit of the step it follows re-plans it."""

from __future__ import annotations

import textwrap
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from sopengine.cli import main
from sopengine.model.definition import step_fingerprint
from sopengine.planning.calendars import calendar_for
from sopengine.planning.planner import plan

from .helpers import group, sop_from_text

COURSE = """
sop: course
timezone: Asia/Shanghai
calendar: CN
lifetime: 42d
match: {tags: [camp]}
steps:
  - id: live
    kind: message
    cron: "0 20 * * 4"
    days: 1-41
    on_holiday: next_workday
    text: 今晚8点直播
  - id: live-reminder
    kind: message
    before: {step: live, by: 1h}
    text: 还有1小时开播
  - id: replay
    kind: message
    after: {step: live, by: 2h}
    text: 回放已上传
"""


def test_a_reminder_follows_its_class_and_its_move_off_a_holiday():
    sop = sop_from_text(COURSE)
    actions = plan(sop, group(start=date(2026, 9, 19)), render=False)
    by_step: dict[str, list[datetime]] = {}
    for a in actions:
        by_step.setdefault(a.step, []).append(a.due)
    assert [d - timedelta(hours=1) for d in by_step["live"]] == by_step["live-reminder"]
    assert [d + timedelta(hours=2) for d in by_step["live"]] == by_step["replay"]
    cal = calendar_for("CN")
    assert not any(cal.is_holiday(d.date()) for d in by_step["live-reminder"])
    assert by_step["live-reminder"][0].astimezone(ZoneInfo("Asia/Shanghai")).hour == 19


def check(tmp_path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "c.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return CliRunner().invoke(main, ["validate", str(path)])


def test_mistakes_are_caught_at_validate(tmp_path):
    unknown = check(tmp_path, COURSE.replace("before: {step: live, by: 1h}", "before: {step: lve, by: 1h}"))
    assert unknown.exit_code == 1 and "unknown step 'lve'" in unknown.output
    loop = COURSE.replace('    cron: "0 20 * * 4"\n    days: 1-41\n    on_holiday: next_workday\n',
                          "    after: {step: replay, by: 1h}\n")
    result = check(tmp_path, loop)
    assert result.exit_code == 1 and "loop" in result.output
    both = check(tmp_path, COURSE.replace("    before: {step: live, by: 1h}\n",
                                          "    before: {step: live, by: 1h}\n    at: day 1 10:00\n"))
    assert both.exit_code == 1 and "give exactly one timing" in both.output
    quiet = check(tmp_path, COURSE.replace("lifetime: 42d", 'lifetime: 42d\nquiet: "21:30-07:30"'))
    assert quiet.exit_code == 1 and "22:00 falls inside quiet hours" in quiet.output  # the replay
    assert check(tmp_path, COURSE).exit_code == 0


def test_editing_the_step_it_follows_changes_its_fingerprint():
    sop = sop_from_text(COURSE)
    moved = sop_from_text(COURSE.replace('cron: "0 20 * * 4"', 'cron: "0 19 * * 4"'))
    reminder = next(s for s in sop.steps if s.id == "live-reminder")
    moved_reminder = next(s for s in moved.steps if s.id == "live-reminder")
    assert step_fingerprint(sop, reminder) != step_fingerprint(moved, moved_reminder)
