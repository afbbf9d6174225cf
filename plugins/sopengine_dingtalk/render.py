"""Pure rendering of actions into DingTalk robot message bodies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from sopengine.plugin_api import env_setting, id_list_setting, OutboundAction, say, split_text, Target

MSGTYPES = ("text", "markdown")
#: Bytes of content per message: well inside what a robot accepts, and readable on a phone.
LIMIT = 4000
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


def render_messages(action: OutboundAction, target: Target, msgtype: str) -> list[DingTalkMessage]:
    """The bodies for ``action``: content split at line boundaries under :data:`LIMIT`; posts
    mention ``mentions`` (``"@all"``: everyone), operator notes mention ``operators``; mentions
    ride on the first body, and a mentioned mobile is written in the text, as DingTalk wants."""
    webhook = env_setting(target, "dingtalk", "webhook_env")
    assert webhook is not None
    secret = env_setting(target, "dingtalk", "secret_env", required=False)
    note = action.operator_only
    people = id_list_setting(target, "dingtalk", "operators" if note else "mentions", "mobiles")
    at_all = "@all" in people or action.mention_all
    mobiles = [p for p in people if p != "@all"]
    content = (say("note.mark") if note else "") + action.text
    messages = []
    for i, piece in enumerate(split_text(content, LIMIT - 200)):  # room for the mentions written in
        at: dict[str, Any] = {"isAtAll": at_all and i == 0}
        if i == 0 and mobiles:
            at["atMobiles"] = mobiles
            piece += "\n" + " ".join(f"@{m}" for m in mobiles)
        if msgtype == "markdown":
            title = (say("note.mark") if note else "") + (action.text.strip().splitlines() or [""])[0][:30]
            body: dict[str, Any] = {"msgtype": "markdown", "markdown": {"title": title, "text": piece}, "at": at}
        else:
            body = {"msgtype": "text", "text": {"content": piece}, "at": at}
        messages.append(DingTalkMessage(webhook, secret, body))
    if not note:
        messages += [DingTalkMessage(webhook, secret, body) for body in attachment_bodies(action)]
    return messages


def attachment_bodies(action: OutboundAction) -> list[dict[str, Any]]:
    """The posts after the text: an image (by URL) as a markdown image, a link card as a ``link``
    message (DingTalk's robot takes addresses, not files)."""
    out: list[dict[str, Any]] = []
    title = (action.text.strip().splitlines() or [action.group_name])[0][:30]
    image = action.attachment("image")
    if image is not None and image.url:
        out.append({"msgtype": "markdown", "markdown": {"title": title, "text": f"![{image.name}]({image.url})"}})
    link = action.attachment("link")
    if link is not None and link.url:
        out.append({"msgtype": "link", "link": {"title": link.title, "text": link.description or link.title,
                                                "messageUrl": link.url, "picUrl": link.picture or ""}})
    return out
