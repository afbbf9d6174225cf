"""The wechat operator task sheets over the 21-day camp's whole life, golden-tested (md and csv)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


from sopengine.planning.ledger_planner import LedgerPlanner
from sopengine.daemon.clock import VirtualClock
from sopengine.daemon.runner import Daemon
from sopengine.plugins import load_plugins
from sopengine.store import Store
from sopengine.store.apply import apply
from sopengine.store.queries import list_actions
from sopengine_wechat import WeChatTaskChannel
from sopengine_wechat.command import build_sheet
from sopengine_wechat.sheet import csv_text, html_page, markdown

from ..goldens import check_golden

SH = ZoneInfo("Asia/Shanghai")


def whole_life(url: str, render) -> str:  # type: ignore[no-untyped-def]
    day, out = date(2026, 9, 19), []
    while day <= date(2026, 10, 11):
        rows = build_sheet(url, day, SH, "小雅")
        out.append(render(rows, f"运营任务单 {day}"))
        day += timedelta(days=1)
    return "\n".join(out)


def test_markdown_sheets_for_the_whole_life(camp_db):
    text = whole_life(camp_db, markdown)
    assert "把群名改为「社群已解散-后续服务请私信」" in text and "发拼手气红包" in text
    check_golden("tasks-learning-camp-xiaoya.md", text)


def test_csv_sheets_for_the_whole_life(camp_db):
    check_golden("tasks-learning-camp-xiaoya.csv", whole_life(camp_db, lambda rows, title: csv_text(rows)))


def test_sheet_orders_by_time_and_marks_state(camp_db):
    rows = build_sheet(camp_db, date(2026, 9, 19), SH, None)
    assert [r.local_time for r in rows] == sorted(r.local_time for r in rows)
    assert {r.task.operator for r in rows} == {"小雅", "阿杰、暖暖妈"}  # group b has two admins
    mine = [r for r in rows if r.task.group_id == "ppt-camp-2026-09-a"]
    assert mine and all(r.state == "done" for r in mine)
    theirs = [r for r in rows if r.task.group_id == "ppt-camp-2026-09-b"]
    assert theirs and all(r.state == "overdue" for r in theirs)


def test_html_sheet_escapes_and_has_a_copy_button_per_message(camp_db):
    rows = build_sheet(camp_db, date(2026, 9, 19), SH, "小雅")
    page = html_page(rows, "任务单 <测试>")
    assert "&lt;测试&gt;" in page
    assert page.count('class="copy"') == sum(1 for r in rows if r.task.copy_text)


def test_a_task_that_cannot_be_rendered_stays_on_the_sheet_with_its_reason_in_every_format(tmp_path):
    from sqlalchemy import update

    from sopengine.model.group import Group
    from sopengine.store.tables import groups
    from sopengine_wechat.sheet import json_text

    from sopengine import LoadOptions, load_sop

    group = Group("g1", "深圳群", date(2026, 9, 19), ("camp",), {"city": "深圳"}, {"wechat": {"operator": "小雅"}})
    sop = load_sop(tmp_path / "city.yaml", LoadOptions(sample_groups=[group]), text=(
        "sop: city\nmatch: {tags: [camp]}\nlifetime: 3d\nsteps:\n"
        '  - {id: hello, kind: message, at: day 1 09:00, text: "{{ group.city }}的朋友们早上好"}\n'))
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    store = Store.open(url, load_plugins().kinds, planner=LedgerPlanner())
    start = datetime(2026, 9, 19, tzinfo=SH)
    apply(store, [sop], [group], start)
    with store.engine.begin() as conn:  # the fact went missing after apply
        conn.execute(update(groups).values(facts={}))
    Daemon(store, {"wechat": WeChatTaskChannel()}, VirtualClock(start)).run(until=datetime(2026, 9, 21, tzinfo=SH))
    assert [a.state for a in list_actions(store)] == ["failed"]
    store.close()
    rows = build_sheet(url, date(2026, 9, 20), SH, "小雅")
    assert len(rows) == 1 and rows[0].state == "failed" and "city" in rows[0].note
    for text in (markdown(rows, "t"), csv_text(rows), html_page(rows, "t"), json_text(rows)):
        assert "city/hello/g1/2026-09-20T09:00" in text and ("失败" in text or "failed" in text)
        assert "undefined" in text and "无法生成" in text


def test_csv_neutralises_formulas_and_carries_a_bom_while_the_page_keeps_the_text():
    import csv
    import io

    from sopengine.operators.tasks import SheetRow
    from sopengine.operators.tasks import OperatorTask

    evil = ['=HYPERLINK("http://x","点我")', "=cmd|' /C calc'!A0", "+1", "-2", "@SUM(A1)", "正常的文字"]
    rows = [SheetRow(OperatorTask(f"k/{i}", "小雅", "g", "群", "2026-09-20T08:00:00+08:00", "message", None,
                                  "复制下面的文字发到群里", text), "due", datetime(2026, 9, 20, 8, tzinfo=SH))
            for i, text in enumerate(evil)]
    text = csv_text(rows)
    assert text.startswith("\ufeff")
    cells = [row[6] for row in csv.reader(io.StringIO(text.lstrip("\ufeff")))][1:]
    assert cells == ["'" + t for t in evil[:5]] + ["正常的文字"]
    page = html_page(rows, "t")
    assert "=HYPERLINK(&#34;http://x&#34;,&#34;点我&#34;)</pre>" in page  # copied as written (escaped)
    assert "> =cmd|' /C calc'!A0" in markdown(rows, "t")


def test_markdown_sheets_escape_html_from_texts():
    from sopengine.operators.tasks import SheetRow
    from sopengine.operators.tasks import OperatorTask

    row = SheetRow(OperatorTask("k", "小雅", "g", "<b>群</b>", "2026-09-20T08:00:00+08:00", "message", None,
                                "复制下面的文字发到群里", '<img src=x onerror="alert(1)"> & 更多'),
                   "due", datetime(2026, 9, 20, 8, tzinfo=SH), note="<script>x</script>")
    text = markdown([row], "t")
    assert "<img" not in text and "<script>" not in text and "<b>" not in text
    assert '&lt;img src=x onerror="alert(1)"&gt; &amp; 更多' in text


def test_a_group_with_several_operators_is_on_each_ones_sheet_by_id_or_name(camp_db):
    day = date(2026, 9, 19)
    by_name = {r.task.key for r in build_sheet(camp_db, day, SH, "暖暖妈")}
    by_id = {r.task.key for r in build_sheet(camp_db, day, SH, "nuannuan")}
    ajie = {r.task.key for r in build_sheet(camp_db, day, SH, "ajie")}
    b_tasks = {r.task.key for r in build_sheet(camp_db, day, SH, None) if r.task.group_id == "ppt-camp-2026-09-b"}
    assert b_tasks and by_name == by_id == b_tasks == ajie
    assert not {r.task.key for r in build_sheet(camp_db, day, SH, "xiaoya")} & b_tasks


def test_an_english_speaking_team_reads_its_sheet_in_english(camp_db):
    from sopengine.words import speaking

    with speaking("en"):
        rows = build_sheet(camp_db, date(2026, 9, 20), SH, "小雅")
        sheet = markdown(rows, "Operator tasks")
        page = html_page(rows, "Operator tasks")
    assert "Copy the text below and post it in the group" in sheet and "（overdue）" in sheet
    assert '<html lang="en">' in page and ">Copy</button>" in page and "复制" not in page
    assert not any("复制下面的文字" in r.task.instruction for r in rows)
