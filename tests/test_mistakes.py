"""``validate`` on a folder holding the mistakes new users make, SOPs and groups together: each is
printed with its position, the good files and groups still count, and the exit code is 1."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from sopengine.cli import main

MISTAKES = Path(__file__).parent / "data" / "mistakes"

EXPECTED = [
    ("camp.yaml", 2, 8, "warning: match: tag '宝妈，交流' contains a 全角逗号「，」, so it is one tag: "
                        "for several write [宝妈, 交流]"),
    ("colon.yaml", 5, 9, "YAML syntax error: 全角冒号「：」 where YAML needs ':': 'kind：message'"),
    ("flash.yaml", 3, 8, "warning: SOP 'flash-sale-3d' matches no group (it needs tags ['flash-sale'])"),
    ("groups.yaml", 8, 7, "group 'no-operator': channels.wechat: no operator: add channels.wechat.operator"),
    ("groups.yaml", 8, 28, "warning: group 'no-operator': channels.wecom: environment variable "
                           "SOPENGINE_TEST_UNSET_ROBOT (webhook_env) is not set (SOP city-camp sends through wecom)"),
    ("groups.yaml", 12, 5, "group 'typo': unknown key 'chanels' (did you mean 'channels'?)"),
    ("groups.yaml", 13, 9, "group 'no-city': lacks fact 'city': SOP 'city-camp' step 'morning' "
                           f"({MISTAKES / 'city.yaml'}:6) cannot be rendered"),
    ("groups.yaml", 19, 28, "warning: group 'no-city': channels.wecom: environment variable"),
    ("groups.yaml", 25, 11, "warning: group 'flash-typo': matches no SOP (its tags ['flashsale'] "
                            "(did you mean 'flash-sale'?))"),
    ("groups.yaml", 32, 12, "warning: group 'moms': tag '宝妈，交流' contains a 全角逗号「，」"),
    ("groups.yaml", 37, 21, "group 'lots': fact 'active_members' must be a whole number of members"),
    ("never.yaml", 7, 11, "step 'leap': cron '0 8 30 2 *' never fires: no day 30 in February"),
]


def test_every_mistake_is_printed_at_its_position_and_validate_exits_1():
    result = CliRunner().invoke(main, ["validate", str(MISTAKES)], env={"SOPENGINE_TEST_UNSET_ROBOT": None})
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.stdout.splitlines()
    assert len(lines) == len(EXPECTED), result.stdout
    for line, (name, row, col, text) in zip(lines, EXPECTED):
        assert line.startswith(f"{MISTAKES / name}:{row}:{col}: ") and text in line, (line, text)


def test_a_variable_set_here_is_no_warning():
    result = CliRunner().invoke(main, ["validate", str(MISTAKES)], env={"SOPENGINE_TEST_UNSET_ROBOT": "key"})
    assert "SOPENGINE_TEST_UNSET_ROBOT" not in result.stdout


def test_the_shipped_samples_have_none_of_these_mistakes(sops_dir):
    result = CliRunner().invoke(main, ["validate", str(sops_dir)])
    assert result.exit_code == 0 and result.stdout == "", result.output
