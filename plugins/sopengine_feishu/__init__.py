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
    Capabilities, ChannelConfigError, ChannelContext, OutboundAction, RateLimit, RegisterChannel, SendResult,
    SignedRobotChannel, Target, hookimpl,
)

from sopengine_feishu.render import LIMIT, MSGTYPES, FeishuMessage, render_messages

__version__ = "0.1.0"
__all__ = ["FeishuChannel", "FeishuMessage"]


class FeishuChannel(SignedRobotChannel):
    """Posts to Feishu custom bots. One channel object serves every bot; ``close()`` frees its pool."""

    name = "feishu"
    mention_items = "open ids"
    #: A bot takes 100 messages a minute (and 5 a second: past it answers 11232, retried).
    capabilities = Capabilities(formats=frozenset(MSGTYPES), mentions=True, max_body_bytes=LIMIT,
                                rate_limit=RateLimit(100, timedelta(minutes=1)), content=frozenset({"link"}))

    def __init__(self, context: ChannelContext):
        self.msgtype = str(context.options.get("msgtype", "text"))
        if self.msgtype not in MSGTYPES:
            raise ChannelConfigError(f"feishu msgtype must be one of {sorted(MSGTYPES)}, got {self.msgtype!r}")
        super().__init__(context)

    def messages(self, action: OutboundAction, target: Target) -> Sequence[FeishuMessage]:
        return render_messages(action, target, self.msgtype)

    def post(self, client: Any, url: str, secret: str | None, body: Mapping[str, Any]) -> SendResult:
        from sopengine_feishu.client import post

        return post(client, url, secret, dict(body))


@hookimpl
def register_channels(register: RegisterChannel) -> None:
    register("feishu", FeishuChannel)
