"""Members: imported from a group tool's export (GBK CSV with Chinese headers, XLSX), learned
from member events (one by one, or a day's in one file), listed with their stage; on SQLite
and PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from click.testing import CliRunner
from openpyxl import Workbook

from sopengine.cli import main

SH = ZoneInfo("Asia/Shanghai")
NOW = "2026-10-10T12:00+08:00"
EXPORT = ("成员ID,群昵称,入群时间,最后发言时间,发言数,标签,城市\n"
          "wm1,小美,2026-09-19 08:00,2026-10-09 21:00,120,核心,杭州\n"
          "wm2,阿强,2026-10-08 10:00,,3,,上海\n"
          "wm3,潜水员,2026-09-19 09:00,2026-09-20 10:00,1,,\n"
          "wm4,老王,2026-09-19 09:30,2026-10-09 08:00,40,,\n")


def cli(*args: str, db: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, [*args, "--db", db])


def camp(db: str, sops_dir) -> None:  # type: ignore[no-untyped-def]
    result = cli("apply", str(sops_dir / "learning-camp-21d.yaml"), "--groups", str(sops_dir / "groups.yaml"),
                 "--now", "2026-09-18T12:00+08:00", db=db)
    assert result.exit_code == 0, result.output


def test_a_gbk_export_with_chinese_headers_imports_and_members_have_stages(store_url, sops_dir, tmp_path):
    camp(store_url, sops_dir)
    export = tmp_path / "群成员.csv"
    export.write_bytes(EXPORT.encode("gbk"))
    result = cli("members", "import", str(export), "--group", "ppt-camp-2026-09-a", "--now", NOW, db=store_url)
    assert result.exit_code == 0, result.output
    assert "imported 4 members" in result.output
    listed = json.loads(cli("members", "--format", "json", "--now", NOW, db=store_url).stdout)
    by_name = {m["name"]: m for m in listed}
    assert {n: m["stage"] for n, m in by_name.items()} == {"小美": "core", "阿强": "new", "潜水员": "silent",
                                                          "老王": "active"}
    assert by_name["小美"]["facts"]["城市"] == "杭州" and by_name["小美"]["facts"]["messages"] == 120
    assert by_name["潜水员"]["days_silent"] == 20 and by_name["小美"]["joined_at"] == "2026-09-19T08:00:00+08:00"
    table = cli("members", "--now", NOW, db=store_url).output
    assert "核心" in table and "沉默" in table and "4 members" in table


def test_an_xlsx_export_and_mistakes_at_their_cell(store_url, sops_dir, tmp_path):
    camp(store_url, sops_dir)
    book = Workbook()
    sheet = book.active
    sheet.append(["group", "member_id", "name", "joined_at"])
    sheet.append(["ppt-camp-2026-09-b", "wm9", "小花", datetime(2026, 9, 20, 8, 30)])
    sheet.append(["no-such-group", "wm10", "路人", datetime(2026, 9, 20, 8, 30)])
    book.save(tmp_path / "members.xlsx")
    result = cli("members", "import", str(tmp_path / "members.xlsx"), db=store_url)
    assert result.exit_code == 1 and "unknown groups left out: no-such-group" in result.output
    [member] = json.loads(cli("members", "--group", "ppt-camp-2026-09-b", "--format", "json", db=store_url).stdout)
    assert member["joined_at"] == "2026-09-20T08:30:00+08:00"
    bad = tmp_path / "bad.csv"
    bad.write_text("member_id,name,入群时间\nwm1,小美,昨天\n", encoding="utf-8")
    result = cli("members", "import", str(bad), "--group", "ppt-camp-2026-09-a", db=store_url)
    assert result.exit_code == 1 and "bad.csv:2:3" in result.output and "'入群时间'" in result.output
    no_group = tmp_path / "nogroup.csv"
    no_group.write_text("member_id,name\nwm1,小美\n", encoding="utf-8")
    result = cli("members", "import", str(no_group), db=store_url)
    assert result.exit_code == 1 and "give --group" in result.output


def test_a_days_joins_and_leaves_in_one_file(store_url, sops_dir, tmp_path):
    camp(store_url, sops_dir)
    events = tmp_path / "events.csv"
    events.write_text("group,event,at,member_id,member_name\n"
                      "ppt-camp-2026-09-a,member_joined,2026-09-20 10:00,wm21,新同学甲\n"
                      "ppt-camp-2026-09-a,member_joined,2026-09-20 10:01,wm22,新同学乙\n"
                      "ppt-camp-2026-09-a,member_left,2026-09-21 09:00,wm21,新同学甲\n", encoding="utf-8")
    result = cli("members", "events", str(events), db=store_url)
    assert result.exit_code == 0, result.output
    assert "recorded 3 events" in result.output
    present = json.loads(cli("members", "--format", "json", "--now", NOW, db=store_url).stdout)
    assert [m["name"] for m in present] == ["新同学乙"]
    everyone = json.loads(cli("members", "--all", "--format", "json", "--now", NOW, db=store_url).stdout)
    assert {m["name"]: m["left_at"] for m in everyone} == {"新同学甲": "2026-09-21T09:00:00+08:00",
                                                          "新同学乙": None}
    greetings = [a for a in json.loads(cli("actions", "--format", "json", db=store_url).stdout)
                 if a["step"] == "welcome"]
    assert greetings  # the joins planned the camp's welcome
    bad = tmp_path / "bad-events.csv"
    bad.write_text("group,event,at,member_id,member_name\nppt-camp-2026-09-a,member_flew,2026-09-20 10:00,x,y\n",
                   encoding="utf-8")
    result = cli("members", "events", str(bad), db=store_url)
    assert result.exit_code == 1 and "unknown event 'member_flew'" in result.output


def test_member_facts_keep_their_history(store, store_url, sops_dir, tmp_path):
    camp(store_url, sops_dir)
    first, second = tmp_path / "w1.csv", tmp_path / "w2.csv"
    first.write_text("member_id,name,messages\nwm1,小美,100\n", encoding="utf-8")
    second.write_text("member_id,name,messages\nwm1,小美,160\n", encoding="utf-8")
    for path, when in ((first, "2026-10-01T12:00+08:00"), (second, "2026-10-08T12:00+08:00")):
        assert cli("members", "import", str(path), "--group", "ppt-camp-2026-09-a", "--now", when,
                   db=store_url).exit_code == 0
    assert store.member_facts_at("ppt-camp-2026-09-a", datetime(2026, 10, 2, tzinfo=SH)) == {"wm1": {"messages": 100}}
    [member] = store.list_members(["ppt-camp-2026-09-a"])
    assert member.facts["messages"] == 160
