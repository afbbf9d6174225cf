"""What commands that touch the store share: --db, plugins, the clock, channels."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Mapping

import click

if TYPE_CHECKING:
    from sopengine.channels import Channel
    from sopengine.kinds import StepBase
    from sopengine.plugins import PluginHost
    from sopengine.store import DataStore, Planner

DB_OPTION = click.option(
    "--db", "db_url", envvar="SOPENGINE_DB", metavar="URL",
    help="SQLAlchemy URL of the store (env SOPENGINE_DB; default sqlite:///$XDG_DATA_HOME/sopengine/sopengine.db, "
         "i.e. ~/.local/share/sopengine/sopengine.db).")


class Instant(click.ParamType):
    """An ISO 8601 time with its UTC offset, e.g. 2026-09-19T00:00+08:00."""

    name = "time"

    def convert(self, value: Any, param: Any, ctx: Any) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 time like 2026-09-19T08:00+08:00", param, ctx)
        if parsed.tzinfo is None:
            self.fail(f"{value!r} has no UTC offset: write it like 2026-09-19T08:00+08:00", param, ctx)
        return parsed


INSTANT = Instant()


def now_option(help_text: str = "Act as if it were this time (ISO 8601 with offset).") -> Any:
    return click.option("--now", "now", type=INSTANT, default=None, help=help_text)


def current_time(now: datetime | None) -> datetime:
    return now.astimezone(timezone.utc) if now else datetime.now(timezone.utc)


def plugin_host(strict: bool = False) -> PluginHost:
    """Every plugin, loaded (built-in kinds and channels included)."""
    from sopengine.plugins import load_plugins  # what a command that only reads the store never needs

    return load_plugins(strict=strict or os.environ.get("SOPENGINE_STRICT_PLUGINS") == "1")


def open_store(db_url: str | None, host: PluginHost, *, create: bool = True) -> "DataStore":
    """The store at ``db_url``; ``create`` false for commands that only read (they never make a
    store). One line and exit 1 when it cannot be opened."""
    from sopengine.planning.ledger_planner import LedgerPlanner

    return _opened(db_url, host.kinds, LedgerPlanner(), create)


def open_ledger(db_url: str | None) -> "DataStore":
    """The store at ``db_url``, for a command that only reads it (``status``, ``health``): never
    made, no planner, and the plugins loaded for their step kinds only if a stored SOP is built.
    One line and exit 1 when it cannot be opened."""
    from sopengine.store import DeferredKinds

    return _opened(db_url, DeferredKinds(lambda: plugin_host().kinds), None, False)


def _opened(db_url: str | None, kinds: Mapping[str, type[StepBase]], planner: Planner | None,
            create: bool) -> "DataStore":
    from sopengine.store import Store, StoreUnavailable  # SQLAlchemy and alembic load only for commands that use them

    try:
        store = Store.open(db_url, kinds, planner=planner, create=create)
    except StoreUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    # Closed when the command ends, whatever it did: the program then leaves without tearing
    # the interpreter down (sopengine.cli.console), so nothing else would close the
    # connections, and SQLite checkpoints its write-ahead log into the file only on the last
    # close (a copy of the file alone would lack the command's writes).
    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(store.close)
    return store


def build_channels(host: PluginHost, options: dict[str, dict[str, Any]] | None = None) -> dict[str, Channel]:
    """One instance of every registered channel; secrets come from the process environment."""
    from sopengine.channels import ChannelContext

    channels: dict[str, Channel] = {}
    for name in host.channel_factories:
        context = ChannelContext(env=dict(os.environ), options=(options or {}).get(name, {}))
        try:
            channels[name] = host.channel(name, context)
        except Exception as exc:  # a channel that cannot start is reported; the others still work
            click.echo(f"warning: channel {name} could not start: {exc}", err=True)
    return channels


def load_config(path: str | None) -> dict[str, dict[str, Any]]:
    """Channel settings from a YAML config file (``channels: {email: {host: ...}}``); secrets stay env var names."""
    if not path:
        return {}
    from pathlib import Path

    from sopengine.model.problems import SopFileError
    from sopengine.loading.source import load_yaml

    try:
        data = load_yaml(Path(path)).plain()
    except SopFileError as exc:
        raise click.BadParameter("\n".join(map(str, exc.problems)), param_hint="--config") from None
    channels = (data or {}).get("channels", {}) if isinstance(data, dict) else None
    if not isinstance(channels, dict) or not all(isinstance(v, dict) for v in channels.values()):
        raise click.BadParameter(f"{path}: expected `channels:` mapping channel names to settings",
                                 param_hint="--config")
    return {str(k): dict(v) for k, v in channels.items()}


def parse_channel_options(pairs: tuple[str, ...], base: dict[str, dict[str, Any]] | None = None
                          ) -> dict[str, dict[str, Any]]:
    """``email.host=smtp.example.com`` → {"email": {"host": "smtp.example.com"}} (over ``base``)."""
    out: dict[str, dict[str, Any]] = {k: dict(v) for k, v in (base or {}).items()}
    for pair in pairs:
        name_key, sep, value = pair.partition("=")
        name, dot, key = name_key.partition(".")
        if not (sep and dot and name and key):
            raise click.BadParameter(f"{pair!r}: use CHANNEL.KEY=VALUE", param_hint="--channel-option")
        out.setdefault(name, {})[key] = value
    return out
