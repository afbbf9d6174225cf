"""Rename the group (a manual step on personal WeChat)."""

from __future__ import annotations

from typing import Any, Iterator, Literal, Mapping

from ..templating import render_template
from .base import PartTraits, StepBase


class RenameStep(StepBase):
    """Rename the group to ``name``."""

    kind_name = "rename"
    label = "改群名"
    summary = "rename the group"
    kind: Literal["rename"]
    name: str

    @classmethod
    def traits(cls, part: str | None) -> PartTraits:
        # operator work that posts nothing itself, like the dissolution's rename: quiet hours do not apply
        return PartTraits(label=cls.label, operator_only=True, quiet_exempt=True)

    def templates(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        yield ("name",), self.name

    def render(self, part: str | None, context: Mapping[str, Any]) -> dict[str, Any]:
        name = render_template(self.name, context)
        return {"text": f"把群名改为「{name}」", "name": name}
