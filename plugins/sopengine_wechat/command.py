"""``sopengine tasks``: the day's operator task sheet, from the ledger."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import click

from sopengine.plugin_api import DB_OPTION, SheetRow, echo_bytes, open_store, plugin_host, say

from sopengine_wechat import WeChatTaskChannel
from sopengine_wechat.sheet import csv_text, html_page, json_text, markdown, xlsx_bytes


@click.command("tasks")
@click.option("--operator", help="Only this operator's tasks (their id or name).")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Local date (default: today).")
@click.option("--tz", default="Asia/Shanghai", show_default=True, help="Timezone of --date and of the times shown.")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "csv", "xlsx", "json"]), default="md",
              show_default=True, help="csv: UTF-8 with a BOM; xlsx: a workbook (redirect it to a file).")
@click.option("--all", "show_all", is_flag=True, help="Include cancelled tasks.")
@DB_OPTION
def tasks_command(operator: str | None, day: datetime | None, tz: str, fmt: str, show_all: bool,
                  db_url: str | None) -> None:
    """The day's WeChat task sheet per operator, in time order, with done / overdue state.

    Each task says what to do, where and when, with the copy-ready text;
    `sopengine done KEY` records that it was done.
    """
    zone = ZoneInfo(tz)
    local_day = day.date() if day else datetime.now(zone).date()
    rows = build_sheet(db_url, local_day, zone, operator, show_all)
    title = say("sheet.title", day=f"{local_day:%Y-%m-%d}") + (f" · {operator}" if operator else "")
    if fmt == "xlsx":
        echo_bytes(xlsx_bytes(rows, say("sheet.name", day=f"{local_day:%m-%d}")), file="tasks.xlsx")
        return
    render = {"md": lambda: markdown(rows, title), "html": lambda: html_page(rows, title, images(db_url, rows)),
              "csv": lambda: csv_text(rows), "json": lambda: json_text(rows)}[fmt]
    click.echo(render(), nl=False)


def images(db_url: str | None, rows: list[SheetRow]) -> dict[str, bytes]:
    """SHA-256 → bytes of the image files the sheet's tasks carry, from the ledger (a
    self-contained page shows them to save and forward)."""
    wanted = {a["sha256"] for r in rows for a in r.task.attachments if a.get("kind") == "image" and a.get("sha256")}
    if not wanted:
        return {}
    store = open_store(db_url, plugin_host(), create=False)
    try:
        return {sha: data for sha in sorted(wanted) if (data := store.media(sha)) is not None}
    finally:
        store.close()


def build_sheet(db_url: str | None, local_day: date, zone: ZoneInfo, operator: str | None,
                show_all: bool = False) -> list[SheetRow]:
    """Tasks of the wechat channel due on ``local_day``, rendered as the daemon renders them;
    ``operator``: only the tasks of the operator with this id or name."""
    from sopengine.plugin_api import build_sheet as core_sheet  # reads the store: loaded only to be used

    store = open_store(db_url, plugin_host(), create=False)
    try:
        refs = store.roster().resolve(operator).refs if operator else None
        return core_sheet(store, "wechat", local_day, zone, WeChatTaskChannel.operators, operator=refs,
                          show_all=show_all)
    finally:
        store.close()
