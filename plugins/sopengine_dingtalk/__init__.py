"""Built-in ``dingtalk`` channel: DingTalk (钉钉) custom robots through their webhook.

Group settings (``channels.dingtalk``): ``webhook_env`` names the environment variable holding
the robot's whole webhook URL (``https://oapi.dingtalk.com/robot/send?access_token=…``);
``secret_env`` the variable holding its signing secret (加签), when the robot has one;
optional ``mentions`` (mobiles, or ``"@all"``) and ``operators`` (mobiles mentioned on operator
notes). Options: ``msgtype`` (``text`` default, or ``markdown``), ``timeout``.

A robot can only post: parts a person must do are posted as notes marked 【运营操作】. Requests
are signed on the wall clock, as DingTalk checks them, whatever clock the daemon runs on.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Mapping, Sequence

from sopengine.plugin_api import (
    Capabilities, ChannelConfigError, ChannelContext, OutboundAction, Permanent, RateLimit, RegisterChannel,
    SendResult, SettingProblem, Target, check_robot_settings, hookimpl, require_env, robot_address,
)

from sopengine_dingtalk.render import LIMIT, MSGTYPES, DingTalkMessage, escape_markdown, render_messages

__version__ = "0.1.0"
__all__ = ["DingTalkChannel", "DingTalkMessage"]


class DingTalkChannel:
    """Posts to DingTalk custom robots. One channel object serves every robot; ``close()`` frees its pool."""

    name = "dingtalk"

    def __init__(self, context: ChannelContext):
        options = context.options
        self.msgtype = str(options.get("msgtype", "text"))
        if self.msgtype not in MSGTYPES:
            raise ChannelConfigError(f"dingtalk msgtype must be one of {sorted(MSGTYPES)}, got {self.msgtype!r}")
        # A robot takes 20 messages a minute; past that it answers 130101 and then mutes for 10 minutes.
        self.capabilities = Capabilities(formats=frozenset(MSGTYPES), mentions=True, max_body_bytes=LIMIT,
                                         rate_limit=RateLimit(20, timedelta(minutes=1)),
                                         escape=escape_markdown if self.msgtype == "markdown" else None)
        self._env = context.env
        import httpx  # imported by the channel, not the plugin: `sopengine plan` never pays for it

        self._client = httpx.Client(transport=context.http, timeout=float(options.get("timeout", 10.0)))

    @staticmethod
    def check_settings(settings: Mapping[str, Any], env: Mapping[str, str]) -> list[SettingProblem]:
        """``webhook_env`` names the variable holding the webhook URL; ``secret_env`` the signing
        secret (optional); mentions are lists of mobiles."""
        return check_robot_settings(settings, env, lists=("mentions", "operators"), items="mobiles")

    def target_key(self, target: Target) -> str:
        """One bucket per robot (its webhook's env var name); never raises."""
        env = target.settings.get("webhook_env")
        return f"dingtalk:{env}" if isinstance(env, str) and env else f"dingtalk:group:{target.group_id}"

    def render(self, action: OutboundAction, target: Target) -> Sequence[DingTalkMessage]:
        """Bodies for ``action``; ChannelConfigError when the robot's variables are not set."""
        messages = render_messages(action, target, self.msgtype)
        first = messages[0]
        require_env(self._env, "dingtalk", target.group_id, ("webhook_env", first.webhook_env),
                    ("secret_env", first.secret_env))
        return messages

    def send(self, payload: DingTalkMessage, idempotency_key: str) -> SendResult:
        """Post one body, signed now. DingTalk has no idempotency key: a retry after a lost answer may repeat."""
        address = robot_address(self._env, payload.webhook_env, payload.secret_env)
        if isinstance(address, Permanent):
            return address
        url, secret = address
        from sopengine_dingtalk.client import post

        return post(self._client, url, secret, dict(payload.body))

    def close(self) -> None:
        self._client.close()


@hookimpl
def register_channels(register: RegisterChannel) -> None:
    register("dingtalk", DingTalkChannel)
