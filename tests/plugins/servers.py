"""Local servers for channel tests: a real SMTP server (aiosmtpd with STARTTLS or implicit TLS, AUTH,
scripted refusals), a free loopback port, and settling pytest-httpserver after a stalled answer."""

from __future__ import annotations

import socket
import ssl
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any, Iterator

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session, SMTP
from pytest_httpserver import HTTPServer

USER, PASSWORD = "sop-bot", "pa55-w0rd-SECRET"
REFUSED = "nobody@example.com"  # 550 at RCPT
LATER = "later@example.com"  # 450 at RCPT
BUSY = "busy@example.com"  # 451 at DATA


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    authenticated: bool
    tls: bool

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=default)  # type: ignore[return-value]


@dataclass
class Mailbox:
    """aiosmtpd handler keeping every accepted mail."""

    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if address == REFUSED:
            return "550 5.1.1 No such mailbox"
        if address == LATER:
            return "450 4.2.1 Mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if BUSY in envelope.rcpt_tos:
            return "451 4.3.0 Temporary failure, try again"
        data = envelope.original_content or b""
        self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), data,
                                      bool(session.authenticated),
                                      server.transport is not None
                                      and server.transport.get_extra_info("ssl_object") is not None))
        return "250 Message accepted"


def authenticate(server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data == (USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok, handled=False)


def settled(httpserver: HTTPServer, requests: int = 1, within: float = 5.0) -> None:
    """Wait until a stalled handler has answered, so its request cannot leak into the next test's log."""
    deadline = time.monotonic() + within
    while len(httpserver.log) < requests and time.monotonic() < deadline:
        time.sleep(0.01)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(mailbox: Mailbox, tls: ssl.SSLContext, implicit: bool) -> Iterator[Controller]:
    """A started server on 127.0.0.1: STARTTLS required (or implicit TLS), AUTH only over TLS."""
    # aiosmtpd counts only STARTTLS as "TLS" for auth_require_tls, so implicit TLS must lift it.
    kwargs: dict[str, Any] = ({"ssl_context": tls, "auth_require_tls": False} if implicit else
                              {"tls_context": tls, "require_starttls": True, "auth_require_tls": True})
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), authenticator=authenticate,
                            server_hostname="mail.test", **kwargs)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()
