"""``sopengine run``: the daemon (or one pass, or a virtual-clock run)."""

from __future__ import annotations

import logging
import os
import signal
from datetime import datetime
from pathlib import Path

import click
from rich.progress import BarColumn, Progress, TextColumn

from sopengine.daemon.clock import Clock, SystemClock, VirtualClock
from sopengine.daemon.logs import configure
from sopengine.daemon.runner import Daemon, RunStats
from sopengine.plugins import PluginHost
from sopengine.model.problems import Problem
from sopengine.store import DataStore
from sopengine.operators.simulation import DEFAULT_SPEC, SimulatedOperators, SimulationSpec
from sopengine.cli.local_time import common_zone, local, zone_name
from sopengine.cli.apply import print_report, run_apply
from sopengine.cli.report import print_execution
from sopengine.cli.runtime import (
    DB_OPTION, INSTANT, build_channels, load_config, open_store, parse_channel_options, plugin_host,
)
from sopengine.cli.status import print_status, wide_console


@click.command("run")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--groups", "groups_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="With PATHS: the groups file to apply first.")
@DB_OPTION
@click.option("--once", is_flag=True, help="Dispatch what is due now, then exit (for cron / systemd timers).")
@click.option("--now", "start", type=INSTANT, help="Run a virtual clock from this time (as fast as it can).")
@click.option("--until", type=INSTANT, help="Stop when the clock reaches this time.")
@click.option("--config", "config_file", envvar="SOPENGINE_CONFIG", type=click.Path(exists=True, dir_okay=False),
              help="YAML with `channels: {email: {host: ..., username_env: SMTP_USER}}` (env SOPENGINE_CONFIG).")
@click.option("--channel-option", "channel_options", multiple=True, metavar="CHANNEL.KEY=VALUE",
              help="Channel setting, e.g. email.host=smtp.example.com (secrets: name env vars instead).")
@click.option("--batch-size", default=2000, show_default=True, help="Actions claimed per transaction.")
@click.option("--simulate-operators", "simulate", is_flag=False, flag_value="default", default=None,
              metavar="[on_time=S,late=S,never=S]",
              help="With --now: simulated operators confirm tasks as a person's ✓ does; alone: "
                   "on_time=0.85,late=0.1,never=0.05.")
@click.option("--seed", type=int, default=0, show_default=True, help="The simulation's seed (one seed, one run).")
@click.option("-v", "--verbose", is_flag=True, help="Log every state change (JSON lines on stderr).")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors.")
def run_command(paths: tuple[Path, ...], groups_file: Path | None, db_url: str | None, once: bool,
                start: datetime | None, until: datetime | None, config_file: str | None,
                channel_options: tuple[str, ...],
                batch_size: int, simulate: str | None, seed: int, verbose: bool, quiet: bool) -> None:
    """Dispatch due actions through their channels, on time, exactly once.

    \b
    sopengine run                       the daemon: sleeps until the next due action
    sopengine run --once                dispatch what is due now and exit
    sopengine run sops/ --groups sops/groups.yaml \\
        --now 2026-09-19T00:00+08:00 --until 2026-10-12T00:00+08:00
                                        apply, then run a virtual clock through that span

    Logs are JSON lines on stderr, one per state change, with the action key.
    SIGTERM / SIGINT finish the batch in flight, release leases and exit 0.
    """
    virtual = start is not None
    configure(logging.WARNING if quiet else logging.INFO if (verbose or not virtual) else logging.WARNING)
    clock: Clock = VirtualClock(start) if start is not None else SystemClock()
    if until is not None and until <= clock.now():
        raise click.BadParameter("--until must be after the start", param_hint="--until")
    spec = None
    if simulate is not None:
        if not virtual:
            raise click.BadParameter("simulated operators need a virtual clock (--now)",
                                     param_hint="--simulate-operators")
        try:
            spec = SimulationSpec.parse(DEFAULT_SPEC if simulate == "default" else simulate)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--simulate-operators") from None
    problems: list[Problem] = []
    if paths:
        report, problems = run_apply(paths, groups_file, db_url, clock.now())
        if not virtual or not quiet:
            print_report(report)
    host = plugin_host()
    store = open_store(db_url, host)
    problems += _settings_at_startup(store, host)
    channels = build_channels(host, parse_channel_options(channel_options, load_config(config_file)))
    daemon = Daemon(store, channels, clock, batch_size=batch_size, env=dict(os.environ))
    simulated = None
    if spec is not None:
        simulated = SimulatedOperators(store, sorted(daemon.manual_channels), spec, seed)
        daemon.before_step = simulated
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: daemon.stop())
    try:
        if virtual and until is not None and not quiet:
            stats = _run_with_progress(daemon, clock.now(), until)
        else:
            stats = daemon.run(once=once, until=until)
        if virtual or once:
            _summary(store, clock.now(), stats)
        if simulated is not None:
            click.echo(f"simulated operators confirmed {simulated.confirmed} tasks (seed {seed}); "
                       "sopengine report shows it by operator, SOP, group or day")
            print_execution(store, set(daemon.manual_channels))
    finally:
        store.close()
    raise SystemExit(1 if any(p.severity == "error" for p in problems) else 0)


def _settings_at_startup(store: DataStore, host: PluginHost) -> list[Problem]:
    """Every running group's settings for the channels its SOPs use, with this process's
    environment: a variable that is not set is an error here (validate only warns), printed
    before anything is dispatched. The other groups still run."""
    from sopengine.checking.groups import settings_problems

    from sopengine.loading.loader import notify_problems

    options = host.load_options(os.environ)
    found = [p for group, sops in store.running_groups() for p in
             settings_problems(group, sops, options.channel_checks, unset_env_is_error=True)]
    for op in store.roster().operators:  # where notices go: the checks validate makes, for the person
        found += [Problem(f"operator {op.id}", 1, 1, f"operator {op.id!r}: {message}")
                  for _, message in notify_problems(op, options, unset_env_is_error=True)]
    for problem in found:
        click.echo(f"error: {problem.message}", err=True)
    return found


def _run_with_progress(daemon: Daemon, start: datetime, until: datetime) -> RunStats:
    total = (until - start).total_seconds()
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.fields[now]}"),
                  TextColumn("{task.fields[done]} dispatched"), transient=False) as progress:
        task = progress.add_task("virtual clock", total=total, now="", done=0)

        def report(now: datetime, stats: RunStats) -> None:
            progress.update(task, completed=(now - start).total_seconds(),
                            now=now.astimezone(start.tzinfo).strftime("%Y-%m-%d %H:%M"),
                            done=stats.dispatched)

        daemon.on_progress = report
        stats = daemon.run(until=until)
        report(until, stats)
    return stats


def _summary(store: DataStore, now: datetime, stats: RunStats) -> None:
    console = wide_console()
    zones = store.sop_zones()
    zone = common_zone(zones, None)
    title = f"ledger at {local(now, zone, '%Y-%m-%d %H:%M')} ({zone_name(zone)})"
    print_status(store, now, zones, None, title=title, every="sopengine status --format json, csv or xlsx")
    labels = {"due": "handed to operators", "overdue": "operator tasks not confirmed by due + grace (overdue)",
              "sent": "sent", "skipped": "skipped (rule false)", "missed": "missed", "failed": "failed",
              "cancelled": "cancelled", "planned": "deferred (rate limit / quiet hours)"}
    came_to = ", ".join(f"{labels.get(state, state)} {n}" for state, n in sorted(stats.by_state.items()))
    later = ", ".join(f"{labels.get(state, state)} {n}" for state, n in sorted(stats.swept_by_state.items()))
    told = ", ".join(f"{state} {n}" for state, n in sorted(stats.notices_by_state.items()))
    console.print(f"this run: {stats.dispatched} actions dispatched" + (f" ({came_to})" if came_to else "")
                  + (f"; later, {later}" if later else "")
                  + (f"; notices to operators: {told} (sopengine actions --notices)" if told else ""))
    if stats.by_state.get("due") or stats.swept_by_state.get("overdue"):
        console.print("operator tasks: [bold]sopengine tasks --date YYYY-MM-DD[/] shows a day's sheet; "
                      "[bold]sopengine done KEY[/] confirms one")
