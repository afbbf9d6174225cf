"""``sopengine lint`` through click: text and JSON output, thresholds, config, exit codes."""

from __future__ import annotations

import json

from click.testing import CliRunner

from sopengine.cli.lint import lint_command

from .helpers import BASE, GROUPS, edit, line_of, write

NIGHT = edit(BASE, 'cron: "30 20 * * *"', 'cron: "0 23 * * *"')


def run(*args: object):
    return CliRunner().invoke(lint_command, [str(a) for a in args])


def test_clean_exits_0(tmp_path):
    sop, _ = write(tmp_path, BASE)
    result = run(sop)
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and "ok: no warnings in 1 SOP(s)" in result.stderr


def test_warnings_print_as_file_line_col_and_never_fail(tmp_path):
    sop, _ = write(tmp_path, NIGHT)
    result = run(sop)
    assert result.exit_code == 0
    line = line_of(NIGHT, "- id: topic")
    assert result.stdout == (
        f"{sop}:{line}:5: warning: [quiet-hours] step 'topic': posts at 23:00 on days 0-2, inside quiet hours "
        "22:30-07:30 — posts at night wake members up and get the group muted\n")
    assert "1 warning(s) in 1 of 1 SOP file(s)" in result.stderr


def test_text_lines_are_sorted(tmp_path):
    bad = edit(edit(NIGHT, "at: day 0 10:00", "at: day 1 10:00"), 'cron: "0 8 * * *"', 'cron: "0 6 * * *"')
    sop, _ = write(tmp_path, bad)
    lines = run(sop).stdout.splitlines()
    assert len(lines) == 3
    positions = [tuple(int(n) for n in line.split(":")[1:3]) for line in lines]
    assert positions == sorted(positions)


def test_json_output(tmp_path):
    sop, _ = write(tmp_path, NIGHT)
    result = run(sop, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == [{
        "rule": "quiet-hours", "file": str(sop), "line": line_of(NIGHT, "- id: topic"), "col": 5,
        "severity": "warning", "step": "topic",
        "message": "step 'topic': posts at 23:00 on days 0-2, inside quiet hours 22:30-07:30",
        "why": "posts at night wake members up and get the group muted",
    }]


def test_json_sop_level_finding_has_null_step(tmp_path):
    sop, _ = write(tmp_path, edit(BASE, "at: day 0 10:00", "at: day 1 10:00"))
    [finding] = json.loads(run(sop, "--format", "json").stdout)
    assert finding["rule"] == "no-rules-day0" and finding["step"] is None


def test_set_changes_a_threshold(tmp_path):
    sop, _ = write(tmp_path, BASE)
    result = run(sop, "--set", "too-many-pushes.max_per_day=3", "--format", "json")
    [finding] = json.loads(result.stdout)
    assert finding["rule"] == "too-many-pushes" and "more than 3 pushes a day on day 0 (up to 4)" in finding["message"]
    assert json.loads(run(sop, "--set", "quiet-hours.start=20:00", "--format", "json").stdout)[0]["step"] == "topic"


def test_set_can_disable_a_rule(tmp_path):
    sop, _ = write(tmp_path, NIGHT)
    result = run(sop, "--set", "quiet-hours.enabled=false")
    assert result.exit_code == 0 and result.stdout == ""


def test_bad_set_is_a_usage_error(tmp_path):
    sop, _ = write(tmp_path, BASE)
    for bad in ("quiet-hour.start=23:00", "quiet-hours.begin=23:00", "quiet-hours.start=25:00",
                "too-many-pushes.max_per_day=many", "too-many-pushes.min_gap=10 minutes", "nodot=1", "x.y"):
        result = run(sop, "--set", bad)
        assert result.exit_code == 2, (bad, result.output)
    assert "did you mean 'quiet-hours'" in run(sop, "--set", "quiet-hour.start=23:00").output


def test_config_file(tmp_path):
    sop, _ = write(tmp_path, NIGHT)
    config = tmp_path / "lint.yaml"
    config.write_text("rules:\n  quiet-hours: {start: \"23:30\"}\n  few-touches:\n    min_per_day: 4\n")
    result = run(sop, "--config", config, "--format", "json")
    assert result.exit_code == 0
    assert [f["rule"] for f in json.loads(result.stdout)] == ["few-touches"]
    # --set is applied after the config file
    result = run(sop, "--config", config, "--set", "few-touches.enabled=no", "--format", "json")
    assert json.loads(result.stdout) == []


def test_bad_config_file_names_its_position(tmp_path):
    sop, _ = write(tmp_path, BASE)
    config = tmp_path / "lint.yaml"
    config.write_text("rules:\n  quiet-hours:\n    start: late\n")
    result = run(sop, "--config", config)
    assert result.exit_code == 2 and f"{config}:3:12:" in result.output
    config.write_text("rule:\n  quiet-hours: {}\n")
    assert run(sop, "--config", config).exit_code == 2


def test_invalid_file_exits_1_with_validate_style_problems(tmp_path):
    sop, _ = write(tmp_path, edit(BASE, "kind: topic", "kind: topik"))
    other = tmp_path / "night.yaml"
    other.write_text(NIGHT.replace("sop: mini-camp", "sop: night-camp"), encoding="utf-8")
    result = run(sop, other)
    assert result.exit_code == 1
    assert f"{sop}:{line_of(BASE, 'kind: topic')}:11: unknown kind 'topik' (did you mean 'topic'?)" in result.stdout
    assert f"{other}:" in result.stdout and "[quiet-hours]" in result.stdout   # the good file is still linted
    assert "1 invalid file(s)" in result.stderr
    data = json.loads(run(sop, other, "--format", "json").stdout)
    assert [(d["severity"], d["rule"]) for d in data] == [("error", None), ("warning", "quiet-hours")]


def test_usage_errors_exit_2(tmp_path):
    assert run().exit_code == 2
    assert run(tmp_path / "missing.yaml").exit_code == 2
    sop, _ = write(tmp_path, BASE)
    assert run(sop, "--format", "xml").exit_code == 2


def test_groups_option_and_groups_among_paths(tmp_path):
    bad = BASE + ("\n  - id: red-packet\n    kind: red_packet\n    at: day 1 16:00\n"
                  "    announce: 发红包\n    amount: \"{{ group.members * 0.01 }}\"\n    count: 10\n")
    sop, groups = write(tmp_path, bad, GROUPS)
    with_groups = json.loads(run(sop, "--groups", groups, "--format", "json").stdout)
    among_paths = json.loads(run(sop, groups, "--format", "json").stdout)
    assert with_groups == among_paths
    [finding] = with_groups
    assert "for group mini-b" in finding["message"]
    # Without groups the sample group (100 members) is used: ¥1.00 in 10 packets.
    assert "sample-group" in json.loads(run(sop, "--format", "json").stdout)[0]["message"]


def test_help_lists_every_rule():
    result = run("--help")
    assert result.exit_code == 0
    for rule in ("few-touches", "too-many-pushes", "irregular-time", "wall-of-text", "no-survey",
                 "no-dissolution", "stingy-red-packet", "no-rules-day0", "quiet-hours"):
        assert rule in result.output
