"""What validation may rely on besides the file itself (its own module: the loader and the step
checks both read it, and neither imports the other for it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Collection, Mapping, Sequence

from sopengine.channels import Capabilities, ChannelChecks, OperatorsOf
from sopengine.kinds import KindRegistry, StepBase
from sopengine.model.group import Group

#: Events every installation knows; plugins may add more.
BUILTIN_EVENTS: frozenset[str] = frozenset({"member_joined", "member_left"})
#: The data each built-in event must carry (dotted keys): a greeting names the newcomer.
BUILTIN_EVENT_DATA: dict[str, tuple[str, ...]] = {"member_joined": ("member.name",), "member_left": ("member.name",)}


@dataclass(frozen=True)
class LoadOptions:
    """What validation may rely on besides the file itself."""

    kinds: Mapping[str, type[StepBase]] = field(default_factory=KindRegistry)
    events: Collection[str] = BUILTIN_EVENTS
    #: Channel names that exist; ``None`` skips the check.
    channels: Collection[str] | None = None
    #: Real groups whose facts the trial render may use.
    sample_groups: Sequence[Group] = ()
    #: How channels check a group's settings for them (none: not checked).
    channel_checks: ChannelChecks = field(default_factory=ChannelChecks)
    #: How channels name who does a group's tasks (see :func:`sopengine.channels.operators_reader`).
    channel_operators: Mapping[str, OperatorsOf] = field(default_factory=dict)
    #: What each channel can carry (its factory's ``capabilities``), for the content of steps.
    channel_capabilities: Mapping[str, Capabilities] = field(default_factory=dict)
