"""The checks of validate, run again where the store is the source: a facts import, ``run``
starting up, ``groups`` listing."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from sopengine.cli import main

SOP = """sop: packets
match: {tags: [camp]}
lifetime: 5d
steps:
  - id: packet
    kind: red_packet
    at: day 1 20:00
    announce: 红包马上到
    amount: "{{ group.members * 0.5 }}"
    count: "{{ (group.members / 3) | round | int }}"
  - id: robot
    kind: message
    channel: wecom
    at: day 2 09:00
    text: 早
"""
GROUPS = """groups:
  - id: g1
    name: 一群
    start: 2026-09-19
    tags: [camp]
    members: 90
    channels:
      wechat: {operator: 小雅}
      wecom: {webhook_env: SOPENGINE_TEST_ROBOT_G1}
  - id: lonely
    name: 没有SOP的群
    start: 2026-09-19
    tags: [nothing]
"""
NOW = ["--now", "2026-09-19T00:00+08:00"]


def setup(tmp_path: Path) -> tuple[CliRunner, str]:
    (tmp_path / "packets.yaml").write_text(SOP, encoding="utf-8")
    (tmp_path / "groups.yaml").write_text(GROUPS, encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    runner = CliRunner(env={"SOPENGINE_TEST_ROBOT_G1": "key"})
    applied = runner.invoke(main, ["apply", str(tmp_path / "packets.yaml"), "--groups", str(tmp_path / "groups.yaml"),
                                   *NOW, "--db", db])
    assert applied.exit_code == 0, applied.output
    assert "warning: group 'lonely': matches no SOP" in applied.output  # apply warns as validate does
    return runner, db


def test_a_facts_import_that_breaks_a_step_says_so_like_validate(tmp_path):
    runner, db = setup(tmp_path)
    (tmp_path / "few.csv").write_text("id,members\ng1,1\n", encoding="utf-8")
    result = runner.invoke(main, ["groups", "import", str(tmp_path / "few.csv"), "--db", db])
    assert result.exit_code == 1
    assert "error: group 'g1': SOP 'packets' step 'packet'" in result.output
    assert "count must be a whole number of at least 1" in result.output
    (tmp_path / "many.csv").write_text("id,members\ng1,300\n", encoding="utf-8")
    assert runner.invoke(main, ["groups", "import", str(tmp_path / "many.csv"), "--db", db]).exit_code == 0


def test_run_starting_without_a_variable_a_group_names_is_an_error(tmp_path):
    _, db = setup(tmp_path)
    without = CliRunner(env={"SOPENGINE_TEST_ROBOT_G1": None})
    result = without.invoke(main, ["run", "--once", *NOW, "--db", db, "-q"])
    assert result.exit_code == 1
    assert ("error: group 'g1': channels.wecom: environment variable SOPENGINE_TEST_ROBOT_G1 (webhook_env) "
            "is not set") in result.output
    with_it = CliRunner(env={"SOPENGINE_TEST_ROBOT_G1": "key"}).invoke(main, ["run", "--once", *NOW, "--db", db, "-q"])
    assert with_it.exit_code == 0, with_it.output


def test_groups_warns_about_a_group_that_runs_no_sop(tmp_path):
    runner, db = setup(tmp_path)
    result = runner.invoke(main, ["groups", "--db", db])
    assert result.exit_code == 0
    assert "warning: group 'lonely' runs no SOP (its tags ['nothing'])" in result.output
    assert "warning: group 'g1'" not in result.output
