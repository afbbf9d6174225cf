"""Spreadsheets both ways: XLSX exports (actions, the task sheet, the report) open with typed
cells, sized columns and text kept as text; a facts workbook imports like a CSV."""

from __future__ import annotations

import io
from datetime import datetime

import openpyxl
import pytest
from click.testing import CliRunner

from sopengine.cli import main
from sopengine.loading.facts_file import load_facts
from sopengine.model.problems import SopFileError
from sopengine.operators.xlsx import display_width, workbook_bytes


def book(data: bytes):  # type: ignore[no-untyped-def]
    return openpyxl.load_workbook(io.BytesIO(data)).active


def test_a_workbook_keeps_text_as_text_and_times_as_times():
    sheet = book(workbook_bytes("任务", ["时间", "文字"], [[datetime(2026, 9, 19, 8), "=HYPERLINK(\"x\")"],
                                                       [datetime(2026, 9, 19, 9), "早安☀️ 打卡第1天"]]))
    assert sheet.title == "任务" and sheet.freeze_panes == "A2"
    assert sheet["A2"].value == datetime(2026, 9, 19, 8) and sheet["A2"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet["B2"].value == '=HYPERLINK("x")' and sheet["B2"].data_type == "s"  # shown, never run
    assert sheet.column_dimensions["B"].width >= display_width("早安☀️ 打卡第1天")
    assert display_width("小雅") == 4


def test_exports_of_actions_sheet_and_report(store_url, sops_dir):
    runner = CliRunner()
    paths = [str(sops_dir / "learning-camp-21d.yaml"), "--groups", str(sops_dir / "groups.yaml")]
    run = ["run", *paths, "--now", "2026-09-19T00:00+08:00", "--until", "2026-09-20T12:00+08:00",
           "--simulate-operators", "-q", "--db", store_url]
    assert runner.invoke(main, run).exit_code == 0
    actions = runner.invoke(main, ["actions", "--format", "xlsx", "--db", store_url])
    assert actions.exit_code == 0, actions.output
    sheet = book(actions.stdout_bytes)
    assert [c.value for c in sheet[1]][:3] == ["due", "state", "sop"] and sheet.max_row > 50
    assert isinstance(sheet["A2"].value, datetime)
    as_csv = runner.invoke(main, ["actions", "--format", "csv", "--db", store_url]).stdout
    assert as_csv.startswith("\ufeffdue,state,")
    tasks = runner.invoke(main, ["tasks", "--date", "2026-09-19", "--format", "xlsx", "--db", store_url])
    assert tasks.exit_code == 0, tasks.output
    sheet = book(tasks.stdout_bytes)
    assert [c.value for c in sheet[1]][:3] == ["时间", "运营", "群"] and "小雅" in {c.value for c in sheet["B"]}
    status = runner.invoke(main, ["status", "--format", "csv", "--db", store_url]).stdout
    assert status.startswith("\ufeffsop,group,planned,") and "ppt-camp-2026-09-a" in status
    status_book = runner.invoke(main, ["status", "--format", "xlsx", "--db", store_url]).stdout_bytes
    assert book(status_book)["A1"].value == "sop"
    report = runner.invoke(main, ["report", "--format", "xlsx", "--db", store_url])
    assert report.exit_code == 0, report.output
    rows = list(book(report.stdout_bytes).iter_rows(values_only=True))
    assert rows[0][0] == "运营" and rows[-1][0] == "合计"


def test_a_facts_workbook_imports_like_a_csv(tmp_path):
    path = tmp_path / "facts.xlsx"
    path.write_bytes(workbook_bytes("facts", ["群id", "members", "city"], [["g1", 180, "杭州"], ["g2", "95", None]]))
    assert load_facts(path) == {"g1": {"members": 180, "city": "杭州"}, "g2": {"members": 95}}
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook_bytes("facts", ["id", "members"], [["g1", "很多"]]))
    with pytest.raises(SopFileError) as err:
        load_facts(bad)
    problem = err.value.problems[0]
    assert (problem.line, problem.col) == (2, 2) and "members" in problem.message
    junk = tmp_path / "junk.xlsx"
    junk.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(SopFileError, match="not a readable XLSX workbook"):
        load_facts(junk)


def test_a_plan_and_the_groups_export_for_review_in_a_spreadsheet(store_url, sops_dir):
    runner = CliRunner()
    plan = ["plan", str(sops_dir / "learning-camp-21d.yaml"), "--groups", str(sops_dir / "groups.yaml")]
    as_csv = runner.invoke(main, [*plan, "--format", "csv"])
    assert as_csv.exit_code == 0 and as_csv.stdout.startswith("\ufeffdue,group,sop,step,")
    assert "2026-09-20 08:00,ppt-camp-2026-09-a,learning-camp-21d,morning" in as_csv.stdout
    sheet = book(runner.invoke(main, [*plan, "--format", "xlsx"]).stdout_bytes)
    assert isinstance(sheet["A2"].value, datetime) and sheet["B2"].value.startswith("ppt-camp-2026-09-")
    applied = runner.invoke(main, ["apply", *plan[1:], "--now", "2026-09-19T00:00+08:00", "--db", store_url])
    assert applied.exit_code == 0
    groups = runner.invoke(main, ["groups", "--format", "csv", "--db", store_url]).stdout
    assert groups.startswith("\ufeffid,name,start,tags,sops,state,") and "ppt-camp-2026-09-a" in groups
    rows = list(book(runner.invoke(main, ["groups", "--format", "xlsx", "--db", store_url]).stdout_bytes)
                .iter_rows(values_only=True))
    assert rows[0][:3] == ("id", "name", "start") and "members" in rows[0]
