"""Built-in ``wechat`` channel: operator task sheets for personal WeChat groups.

Personal WeChat has no send API, so a person sends. Dispatching an action
hands it to the group's operator as a task (who, which group, when, the
copy-ready text, and for red packets / surveys / dissolution steps the exact
instruction); ``sopengine done KEY`` records that it was done, and
``sopengine tasks`` renders the day's sheet. The channel is ``manual``: the
ledger itself is the task list, so ``send`` only acknowledges the hand-over.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from sopengine.plugin_api import (
    Capabilities, ChannelConfigError, ChannelContext, Ok, OperatorTask, OutboundAction, SendResult, SettingProblem,
    Target, hookimpl, operator_task,
)


__version__ = "0.1.0"
__all__ = ["OperatorTask", "WeChatTaskChannel", "operator_task"]


class WeChatTaskChannel:
    """Renders each action as an :class:`OperatorTask` for ``channels.wechat.operator``."""

    name = "wechat"
    # A person pastes the copy, so there is no body limit to split for; WeChat caps one red
    # packet at ¥200.
    capabilities = Capabilities(formats=frozenset({"text"}), mentions=True, manual=True,
                                max_red_packet_amount=200.0)

    def __init__(self, context: ChannelContext | None = None):
        self.context = context or ChannelContext()

    @staticmethod
    def check_settings(settings: Mapping[str, Any], env: Mapping[str, str]) -> list[SettingProblem]:
        """A group's tasks need someone to do them: ``operator`` is required."""
        operator = settings.get("operator")
        if operator is None or (isinstance(operator, str) and not operator.strip()):
            return [SettingProblem("no operator: add channels.wechat.operator (who does this group's tasks)")]
        if not isinstance(operator, str):
            return [SettingProblem(f"operator is a name, got {operator!r}", "operator")]
        return []

    def target_key(self, target: Target) -> str:
        return f"wechat:{target.group_id}"

    def render(self, action: OutboundAction, target: Target) -> Sequence[OperatorTask]:
        operator = target.settings.get("operator")
        if not operator:
            raise ChannelConfigError(f"group {target.group_id} has no channels.wechat.operator")
        return [operator_task(action, target, str(operator))]

    def send(self, payload: Any, idempotency_key: str) -> SendResult:
        return Ok(provider_id=f"task:{idempotency_key}", detail=f"handed to {payload.operator}")


@hookimpl
def register_channels(register) -> None:
    register("wechat", WeChatTaskChannel)


@hookimpl
def register_commands(register) -> None:
    from sopengine_wechat.command import tasks_command

    register(tasks_command)
