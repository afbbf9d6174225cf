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

from dataclasses import replace
from datetime import timedelta
from typing import Any, Mapping, Sequence

from sopengine.plugin_api import (
    Capabilities, ChannelConfigError, ChannelContext, OutboundAction, RateLimit, RegisterChannel, SendResult,
    SignedRobotChannel, Target, hookimpl,
)

from sopengine_dingtalk.render import LIMIT, MSGTYPES, DingTalkMessage, escape_markdown, render_messages

__version__ = "0.1.0"
__all__ = ["DingTalkChannel", "DingTalkMessage"]


class DingTalkChannel(SignedRobotChannel):
    """Posts to DingTalk custom robots. One channel object serves every robot; ``close()`` frees its pool."""

    name = "dingtalk"
    mention_items = "mobiles"
    #: What every robot carries, whatever its ``msgtype`` (an instance adds its escaping). A robot
    #: takes 20 messages a minute; past that it answers 130101 and then mutes for 10 minutes.
    capabilities = Capabilities(formats=frozenset(MSGTYPES), mentions=True, max_body_bytes=LIMIT,
                                rate_limit=RateLimit(20, timedelta(minutes=1)),
                                content=frozenset({"image_url", "link"}))

    def __init__(self, context: ChannelContext):
        self.msgtype = str(context.options.get("msgtype", "text"))
        if self.msgtype not in MSGTYPES:
            raise ChannelConfigError(f"dingtalk msgtype must be one of {sorted(MSGTYPES)}, got {self.msgtype!r}")
        self.capabilities = replace(type(self).capabilities,
                                    escape=escape_markdown if self.msgtype == "markdown" else None)
        super().__init__(context)

    def messages(self, action: OutboundAction, target: Target) -> Sequence[DingTalkMessage]:
        return render_messages(action, target, self.msgtype)

    def post(self, client: Any, url: str, secret: str | None, body: Mapping[str, Any]) -> SendResult:
        from sopengine_dingtalk.client import post

        return post(client, url, secret, dict(body))


@hookimpl
def register_channels(register: RegisterChannel) -> None:
    register("dingtalk", DingTalkChannel)
