"""Posting to a Feishu bot (signed on the wall clock) and reading its answer."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import timedelta
from typing import Any

import httpx

from sopengine.plugin_api import Ok, Permanent, Retryable, SendResult, post_json, redact, status_result

#: codes worth retrying: request too frequent (11232: over 5 a second or 100 a minute).
RETRYABLE_CODES = {11232: timedelta(seconds=2)}


def sign(secret: str, timestamp_s: int) -> str:
    """Feishu's signature: HMAC-SHA256 keyed by ``timestamp + "\\n" + secret`` over an empty
    message, Base64."""
    key = f"{timestamp_s}\n{secret}".encode("utf-8")
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


def signed_body(body: Any, secret: str | None, timestamp_s: int | None = None) -> Any:
    if not secret:
        return body
    stamp = timestamp_s if timestamp_s is not None else int(time.time())  # what Feishu checks
    return {**body, "timestamp": str(stamp), "sign": sign(secret, stamp)}


def post(client: httpx.Client, url: str, secret: str | None, body: Any) -> SendResult:
    """POST ``body`` to the bot at ``url``; never raises for a network or server failure, and never
    puts the URL (it holds the bot's token) or the secret in a reason."""
    response = post_json(client, url, signed_body(body, secret), secrets=(url, secret))
    if not isinstance(response, httpx.Response):
        return response
    by_status = status_result(response, other_statuses_fail=False)  # a 400 carries Feishu's code
    if by_status is not None:
        return by_status
    status = response.status_code
    try:
        answer = response.json()
        code = int(answer.get("code", answer.get("StatusCode", -1)))
        message = str(answer.get("msg", answer.get("StatusMessage", "")))
    except (ValueError, AttributeError, TypeError):
        return Retryable(f"HTTP {status} with an unreadable body") if status == 200 else Permanent(f"HTTP {status}")
    if code == 0 and status == 200:
        return Ok()
    reason = f"code {code}: {redact(message[:200], url, secret)}"
    if code in RETRYABLE_CODES:
        return Retryable(reason, RETRYABLE_CODES[code])
    return Permanent(reason)  # 19021 signature, 19022 IP, 19024 keyword, 9499 bad request, …
