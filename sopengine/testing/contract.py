"""The channel contract: what every channel owes the daemon, as a reusable pytest class.

Subclass :class:`ChannelContract` as ``Test...`` and provide two fixtures:

- ``channel`` — the channel under test, built from a :class:`~sopengine.channels.ChannelContext`
  whose ``send`` reaches a local server (or nothing: send must still return a result);
- ``target`` — a :class:`~sopengine.channels.Target` whose settings are complete.

Override the ``channel_needs_settings`` fixture to return False when the channel
needs no per-group settings, and :meth:`ChannelContract.body_text` when a
rendered body carries its text neither as ``.text``, ``["text"]`` nor as a str.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import pytest

from sopengine.channels import (
    Capabilities, Channel, ChannelConfigError, Ok, Permanent, RateLimit, Retryable, SettingProblem, Target,
    settings_check,
)

from sopengine.testing.guard import forbid_io
from sopengine.testing.samples import KINDS_AND_PARTS, ActionFactory, TargetFactory, long_actions

_IDS = [f"{kind}.{part}" if part else kind for kind, part in KINDS_AND_PARTS]


class ChannelContract:
    """Checks: declarations are well-typed; render is pure and fits ``max_body_bytes``; send
    returns a result; ``target_key`` is a str; render refuses a target without settings."""

    @pytest.fixture
    def channel_needs_settings(self) -> bool:
        """Whether render must raise ChannelConfigError for a target with empty settings."""
        return True

    def body_text(self, body: Any) -> str | None:
        """The text of one rendered body that ``max_body_bytes`` limits; None if unknown."""
        text = getattr(body, "text", None)
        if isinstance(body, Mapping):
            text = body.get("text")
        elif isinstance(body, (str, bytes)):
            text = body if isinstance(body, str) else body.decode("utf-8")
        return text if isinstance(text, str) else None

    def render(self, channel: Channel, action: Any, target: Target) -> list[Any]:
        with forbid_io() as io:
            bodies = channel.render(action, target)
        assert not io, f"render did I/O: {io}"
        assert isinstance(bodies, Sequence) and not isinstance(bodies, (str, bytes)), \
            f"render must return a sequence of bodies, got {type(bodies).__name__}"
        return list(bodies)

    def test_declares_name_and_capabilities(self, channel: Channel) -> None:
        assert isinstance(channel, Channel)
        assert isinstance(channel.name, str) and channel.name, "name must be a non-empty str"
        caps = channel.capabilities
        assert isinstance(caps, Capabilities)
        assert isinstance(caps.formats, frozenset) and caps.formats, "formats: a non-empty frozenset"
        assert all(isinstance(f, str) for f in caps.formats)
        assert isinstance(caps.mentions, bool) and isinstance(caps.manual, bool)
        assert caps.max_body_bytes is None or (type(caps.max_body_bytes) is int and caps.max_body_bytes > 0)
        limit = caps.rate_limit
        assert limit is None or (isinstance(limit, RateLimit) and type(limit.count) is int and limit.count > 0
                                 and isinstance(limit.period, timedelta) and limit.period > timedelta(0))
        amount = caps.max_red_packet_amount
        assert amount is None or (isinstance(amount, (int, float)) and amount > 0)

    @pytest.mark.parametrize(("kind", "part"), KINDS_AND_PARTS, ids=_IDS)
    def test_render_is_pure(self, channel: Channel, target: Target, sample_action: ActionFactory,
                            kind: str, part: str | None) -> None:
        action = sample_action(kind, part)
        before = copy.deepcopy(dict(action.payload))
        if action.operator_only and not channel.capabilities.notes_for_operators:
            # validate keeps such parts off this channel; rendering one anyway is refused, not posted
            with pytest.raises(ChannelConfigError):
                self.render(channel, action, target)
            return
        first = self.render(channel, action, target)
        second = self.render(channel, action, target)
        assert first, f"nothing rendered for {kind}/{part}"
        assert first == second, "render must give equal output for equal input"
        assert dict(action.payload) == before, "render must not change the action"

    def test_bodies_fit(self, channel: Channel, target: Target, sample_action: ActionFactory) -> None:
        limit = channel.capabilities.max_body_bytes
        if limit is None:
            pytest.skip("no max_body_bytes declared")
        actions = [sample_action(kind, part) for kind, part in KINDS_AND_PARTS] + long_actions(limit)
        if not channel.capabilities.notes_for_operators:
            actions = [a for a in actions if not a.operator_only]
        for action in actions:
            for body in self.render(channel, action, target):
                text = self.body_text(body)
                if text is None:
                    pytest.skip(f"cannot measure a {type(body).__name__}: override body_text")
                size = len(text.encode("utf-8"))
                assert size <= limit, f"{action.kind}/{action.part}: a body of {size} UTF-8 bytes exceeds {limit}"

    def test_send_returns_a_result(self, channel: Channel, target: Target, sample_action: ActionFactory) -> None:
        action = sample_action("message")
        bodies = self.render(channel, action, target)
        result = channel.send(bodies[0], action.key)
        assert isinstance(result, (Ok, Retryable, Permanent)), f"send returned {result!r}"

    def test_target_key_is_str(self, channel: Channel, target: Target, sample_target: TargetFactory) -> None:
        assert isinstance(channel.target_key(target), str)
        # the daemon asks for the bucket before rendering: never raise, even without settings
        assert isinstance(channel.target_key(sample_target({})), str)

    def test_settings_check_finds_missing_settings(self, channel: Channel, channel_needs_settings: bool) -> None:
        check = settings_check(type(channel))
        if check is None:
            pytest.skip("the channel declares no check_settings")
        with forbid_io() as io:
            found = check({}, {})
        assert not io, f"check_settings did I/O: {io}"
        assert isinstance(found, Sequence) and all(isinstance(p, SettingProblem) for p in found), \
            "check_settings returns a list of SettingProblem"
        assert bool(found) == channel_needs_settings, "check_settings must find what render refuses"

    def test_render_rejects_missing_settings(self, channel: Channel, sample_action: ActionFactory,
                                             sample_target: TargetFactory, channel_needs_settings: bool) -> None:
        if not channel_needs_settings:
            pytest.skip("the channel needs no per-group settings")
        with pytest.raises(ChannelConfigError):
            channel.render(sample_action("message"), sample_target({}))
