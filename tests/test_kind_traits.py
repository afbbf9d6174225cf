"""Kinds describe their parts; the planner, the checks, the dispatcher, the labels and the channels
ask the kind, so a new kind is one module."""

from __future__ import annotations

import textwrap
from datetime import date, datetime, timezone
from pathlib import Path

from sopengine import LoadOptions, load_sop
from sopengine.channels import ChannelContext, Target
from sopengine.model.group import Group
from sopengine.kinds import DissolutionStep, KindRegistry, PartTraits, RenameStep
from sopengine.present.labels import kind_label
from sopengine.rendering.actions import outbound
from sopengine_wecom import WeComChannel


from .kinds_for_tests import PinStep
from sopengine.words import say

NOTE = say("note.mark")


SOP = """
sop: pins
quiet: "22:00-08:00"
match: {tags: [camp]}
steps:
  - {id: pin, kind: pin, at: day 1 23:30, text: 群公告}
  - {id: rename, kind: rename, at: day 2 23:00, name: 新群名}
"""


def test_a_plugin_kind_is_asked_by_the_checks_labels_and_channels():
    kinds = KindRegistry()
    kinds.register(PinStep)
    sop = load_sop(Path("pins.yaml"), LoadOptions(kinds=kinds), text=textwrap.dedent(SOP))  # quiet-exempt
    assert kind_label("pin", None, kinds) == "置顶" and kind_label("rename") == "改群名"
    assert kind_label("red_packet", "announce") == "红包·预告"

    class Stored:
        key, step, part, day, occurrence, item, data = "pins/pin/g/2026-09-20T23:30", "pin", None, 1, 0, None, None
        due = deadline = datetime(2026, 9, 20, 15, 30, tzinfo=timezone.utc)

    _, _, action = outbound(sop, Group("g", "群", date(2026, 9, 19), ("camp",)), Stored())
    assert action is not None and action.operator_only

    robot = WeComChannel(ChannelContext(env={"K": "x"}))
    [body] = robot.render(action, Target("g", "群", {"webhook_env": "K"}))
    assert body.body["text"]["content"].startswith(NOTE)  # a robot cannot pin: a note for the operator
    robot.close()


def test_the_two_renames_are_alike_under_quiet_hours():
    assert RenameStep.traits(None) == PartTraits("kind.rename", operator_only=True, quiet_exempt=True)
    assert DissolutionStep.traits("rename").quiet_exempt and DissolutionStep.traits("rename").operator_only
