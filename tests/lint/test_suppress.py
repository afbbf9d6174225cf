"""``# lint: ignore=`` comments: on a step's line, just above it, or for the whole file."""

from __future__ import annotations

from sopengine.lint.suppress import read_suppressions

from .helpers import BASE, edit, fired, lint

NIGHT = edit(BASE, 'cron: "30 20 * * *"', 'cron: "0 23 * * *"')   # topic → quiet-hours


def test_comment_on_the_step_line(tmp_path):
    assert fired(lint(tmp_path, NIGHT), "quiet-hours")
    quiet = edit(NIGHT, "- id: topic", "- id: topic   # lint: ignore=quiet-hours")
    assert lint(tmp_path, quiet) == []


def test_comment_on_the_line_just_above(tmp_path):
    quiet = edit(NIGHT, "  - id: topic", "  # 夜猫子话题，群员都是晚睡党\n"
                                          "  # lint: ignore=quiet-hours\n  - id: topic")
    assert lint(tmp_path, quiet) == []


def test_comment_two_lines_above_does_not_count(tmp_path):
    far = edit(NIGHT, "  - id: topic", "  # lint: ignore=quiet-hours\n\n  - id: topic")
    assert fired(lint(tmp_path, far), "quiet-hours")


def test_comment_for_another_rule_does_not_suppress(tmp_path):
    other = edit(NIGHT, "- id: topic", "- id: topic  # lint: ignore=wall-of-text, too-many-pushes")
    assert fired(lint(tmp_path, other), "quiet-hours")
    listed = edit(NIGHT, "- id: topic", "- id: topic  # lint: ignore=wall-of-text, quiet-hours")
    assert not fired(lint(tmp_path, listed), "quiet-hours")


def test_comment_only_suppresses_its_own_step(tmp_path):
    both = edit(NIGHT, 'cron: "0 12 * * *"', 'cron: "30 23 * * *"')   # noon → 23:30 as well
    quiet = edit(both, "- id: topic", "- id: topic  # lint: ignore=quiet-hours")
    assert [f.step for f in fired(lint(tmp_path, quiet), "quiet-hours")] == ["noon"]


def test_top_of_file_suppresses_the_whole_sop(tmp_path):
    bad = edit(NIGHT, "at: day 0 10:00", "at: day 1 10:00")   # also no-rules-day0 (SOP-level)
    assert {f.rule for f in lint(tmp_path, bad)} == {"quiet-hours", "no-rules-day0"}
    header = "# 夜间运营的快闪群\n# lint: ignore=quiet-hours,no-rules-day0\n"
    assert lint(tmp_path, header + bad) == []


def test_sop_level_finding_suppressed_at_its_key(tmp_path):
    bad = edit(BASE, "at: day 0 10:00", "at: day 1 10:00")
    quiet = edit(bad, "steps:", "steps:  # lint: ignore=no-rules-day0")
    assert lint(tmp_path, quiet) == []


def test_reading_comments():
    text = ("# lint: ignore=a\nsop: x\nsteps:\n  # lint: ignore=b , c\n  - id: s  # lint: ignore=d\n"
            "    text: \"#lint: ignore=e\"\n")
    s = read_suppressions(text, top_line=2)
    assert s.whole_file == {"a"}
    assert s.suppresses("a", 99)
    assert s.suppresses("b", 5) and s.suppresses("c", 5) and s.suppresses("d", 5)
    assert not s.suppresses("d", 6) and not s.suppresses("b", 6)
    assert not s.suppresses("e", 6)   # inside a quoted value, not after whitespace
