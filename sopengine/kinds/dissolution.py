"""The four-step dissolution: notice → grey avatar → rename → dissolve."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Iterator, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sopengine.words import say
from sopengine.model.fields import Duration
from sopengine.rendering.templating import render_template
from sopengine.channels import OperatorInstruction
from sopengine.kinds.base import Part, PartTraits, StepBase
from sopengine.kinds.rename import rename_instruction

DISSOLVED_NAME = "社群已解散-后续服务请私信"
GREY_AVATAR_TEXT = "把群主头像换成灰色头像，提示大家本群即将停止服务"
DISSOLVE_TEXT = "解散本群（群聊信息 → 解散群聊）"


#: The notice is posted into the group; the rest is the operator's, and posts nothing.
_PARTS = {
    "notice": PartTraits(label="kind.dissolution.notice"),
    "grey_avatar": PartTraits(label="kind.dissolution.grey_avatar", operator_only=True, quiet_exempt=True),
    "rename": PartTraits(label="kind.dissolution.rename", operator_only=True, quiet_exempt=True),
    "dissolve": PartTraits(label="kind.dissolution.dissolve", operator_only=True, quiet_exempt=True, ends_group=True),
}


#: Catalogue keys of what a person does for each operator-only part (see :mod:`sopengine.words`).
_INSTRUCTIONS = {"grey_avatar": "dissolution.grey_avatar", "dissolve": "dissolution.dissolve"}


class DissolutionSequence(BaseModel):
    """Offsets of the later parts from the notice."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    grey_avatar: Duration = timedelta(hours=1)
    rename: Duration = timedelta(hours=2)
    dissolve: Duration = timedelta(hours=24)

    @model_validator(mode="after")
    def _in_order(self) -> "DissolutionSequence":
        if not timedelta(0) < self.grey_avatar < self.rename < self.dissolve:
            raise ValueError("offsets must grow: 0 < grey_avatar < rename < dissolve")
        return self


class DissolutionStep(StepBase):
    """Dissolve the group; after ``dissolve`` nothing more is sent to it."""

    kind_name = "dissolution"
    label = "kind.dissolution"
    examples = {
        "notice": {"text": "感谢21天的陪伴！本群明晚解散，后续服务请私信小雅。"},
        "grey_avatar": {"text": GREY_AVATAR_TEXT},
        "rename": {"text": f"把群名改为「{DISSOLVED_NAME}」", "name": DISSOLVED_NAME},
        "dissolve": {"text": DISSOLVE_TEXT},
    }
    summary = "four-step dissolution (notice, grey avatar, rename, dissolve)"
    kind: Literal["dissolution"]
    notice: str = Field(description="Dissolution notice posted first.")
    rename_to: str = Field(DISSOLVED_NAME, description="The group's last name.")
    sequence: DissolutionSequence = Field(default_factory=DissolutionSequence)

    def parts(self) -> tuple[Part, ...]:
        s = self.sequence
        return tuple(zip(self.part_names(), (timedelta(0), s.grey_avatar, s.rename, s.dissolve)))

    @classmethod
    def part_names(cls) -> tuple[str | None, ...]:
        return tuple(_PARTS)

    @classmethod
    def traits(cls, part: str | None) -> PartTraits:
        return _PARTS.get(part or "", PartTraits(label=cls.label))

    @classmethod
    def operator_instruction(cls, part: str | None, payload: Mapping[str, Any]) -> OperatorInstruction:
        text = str(payload.get("text", ""))
        if part == "rename":
            return rename_instruction(payload)
        if part == "notice":
            return OperatorInstruction(say("dissolution.notice"), text)
        key = _INSTRUCTIONS.get(part or "")
        return OperatorInstruction(say(key) if key else text)

    def templates(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        yield ("notice",), self.notice
        yield ("rename_to",), self.rename_to

    def render(self, part: str | None, context: Mapping[str, Any]) -> dict[str, Any]:
        if part == "notice":
            return {"text": render_template(self.notice, context)}
        if part == "grey_avatar":
            return {"text": GREY_AVATAR_TEXT}
        if part == "rename":
            name = render_template(self.rename_to, context)
            return {"text": f"把群名改为「{name}」", "name": name}
        return {"text": DISSOLVE_TEXT}
