"""Built-in ``feishu`` channel: Feishu / Lark (飞书) custom bots through their webhook.

Group settings (``channels.feishu``): ``webhook_env`` names the environment variable holding
the bot's whole webhook URL (``https://open.feishu.cn/open-apis/bot/v2/hook/…``); ``secret_env``
the variable holding its signing secret (签名校验), when the bot has one; optional ``mentions``
(open ids ``ou_…``, or ``"all"``) and ``operators`` (open ids mentioned on operator notes).
Options: ``msgtype`` (``text`` default, or ``post`` for rich text), ``timeout``.

A bot can only post: parts a person must do are posted as notes marked 【运营操作】. Requests are
signed on the wall clock, as Feishu checks them, whatever clock the daemon runs on.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Mapping, Sequence

from sopengine.plugin_api import (
    Capabilities, ChannelConfigError, ChannelContext, OutboundAction, Permanent, RateLimit, RegisterChannel,
    SendResult, SettingProblem, Target, check_robot_settings, hookimpl, require_env, robot_address,
)

from sopengine_feishu.render import LIMIT, MSGTYPES, FeishuMessage, render_messages

__version__ = "0.1.0"
__all__ = ["FeishuChannel", "FeishuMessage"]


class FeishuChannel:
    """Posts to Feishu custom bots. One channel object serves every bot; ``close()`` frees its pool."""

    name = "feishu"

    def __init__(self, context: ChannelContext):
        options = context.options
        self.msgtype = str(options.get("msgtype", "text"))
        if self.msgtype not in MSGTYPES:
            raise ChannelConfigError(f"feishu msgtype must be one of {sorted(MSGTYPES)}, got {self.msgtype!r}")
        # A bot takes 100 messages a minute (and 5 a second: past it answers 11232, retried).
        self.capabilities = Capabilities(formats=frozenset(MSGTYPES), mentions=True, max_body_bytes=LIMIT,
                                         rate_limit=RateLimit(100, timedelta(minutes=1)))
        self._env = context.env
        import httpx  # imported by the channel, not the plugin: `sopengine plan` never pays for it

        self._client = httpx.Client(transport=context.http, timeout=float(options.get("timeout", 10.0)))

    @staticmethod
    def check_settings(settings: Mapping[str, Any], env: Mapping[str, str]) -> list[SettingProblem]:
        """``webhook_env`` names the variable holding the webhook URL; ``secret_env`` the signing
        secret (optional); mentions are lists of open ids."""
        return check_robot_settings(settings, env, lists=("mentions", "operators"), items="open ids")

    def target_key(self, target: Target) -> str:
        """One bucket per bot (its webhook's env var name); never raises."""
        env = target.settings.get("webhook_env")
        return f"feishu:{env}" if isinstance(env, str) and env else f"feishu:group:{target.group_id}"

    def render(self, action: OutboundAction, target: Target) -> Sequence[FeishuMessage]:
        """Bodies for ``action``; ChannelConfigError when the bot's variables are not set."""
        messages = render_messages(action, target, self.msgtype)
        first = messages[0]
        require_env(self._env, "feishu", target.group_id, ("webhook_env", first.webhook_env),
                    ("secret_env", first.secret_env))
        return messages

    def send(self, payload: FeishuMessage, idempotency_key: str) -> SendResult:
        """Post one body, signed now. Feishu has no idempotency key: a retry after a lost answer may repeat."""
        address = robot_address(self._env, payload.webhook_env, payload.secret_env)
        if isinstance(address, Permanent):
            return address
        url, secret = address
        from sopengine_feishu.client import post

        return post(self._client, url, secret, dict(payload.body))

    def close(self) -> None:
        self._client.close()


@hookimpl
def register_channels(register: RegisterChannel) -> None:
    register("feishu", FeishuChannel)
