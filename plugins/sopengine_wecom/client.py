"""Posting to a WeCom robot and reading its answer into a SendResult."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

import httpx

from sopengine.plugin_api import SendResult, errcode_result, post_json

#: errcodes worth retrying: frequency limit (20/min per robot), concurrency limit, system busy.
RETRYABLE_ERRCODES = {45009: timedelta(minutes=1), 45033: None, -1: None}


def post(client: httpx.Client, url: str, key: str, body: Any,
         now: Callable[[], datetime] | None) -> SendResult:
    """POST ``body`` to the robot ``key``; never raises for a network or server failure."""
    response = post_json(client, url, body, params={"key": key}, secrets=(key,))
    if not isinstance(response, httpx.Response):
        return response
    return read_answer(response, now)


def read_answer(response: httpx.Response, now: Callable[[], datetime] | None) -> SendResult:
    """Map the robot's answer: HTTP status first, then ``errcode`` of a 200."""
    return errcode_result(response, RETRYABLE_ERRCODES, now=now)
