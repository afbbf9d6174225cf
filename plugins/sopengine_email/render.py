"""Pure rendering of actions into email drafts (plain text + HTML)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from email.utils import getaddresses
from typing import Any, Mapping

from sopengine.plugin_api import ChannelConfigError, OutboundAction, say, survey_text, Target

#: Parts a person must do: the mail is a marked note for the operator.
SUBJECT_CHARS = 60


@dataclass(frozen=True)
class EmailDraft:
    """One mail before it becomes a MIME message (that happens at send, with the Message-ID)."""

    sender: str
    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    #: Images shown in the HTML (``cid:`` references): (content id, bytes, media type).
    inline: tuple[tuple[str, bytes, str], ...] = ()
    #: Files attached: (file name, bytes, media type).
    files: tuple[tuple[str, bytes, str], ...] = ()


def recipients(target: Target) -> tuple[str, ...]:
    """``channels.email.to`` (a list of addresses, display names allowed); ChannelConfigError if unusable."""
    to = target.settings.get("to")
    if isinstance(to, str):
        to = [to]
    if not isinstance(to, list) or not to or not all(isinstance(a, str) for a in to):
        raise ChannelConfigError(f"group {target.group_id} has no channels.email.to (a list of addresses)")
    for address in to:
        parsed = getaddresses([address])
        if len(parsed) != 1 or "@" not in parsed[0][1]:
            raise ChannelConfigError(f"group {target.group_id}: not one email address: {address!r}")
    return tuple(to)


def subject(action: OutboundAction, target: Target) -> str:
    """``【group】`` and the first line of the copy (survey title, or a marked operator step)."""
    if action.payload.get("title") and action.payload.get("questions"):  # a survey: its title
        line = f"问卷：{action.payload['title']}"
    else:
        line = action.text.strip().split("\n", 1)[0].strip()
    if len(line) > SUBJECT_CHARS:
        line = line[:SUBJECT_CHARS - 1] + "…"
    mark = say("note.mark") if action.operator_only else ""
    return f"【{target.group_name}】{mark}{line}"


def survey_intro(payload: Mapping[str, Any]) -> str:
    """The intro the kind put between the title and the questions of its text ('' if none)."""
    text, title, questions = str(payload.get("text", "")), str(payload.get("title", "")), payload["questions"]
    head, _, rest = survey_text(title, None, list(questions)).partition("\n")
    if text.startswith(head + "\n") and text.endswith("\n" + rest):
        return text[len(head) + 1:len(text) - len(rest) - 1]
    return ""


def _survey_html(payload: Mapping[str, Any]) -> str:
    items = []
    for q in payload.get("questions") or ():
        choices = "".join(f"<li>{html.escape(str(c))}</li>" for c in q.get("choices") or ())
        sub = f'<ol type="A">{choices}</ol>' if choices else ""
        items.append(f"<li>{html.escape(str(q.get('ask', '')))}{sub}</li>")
    intro = survey_intro(payload)
    return (f"<h2>{html.escape(str(payload.get('title', '')))}</h2>{_paragraphs(intro) if intro else ''}"
            f"<ol>{''.join(items)}</ol>")


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{html.escape(block).replace(chr(10), '<br>')}</p>" for block in text.split("\n\n"))


def render_draft(action: OutboundAction, target: Target, sender: str) -> EmailDraft:
    """The draft for ``action``; header values are checked for line breaks only at send."""
    to = recipients(target)
    note = action.operator_only
    due = action.due.strftime("%Y-%m-%d %H:%M")
    meta = f"{target.group_name} · {action.kind}{'/' + action.part if action.part else ''} · {due}"
    text = f"{say('note.mark')}\n{action.text}" if note else action.text
    if action.payload.get("questions"):  # a survey carries its questions
        body = _survey_html(action.payload)
    else:
        body = _paragraphs(action.text)
    if note:
        body = (f'<div style="border-left:4px solid #e6a23c;padding:4px 12px">'
                f"<p><strong>{say('note.mark')}</strong></p>{body}</div>")
    extra_html, extra_text, inline, files = ("", "", (), ()) if note else _attachments(action)
    page = (f'<!DOCTYPE html><html><body style="font-family:sans-serif">'
            f'<p style="color:#888;font-size:12px">{html.escape(meta)}</p>{body}{extra_html}</body></html>')
    return EmailDraft(sender=sender, to=to, subject=subject(action, target),
                      text=f"{text}{extra_text}\n\n-- \n{meta}\n", html=page, inline=inline, files=files)


def _attachments(action: OutboundAction) -> tuple[str, str, tuple[tuple[str, bytes, str], ...],
                                                   tuple[tuple[str, bytes, str], ...]]:
    """(HTML after the text, plain text after it, inline images, attached files) of what the
    action carries: an image shown in the mail, a link card, a file attached (or linked)."""
    parts_html, parts_text = [], []
    inline: list[tuple[str, bytes, str]] = []
    files: list[tuple[str, bytes, str]] = []
    image = action.attachment("image")
    if image is not None:
        if image.data is not None:
            cid = f"{(image.sha256 or 'image')[:16]}@sopengine"
            inline.append((cid, image.data, image.media_type))
            source = f"cid:{cid}"
        else:
            source = image.url or ""
            parts_text.append(source)
        parts_html.append(f'<p><img src="{html.escape(source)}" alt="{html.escape(image.name)}" '
                          f'style="max-width:100%"></p>')
    link = action.attachment("link")
    if link is not None and link.url:
        picture = (f'<img src="{html.escape(link.picture)}" alt="" style="max-width:120px;float:right">'
                   if link.picture else "")
        parts_html.append(f'<div style="border:1px solid #ddd;border-radius:6px;padding:8px 12px">{picture}'
                          f'<p><a href="{html.escape(link.url)}"><strong>{html.escape(link.title)}</strong></a></p>'
                          f'<p style="color:#666">{html.escape(link.description)}</p></div>')
        parts_text.append(f"{link.title} {link.url}")
    attached = action.attachment("file")
    if attached is not None:
        if attached.data is not None:
            files.append((attached.name, attached.data, attached.media_type))
        elif attached.url:
            parts_html.append(f'<p><a href="{html.escape(attached.url)}">{html.escape(attached.name)}</a></p>')
            parts_text.append(f"{attached.name} {attached.url}")
    text = "".join(f"\n\n{t}" for t in parts_text)
    return "".join(parts_html), text, tuple(inline), tuple(files)
