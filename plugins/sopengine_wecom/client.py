"""Posting to a WeCom robot and reading its answer into a SendResult."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Callable

import httpx

from sopengine.plugin_api import Ok, Permanent, Retryable, SendResult

#: errcodes worth retrying: frequency limit (20/min per robot), concurrency limit, system busy.
RETRYABLE_ERRCODES = {45009: timedelta(minutes=1), 45033: None, -1: None}


def retry_after(value: str | None, now: Callable[[], datetime] | None) -> timedelta | None:
    """A ``Retry-After`` header (seconds or an HTTP date) as a delay; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = now() if now else datetime.now(timezone.utc)
    return max(when - current, timedelta(0))


def redact(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text


def post(client: httpx.Client, url: str, key: str, body: Any,
         now: Callable[[], datetime] | None) -> SendResult:
    """POST ``body`` to the robot ``key``; never raises for a network or server failure."""
    try:
        response = client.post(url, params={"key": key}, json=body)
    except httpx.TimeoutException as exc:  # past connecting, the robot may have posted it
        return Retryable(f"timed out ({type(exc).__name__})", maybe_delivered=not isinstance(exc, httpx.ConnectTimeout))
    except httpx.TransportError as exc:
        return Retryable(f"{type(exc).__name__}: {redact(str(exc), key)}")
    return read_answer(response, now)


def read_answer(response: httpx.Response, now: Callable[[], datetime] | None) -> SendResult:
    """Map the robot's answer: HTTP status first, then ``errcode`` of a 200."""
    status = response.status_code
    if status == 429 or status >= 500:
        return Retryable(f"HTTP {status}", retry_after(response.headers.get("Retry-After"), now))
    if status != 200:
        return Permanent(f"HTTP {status}")
    try:
        answer = response.json()
        code = int(answer.get("errcode", -1))
    except (ValueError, AttributeError, TypeError):
        return Retryable("HTTP 200 with an unreadable body")
    if code == 0:
        return Ok()
    reason = f"errcode {code}: {str(answer.get('errmsg', ''))[:200]}"
    if code in RETRYABLE_ERRCODES:
        return Retryable(reason, RETRYABLE_ERRCODES[code])
    return Permanent(reason)
