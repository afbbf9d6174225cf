"""``sopengine status`` and ``sopengine actions``: what the ledger holds."""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

import click
from rich.console import Console
from rich.table import Table

from sopengine.store import states
from sopengine.store import PairStatus, list_actions, status
from sopengine.cli.common import echo_json
from sopengine.cli.runtime import DB_OPTION, current_time, now_option, open_store, plugin_host

SHOWN_STATES = (states.PLANNED, states.DUE, states.RETRYING, states.SENT, states.DONE, states.SKIPPED,
                states.OVERDUE, states.MISSED, states.FAILED, states.CANCELLED)


def status_table(rows: Sequence[PairStatus], title: str = "status") -> Table:
    """One row per (SOP, group); only the states that occur get a column."""
    present = [s for s in SHOWN_STATES if any(r.counts.get(s) for r in rows)]
    table = Table(title=title, show_edge=False)
    table.add_column("SOP", no_wrap=True)
    table.add_column("group", no_wrap=True)
    for state in present:
        table.add_column(state, justify="right")
    table.add_column("late", justify="right")
    table.add_column("next due (UTC)", no_wrap=True)
    for r in rows:
        note = " (paused)" if r.paused else " (dissolved)" if r.dissolved else ""
        table.add_row(r.sop, r.group + note, *(str(r.counts.get(s, 0) or "") for s in present),
                      str(r.late or ""), r.next_due.strftime("%m-%d %H:%M") if r.next_due else "")
    return table


def wide_console() -> Console:
    """A console that keeps tables readable when output is piped (not 80 columns)."""
    console = Console()
    return console if console.is_terminal else Console(width=160)


@click.command("status")
@DB_OPTION
@now_option()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def status_command(db_url: str | None, now: datetime | None, fmt: str) -> None:
    """Counts by state per SOP and group, next due, late, failed and missed."""
    store = open_store(db_url, plugin_host(), create=False)
    rows = status(store, current_time(now))
    if fmt == "json":
        echo_json([r.to_json() for r in rows])
    else:
        wide_console().print(status_table(rows))


@click.command("actions")
@DB_OPTION
@click.option("--group", help="Only this group.")
@click.option("--sop", help="Only this SOP.")
@click.option("--state", type=click.Choice(states.ALL_STATES), help="Only this state.")
@click.option("--limit", type=int, help="At most this many.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def actions_command(db_url: str | None, group: str | None, sop: str | None, state: str | None,
                    limit: int | None, fmt: str) -> None:
    """List actions (key, group, step, part, kind, due, state, attempts, last result)."""
    store = open_store(db_url, plugin_host(), create=False)
    rows = list_actions(store, group=group, sop=sop, state=state, limit=limit)
    if fmt == "json":
        echo_json([r.to_json() for r in rows])
        return
    table = Table(show_edge=False)
    for column in ("due", "state", "kind", "attempts", "key", "last result / reason"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(r.due.strftime("%Y-%m-%d %H:%M UTC"), r.state, r.kind + (f"·{r.part}" if r.part else ""),
                      str(r.attempts), r.key, r.reason or r.last_result or "")
    wide_console().print(table)


@click.command("health")
@DB_OPTION
@now_option()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def health_command(db_url: str | None, now: datetime | None, fmt: str) -> None:
    """Is a daemon alive, and is anything late? Exit 1 when no daemon is alive or work is late.

    For monitoring: `sopengine health --format json` gives workers (with
    heartbeats and counts), late, failed, missed and overdue actions.
    """
    from sopengine.store import health

    report = health(open_store(db_url, plugin_host(), create=False), current_time(now))
    if fmt == "json":
        echo_json(report.to_json())
    else:
        click.echo(f"daemons alive: {report.live_workers} of {len(report.workers)} registered")
        for w in report.workers:
            click.echo(f"  {w['id']}  heartbeat {w['heartbeat_at']}  {'alive' if w['alive'] else 'silent'}")
        click.echo(f"late: {report.late}" + (f" (oldest due {report.oldest_late:%Y-%m-%d %H:%M} UTC)"
                                              if report.oldest_late else ""))
        click.echo(f"failed: {report.failed}  missed: {report.missed}  overdue operator tasks: {report.overdue}")
        click.echo(f"next due: {report.next_due:%Y-%m-%d %H:%M} UTC" if report.next_due else "next due: none")
    raise SystemExit(0 if report.live_workers and not report.late else 1)
