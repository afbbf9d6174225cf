"""The testing kit: sample payloads match the built-in kinds; the I/O guard; the contract has teeth."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from sopengine.channels import ChannelContext, OutboundAction
from sopengine.kinds import KindRegistry
from sopengine.testing import KINDS_AND_PARTS, ImpureCall, forbid_io, long_text, make_action, sample_payload

STEP_FIELDS: dict[str, dict[str, Any]] = {
    "message": {"text": "hi"}, "morning_post": {"text": "hi"}, "topic": {"text": "hi"}, "rules": {"text": "hi"},
    "task": {"text": "hi"}, "rename": {"name": "新群名"}, "dissolution": {"notice": "bye"},
    "red_packet": {"announce": "8点发红包", "amount": 90, "count": 60},
    "survey": {"title": "反馈", "questions": [{"ask": "好吗？", "choices": ["好", "不好"]}]},
    "recognition": {}, "cleanup": {},
}


def test_samples_cover_every_built_in_kind_and_part() -> None:
    registry = KindRegistry()
    expected = []
    for name in registry:
        step = registry[name].model_validate({"id": "s", "kind": name, "at": "day 1 10:00", **STEP_FIELDS[name]})
        expected += [(name, part) for part, _ in step.parts()]
    assert sorted(expected, key=str) == sorted(KINDS_AND_PARTS, key=str)


@pytest.mark.parametrize(("kind", "part"), KINDS_AND_PARTS)
def test_sample_payloads_have_the_fields_the_kinds_render(kind: str, part: str | None) -> None:
    step = KindRegistry()[kind].model_validate({"id": "s", "kind": kind, "at": "day 1 10:00", **STEP_FIELDS[kind]})
    assert set(sample_payload(kind, part)) == set(step.render(part, {}))


def test_make_action_overrides_and_keys() -> None:
    action = make_action("red_packet", "send", amount=12.5)
    assert isinstance(action, OutboundAction)
    assert action.payload["amount"] == 12.5 and action.payload["count"] == 60
    assert action.key == "learning-camp-21d/red-packet/send/ppt-camp-2026-12-a/2026-12-02T08:00"
    assert make_action("poll", text="x").payload == {"text": "x"}  # a plugin's own kind


def test_long_text_needs_splitting_inside_a_line() -> None:
    text = long_text(2048)
    assert len(text.encode()) > 2 * 2048
    assert max(len(line.encode()) for line in text.split("\n")) > 2048


def test_forbid_io_catches_network_and_writes_but_allows_reads(tmp_path: Path) -> None:
    with forbid_io() as seen:
        Path(__file__).read_text(encoding="utf-8")
        with pytest.raises(ImpureCall):
            socket.getaddrinfo("127.0.0.1", 80)
        with pytest.raises(ImpureCall):
            (tmp_path / "x").write_text("no")
        try:
            subprocess.run(["true"], check=False)
        except ImpureCall:
            pass  # a channel swallowing the error is still caught by the list
    assert len(seen) == 3
    socket.getaddrinfo("127.0.0.1", 80)  # outside the block nothing is watched


def test_channel_context_fixture(channel_context: ChannelContext, channel_env: dict[str, str]) -> None:
    assert channel_context.env is channel_env and channel_context.now is not None


BROKEN = '''
from datetime import timedelta
import pytest
from sopengine.channels import Capabilities, ChannelConfigError, Ok, RateLimit
from sopengine.testing import ChannelContract


class Sloppy:
    """Breaks one rule per test of the contract."""
    name = "sloppy"
    capabilities = Capabilities(max_body_bytes=100, rate_limit=RateLimit(0, timedelta(0)))

    def target_key(self, target):
        return target.settings["room"]                      # raises without settings

    def render(self, action, target):
        if action.kind == "rules":
            with open(self.log, "a") as f:                  # I/O in render
                f.write(action.key)
        return [{"text": action.text * 50}]                  # ignores max_body_bytes; no settings check

    def send(self, payload, idempotency_key):
        return True                                         # a bool, not a SendResult


class TestSloppy(ChannelContract):
    @pytest.fixture
    def channel(self, tmp_path):
        channel = Sloppy()
        channel.log = str(tmp_path / "log")
        return channel

    @pytest.fixture
    def target(self, sample_target):
        return sample_target({"room": "r1"})
'''


@pytest.mark.slow
def test_the_contract_fails_a_sloppy_channel(tmp_path: Path) -> None:
    (tmp_path / "test_sloppy.py").write_text(textwrap.dedent(BROKEN), encoding="utf-8")
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "sopengine.testing.pytest_plugin", "-q", "-rf",
                          "-p", "no:cacheprovider", "test_sloppy.py"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    failed = [line.split("::")[2].split(" ")[0] for line in run.stdout.splitlines() if line.startswith("FAILED")]
    assert {name.split("[")[0] for name in failed} == {
        "test_declares_name_and_capabilities", "test_render_is_pure", "test_bodies_fit",
        "test_send_returns_a_result", "test_target_key_is_str", "test_render_rejects_missing_settings",
    }, run.stdout + run.stderr
    assert [n for n in failed if n.startswith("test_render_is_pure")] == ["test_render_is_pure[rules]"]
