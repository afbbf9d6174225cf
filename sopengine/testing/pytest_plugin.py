"""pytest plugin for channel authors (``pytest11`` entry point): sample actions, targets, contexts.

Fixtures: ``sample_action`` and ``sample_target`` (factories, see
:mod:`sopengine.testing.samples`), ``channel_env`` and ``channel_options``
(plain dicts, override them in your conftest), ``channel_now`` (a fixed clock)
and ``channel_context`` built from those three. Pair them with
:class:`sopengine.testing.ChannelContract`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

import pytest

from sopengine.channels import ChannelContext

from sopengine.testing.samples import SAMPLE_DUE, ActionFactory, TargetFactory, make_action, make_target


@pytest.fixture
def sample_action() -> ActionFactory:
    """``sample_action(kind="message", part=None, **payload)`` → an OutboundAction with sample copy."""
    return make_action


@pytest.fixture
def sample_target() -> TargetFactory:
    """``sample_target(settings=None)`` → the sample group's Target with those channel settings."""
    return make_target


@pytest.fixture
def channel_env() -> dict[str, str]:
    """Environment the channel reads secrets from (by variable name); empty unless overridden."""
    return {}


@pytest.fixture
def channel_options() -> dict[str, Any]:
    """Channel-wide options (``context.options``); empty unless overridden."""
    return {}


@pytest.fixture
def channel_now() -> Callable[[], datetime]:
    """A clock stopped at the sample actions' due time."""
    return lambda: SAMPLE_DUE


@pytest.fixture
def channel_context(channel_env: dict[str, str], channel_options: dict[str, Any],
                    channel_now: Callable[[], datetime]) -> ChannelContext:
    """A ChannelContext of ``channel_env``, ``channel_options`` and ``channel_now`` (no HTTP transport)."""
    return ChannelContext(env=channel_env, now=channel_now, options=channel_options)
