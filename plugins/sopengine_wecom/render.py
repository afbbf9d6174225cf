"""Pure rendering of actions into WeCom robot message bodies."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any, Mapping

from sopengine.plugin_api import env_setting, id_list_setting, OutboundAction, say, split_text, Target


#: Content limits of one robot message, in UTF-8 bytes.
LIMITS = {"text": 2048, "markdown": 4096}
#: A robot's image: JPG or PNG, at most 2 MB before base64.
IMAGE_BYTES = 2 * 1024 * 1024
IMAGE_TYPES = frozenset({"image/png", "image/jpeg"})

#: WeCom markdown has no escape character: a value from facts or event data has the characters
#: that open markup (tags, links, emphasis, code, headings, quotes) replaced by their full-width
#: forms, which read the same to a Chinese reader and write no markup.
_MARKDOWN_FULL_WIDTH = str.maketrans({"<": "＜", ">": "＞", "[": "［", "]": "］", "(": "（", ")": "）",
                                      "*": "＊", "`": "｀", "#": "＃", "_": "＿"})


def escape_markdown(value: str) -> str:
    """``value`` as plain text inside a WeCom markdown post (a fact, a newcomer's name)."""
    return value.translate(_MARKDOWN_FULL_WIDTH)


@dataclass(frozen=True)
class WeComMessage:
    """One robot post: the env var holding the robot's key (never the key) and the JSON body."""

    webhook_env: str
    body: Mapping[str, Any]

    @property
    def text(self) -> str:
        """The content that counts against the robot's byte limit."""
        return str(self.body[self.body["msgtype"]].get("content", ""))


def is_operator_part(action: OutboundAction) -> bool:
    """A part a robot cannot perform (its kind says so): it posts a marked note for the operator."""
    return action.operator_only


def webhook_env(target: Target) -> str:
    name = env_setting(target, "wecom", "webhook_env")
    assert name is not None  # required: a missing one raises
    return name


def _markdown(action: OutboundAction) -> str:
    # Surveys keep the kinds' numbered text (title, intro, 1. ask, A. choice): markdown adds nothing.
    if is_operator_part(action):
        return f'<font color="warning">{say("note.mark")}</font>{action.text}'
    return action.text


def render_messages(action: OutboundAction, target: Target, msgtype: str) -> list[WeComMessage]:
    """The bodies for ``action``: content split at line boundaries under the byte limit.

    Ordinary posts mention ``mentions``/``mention_mobiles``; operator notes mention
    ``operators`` (user ids). Mentions ride on the first body only.
    """
    env = webhook_env(target)
    note = is_operator_part(action)
    users = id_list_setting(target, "wecom", "operators" if note else "mentions", "user ids / mobiles")
    if action.mention_all and "@all" not in users:
        users = [*users, "@all"]
    mobiles = [] if note else id_list_setting(target, "wecom", "mention_mobiles", "user ids / mobiles")
    if msgtype == "markdown":
        content = _markdown(action)
        tagged = [u for u in users if u != "@all"]  # markdown can tag users, not everyone
        if tagged:
            content += "\n" + " ".join(f"<@{u}>" for u in tagged)
    else:
        content = (say("note.mark") if note else "") + action.text
    messages = []
    for i, piece in enumerate(split_text(content, LIMITS[msgtype])):
        inner: dict[str, Any] = {"content": piece}
        if msgtype == "text" and i == 0:
            if users:
                inner["mentioned_list"] = users
            if mobiles:
                inner["mentioned_mobile_list"] = mobiles
        messages.append(WeComMessage(env, {"msgtype": msgtype, msgtype: inner}))
    if not note:
        messages += [WeComMessage(env, body) for body in attachment_bodies(action)]
    return messages


def attachment_bodies(action: OutboundAction) -> list[dict[str, Any]]:
    """The posts after the text: an image file as an ``image`` message (base64 and MD5 of its
    bytes); an image by URL and a link card as a ``news`` article."""
    out: list[dict[str, Any]] = []
    title = (action.text.strip().splitlines() or [action.group_name])[0][:128]
    image = action.attachment("image")
    if image is not None and image.data is not None:
        digest = hashlib.md5(image.data, usedforsecurity=False).hexdigest()  # what WeCom checks the bytes by
        out.append({"msgtype": "image", "image": {"base64": base64.b64encode(image.data).decode("ascii"),
                                                  "md5": digest}})
    elif image is not None and image.url:
        out.append({"msgtype": "news", "news": {"articles": [{"title": title, "url": image.url,
                                                             "picurl": image.url}]}})
    link = action.attachment("link")
    if link is not None and link.url:
        article = {"title": link.title, "url": link.url, "description": link.description,
                   "picurl": link.picture or ""}
        out.append({"msgtype": "news", "news": {"articles": [{k: v for k, v in article.items() if v}]}})
    return out
