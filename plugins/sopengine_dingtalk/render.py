"""Pure rendering of actions into DingTalk robot message bodies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from sopengine.plugin_api import ChannelConfigError, OutboundAction, Target, split_text

MSGTYPES = ("text", "markdown")
#: Bytes of content per message: well inside what a robot accepts, and readable on a phone.
LIMIT = 4000
NOTE_MARK = "【运营操作】"
#: DingTalk markdown has no escape character: markup openers in a fact become full-width forms.
_FULL_WIDTH = str.maketrans({"<": "＜", ">": "＞", "[": "［", "]": "］", "(": "（", ")": "）", "*": "＊",
                             "`": "｀", "#": "＃", "_": "＿", "!": "！"})


def escape_markdown(value: str) -> str:
    """``value`` as plain text inside a DingTalk markdown post."""
    return value.translate(_FULL_WIDTH)


@dataclass(frozen=True)
class DingTalkMessage:
    """One robot post: the env vars holding the webhook URL and the secret (never their values), and the body."""

    webhook_env: str
    secret_env: str | None
    body: Mapping[str, Any]

    @property
    def text(self) -> str:
        inner = self.body[self.body["msgtype"]]
        return str(inner.get("content", inner.get("text", "")))


def _env_name(target: Target, key: str, required: bool) -> str | None:
    name = target.settings.get(key)
    if name is None and not required:
        return None
    if not isinstance(name, str) or not name:
        raise ChannelConfigError(f"group {target.group_id} has no channels.dingtalk.{key}")
    return name


def _mobiles(target: Target, key: str) -> list[str]:
    value = target.settings.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) and str(v) for v in value):
        raise ChannelConfigError(f"group {target.group_id}: channels.dingtalk.{key} must be a list of mobiles")
    return [str(v) for v in value]


def render_messages(action: OutboundAction, target: Target, msgtype: str) -> list[DingTalkMessage]:
    """The bodies for ``action``: content split at line boundaries under :data:`LIMIT`; posts
    mention ``mentions`` (``"@all"``: everyone), operator notes mention ``operators``; mentions
    ride on the first body, and a mentioned mobile is written in the text, as DingTalk wants."""
    webhook = _env_name(target, "webhook_env", True)
    assert webhook is not None
    secret = _env_name(target, "secret_env", False)
    note = action.operator_only
    people = _mobiles(target, "operators" if note else "mentions")
    at_all = "@all" in people or action.mention_all
    mobiles = [p for p in people if p != "@all"]
    content = (NOTE_MARK if note else "") + action.text
    messages = []
    for i, piece in enumerate(split_text(content, LIMIT - 200)):  # room for the mentions written in
        at: dict[str, Any] = {"isAtAll": at_all and i == 0}
        if i == 0 and mobiles:
            at["atMobiles"] = mobiles
            piece += "\n" + " ".join(f"@{m}" for m in mobiles)
        if msgtype == "markdown":
            title = (NOTE_MARK if note else "") + (action.text.strip().splitlines() or [""])[0][:30]
            body: dict[str, Any] = {"msgtype": "markdown", "markdown": {"title": title, "text": piece}, "at": at}
        else:
            body = {"msgtype": "text", "text": {"content": piece}, "at": at}
        messages.append(DingTalkMessage(webhook, secret, body))
    return messages
