"""Posting to a DingTalk robot (signed on the wall clock) and reading its answer."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import timedelta
from typing import Any
from urllib.parse import quote_plus

import httpx

from sopengine.plugin_api import SendResult, errcode_result, post_json

#: errcodes worth retrying: too many messages (130101: muted for 10 minutes), system busy (-1).
RETRYABLE_ERRCODES = {130101: timedelta(minutes=10), -1: None}


def sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: HMAC-SHA256 keyed by the secret over ``timestamp + "\\n" + secret``,
    Base64, then URL-encoded."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode("utf-8"), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode("ascii"))


def signed_url(url: str, secret: str | None, timestamp_ms: int | None = None) -> str:
    if not secret:
        return url
    stamp = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)  # what DingTalk checks
    return f"{url}{'&' if '?' in url else '?'}timestamp={stamp}&sign={sign(secret, stamp)}"


def post(client: httpx.Client, url: str, secret: str | None, body: Any) -> SendResult:
    """POST ``body`` to the robot at ``url``; never raises for a network or server failure, and
    never puts the URL (it holds the access token) or the secret in a reason."""
    response = post_json(client, signed_url(url, secret), body, secrets=(url, secret))
    if not isinstance(response, httpx.Response):
        return response
    # 310000: signature, keyword or IP refused, and 300001, a bad token, are permanent
    return errcode_result(response, RETRYABLE_ERRCODES, secrets=(url, secret))
