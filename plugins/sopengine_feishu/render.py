"""Pure rendering of actions into Feishu bot message bodies (text, post: rich text, or
interactive: a message card)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from sopengine.plugin_api import env_setting, id_list_setting, OutboundAction, say, split_text, Target

MSGTYPES = ("text", "post", "interactive")
#: A request body is at most 20 KB; content is split well under it (JSON and mentions add some).
LIMIT = 18_000


@dataclass(frozen=True)
class FeishuMessage:
    """One bot post: the env vars holding the webhook URL and the secret (never their values), and the body."""

    webhook_env: str
    secret_env: str | None
    body: Mapping[str, Any]

    @property
    def text(self) -> str:
        if "card" in self.body:  # a card: its markdown blocks
            return "\n".join(str(el.get("text", {}).get("content", "")) for el in self.body["card"]["elements"]
                             if el.get("tag") == "div")
        content = self.body["content"]
        if "text" in content:
            return str(content["text"])
        if "post" not in content:
            return ""
        rows = content["post"]["zh_cn"]["content"]
        return "\n".join("".join(str(el.get("text", "")) for el in row) for row in rows)


def render_messages(action: OutboundAction, target: Target, msgtype: str) -> list[FeishuMessage]:
    """The bodies for ``action``: content split at line boundaries under :data:`LIMIT`; posts
    mention ``mentions`` (``"all"``: everyone), operator notes mention ``operators``, on the
    first body only."""
    webhook = env_setting(target, "feishu", "webhook_env")
    assert webhook is not None
    secret = env_setting(target, "feishu", "secret_env", required=False)
    note = action.operator_only
    people = id_list_setting(target, "feishu", "operators" if note else "mentions", "open ids", numbers=False)
    if action.mention_all and "all" not in people:
        people = [*people, "all"]
    content = (say("note.mark") if note else "") + action.text
    if msgtype in ("text", "interactive"):  # a text's own "<at" could write a mention: shown, never parsed
        content = content.replace("<at", "＜at")
    messages = []
    for i, piece in enumerate(split_text(content, LIMIT - 500)):  # room for the mentions written in
        who = people if i == 0 else []
        body: dict[str, Any]
        if msgtype == "interactive":
            title = (say("note.mark") if note else "") + (action.text.strip().splitlines() or [""])[0][:30]
            mentions = " ".join(f"<at id={p}></at>" for p in who)
            elements: list[dict[str, Any]] = [{"tag": "div", "text": {
                "tag": "lark_md", "content": piece + (f"\n{mentions}" if mentions else "")}}]
            body = {"msg_type": "interactive", "card": {
                "config": {"wide_screen_mode": True},
                "header": {"template": "orange" if note else "blue",
                           "title": {"tag": "plain_text", "content": title}},
                "elements": elements}}
        elif msgtype == "post":
            rows: list[list[dict[str, Any]]] = [[{"tag": "text", "text": line}] for line in piece.split("\n")]
            if who:
                rows.append([{"tag": "at", "user_id": p} for p in who])
            title = (say("note.mark") if note else "") + (action.text.strip().splitlines() or [""])[0][:30]
            body = {"msg_type": "post",
                                    "content": {"post": {"zh_cn": {"title": title, "content": rows}}}}
        else:
            text = piece
            if who:
                text += " " + " ".join(f'<at user_id="{p}">{"所有人" if p == "all" else ""}</at>' for p in who)
            body = {"msg_type": "text", "content": {"text": text}}
        messages.append(FeishuMessage(webhook, secret, body))
    link = action.attachment("link")
    if link is not None and link.url and not note and msgtype == "interactive":  # a button on the last card
        card = messages[-1].body["card"]
        if link.description:
            card["elements"].append({"tag": "div", "text": {"tag": "plain_text", "content": link.description}})
        card["elements"].append({"tag": "action", "actions": [{"tag": "button", "type": "primary", "url": link.url,
                                                                "text": {"tag": "plain_text", "content": link.title}}]})
    elif link is not None and link.url and not note:  # a bot takes addresses, not files: the card as a post
        rows = [[{"tag": "a", "text": link.title, "href": link.url}]]
        if link.description:
            rows.append([{"tag": "text", "text": link.description}])
        messages.append(FeishuMessage(webhook, secret, {"msg_type": "post", "content": {
            "post": {"zh_cn": {"title": link.title, "content": rows}}}}))
    return messages
