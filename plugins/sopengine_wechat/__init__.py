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
                                max_red_packet_amount=200.0,
                                content=frozenset({"image", "link", "file", "miniprogram", "mentions"}))

    def __init__(self, context: ChannelContext | None = None):
        self.context = context or ChannelContext()

    @staticmethod
    def check_settings(settings: Mapping[str, Any], env: Mapping[str, str]) -> list[SettingProblem]:
        """A group's tasks need someone to do them: ``operator`` (one person) or ``operators``
        (a list: several admins of one group), by id or name."""
        operator, several = settings.get("operator"), settings.get("operators")
        if several is not None:
            if not isinstance(several, list) or not several:
                return [SettingProblem(f"operators is a list of names, got {several!r}", "operators")]
            bad = [x for x in several if not isinstance(x, str) or not x.strip()]
            if bad:
                return [SettingProblem(f"operators holds names, got {bad[0]!r}", "operators")]
        elif operator is None or (isinstance(operator, str) and not operator.strip()):
            return [SettingProblem("no operator: add channels.wechat.operator (who does this group's tasks) "
                                   "or operators: [...] (several)")]
        if operator is not None and not isinstance(operator, str):
            return [SettingProblem(f"operator is a name, got {operator!r}", "operator")]
        return []

    @staticmethod
    def operators(settings: Mapping[str, Any]) -> list[str]:
        """Who does a group's tasks: ``operator``, then everyone in ``operators``."""
        named = [settings.get("operator"), *(settings.get("operators") or [])]
        return list(dict.fromkeys(str(x).strip() for x in named if isinstance(x, str) and x.strip()))

    def target_key(self, target: Target) -> str:
        return f"wechat:{target.group_id}"

    def render(self, action: OutboundAction, target: Target) -> Sequence[OperatorTask]:
        who = self.operators(target.settings)
        if not who:
            raise ChannelConfigError(f"group {target.group_id} has no channels.wechat.operator")
        return [operator_task(action, target, "、".join(who))]

    def send(self, payload: Any, idempotency_key: str) -> SendResult:
        return Ok(provider_id=f"task:{idempotency_key}", detail=f"handed to {payload.operator}")


@hookimpl
def register_channels(register) -> None:
    register("wechat", WeChatTaskChannel)


@hookimpl
def register_commands(register) -> None:
    from sopengine_wechat.command import tasks_command

    register(tasks_command)
