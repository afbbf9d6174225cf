"""``sopengine tasks``: the day's operator task sheet, from the ledger."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import click

from sopengine.channels import ChannelConfigError, Target
from sopengine.cli.runtime import DB_OPTION, open_store, plugin_host
from sopengine.rendering import outbound
from sopengine.templating import TemplateProblem

from .sheet import SheetRow, csv_text, html_page, json_text, markdown
from .tasks import operator_task, unusable_task

HIDDEN_BY_DEFAULT = frozenset({"cancelled"})


@click.command("tasks")
@click.option("--operator", help="Only this operator's tasks.")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Local date (default: today).")
@click.option("--tz", default="Asia/Shanghai", show_default=True, help="Timezone of --date and of the times shown.")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "csv", "json"]), default="md", show_default=True)
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
    title = f"运营任务单 {local_day:%Y-%m-%d}" + (f" · {operator}" if operator else "")
    render = {"md": lambda: markdown(rows, title), "html": lambda: html_page(rows, title),
              "csv": lambda: csv_text(rows), "json": lambda: json_text(rows)}[fmt]
    click.echo(render(), nl=False)


def build_sheet(db_url: str | None, local_day: date, zone: ZoneInfo, operator: str | None,
                show_all: bool = False) -> list[SheetRow]:
    """Tasks of the wechat channel due on ``local_day``, rendered as the daemon renders them."""
    from sopengine.store.ledger import group_from_row
    from sopengine.store.queries import channel_actions, groups_by_id

    host = plugin_host()
    store = open_store(db_url, host, create=False)
    try:
        start = datetime.combine(local_day, time(0), tzinfo=zone)
        stored = channel_actions(store, "wechat", start, start + timedelta(days=1))
        group_rows = groups_by_id(store, {a.group_id for a in stored})
        rows: list[SheetRow] = []
        for a in stored:
            if a.state in HIDDEN_BY_DEFAULT and not show_all:
                continue
            grow = group_rows.get(a.group_id)
            if grow is None:
                continue
            settings = dict((grow.channels or {}).get("wechat", {}))
            who = str(settings.get("operator") or "（未分配）")
            if operator and who != operator:
                continue
            group = group_from_row(grow)
            sop = store.sop_version(a.version_id)
            note = a.reason or "" if a.state in ("failed", "skipped", "missed") else ""
            target = Target(group.id, group.name, settings)
            try:
                _, _, action = outbound(sop, group, a)
                task = operator_task(action, target, who) if action is not None else None
            except (KeyError, TemplateProblem, ChannelConfigError) as exc:
                # never dropped: the operator sees that something is wrong, and why
                reason = f"无法生成内容：{exc}" if not isinstance(exc, ChannelConfigError) else str(exc)
                note = "；".join(x for x in (note, reason) if x)
                task = unusable_task(a.key, who, group.id, group.name, a.due.isoformat(), a.kind, a.part)
            if task is None:
                continue  # `when:` is false with today's facts: nothing to do
            rows.append(SheetRow(task, a.state, a.due.astimezone(zone), note))
        return rows
    finally:
        store.close()
