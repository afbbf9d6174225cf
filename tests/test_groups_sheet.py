"""A groups file kept as a spreadsheet (CSV in any encoding Excel writes, or XLSX): validated,
planned and applied like the YAML one, every problem at its row and column."""

from __future__ import annotations

import json

from click.testing import CliRunner

from sopengine import load_workspace
from sopengine.cli import main
from sopengine.operators.xlsx import workbook_bytes

HEADER = ["id", "name", "start", "tags", "members", "channels.wechat.operators", "vars.host"]
ROWS = [["ppt-a", "PPT打卡营A班", "2026-09-19", "learning camp", 186, "小雅、阿杰", "小雅"],
        ["ppt-b", "PPT打卡营B班", "2026-09-19", "learning，camp", 24, "阿杰", "阿杰"]]


def test_a_groups_workbook_plans_like_the_yaml_file(tmp_path, sops_dir, host):
    sheet = tmp_path / "groups.xlsx"
    sheet.write_bytes(workbook_bytes("groups", HEADER, ROWS))
    ws = load_workspace([sops_dir / "learning-camp-21d.yaml"], [sheet], host.load_options())
    assert [p for p in ws.problems if p.severity == "error"] == []
    a, b = ws.groups
    assert (a.id, a.tags, a.facts["members"], a.vars, a.operators) == (
        "ppt-a", ("learning", "camp"), 186, {"host": "小雅"}, ("小雅", "阿杰"))
    assert b.tags == ("learning", "camp")  # a full-width comma splits too
    plan = CliRunner().invoke(main, ["plan", str(sops_dir / "learning-camp-21d.yaml"), "--groups", str(sheet),
                                      "--format", "json"])
    assert plan.exit_code == 0, plan.output
    assert {x["group"] for x in json.loads(plan.stdout)} == {"ppt-a", "ppt-b"}


def test_a_csv_saved_by_chinese_excel_with_mistakes_at_their_row_and_column(tmp_path, sops_dir, host):
    sheet = tmp_path / "groups.csv"
    lines = [",".join(HEADER), "ppt-a,PPT打卡营A班,2026-09-19,learning camp,186,小雅,小雅",
             "ppt-b,PPT打卡营B班,19/09/2026,learning camp,很多,阿杰,阿杰",
             "ppt-c,PPT打卡营C班,2026-09-19,learning camp,30,,"]
    sheet.write_bytes("\n".join(lines).encode("gbk"))
    ws = load_workspace([sops_dir / "learning-camp-21d.yaml"], [sheet], host.load_options())
    assert [g.id for g in ws.groups] == ["ppt-a", "ppt-c"]
    errors = {(p.line, p.col): p.message for p in ws.problems if p.severity == "error"}
    assert (3, 5) in errors and "members" in errors[(3, 5)]  # the bad cell, not the row's first
    assert any(line == 4 and "operator" in message for (line, _), message in errors.items())  # nobody to do it
