"""Posting through slack_sdk (Web API or incoming webhook) and mapping answers to SendResults.

slack_sdk's retry handlers are disabled (the daemon owns retries and never
sleeps in a channel), and its logger is capped at WARNING because at DEBUG it
logs request URLs, and an incoming-webhook URL is a secret.
"""

from __future__ import annotations

import http.client
import logging
from datetime import timedelta
from typing import Any, Mapping
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient

from sopengine.plugin_api import Ok, Permanent, Retryable, SendResult

from sopengine_slack.blocks import SlackMessage

SDK_LOG = logging.getLogger("sopengine_slack.sdk")
SDK_LOG.setLevel(logging.WARNING)

#: Web API ``error`` codes worth retrying (everything else, e.g. invalid_auth, channel_not_found, is permanent).
RETRYABLE_ERRORS = frozenset({"ratelimited", "rate_limited", "internal_error", "fatal_error",
                              "service_unavailable", "request_timeout"})
NETWORK_ERRORS = (TimeoutError, URLError, ConnectionError, http.client.HTTPException, OSError)


def _retry_after(headers: Mapping[str, Any]) -> timedelta | None:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            value = value[0] if isinstance(value, list) and value else value
            if str(value).strip().isdigit():
                return timedelta(seconds=int(str(value).strip()))
    return None


def _redact(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text


def _answer(status: int, error: str, headers: Mapping[str, Any]) -> SendResult:
    reason = f"HTTP {status}: {error}"[:300]
    if status == 429 or error in RETRYABLE_ERRORS:
        return Retryable(reason, _retry_after(headers))
    if status >= 500:
        return Retryable(reason, _retry_after(headers))
    return Permanent(reason)


def post_api(message: SlackMessage, token: str, base_url: str, timeout: float, idempotency_key: str) -> SendResult:
    """chat.postMessage; the idempotency key travels as message metadata so duplicates are findable."""
    client = WebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=[], logger=SDK_LOG)  # type: ignore[arg-type]
    try:
        response = client.chat_postMessage(
            channel=message.channel or "", text=message.text, blocks=[dict(b) for b in message.blocks],
            unfurl_links=False, unfurl_media=False,
            metadata={"event_type": "sopengine_action", "event_payload": {"key": idempotency_key}})
    except SlackApiError as exc:
        data = exc.response.data if isinstance(exc.response.data, dict) else {}
        return _answer(exc.response.status_code, str(data.get("error", "")), exc.response.headers)
    except NETWORK_ERRORS as exc:
        return Retryable(f"{type(exc).__name__}: {_redact(str(exc), token)}"[:300])
    except SlackClientError as exc:
        return Permanent(f"{type(exc).__name__}: {_redact(str(exc), token)}"[:300])
    return Ok(provider_id=f"{response.get('channel', message.channel)}:{response.get('ts', '')}")


def post_webhook(message: SlackMessage, url: str, timeout: float) -> SendResult:
    """An incoming-webhook post; the URL is the secret and never appears in a reason."""
    client = WebhookClient(url, timeout=timeout, retry_handlers=[], logger=SDK_LOG)  # type: ignore[arg-type]
    try:
        response = client.send(text=message.text, blocks=[dict(b) for b in message.blocks])
    except NETWORK_ERRORS as exc:
        return Retryable(f"{type(exc).__name__}: {_redact(str(exc), url)}"[:300])
    except SlackClientError as exc:
        return Permanent(f"{type(exc).__name__}: {_redact(str(exc), url)}"[:300])
    if response.status_code == 200:
        return Ok()
    return _answer(response.status_code, _redact(str(response.body or ""), url)[:100], response.headers)
