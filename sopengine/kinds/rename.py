"""Rename the group (a manual step on personal WeChat)."""

from __future__ import annotations

from typing import Any, Iterator, Literal, Mapping

from sopengine.words import say
from sopengine.channels import OperatorInstruction
from sopengine.rendering.templating import render_template
from sopengine.kinds.base import PartTraits, StepBase


def rename_instruction(payload: Mapping[str, Any]) -> OperatorInstruction:
    """The task of renaming the group to ``payload["name"]`` (the new name is what to paste)."""
    name = str(payload.get("name", ""))
    return OperatorInstruction(say("rename.to", name=name), name, {"name": payload.get("name")},
                               {"name": say("detail.name")})


class RenameStep(StepBase):
    """Rename the group to ``name``."""

    kind_name = "rename"
    label = "kind.rename"
    examples = {None: {"text": "把群名改为「PPT打卡营·毕业群」", "name": "PPT打卡营·毕业群"}}
    summary = "rename the group"
    kind: Literal["rename"]
    name: str

    @classmethod
    def traits(cls, part: str | None) -> PartTraits:
        # operator work that posts nothing itself, like the dissolution's rename: quiet hours do not apply
        return PartTraits(label=cls.label, operator_only=True, quiet_exempt=True)

    @classmethod
    def operator_instruction(cls, part: str | None, payload: Mapping[str, Any]) -> OperatorInstruction:
        return rename_instruction(payload)

    def templates(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        yield ("name",), self.name

    def render(self, part: str | None, context: Mapping[str, Any]) -> dict[str, Any]:
        name = render_template(self.name, context)
        return {"text": f"把群名改为「{name}」", "name": name}
