"""Delivering a message over SMTP and mapping every failure to a SendResult."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Mapping

from sopengine.plugin_api import Ok, Permanent, Retryable, SendResult

SECURITY_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to connect; credentials are env var *names*."""

    host: str
    port: int
    security: str = "starttls"
    username_env: str | None = None
    password_env: str | None = None
    timeout: float = 10.0
    ca_file: str | None = None


def _code(code: int, text: str) -> SendResult:
    reason = f"SMTP {code} {text}"[:300]
    return Retryable(reason) if 400 <= code < 500 else Permanent(reason) if code >= 500 else Retryable(reason)


def _text(message: bytes | str) -> str:
    return message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)


def _refused(refused: Mapping[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{addr} ({code} {_text(msg)})" for addr, (code, msg) in sorted(refused.items()))


def deliver(message: EmailMessage, config: SmtpConfig, env: Mapping[str, str], provider_id: str) -> SendResult:
    """Send ``message``. Some recipients refused → Ok naming them; all refused → Permanent
    (Retryable if every refusal was temporary, 4xx). Never raises for a network or server failure."""
    names = [n for n in (config.username_env, config.password_env) if n]
    missing = [n for n in names if not env.get(n)]
    if missing:
        return Permanent(f"env var {', '.join(missing)} is not set")
    context = ssl.create_default_context(cafile=config.ca_file)
    try:
        if config.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        with smtp:
            if config.security == "starttls":
                smtp.starttls(context=context)
            if config.username_env:
                smtp.login(env[config.username_env], env.get(config.password_env or "", ""))
            refused = smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        temporary = all(400 <= code < 500 for code, _ in exc.recipients.values())
        reason = f"all recipients refused: {_refused(exc.recipients)}"
        return Retryable(reason) if temporary else Permanent(reason)
    except smtplib.SMTPResponseException as exc:  # auth, sender, data, helo, connect answers
        return _code(exc.smtp_code, _text(exc.smtp_error))
    except smtplib.SMTPNotSupportedError as exc:
        return Permanent(f"server does not support it: {exc}")
    except UnicodeEncodeError:  # smtplib sends the login as ASCII only
        return Permanent("the SMTP login (username_env/password_env) must be ASCII")
    except ssl.SSLError as exc:  # certificate or protocol mismatch: configuration, not luck
        return Permanent(f"TLS failed: {exc.reason or type(exc).__name__}")
    except (smtplib.SMTPException, OSError) as exc:  # disconnected, refused, timed out, DNS
        return Retryable(f"{type(exc).__name__}: {exc}"[:300])
    if refused:
        return Ok(provider_id=provider_id, detail=f"refused: {_refused(refused)}")
    return Ok(provider_id=provider_id)
