"""A kind of a plugin's own, for the tests that register one."""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Mapping

from sopengine.kinds import PartTraits, StepBase


class PinStep(StepBase):
    """A plugin's kind: the operator pins a notice (operator-only, posts nothing)."""

    kind_name = "pin"
    label: ClassVar[str] = "置顶"
    kind: Literal["pin"]
    text: str

    @classmethod
    def traits(cls, part: str | None) -> PartTraits:
        return PartTraits(label=cls.label, operator_only=True, quiet_exempt=True)

    def templates(self):  # type: ignore[no-untyped-def]
        yield ("text",), self.text

    def render(self, part: str | None, context: Mapping[str, Any]) -> dict[str, Any]:
        return {"text": f"置顶：{self.text}"}
