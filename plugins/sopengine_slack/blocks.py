"""Pure rendering of actions into Slack messages: Block Kit blocks plus a text fallback."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from sopengine.plugin_api import OutboundAction, say, split_text, survey_text


SECTION_CHARS = 3000  # Block Kit: a section's text holds at most 3,000 characters
HEADER_CHARS = 150  # and a header's plain text 150
MAX_BLOCKS = 50

#: Parts a person must do: rendered as a clearly marked note for the operator.

Block = Mapping[str, Any]


@dataclass(frozen=True)
class SlackMessage:
    """One post. ``secret_env`` names the env var with the bot token (API) or the webhook URL."""

    secret_env: str
    webhook: bool
    channel: str | None
    text: str
    blocks: tuple[Block, ...]


def escape(text: str) -> str:
    """Slack's mrkdwn escaping: only &, < and > are special."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escaped_size(ch: str) -> int:
    return len(escape(ch))


def section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}


def _chunks(text: str) -> list[str]:
    return [escape(piece) for piece in split_text(text, SECTION_CHARS, _escaped_size)]


def survey_intro(payload: Mapping[str, Any]) -> str:
    """The intro the kind put between the title and the questions of its text ('' if none)."""
    text, title, questions = str(payload.get("text", "")), str(payload.get("title", "")), payload["questions"]
    plain = survey_text(title, None, list(questions))
    head, _, rest = plain.partition("\n")
    if text.startswith(head + "\n") and text.endswith("\n" + rest):
        return text[len(head) + 1:len(text) - len(rest) - 1]
    return ""


def _survey_blocks(payload: Mapping[str, Any]) -> list[Block]:
    title = str(payload.get("title", ""))
    heading = title[:HEADER_CHARS] or say("kind.survey")
    blocks: list[Block] = [{"type": "header", "text": {"type": "plain_text", "text": heading}}]
    blocks += [section(chunk) for chunk in _chunks(survey_intro(payload)) if chunk]
    for n, q in enumerate(payload["questions"], 1):
        lines = [f"*{n}. {q.get('ask', '')}*"]
        choices = q.get("choices") or ()
        lines += [f"    {letter}. {c}" for letter, c in zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", choices, strict=False)]
        blocks += [section(chunk) for chunk in _chunks("\n".join(lines))]
    return blocks


def _note_blocks(action: OutboundAction) -> list[Block]:
    p = action.payload
    blocks: list[Block] = [{"type": "context", "elements": [
        {"type": "mrkdwn", "text": f":warning: *{say('note.mark').strip()}* {say('note.needs_person')}"}]}]
    blocks += [section(chunk) for chunk in _chunks(action.text)]
    if "amount" in p:  # a red packet carries its size
        fields = [(say("detail.amount_short"), f"¥{float(p['amount']):.2f}" if "amount" in p else None),
                  (say("detail.count_short"), p.get("count")), (say("detail.blessing"), p.get("blessing"))]
    else:
        fields = [(say("detail.name"), p.get("name"))]
    shown = [{"type": "mrkdwn", "text": f"*{label}*\n{escape(str(value))}"} for label, value in fields
             if value not in (None, "")]
    if shown:
        blocks.append({"type": "section", "fields": shown})
    return blocks


def render_blocks(action: OutboundAction) -> list[tuple[str, list[Block]]]:
    """(fallback text, blocks) of each message for ``action``.

    A post becomes one message per 3,000-character piece; a survey or an operator
    note is one message (split only past 50 blocks), its fallback the plain copy.
    """
    if action.operator_only:
        return _grouped(_note_blocks(action), say("note.mark") + action.text)
    if isinstance(action.payload.get("questions"), list):  # a survey carries its questions
        messages = _grouped(_survey_blocks(action.payload), action.text)
    else:
        messages = [(chunk, [section(chunk)]) for chunk in _chunks(action.text)]
    if action.mention_all and messages:  # Slack's @channel, on the first message only
        text, blocks = messages[0]
        messages[0] = ("<!channel> " + text, [section("<!channel>"), *blocks])
    extra = _attachment_blocks(action)
    if extra and messages:  # on the last message, under its text
        text, blocks = messages[-1]
        messages[-1] = (text, [*blocks, *extra][:MAX_BLOCKS])
    return messages


def _attachment_blocks(action: OutboundAction) -> list[Block]:
    """An image (by URL: Slack fetches it) as an image block, a link card as a section."""
    out: list[Block] = []
    image = action.attachment("image")
    if image is not None and image.url:
        out.append({"type": "image", "image_url": image.url, "alt_text": image.name or "image"})
    link = action.attachment("link")
    if link is not None and link.url:
        card = dict(section(f"<{link.url}|{escape(link.title)}>" + (f"\n{escape(link.description)}"
                                                                   if link.description else "")))
        if link.picture:
            card["accessory"] = {"type": "image", "image_url": link.picture, "alt_text": link.title}
        out.append(card)
    return out


def _grouped(blocks: list[Block], text: str) -> list[tuple[str, list[Block]]]:
    groups = [blocks[i:i + MAX_BLOCKS] for i in range(0, len(blocks), MAX_BLOCKS)]
    return [(escape(_clip(text)) if i == 0 else say("note.continued", n=i + 1, of=len(groups)), group)
            for i, group in enumerate(groups)]


def _clip(text: str) -> str:
    return text if len(text) <= SECTION_CHARS else text[:SECTION_CHARS - 1] + "…"
