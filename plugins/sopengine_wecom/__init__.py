"""Built-in ``wecom`` channel: WeCom (企业微信) group robots through their webhook.

Group settings (``channels.wecom``): ``webhook_env`` names the environment
variable holding the robot's key; optional ``mentions`` (user ids, ``"@all"``),
``mention_mobiles`` and ``operators`` (user ids mentioned on operator notes).
Options: ``msgtype`` (``text`` default, or ``markdown``), ``base_url``, ``timeout``.

A robot can only post. Parts a person must do (red packet send, task, rename,
dissolution grey avatar / rename / dissolve) are posted as notes marked
【运营操作】, mentioning ``operators``. Long copy is split at line boundaries
under the robot's UTF-8 byte limit (2048 text, 4096 markdown).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any, Mapping, Sequence

from sopengine.plugin_api import (
    Capabilities, ChannelConfigError, ChannelContext, OutboundAction, Permanent, RateLimit, RegisterChannel,
    SendResult, SettingProblem, Target, check_env_setting, hookimpl,
)

from sopengine_wecom.render import IMAGE_BYTES, IMAGE_TYPES, LIMITS, WeComMessage, escape_markdown, render_messages

__version__ = "0.1.0"
__all__ = ["WeComChannel", "WeComMessage"]

DEFAULT_BASE_URL = "https://qyapi.weixin.qq.com"
SEND_PATH = "/cgi-bin/webhook/send"


class WeComChannel:
    """Posts to WeCom group robots. One channel object serves every robot; ``close()`` frees its pool."""

    name = "wecom"
    #: What every robot carries, whatever its ``msgtype`` (an instance adds its byte limit and escaping).
    capabilities = Capabilities(formats=frozenset(LIMITS), mentions=True,
                                rate_limit=RateLimit(20, timedelta(minutes=1)), content=frozenset({"image", "link"}),
                                max_content_bytes={"image": IMAGE_BYTES}, content_types={"image": IMAGE_TYPES})

    def __init__(self, context: ChannelContext):
        options = context.options
        self.msgtype = str(options.get("msgtype", "text"))
        if self.msgtype not in LIMITS:
            raise ChannelConfigError(f"wecom msgtype must be one of {sorted(LIMITS)}, got {self.msgtype!r}")
        # A robot takes 20 messages a minute; more answers errcode 45009.
        self.capabilities = replace(type(self).capabilities, max_body_bytes=LIMITS[self.msgtype],
                                    escape=escape_markdown if self.msgtype == "markdown" else None)
        self._env = context.env
        self._now = context.now
        self._url = str(options.get("base_url", DEFAULT_BASE_URL)).rstrip("/") + SEND_PATH
        import httpx  # imported by the channel, not the plugin: `sopengine plan` never pays for it

        self._client = httpx.Client(transport=context.http, timeout=float(options.get("timeout", 10.0)))

    @staticmethod
    def check_settings(settings: Mapping[str, Any], env: Mapping[str, str]) -> list[SettingProblem]:
        """``webhook_env`` names the variable holding the robot's key; mentions are lists of ids."""
        problems = check_env_setting(settings, "webhook_env", env, what="the variable holding the robot's key")
        for key in ("mentions", "mention_mobiles", "operators"):
            value = settings.get(key)
            if value is not None and not (isinstance(value, list) and all(isinstance(v, (str, int)) for v in value)):
                problems.append(SettingProblem(f"{key} is a list of user ids, got {value!r}", key))
        return problems

    def target_key(self, target: Target) -> str:
        """One bucket per robot (its key's env var name); never raises."""
        env = target.settings.get("webhook_env")
        return f"wecom:{env}" if isinstance(env, str) and env else f"wecom:group:{target.group_id}"

    def render(self, action: OutboundAction, target: Target) -> Sequence[WeComMessage]:
        """Bodies for ``action``; ChannelConfigError if the group names no robot or its key is not set."""
        messages = render_messages(action, target, self.msgtype)
        if not self._env.get(messages[0].webhook_env):
            raise ChannelConfigError(f"group {target.group_id}: env var {messages[0].webhook_env} "
                                     "(channels.wecom.webhook_env) is not set")
        return messages

    def send(self, payload: WeComMessage, idempotency_key: str) -> SendResult:
        """Post one body. WeCom has no idempotency key: a retried post after a lost answer may repeat."""
        key = self._env.get(payload.webhook_env)
        if not key:
            return Permanent(f"env var {payload.webhook_env} is not set")
        from sopengine_wecom.client import post

        return post(self._client, self._url, key, dict(payload.body), self._now)

    def close(self) -> None:
        self._client.close()


@hookimpl
def register_channels(register: RegisterChannel) -> None:
    register("wecom", WeComChannel)
