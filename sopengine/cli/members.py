"""``sopengine members``: each group's members with their stage (新人, 活跃, 沉默, 核心); ``members
import FILE`` loads a group tool's export; ``members events FILE`` records a day's joins and
leaves in one go."""

from __future__ import annotations

import csv
import io
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from rich.table import Table

from sopengine.cli.common import echo_json, echo_sheet
from sopengine.cli.local_time import TZ_OPTION, common_zone, local
from sopengine.cli.runtime import DB_OPTION, current_time, now_option, open_ledger, open_store, plugin_host
from sopengine.cli.status import wide_console
from sopengine.model.problems import SopFileError
from sopengine.words import say

ZONE_OPTION = click.option("--tz", "tz", default="Asia/Shanghai", show_default=True,
                           help="The zone of times written without an offset.")


@click.group("members", invoke_without_command=True)
@click.option("--group", "group_id", help="Only this group's members.")
@click.option("--all", "show_all", is_flag=True, help="Those who left too.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "xlsx"]), default="table",
              show_default=True)
@TZ_OPTION
@DB_OPTION
@now_option()
@click.pass_context
def members_command(ctx: click.Context, group_id: str | None, show_all: bool, fmt: str, tz: tzinfo | None,
                    db_url: str | None, now: datetime | None) -> None:
    """The members the store knows (imported, or from member events), with their stage:
    core (tagged 核心), new (joined < 7 days), silent (no message for 14 days), active.
    Subcommands: import FILE, events FILE."""
    if ctx.invoked_subcommand is not None:
        return
    store = open_ledger(db_url)
    try:
        at = current_time(now)
        found = store.list_members([group_id] if group_id else None, present=not show_all)
        zone = common_zone(store.sop_zones(), tz)
    finally:
        store.close()
    if fmt == "json":
        echo_json([m.to_json(at, zone) for m in found])
        return
    if fmt in ("csv", "xlsx"):
        headers = ["group", "id", "name", "stage", "joined_at", "left_at", "days_silent", "tags"]
        echo_sheet(fmt, "members", headers, [[m.group_id, m.id, m.name, say(f"stage.{m.stage(at)}"),
                                              local_or_blank(m.joined_at, zone), local_or_blank(m.left_at, zone),
                                              m.days_silent(at),
                                              say("sep.items").join(m.tags)] for m in found])
        return
    table = Table(show_edge=False)
    for column in ("group", "name", "stage", "joined", "silent (days)"):
        table.add_column(column, overflow="fold")
    for m in found:
        silent = m.days_silent(at)
        table.add_row(m.group_id, m.name, say(f"stage.{m.stage(at)}"),
                      local(m.joined_at, zone, "%Y-%m-%d") if m.joined_at else "",
                      "" if silent is None else str(silent))
    wide_console().print(table)
    click.echo(f"{len(found)} members")


def local_or_blank(moment: datetime | None, zone: tzinfo) -> datetime | str:
    """A spreadsheet cell: the local date-time, or blank."""
    return moment.astimezone(zone) if moment is not None else ""


@members_command.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--group", "group_id", help="The group of every row (for a file of one group).")
@ZONE_OPTION
@DB_OPTION
@now_option()
def import_command(file: Path, group_id: str | None, tz: str, db_url: str | None, now: datetime | None) -> None:
    """Import members from a CSV (UTF-8, UTF-8 with BOM, GBK, GB18030) or XLSX export:
    member id, name, joined and left times, tags, last active, messages, any other column as
    a fact. A bad cell refuses the whole file, at its row and column."""
    from sopengine.loading.members_file import load_members

    try:
        rows = load_members(file, ZoneInfo(tz), group_id)
    except SopFileError as exc:
        for p in exc.problems:
            click.echo(str(p), err=True)
        raise SystemExit(1) from None
    store = open_store(db_url, plugin_host())
    try:
        written, unknown = store.import_members(rows, current_time(now))
    finally:
        store.close()
    click.echo(f"imported {written} members" + (f"; unknown groups left out: {', '.join(unknown)}" if unknown else ""))
    if unknown:
        raise SystemExit(1)


@members_command.command("events")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@ZONE_OPTION
@DB_OPTION
def events_command(file: Path, tz: str, db_url: str | None) -> None:
    """Record member events in bulk from a CSV: columns group, event (member_joined or
    member_left), at, member_id, member_name. Each plans its steps, as `sopengine event` does."""
    from sopengine.loading.facts_file import read_spreadsheet_text
    from sopengine.loading.members_file import instant

    host = plugin_host()
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    for line, row in enumerate(csv.DictReader(io.StringIO(read_spreadsheet_text(file))), start=2):
        name = (row.get("event") or "").strip()
        try:
            at = instant(row.get("at") or "", ZoneInfo(tz))
        except ValueError as exc:
            problems.append(f"{file}:{line}: {exc}")
            continue
        if name not in host.events:
            problems.append(f"{file}:{line}: unknown event {name!r}")
            continue
        member = {"id": (row.get("member_id") or "").strip(), "name": (row.get("member_name") or "").strip()}
        if not member["name"]:
            problems.append(f"{file}:{line}: member_name is empty")
            continue
        rows.append({"group": (row.get("group") or "").strip(), "event": name, "at": at, "member": member})
    if problems:
        for p in problems:
            click.echo(p, err=True)
        raise SystemExit(1)
    store = open_store(db_url, host, create=False)
    planned = 0
    try:
        for r in sorted(rows, key=lambda r: r["at"]):
            planned += len(store.record_event(r["group"], r["event"], r["at"], {"member": r["member"]}))
    finally:
        store.close()
    click.echo(f"recorded {len(rows)} events; planned {planned} actions")
