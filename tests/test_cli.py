"""The command line: help, exit codes, formats."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from sopengine.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("command", [[], ["validate"], ["plan"], ["schema"]])
def test_help_everywhere(command):
    result = run(*command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output


def test_usage_errors_exit_2(spec_dir):
    assert run("validate").exit_code == 2
    assert run("validate", "no/such/file.yaml").exit_code == 2
    assert run("plan", str(spec_dir), "--format", "pdf").exit_code == 2


def test_validate_ok(spec_dir):
    result = run("validate", str(spec_dir))
    assert result.exit_code == 0, result.output
    assert "1 SOP(s), 1 group(s)" in result.stderr


def test_plan_json_follows_the_spec(spec_dir):
    result = run("plan", str(spec_dir / "learning-camp.yaml"), "--groups", str(spec_dir / "groups.yaml"),
                 "--format", "json")
    assert result.exit_code == 0, result.output
    actions = json.loads(result.stdout)
    assert [a["due"] for a in actions] == sorted(a["due"] for a in actions)
    assert {"key", "group", "sop", "step", "part", "kind", "channel", "due", "text"} <= set(actions[0])
    assert "早安☀️" in result.stdout  # UTF-8, not \\u escapes


def test_plan_from_to_clips_by_local_date(spec_dir):
    result = run("plan", str(spec_dir), "--from", "2026-12-05", "--to", "2026-12-05", "--format", "json")
    days = {a["due"][:10] for a in json.loads(result.stdout)}
    assert days == {"2026-12-05"}


def test_plan_table_is_day_by_day(spec_dir):
    result = run("plan", str(spec_dir), "--to", "2026-12-02")
    assert result.exit_code == 0
    assert "12-01 周二" in result.stdout and "12-02 周三" in result.stdout
    assert "群规" in result.stdout and "早报" in result.stdout


def test_plan_ics_imports_as_a_calendar(spec_dir):
    result = run("plan", str(spec_dir), "--format", "ics")
    cal = Calendar.from_ical(result.stdout_bytes)
    events = [c for c in cal.walk("VEVENT")]
    json_actions = json.loads(run("plan", str(spec_dir), "--format", "json").stdout)
    assert len(events) == len(json_actions)
    assert str(events[0]["UID"]) == json_actions[0]["key"] + "@sopengine"


def test_plan_reports_broken_files_and_plans_the_rest(spec_dir, tmp_path):
    (tmp_path / "bad.yaml").write_text("sop: bad\nsteps:\n  - {id: a, kind: mesage, at: day 0 10:00}\n",
                                       encoding="utf-8")
    result = run("plan", str(spec_dir), str(tmp_path / "bad.yaml"), "--format", "json")
    assert result.exit_code == 1
    assert "unknown kind 'mesage' (did you mean 'message'?)" in result.stderr
    assert json.loads(result.stdout)


def test_plan_without_groups_is_a_usage_error(spec_dir):
    assert run("plan", str(spec_dir / "learning-camp.yaml")).exit_code == 2


def test_schema_is_json_schema_with_every_kind():
    schema = json.loads(run("schema").stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")
    kinds = json.dumps(schema)
    for kind in ("morning_post", "red_packet", "dissolution", "survey"):
        assert f'"{kind}"' in kinds


def test_channel_settings_from_config_file_and_options(tmp_path):
    import click

    from sopengine.cli.runtime import load_config, parse_channel_options
    cfg = tmp_path / "sopengine.yaml"
    cfg.write_text("channels:\n  email: {host: smtp.example.com, username_env: SMTP_USER}\n", encoding="utf-8")
    merged = parse_channel_options(("email.port=587", "console.path=/tmp/x"), load_config(str(cfg)))
    assert merged == {"email": {"host": "smtp.example.com", "username_env": "SMTP_USER", "port": "587"},
                      "console": {"path": "/tmp/x"}}
    with pytest.raises(click.BadParameter):
        parse_channel_options(("nodot=1",))
    (tmp_path / "bad.yaml").write_text("channels: [1]\n", encoding="utf-8")
    with pytest.raises(click.BadParameter):
        load_config(str(tmp_path / "bad.yaml"))


def test_tables_keep_every_column_at_80_columns(sops_dir):
    from rich.console import Console

    from sopengine import load_workspace, plan_workspace
    from sopengine.cli.apply import print_report
    from sopengine.present.plan_table import plan_table
    from sopengine.store.apply import ApplyReport
    from sopengine.store.replan import PairChange

    ws = load_workspace([sops_dir])
    console = Console(width=80, record=True, color_system=None)
    console.print(plan_table(plan_workspace(ws.sops, ws.groups)[:20], width=80))
    text = console.export_text()
    for header in ("日期", "时间", "群", "天", "步骤", "类型", "内容"):
        assert header in text, header
    assert "maixiang-fan" in text and "s-hz" in text and "morning" in text  # ids fold, whole and distinct
    report = ApplyReport(pairs=[PairChange("lead-magnet-fission", g, added=35) for g in
                                ("baking-pdf-2026-09-a", "baking-pdf-2026-09-b")])
    console = Console(width=80, record=True, color_system=None)
    print_report(report, console)
    rows = console.export_text()
    assert "…" not in rows and "09-a" in rows and "09-b" in rows  # two groups, two distinct rows


def test_plan_ics_titles_with_group_names_rings_before_and_is_byte_identical(sops_dir):
    args = ["plan", str(sops_dir / "learning-camp-21d.yaml"), str(sops_dir / "fan-group.yaml"),
            "--groups", str(sops_dir / "groups.yaml"), "--format", "ics"]
    first, second = run(*args), run(*args)
    assert first.stdout_bytes == second.stdout_bytes
    cal = Calendar.from_ical(first.stdout_bytes)
    event = next(iter(cal.walk("VEVENT")))
    assert "PPT进阶21天打卡营" in str(event["SUMMARY"]) or "麦香烘焙" in str(event["SUMMARY"])
    (alarm,) = event.walk("VALARM")
    assert alarm["TRIGGER"].dt == -timedelta(minutes=10) and str(alarm["ACTION"]) == "DISPLAY"
    names = [c.name for c in cal.subcomponents]
    assert names.index("VTIMEZONE") < names.index("VEVENT")
    quiet = Calendar.from_ical(run(*args, "--alarm", "0").stdout_bytes)
    assert not list(next(iter(quiet.walk("VEVENT"))).walk("VALARM"))


def test_listing_the_commands_imports_none_of_them():
    import subprocess
    import sys

    from sopengine.cli import LAZY_COMMANDS, SUMMARIES

    assert set(SUMMARIES) == set(LAZY_COMMANDS)
    code = ("import sys; from click.testing import CliRunner; from sopengine.cli import main; "
            "r = CliRunner().invoke(main, ['--help']); assert r.exit_code == 0, r.output; "
            "print(sorted(m for m in sys.modules if m.startswith(('sopengine.store', 'sqlalchemy', 'alembic'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out


def test_reading_the_store_imports_no_step_kind(tmp_path, sops_dir):
    """status, health, actions, groups and members read a ledger without building a step model: none of pydantic,
    Jinja2, croniter or the kinds is imported (the start-up every such command pays), nor, on SQLite, SQLAlchemy's
    PostgreSQL dialect."""
    import subprocess
    import sys

    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    applied = CliRunner().invoke(main, ["apply", str(sops_dir / "learning-camp-21d.yaml"), "--groups",
                                        str(sops_dir / "groups.yaml"), "--db", db, "--format", "json"])
    assert applied.exit_code == 0, applied.output
    heavy = ("pydantic", "jinja2", "croniter", "sopengine.kinds", "sopengine.plugins", "sqlalchemy.dialects.postgresql")
    for command in (["status"], ["status", "--format", "json"], ["health"], ["actions", "--limit", "3"], ["groups"],
                    ["members"]):
        code = ("import sys; from click.testing import CliRunner; from sopengine.cli import main; "
                f"r = CliRunner().invoke(main, {[*command, '--db', db]!r}); assert r.exit_code in (0, 1), r.output; "
                f"print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r} or m in {heavy!r}))")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        assert out.strip() == "[]", (command, out)


def test_a_virtual_run_of_a_fleet_ends_with_the_status_summed_by_sop(tmp_path, sops_dir):
    from sopengine.cli.status import PAIRS_SHOWN

    n = PAIRS_SHOWN + 1
    lines = ["groups:"] + [f"  - {{id: g{i:02d}, name: 群{i}, start: 2026-09-19, tags: [learning, camp], members: 50, "
                           f"channels: {{wechat: {{operator: 小雅}}}}}}" for i in range(n)]
    groups = tmp_path / "groups.yaml"
    groups.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(sops_dir / "learning-camp-21d.yaml"), "--groups", str(groups),
                                       "--now", "2026-09-19T00:00+08:00", "--until", "2026-09-19T09:00+08:00",
                                       "--db", f"sqlite:///{tmp_path / 'ledger.db'}", "-q"])
    assert result.exit_code == 0, result.output
    assert "ledger at 2026-09-19 09:00" in result.output and f"by SOP: {n} groups × SOPs" in result.output
    assert "every group's counts: sopengine status --format json" in result.output
    assert not any(f"│ g{i:02d}" in result.output for i in range(n))  # no row per group: none needs anyone yet


def test_a_plan_too_long_for_a_table_is_summarised_day_by_day(tmp_path, sops_dir):
    lines = ["groups:"] + [f"  - {{id: g{i:02d}, name: 群{i}, start: 2026-09-19, tags: [learning, camp], members: 50, "
                           f"channels: {{wechat: {{operator: 小雅}}}}}}" for i in range(15)]
    groups = tmp_path / "groups.yaml"
    groups.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["plan", str(sops_dir / "learning-camp-21d.yaml"), "--groups", str(groups)])
    assert result.exit_code == 0, result.output
    assert "day by day" in result.output and "--format json, csv or xlsx" in result.output
    assert "2026-09-21 周一" in result.output and "15" in result.output


def test_an_apply_of_many_groups_is_reported_by_sop():
    from rich.console import Console

    from sopengine.cli.apply import PAIRS_SHOWN, print_report
    from sopengine.store.apply import ApplyReport
    from sopengine.store.replan import PairChange

    pairs = [PairChange("fan-group", f"g{i}", unchanged=30) for i in range(PAIRS_SHOWN)]
    pairs += [PairChange("fan-group", "g-new", added=31), PairChange("camp", "c1", changed=2, unchanged=5)]
    console = Console(width=80, record=True, color_system=None)
    print_report(ApplyReport(pairs=pairs), console)
    text = console.export_text()
    assert "g-new" not in text and f"by SOP: {PAIRS_SHOWN + 2} groups × SOPs, 2 changed" in text
    fan = next(line for line in text.splitlines() if line.strip().startswith("fan-group"))
    assert fan.replace("│", " ").split()[1:] == [str(PAIRS_SHOWN + 1), "31", "0", "0", str(30 * PAIRS_SHOWN)]
    camp = next(line for line in text.splitlines() if line.strip().startswith("camp"))
    assert camp.replace("│", " ").split()[1:] == ["1", "0", "2", "0", "5"]


def test_a_long_json_array_is_printed_an_item_a_line_and_reads_back_the_same(capsys):
    import json

    from sopengine.cli.common import ITEMS_INDENTED, echo_json

    items = [{"group": f"群{i}", "counts": {"planned": i}} for i in range(ITEMS_INDENTED + 1)]
    echo_json(items)
    out = capsys.readouterr().out

    assert json.loads(out) == items
    lines = out.splitlines()
    assert len(lines) == len(items) + 2 and "群7" in lines[8]


def test_items_given_as_their_own_lines_print_as_their_json_would(capsys):
    import json

    from sopengine.cli.common import ITEMS_INDENTED, echo_json, echo_json_lines

    for n in (3, ITEMS_INDENTED + 1):  # indented, then an item a line
        items = [{"group": f"群{i}", "n": i} for i in range(n)]

        echo_json(items)
        expected = capsys.readouterr().out
        echo_json_lines([json.dumps(item, ensure_ascii=False) for item in items])
        assert capsys.readouterr().out == expected
