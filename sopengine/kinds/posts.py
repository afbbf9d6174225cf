"""Single-message kinds: plain posts, 早报, 话题, 群规 and operator tasks."""

from __future__ import annotations

from typing import Any, Literal, Mapping

from sopengine.channels import OperatorInstruction

from sopengine.kinds.base import PartTraits, TextStep


class MessageStep(TextStep):
    """A plain post."""

    kind_name = "message"
    label = "kind.message"
    examples = {None: {"text": "今晚8点直播拆解10页商务PPT，记得定好闹钟⏰"}}
    summary = "plain post"
    kind: Literal["message"]


class MorningPostStep(TextStep):
    """早报: the morning post that opens a group's day."""

    kind_name = "morning_post"
    label = "kind.morning_post"
    examples = {None: {"text": "早安☀️ 打卡第1天：对齐是排版的第一原则。\n今天的作业：把一页文字稿改成三栏布局。"}}
    summary = "morning post (早报)"
    kind: Literal["morning_post"]


class TopicStep(TextStep):
    """话题: a discussion prompt, usually with ``pick`` from a pool of topics."""

    kind_name = "topic"
    label = "kind.topic"
    examples = {None: {"text": "今晚话题：你做PPT最头疼的是什么？"}}
    summary = "discussion topic (话题)"
    kind: Literal["topic"]


class RulesStep(TextStep):
    """群规: a group-rules reminder."""

    kind_name = "rules"
    label = "kind.rules"
    examples = {None: {"text": "小雅来啦～群规三条：\n1. 不发广告\n2. 友善交流\n3. 每天打卡"}}
    summary = "group-rules reminder (群规)"
    kind: Literal["rules"]


class TaskStep(TextStep):
    """A manual step for the operator; ``text`` says what to do."""

    kind_name = "task"
    label = "kind.task"
    examples = {None: {"text": "把本周优秀作业整理成合集，发到群公告"}}
    summary = "manual task for the operator"
    kind: Literal["task"]

    @classmethod
    def traits(cls, part: str | None) -> PartTraits:
        return PartTraits(label=cls.label, operator_only=True, quiet_exempt=True)

    @classmethod
    def operator_instruction(cls, part: str | None, payload: Mapping[str, Any]) -> OperatorInstruction:
        return OperatorInstruction(str(payload.get("text", "")))  # the text says what to do
