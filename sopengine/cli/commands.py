"""Operator and admin commands: done, retry, skip, pause, resume, event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from sopengine.store import NotFound, states
from sopengine.cli.runtime import DB_OPTION, current_time, now_option, open_store, plugin_host


def _run(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except NotFound as exc:
        raise click.ClickException(str(exc.args[0])) from None
    except states.TransitionError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("done")
@click.argument("keys", nargs=-1, required=True)
@DB_OPTION
@now_option()
@click.option("--by", "actor", default="operator", show_default=True, help="Who did it (recorded in the audit log).")
def done_command(keys: tuple[str, ...], db_url: str | None, now: datetime | None, actor: str) -> None:
    """Confirm that operator tasks were done."""
    store = open_store(db_url, plugin_host(), create=False)
    for key in keys:
        before = _run(store.mark_done, key, current_time(now), actor)
        click.echo(f"{key}: {before} → done")


@click.command("retry")
@click.argument("key")
@DB_OPTION
@now_option()
def retry_command(key: str, db_url: str | None, now: datetime | None) -> None:
    """Try a failed, missed or overdue action again now."""
    store = open_store(db_url, plugin_host(), create=False)
    before = _run(store.retry, key, current_time(now))
    click.echo(f"{key}: {before} → retrying")


@click.command("skip")
@click.argument("key")
@click.option("--reason", required=True, help="Why (recorded with the action).")
@DB_OPTION
@now_option()
def skip_command(key: str, reason: str, db_url: str | None, now: datetime | None) -> None:
    """Skip an action that has not happened yet."""
    store = open_store(db_url, plugin_host(), create=False)
    before = _run(store.skip, key, reason, current_time(now))
    click.echo(f"{key}: {before} → skipped")


def _pause_command(paused: bool) -> click.Command:
    verb = "pause" if paused else "resume"

    @click.command(verb)
    @click.option("--group", help="The group.")
    @click.option("--sop", help="The SOP (all its groups).")
    @DB_OPTION
    @now_option()
    def command(group: str | None, sop: str | None, db_url: str | None, now: datetime | None) -> None:
        if (group is None) == (sop is None):
            raise click.UsageError("give exactly one of --group or --sop")
        store = open_store(db_url, plugin_host(), create=False)
        _run(store.set_paused, group=group, sop=sop, paused=paused, now=current_time(now))
        click.echo(f"{verb}d {'group ' + group if group else 'SOP ' + str(sop)}")

    command.help = ("Pause a group or an SOP: nothing of it is dispatched until resumed; due actions "
                    "wait, or miss by their grace." if paused else "Resume a paused group or SOP.")
    return command


pause_command = _pause_command(True)
resume_command = _pause_command(False)


@click.command("event")
@click.argument("group")
@click.argument("event")
@click.option("--data", "pairs", multiple=True, metavar="KEY=VALUE",
              help="Event data; dotted keys nest: --data member.name=小明")
@DB_OPTION
@now_option("When the event happened (default: now).")
def event_command(group: str, event: str, pairs: tuple[str, ...], db_url: str | None, now: datetime | None) -> None:
    """Record an event (e.g. member_joined) and plan the steps it triggers."""
    host = plugin_host()
    if event not in host.events:
        raise click.BadParameter(f"unknown event {event!r}; known: {', '.join(sorted(host.events))}",
                                 param_hint="EVENT")
    data: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"{pair!r}: use KEY=VALUE", param_hint="--data")
        node = data
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    missing = host.missing_event_data(event, data)
    if missing:
        example = " ".join(f"--data {m}=…" for m in missing)
        raise click.BadParameter(f"a {event} event must carry {', '.join(missing)} (e.g. {example})",
                                 param_hint="--data")
    store = open_store(db_url, host, create=False)
    keys = _run(store.record_event, group, event, current_time(now), data)
    for key in keys:
        click.echo(f"planned {key}")
    if not keys:
        click.echo("recorded; no step of this group's SOPs reacts to it")
