"""Turning a draft into a MIME message (pure): headers, Message-ID, text + HTML alternatives."""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import getaddresses

from sopengine_email.render import EmailDraft


class HeaderInjection(ValueError):
    """A header value would carry a line break (and so could forge headers)."""


def message_id(idempotency_key: str, sender: str) -> str:
    """A Message-ID fixed by the idempotency key: a resent duplicate carries the same one."""
    domain = getaddresses([sender])[0][1].rpartition("@")[2] or "sopengine.invalid"
    return f"<{hashlib.sha256(idempotency_key.encode('utf-8')).hexdigest()[:40]}@{domain}>"


def compose(draft: EmailDraft, idempotency_key: str, date: datetime) -> EmailMessage:
    """The MIME message; HeaderInjection if any header value contains CR or LF."""
    headers = {"From": draft.sender, "To": ", ".join(draft.to), "Subject": draft.subject,
               "X-Sopengine-Key": idempotency_key}
    for name, value in headers.items():
        if "\r" in value or "\n" in value:
            raise HeaderInjection(f"{name} contains a line break")
    msg = EmailMessage(policy=SMTP)  # SMTP policy: RFC 2047-encoded non-ASCII headers, CRLF line ends
    for name, value in headers.items():
        msg[name] = value
    msg["Date"] = date
    msg["Message-ID"] = message_id(idempotency_key, draft.sender)
    msg.set_content(draft.text)
    msg.add_alternative(draft.html, subtype="html")
    if draft.inline:
        page = next(part for part in msg.iter_parts() if part.get_content_type() == "text/html")
        for cid, data, media_type in draft.inline:
            maintype, _, subtype = media_type.partition("/")
            page.add_related(data, maintype=maintype, subtype=subtype or "octet-stream", cid=f"<{cid}>")
    for name, data, media_type in draft.files:
        maintype, _, subtype = (media_type or "application/octet-stream").partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream", filename=name)
    return msg
