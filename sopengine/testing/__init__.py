"""Testing kit for channel plugins: sample actions, the channel contract, a pytest plugin.

Importing this package needs pytest; sopengine itself never imports it.
"""

from __future__ import annotations

from sopengine.testing.contract import ChannelContract
from sopengine.testing.guard import ImpureCall, forbid_io
from sopengine.testing.samples import (
    KINDS_AND_PARTS, SAMPLE_DUE, ActionFactory, TargetFactory, long_actions, long_text, make_action,
    make_target, sample_payload,
)

__all__ = [
    "KINDS_AND_PARTS", "SAMPLE_DUE", "ActionFactory", "ChannelContract", "ImpureCall", "TargetFactory",
    "forbid_io", "long_actions", "long_text", "make_action", "make_target", "sample_payload",
]
