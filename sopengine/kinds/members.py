"""Kinds that read the group's members when they are due: 表彰大会 (recognition: the top members
by a fact, over a window) and 三个月清理 (cleanup: an operator task naming exactly the members a
rule picks).

Such a kind sets ``reads_members``: whoever renders it (the daemon, a task sheet) puts the
group's present members in the context as ``group_members``, each a member's template view
(``name``, ``days_silent``, ``stage``, ``tags``, their facts) with ``before``: their facts as of
``member_window()`` before the due time. Rendered without them (a plan, a trial), the list is
empty.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar, Iterator, Literal, Mapping

from pydantic import Field

from sopengine.channels import OperatorInstruction
from sopengine.kinds.base import PartTraits, StepBase
from sopengine.model.fields import Duration
from sopengine.rendering.templating import compile_condition, render_template
from sopengine.words import say

RECOGNITION_TEXT = ("🏆 本周之星\n{% for m in winners %}{{ m.rank }}. {{ m.name }}（{{ m.value }}）\n{% endfor %}"
                    "感谢大家的分享，下周继续加油！")


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


class RecognitionStep(StepBase):
    """表彰大会: the ``top`` members by the fact ``by`` (its change over ``over``, when given), in ``text``."""

    kind_name = "recognition"
    label = "kind.recognition"
    summary = "recognition of the most active members (表彰大会)"
    reads_members: ClassVar[bool] = True
    extra_names = frozenset({"winners"})
    examples = {None: {"text": "🏆 本周之星\n1. 小美（120）\n2. 老王（40）\n感谢大家的分享，下周继续加油！",
                       "winners": [{"rank": 1, "name": "小美", "value": 120},
                                   {"rank": 2, "name": "老王", "value": 40}]}}
    kind: Literal["recognition"]
    by: str = Field("messages", description="The member fact to rank by (messages, streak…).")
    over: Duration | None = Field(None, description="Rank by the fact's change over this window (7d: this week).")
    top: int = Field(3, ge=1, le=50, description="How many to name.")
    text: str = Field(RECOGNITION_TEXT, description="Jinja2 template; `winners` is a list of {rank, name, value}.")

    def member_window(self) -> timedelta | None:
        return self.over

    def templates(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        yield ("text",), self.text

    def winners(self, members: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """The top members by the fact (or its change), ties by name; none without a number."""
        scored = []
        for m in members:
            now = _number(m.get(self.by))
            if now is None:
                continue
            value = now - (_number(m.get("before", {}).get(self.by)) or 0.0) if self.over else now
            if value > 0:
                scored.append((value, str(m.get("name", "")), m))
        scored.sort(key=lambda s: (-s[0], s[1]))
        return [{"rank": i, "name": name, "value": int(value) if value == int(value) else round(value, 2)}
                for i, (value, name, _) in enumerate(scored[:self.top], start=1)]

    def render(self, part: str | None, context: Mapping[str, Any]) -> dict[str, Any]:
        winners = self.winners(list(context.get("group_members") or []))
        return {"text": render_template(self.text, {**context, "winners": winners}), "winners": winners}

    def trial(self, context: Mapping[str, Any]) -> Iterator[tuple[tuple[str | int, ...], str]]:
        sample = [{"rank": 1, "name": "小美", "value": 120}]
        return super().trial({**context, "winners": sample})


class CleanupStep(StepBase):
    """三个月清理: an operator task naming the members ``where`` picks (silent for 90 days), to remove."""

    kind_name = "cleanup"
    label = "kind.cleanup"
    where_picks_members: ClassVar[bool] = False  # its where names the members to remove
    summary = "remove the members a rule picks, e.g. silent for 90 days (三个月清理)"
    reads_members: ClassVar[bool] = True
    examples = {None: {"text": "潜水员、路人甲", "names": ["潜水员", "路人甲"], "count": 2}}
    kind: Literal["cleanup"]
    where: str = Field("member.days_silent >= 90", description="Expression over `member` (and `group`): who goes.")

    @classmethod
    def traits(cls, part: str | None) -> PartTraits:
        # a person removes members; nothing is posted, so quiet hours do not apply
        return PartTraits(label=cls.label, operator_only=True, quiet_exempt=True)

    @classmethod
    def operator_instruction(cls, part: str | None, payload: Mapping[str, Any]) -> OperatorInstruction:
        count = int(payload.get("count", 0))
        return OperatorInstruction(say("cleanup.remove", count=count), str(payload.get("text", "")),
                                   {"count": count}, {"count": say("detail.members")})

    def render(self, part: str | None, context: Mapping[str, Any]) -> dict[str, Any]:
        rule = compile_condition(self.where)
        names = [str(m.get("name", "")) for m in context.get("group_members") or []
                 if rule({**context, "member": m})]
        return {"text": say("sep.items").join(names), "names": names, "count": len(names)}

    def trial(self, context: Mapping[str, Any]) -> Iterator[tuple[tuple[str | int, ...], str]]:
        from sopengine.rendering.templating import TemplateProblem

        sample = {"name": "潜水员", "days_silent": 120, "days_in_group": 200, "stage": "silent", "tags": [],
                  "messages": 1}
        try:
            compile_condition(self.where)({**context, "member": sample})
        except TemplateProblem as exc:
            yield ("where",), str(exc)
