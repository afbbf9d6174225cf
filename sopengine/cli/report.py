"""``sopengine report``: how well the SOPs were executed, per operator, SOP, group or day."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from rich.table import Table

from sopengine.cli.common import echo_sheet
from sopengine.cli.local_time import TZ_OPTION, common_zone
from sopengine.cli.runtime import DB_OPTION, open_store, plugin_host
from sopengine.cli.status import wide_console
from sopengine.operators.spreadsheet import UTF8_BOM, safe_cell
from sopengine.reports.execution import COUNTS, By, ExecutionLine, execution_report, span_label
from sopengine.reports.ledger import figures, tally_figures
from sopengine.reports.notices import kind_label as notice_kind_label, notice_summary, summary_line
from sopengine.reports.notices import state_label as notice_state_label
from sopengine.store import DataStore, DayStats
from sopengine.words import language, say



def label(name: str) -> str:
    """A report column's heading (应执行 / assigned …)."""
    return say(f"report.{name}")


def by_label(by: str) -> str:
    """What the lines are of (运营 / operator …)."""
    return say(f"report.by.{by}")

TEMPLATES = Path(__file__).resolve().parent.parent / "reports" / "templates"


@click.command("report")
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]),
              help="First local date (default: the ledger's first).")
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), help="Last local date, included.")
@click.option("--by", type=click.Choice(["operator", "sop", "group", "day"]), default="operator", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "xlsx", "html"]), default="table",
              show_default=True)
@click.option("--group", "group_id", metavar="GROUP",
              help="One group only; with --by day, each day also shows its members, active members, messages "
                   "and joins (from facts imports and events).")
@TZ_OPTION
@DB_OPTION
def report_command(first: datetime | None, last: datetime | None, by: By, fmt: str, group_id: str | None,
                   tz: ZoneInfo | None, db_url: str | None) -> None:
    """Per operator, SOP, group or day: actions assigned, done, done on time (within grace),
    late, overdue now, missed, failed, skipped and open; 执行率 (done / assigned), 准时率 (on
    time / assigned) and the median delay from due to done. Counts every action due in the
    span but those still planned or cancelled. HTML adds charts per day and per operator."""
    host = plugin_host()
    store = open_store(db_url, host, create=False)
    try:
        zone = ZoneInfo(str(common_zone(store.sop_zones(), tz)))
        since = datetime.combine(first.date(), time(0), tzinfo=zone) if first else None
        until = datetime.combine(last.date(), time(0), tzinfo=zone) + timedelta(days=1) if last else None
        records, operator_of = figures(store, set(host.operator_readers()), since, until)
        told = notice_summary(store.list_notices(since=since, until=until)) if group_id is None else {}
        if group_id is not None:
            records = [r for r in records if r.group_id == group_id]
        days: dict[str, DayStats] = {}
        dues = [r.due.astimezone(zone).date() for r in records]
        if group_id is not None and by == "day" and (dues or (since and until)):
            first_day = since.date() if since else min(dues)
            last_day = (until - timedelta(days=1)).date() if until else max(dues)
            days = {s.day.isoformat(): s for s in store.group_days(group_id, first_day, last_day, zone)}
    finally:
        store.close()
    lines, total = execution_report(records, by, zone, operator_of)
    if days:  # every day of the span has its numbers, whether or not anything was due
        present = {line.label for line in lines}
        lines = sorted([*lines, *(ExecutionLine(d) for d in days if d not in present)], key=lambda x: x.label)
    span = span_label(since, until - timedelta(days=1) if until else None) if since and until else say("report.all")
    if fmt == "json":
        click.echo(json.dumps({"span": {"from": first.date().isoformat() if first else None,
                                        "to": last.date().isoformat() if last else None, "zone": str(zone)},
                               "by": by, "group": group_id,
                               "rows": [{**line.to_json(), **({"stats": days[line.label].to_json()}
                                                              if line.label in days else {})} for line in lines],
                               "total": total.to_json(), "notices": told},
                              ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(_csv(lines, total, by), nl=False)
    elif fmt == "xlsx":
        headers = [by_label(by), *(label(n) for n in COUNTS), label("execution_rate"), label("on_time_rate"),
                   label("median_delay")]
        cells = [[line.label, *(getattr(line, n) for n in COUNTS), round(line.execution_rate, 4),
                  round(line.on_time_rate, 4), line.median_delay_minutes] for line in [*lines, total]]
        echo_sheet("xlsx", say("report.title"), headers, cells)
    elif fmt == "html":
        click.echo(_html(lines, total, by, span, records, zone, operator_of, told), nl=False)
    else:
        _table(lines, total, by, span)
        if told:
            wide_console().print(summary_line(told))


#: The span of "the whole ledger" for a tally (its due times are all between).
_EVER = (datetime(1970, 1, 1, tzinfo=timezone.utc), datetime(9999, 1, 1, tzinfo=timezone.utc))


def print_execution(store: DataStore, manual: set[str]) -> None:
    """The whole ledger's execution per operator, as ``sopengine report`` prints it: counted in
    the database (the table shows no median delay, so no action needs reading on its own)."""
    lines, total = tally_figures(store.execution_tally(*_EVER), manual, store.group_operators_of(live=False),
                                 store.roster())
    if lines:
        _table(lines, total, "operator", say("report.all"))


def _columns() -> list[tuple[str, str]]:
    return [(name, label(name)) for name in COUNTS]


def _csv(lines: list[ExecutionLine], total: ExecutionLine, by: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([by, *COUNTS, "execution_rate", "on_time_rate", "median_delay_minutes"])
    for line in [*lines, total]:
        row = line.to_json()
        writer.writerow([safe_cell(row["label"]), *(row[name] for name in COUNTS), row["execution_rate"],
                         row["on_time_rate"], row["median_delay_minutes"] if row["median_delay_minutes"] is not None
                         else ""])
    return UTF8_BOM + out.getvalue()  # Excel reads Chinese labels right


def _table(lines: list[ExecutionLine], total: ExecutionLine, by: str, span: str) -> None:
    """The report for people: a column that is zero on every line is left out (named below the
    table), so the table fits 80 columns; JSON, CSV and XLSX always carry every field."""
    always = ("assigned", "done", "on_time")
    counts = [n for n in ("assigned", "done", "on_time", "late", "overdue", "missed", "failed", "skipped", "open")
              if n in always or getattr(total, n)]
    table = Table(title=f"{say('report.title')} · {span}", show_edge=False)
    table.add_column(by_label(by), overflow="fold")
    for name in counts:
        table.add_column(label(name), justify="right")
    table.add_column(label("execution_rate"), justify="right")
    table.add_column(label("on_time_rate"), justify="right")
    for line in [*lines, total]:
        table.add_row(line.label, *(str(getattr(line, n)) for n in counts),
                      f"{line.execution_rate:.0%}", f"{line.on_time_rate:.0%}", end_section=line is lines[-1])
    console = wide_console()
    console.print(table)
    zero = [label(n) for n in ("late", "overdue", "missed", "failed", "skipped", "open") if n not in counts]
    if zero:
        console.print(say("report.zero", names=say("sep.items").join(zero)))


def _html(lines: list[ExecutionLine], total: ExecutionLine, by: str, span: str, records: Any, zone: ZoneInfo,
          operator_of: Any, told: dict[str, dict[str, int]]) -> str:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from sopengine.reports.charts import stacked_bars

    days = lines if by == "day" else execution_report(records, "day", zone, operator_of)[0]
    per_operator = lines if by == "operator" else execution_report(records, "operator", zone, operator_of)[0]
    charts = [stacked_bars(days, say("report.chart.days")),
              stacked_bars(per_operator, say("report.chart.operators"), horizontal=True)]
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
    return env.get_template("report.html").render(lines=lines, total=total, by_label=by_label(by), span=span,
                                                  columns=_columns(), charts=charts, notices=told, say=say,
                                                  lang=language(), notice_kind=notice_kind_label,
                                                  notice_state=notice_state_label)
