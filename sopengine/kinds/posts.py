"""Single-message kinds: plain posts, 早报, 话题, 群规 and operator tasks."""

from __future__ import annotations

from typing import Literal

from .base import TextStep


class MessageStep(TextStep):
    """A plain post."""

    kind_name = "message"
    summary = "plain post"
    kind: Literal["message"]


class MorningPostStep(TextStep):
    """早报: the morning post that opens a group's day."""

    kind_name = "morning_post"
    summary = "morning post (早报)"
    kind: Literal["morning_post"]


class TopicStep(TextStep):
    """话题: a discussion prompt, usually with ``pick`` from a pool of topics."""

    kind_name = "topic"
    summary = "discussion topic (话题)"
    kind: Literal["topic"]


class RulesStep(TextStep):
    """群规: a group-rules reminder."""

    kind_name = "rules"
    summary = "group-rules reminder (群规)"
    kind: Literal["rules"]


class TaskStep(TextStep):
    """A manual step for the operator; ``text`` says what to do."""

    kind_name = "task"
    summary = "manual task for the operator"
    kind: Literal["task"]
