"""The plugin host: built-ins through entry points, broken plugins contained, misspelt hooks caught."""

from __future__ import annotations

import json
import types
from typing import Literal

import pytest
from click.testing import CliRunner

from sopengine.cli import main
from sopengine.hookspecs import hookimpl
from sopengine.kinds import TextStep
from sopengine.plugins import PluginError, load_plugins



def plugin(name: str, **hooks: object) -> types.ModuleType:
    module = types.ModuleType(name)
    for hook, fn in hooks.items():
        setattr(module, hook, hookimpl(fn))  # type: ignore[arg-type]
    return module


class ShoutStep(TextStep):
    kind_name = "shout"
    kind: Literal["shout"]


def test_builtins_come_through_entry_points():
    host = load_plugins()
    assert {"console", "wechat"} <= set(host.channel_factories)
    assert host.plugins["wechat"].channels == ["wechat"] and host.plugins["wechat"].commands == ["tasks"]
    assert not host.failures


def test_a_plugin_whose_hook_raises_is_reported_and_the_rest_work():
    def register_channels(register):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")
    host = load_plugins(extra=[("broken", plugin("broken", register_channels=register_channels))])
    assert host.plugins["broken"].error == "RuntimeError: boom"
    assert "wechat" in host.channel_factories
    with pytest.raises(PluginError, match="broken: RuntimeError: boom"):
        load_plugins(strict=True, extra=[("broken", plugin("broken", register_channels=register_channels))])


def test_misspelt_hook_is_caught_by_check_pending():
    def register_channel(register):  # type: ignore[no-untyped-def]  - missing the s
        pass
    host = load_plugins(extra=[("typo", plugin("typo", register_channel=register_channel))])
    assert "unknown hook" in (host.plugins["typo"].error or "")


def test_plugins_add_kinds_events_and_filters_that_validation_knows():
    host = load_plugins(extra=[("extras", plugin(
        "extras",
        register_kinds=lambda register: register(ShoutStep),
        register_events=lambda register: register("paid", "an order was paid"),
        register_template_filters=lambda register: register("shout", lambda s: f"{s}!!!"),
    ))])
    from pathlib import Path
    import textwrap
    from sopengine import load_sop
    sop = load_sop(Path("ext.yaml"), host.load_options(), text=textwrap.dedent("""
        sop: ext
        steps:
          - {id: s, kind: shout, at: day 0 10:00, text: "{{ group.name | shout }}"}
          - {id: p, kind: message, on: paid, text: 谢谢}
    """))
    assert [s.kind for s in sop.steps] == ["shout", "message"]
    assert host.plugins["extras"].events == ["paid"]


def test_unknown_channel_is_a_validation_error_with_a_suggestion():
    from sopengine.model.problems import SopFileError
    host = load_plugins()
    with pytest.raises(SopFileError, match="unknown channel 'wechta' \\(did you mean 'wechat'\\?\\)"):
        from pathlib import Path
        from sopengine import load_sop
        load_sop(Path("c.yaml"), host.load_options(),
                 text="sop: c\nchannel: wechta\nsteps: [{id: m, kind: message, at: day 0 10:00, text: hi}]\n")


def test_plugins_command_lists_everything():
    result = CliRunner().invoke(main, ["plugins", "--format", "json"])
    assert result.exit_code == 0
    listed = {p["name"]: p for p in json.loads(result.stdout)}
    assert listed["wechat"]["channels"] == ["wechat"] and listed["wechat"]["error"] is None
