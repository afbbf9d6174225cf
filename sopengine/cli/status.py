"""``sopengine status`` and ``sopengine actions``: what the ledger holds."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Mapping, Sequence

import click

from sopengine.store import DataStore, PairStatus, StoredNotice, states
from sopengine.cli.local_time import TZ_OPTION, common_zone, local, zone_name, zone_of
from sopengine.cli.common import echo_json, echo_json_lines, echo_sheet
from sopengine.cli.runtime import DB_OPTION, current_time, now_option, open_ledger

if TYPE_CHECKING:  # rich is imported where a table is drawn: JSON, CSV and health do without it
    from rich.console import Console
    from rich.table import Table

SHOWN_STATES = (states.PLANNED, states.DUE, states.RETRYING, states.SENT, states.DONE, states.SKIPPED,
                states.OVERDUE, states.MISSED, states.FAILED, states.CANCELLED)


def status_table(rows: Sequence[PairStatus], title: str = "status", zones: Mapping[str, tzinfo] | None = None,
                 tz: tzinfo | None = None) -> Table:
    """One row per (SOP, group); only the states that occur get a column; times in each SOP's
    zone (``zones``) or ``tz``."""
    from rich.table import Table

    present = [s for s in SHOWN_STATES if any(r.counts.get(s) for r in rows)]
    table = Table(title=title, show_edge=False)
    table.add_column("SOP", no_wrap=True)
    table.add_column("group", no_wrap=True)
    for state in present:
        table.add_column(state, justify="right")
    table.add_column("late", justify="right")
    table.add_column("next due" if tz is None else f"next due ({zone_name(tz)})", no_wrap=True)
    for r in rows:
        note = " (paused)" if r.paused else " (dissolved)" if r.dissolved else ""
        table.add_row(r.sop, r.group + note, *(str(r.counts.get(s, 0) or "") for s in present),
                      str(r.late or ""), local(r.next_due, zone_of(r.sop, zones or {}, tz)))
    return table


#: Most (SOP, group) rows the status table shows; beyond, one row per SOP, then the pairs that
#: need someone (late, failed, missed), up to this many again.
PAIRS_SHOWN = 50


def wide_console() -> Console:
    """A console that keeps tables readable when output is piped (not 80 columns)."""
    from rich.console import Console

    console = Console()
    return console if console.is_terminal else Console(width=160)


@click.command("status")
@DB_OPTION
@now_option()
@TZ_OPTION
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "xlsx"]), default="table",
              show_default=True)
def status_command(db_url: str | None, now: datetime | None, tz: tzinfo | None, fmt: str) -> None:
    """Counts by state per SOP and group, next due (in each SOP's zone), late, failed and missed."""
    store = open_ledger(db_url)
    at = current_time(now)
    zones = store.sop_zones()
    if fmt == "table":
        print_status(store, at, zones, tz, every="--format json, csv or xlsx")
        return
    if fmt == "json":
        echo_json_lines(store.status_lines(at, lambda sop: zone_of(sop, zones, tz)))
        return
    rows = store.status(at)
    if fmt in ("csv", "xlsx"):
        headers = ["sop", "group", *SHOWN_STATES, "late", "next_due", "paused", "dissolved"]
        cells = [[r.sop, r.group, *(r.counts.get(s, 0) for s in SHOWN_STATES), r.late,
                  r.next_due_in(zone_of(r.sop, zones, tz)) or "", r.paused, r.dissolved]
                 for r in rows]
        echo_sheet(fmt, "status", headers, cells)


def print_status(store: DataStore, at: datetime, zones: Mapping[str, tzinfo], tz: tzinfo | None, *,
                 every: str, title: str | None = None) -> None:
    """The status table for people: a row per (SOP, group), or for a fleet (more than
    :data:`PAIRS_SHOWN` pairs) a row per SOP and the pairs needing someone most, followed by
    where ``every`` pair's counts are."""
    # a fleet's table is summed in the database: no row per pair is read, let alone drawn
    summary = store.status_summary(at, PAIRS_SHOWN)
    console = wide_console()
    if summary.pairs <= PAIRS_SHOWN:
        console.print(status_table(store.status(at), zones=zones, tz=tz, title=title or "status"))
        return
    if title:  # on a line of its own: beside the counts it would wrap within the table's width
        console.print(title)
    console.print(status_table(summary.by_sop, zones=zones, tz=tz, title=(
        "" if title else "status ") + f"by SOP: {summary.pairs} groups × SOPs"))
    if summary.needing:
        console.print(status_table(summary.needing, zones=zones, tz=tz, title=(
            f"needing someone: {summary.needing_total} groups × SOPs" + (
                f" (the {PAIRS_SHOWN} with the most)" if summary.needing_total > PAIRS_SHOWN else ""))))
    click.echo(f"every group's counts: {every}")


@click.command("actions")
@DB_OPTION
@click.option("--group", help="Only this group.")
@click.option("--sop", help="Only this SOP.")
@click.option("--state", type=click.Choice(states.ALL_STATES), help="Only this state.")
@click.option("--limit", type=int, help="At most this many.")
@click.option("--notices", "show_notices", is_flag=True,
              help="The notices to operators instead (digests, reminders, escalations).")
@click.option("--operator", help="With --notices: only this operator's (id).")
@TZ_OPTION
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "xlsx"]), default="table",
              show_default=True, help="csv: UTF-8 with a BOM (Excel reads Chinese right); xlsx: a workbook.")
def actions_command(db_url: str | None, group: str | None, sop: str | None, state: str | None,
                    limit: int | None, show_notices: bool, operator: str | None, tz: tzinfo | None,
                    fmt: str) -> None:
    """List actions (key, group, step, part, kind, due in its SOP's zone, state, attempts, last result).

    With --notices: what operators were and will be told (key, kind, operator, channel, due,
    state, attempts, reason, the tasks each is about)."""
    if show_notices and (group or sop):
        raise click.UsageError("--group and --sop select actions; notices belong to operators (--operator)")
    if operator and not show_notices:
        raise click.UsageError("--operator selects notices: add --notices")
    store = open_ledger(db_url)
    if show_notices:
        print_notices(store.list_notices(operator=operator, state=state, limit=limit),
                      common_zone(store.sop_zones(), tz), fmt)
        return
    rows = store.list_actions(group=group, sop=sop, state=state, limit=limit)
    zones = store.sop_zones()
    if fmt == "json":
        echo_json([{**r.to_json(), "due": r.due.astimezone(zone_of(r.sop, zones, tz)).isoformat()}
                   for r in rows])
        return
    if fmt in ("csv", "xlsx"):
        headers = ["due", "state", "sop", "group", "step", "part", "kind", "channel", "attempts", "reason", "key"]
        cells = [[r.due.astimezone(zone_of(r.sop, zones, tz)), r.state, r.sop, r.group, r.step, r.part or "", r.kind,
                  r.channel, r.attempts, r.reason or r.last_result or "", r.key] for r in rows]
        echo_sheet(fmt, "actions", headers, cells)
        return
    from rich.table import Table

    table = Table(show_edge=False)
    for column in ("due", "state", "kind", "attempts", "key", "last result / reason"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(local(r.due, zone_of(r.sop, zones, tz), "%Y-%m-%d %H:%M"), r.state,
                      r.kind + (f"·{r.part}" if r.part else ""),
                      str(r.attempts), r.key, r.reason or r.last_result or "")
    wide_console().print(table)


def print_notices(rows: Sequence[StoredNotice], zone: tzinfo, fmt: str) -> None:
    """``actions --notices`` in ``fmt``, times in ``zone``."""
    if fmt == "json":
        echo_json([n.to_json(zone) for n in rows])
        return
    if fmt in ("csv", "xlsx"):
        headers = ["due", "state", "kind", "operator", "channel", "attempts", "tasks", "reason", "key"]
        cells = [[n.due.astimezone(zone), n.state, n.kind, n.operator, n.channel, n.attempts, len(n.tasks),
                  n.reason or n.last_result or "", n.key] for n in rows]
        echo_sheet(fmt, "notices", headers, cells)
        return
    from rich.table import Table

    table = Table(show_edge=False)
    for column in ("due", "state", "kind", "tasks", "key", "last result / reason"):
        table.add_column(column, overflow="fold")
    for n in rows:
        table.add_row(local(n.due, zone, "%Y-%m-%d %H:%M"), n.state, n.kind, str(len(n.tasks)), n.key,
                      n.reason or n.last_result or "")
    wide_console().print(table)


@click.command("health")
@DB_OPTION
@now_option()
@TZ_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def health_command(db_url: str | None, now: datetime | None, tz: tzinfo | None, fmt: str) -> None:
    """Is a daemon alive, and is anything late? Exit 1 when no daemon is alive or work is late.

    For monitoring: `sopengine health --format json` gives workers (with
    heartbeats and counts), late, failed, missed and overdue actions.
    """
    store = open_ledger(db_url)
    report = store.health(current_time(now))
    zone = common_zone(store.sop_zones(), tz)
    if fmt == "json":
        echo_json(report.to_json())
    else:
        when = f"%Y-%m-%d %H:%M ({zone_name(zone)})"
        click.echo(f"daemons alive: {report.live_workers} of {len(report.workers)} registered")
        for w in report.workers:
            beat = local(datetime.fromisoformat(w["heartbeat_at"]), zone, when)
            click.echo(f"  {w['id']}  heartbeat {beat}  {'alive' if w['alive'] else 'silent'}")
        click.echo(f"late: {report.late}" + (f" (oldest due {local(report.oldest_late, zone, when)})"
                                              if report.oldest_late else ""))
        click.echo(f"failed: {report.failed}  missed: {report.missed}  overdue operator tasks: {report.overdue}")
        click.echo(f"next due: {local(report.next_due, zone, when)}" if report.next_due else "next due: none")
    raise SystemExit(0 if report.live_workers and not report.late else 1)
