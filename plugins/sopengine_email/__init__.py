"""Built-in ``email`` channel: each action as a multipart (text + HTML) mail over SMTP.

Options: ``host``, ``port`` (default by ``security``), ``security``
(``starttls`` default, ``ssl`` or ``none``), ``username_env``/``password_env``
(names of env vars with the login), ``from`` (``"社群运营 <ops@example.com>"``),
``timeout`` (seconds, default 10), ``ca_file`` (PEM bundle for a private CA).
Group settings (``channels.email``): ``to``, a list of addresses.

Every part is mailed, the parts a person must do (red packet send, task,
rename, dissolution grey avatar / rename / dissolve) marked 【运营操作】.
The Message-ID comes from the idempotency key, so a duplicate is recognisable.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping, Sequence

from sopengine.plugin_api import (
    Capabilities, ChannelConfigError, ChannelContext, OutboundAction, Permanent, RegisterChannel, SendResult,
    SettingProblem, Target, hookimpl,
)

from sopengine_email.render import EmailDraft, render_draft

__version__ = "0.1.0"
__all__ = ["EmailChannel", "EmailDraft"]


class EmailChannel:
    """Mails each action to the group's ``to`` list through one SMTP server."""

    name = "email"
    capabilities = Capabilities(formats=frozenset({"text", "html"}), content=frozenset({"image", "link", "file"}),
                                max_content_bytes={"image": 10 * 1024 * 1024, "file": 10 * 1024 * 1024})

    def __init__(self, context: ChannelContext):
        # smtplib, ssl and email.policy load with the channel, not the plugin: `sopengine plan` never needs them
        from sopengine_email.smtp import SECURITY_PORTS, SmtpConfig

        options = context.options
        security = str(options.get("security", "starttls"))
        if security not in SECURITY_PORTS:
            raise ChannelConfigError(f"email security must be one of {sorted(SECURITY_PORTS)}, got {security!r}")
        self._host = str(options.get("host", ""))
        self._sender = str(options.get("from", ""))
        self._config = SmtpConfig(
            host=self._host, port=int(options.get("port", SECURITY_PORTS[security])), security=security,
            username_env=options.get("username_env"), password_env=options.get("password_env"),
            timeout=float(options.get("timeout", 10.0)), ca_file=options.get("ca_file"))
        self._env = context.env
        self._now = context.now or (lambda: datetime.now(timezone.utc))

    @staticmethod
    def check_settings(settings: Mapping[str, Any], env: Mapping[str, str]) -> list[SettingProblem]:
        """``to``: one address or a list of them."""
        to = settings.get("to")
        addresses = [to] if isinstance(to, str) else to if isinstance(to, list) else None
        if not addresses:
            return [SettingProblem("needs to (an address or a list of addresses)")]
        bad = [a for a in addresses if not (isinstance(a, str) and "@" in a.strip("@"))]
        return [SettingProblem(f"to: not an email address: {a!r}", "to") for a in bad]

    def target_key(self, target: Target) -> str:
        return f"email:{target.group_id}"

    def render(self, action: OutboundAction, target: Target) -> Sequence[EmailDraft]:
        """One draft; ChannelConfigError without ``to`` addresses or a ``from`` option."""
        if not self._sender:
            raise ChannelConfigError("the email channel has no 'from' option")
        return [render_draft(action, target, self._sender)]

    def send(self, payload: EmailDraft, idempotency_key: str) -> SendResult:
        from sopengine_email.compose import HeaderInjection, compose, message_id
        from sopengine_email.smtp import deliver

        if not self._host:
            return Permanent("the email channel has no 'host' option")
        try:
            message = compose(payload, idempotency_key, self._now())
        except HeaderInjection as exc:
            return Permanent(f"refused to send: {exc}")
        except ValueError as exc:  # the email package refused a header value
            return Permanent(f"cannot build the message: {exc}")
        return deliver(message, self._config, self._env, message_id(idempotency_key, payload.sender))


@hookimpl
def register_channels(register: RegisterChannel) -> None:
    register("email", EmailChannel)
