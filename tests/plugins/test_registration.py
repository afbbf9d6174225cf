"""The three channel plugins register through the same hook as any plugin."""

from __future__ import annotations

import pytest

import sopengine_email
import sopengine_slack
import sopengine_wecom
from sopengine.channels import Channel, ChannelContext
from sopengine.plugins import load_plugins

PLUGINS = [("wecom", sopengine_wecom), ("email", sopengine_email), ("slack", sopengine_slack)]


def test_load_plugins_registers_each_channel() -> None:
    host = load_plugins(extra=PLUGINS, entry_points=False, strict=True)
    for name, module in PLUGINS:
        info = host.plugins[name]
        assert info.channels == [name] and info.version == module.__version__ and info.error is None
        channel = host.channel(name, ChannelContext())
        assert isinstance(channel, Channel) and channel.name == name


@pytest.mark.parametrize(("name", "module"), PLUGINS)
def test_entry_point_when_installed(name: str, module: object) -> None:
    """Once pyproject declares the entry point, discovery finds the same module."""
    from importlib.metadata import entry_points
    declared = {ep.name: ep.value for ep in entry_points(group="sopengine")}
    if name not in declared:
        pytest.skip(f"entry point {name!r} not declared in this install yet")
    assert declared[name] == module.__name__  # type: ignore[attr-defined]
