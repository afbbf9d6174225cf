"""WeCom's customer-contact API as the mass send uses it: an access token kept until it expires,
and calls that read ``{"errcode": …}`` answers. I/O through the injected ``httpx`` client."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx

from sopengine.plugin_api import Permanent, Retryable, SendResult, post_json, redact, status_result

TOKEN_PATH = "/cgi-bin/gettoken"
#: errcodes of a token that expired (42001) or is not valid (40014, 40001): fetch a new one, once.
TOKEN_ERRCODES = frozenset({42001, 40014, 40001})
#: errcodes worth retrying: system busy, API frequency limits.
RETRYABLE_ERRCODES = {-1: None, 45009: timedelta(minutes=1), 45033: timedelta(seconds=30),
                      45035: timedelta(minutes=1)}
#: A token is refreshed this long before WeCom says it expires.
TOKEN_MARGIN = 300.0


class ApiError(Exception):
    """A call that did not answer errcode 0: ``result`` is what it means for a send."""

    def __init__(self, result: SendResult, code: int | None = None):
        super().__init__(getattr(result, "reason", str(result)))
        self.result = result
        self.code = code


@dataclass
class WeComApi:
    """One corp app's API: ``corpid`` and ``secret`` (read from the environment by the channel)."""

    client: httpx.Client
    base_url: str
    corpid: str
    secret: str
    _token: str | None = None
    _expires: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def token(self, fresh: bool = False) -> str:
        """The access token, fetched when there is none, it nears expiry, or ``fresh``."""
        with self._lock:
            if fresh or self._token is None or time.monotonic() >= self._expires:
                answer = self._get(TOKEN_PATH, {"corpid": self.corpid, "corpsecret": self.secret})
                self._token = str(answer["access_token"])
                self._expires = time.monotonic() + float(answer.get("expires_in", 7200)) - TOKEN_MARGIN
            return self._token

    def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST ``body`` to ``path`` with the token (a new token and one more try when WeCom says
        the token expired); the answer, or ApiError."""
        for attempt in (0, 1):
            response = post_json(self.client, self.base_url + path, body, params={"access_token": self.token()},
                                 secrets=(self.secret, self._token))
            try:
                return self._read(response)
            except ApiError as exc:
                if exc.code in TOKEN_ERRCODES and attempt == 0:
                    self.token(fresh=True)
                    continue
                raise
        raise AssertionError("unreachable")  # the loop returns or raises

    def upload(self, path: str, name: str, data: bytes, media_type: str, kind: str | None = None) -> dict[str, Any]:
        """Upload a file (multipart ``media``) to ``path`` (``kind``: its ``type`` parameter); the
        answer, or ApiError."""
        params = {"access_token": self.token(), **({"type": kind} if kind else {})}
        try:
            response = self.client.post(self.base_url + path, params=params,
                                        files={"media": (name, data, media_type or "application/octet-stream")})
        except httpx.TransportError as exc:
            raise ApiError(Retryable(f"{type(exc).__name__}: {redact(str(exc), self.secret)}")) from None
        return self._read(response)

    def _get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        try:
            response = self.client.get(self.base_url + path, params=params)
        except httpx.TransportError as exc:
            raise ApiError(Retryable(f"{type(exc).__name__}: {redact(str(exc), self.secret)}")) from None
        return self._read(response)

    def _read(self, response: "httpx.Response | SendResult") -> dict[str, Any]:
        if not isinstance(response, httpx.Response):
            raise ApiError(response)
        by_status = status_result(response, None)
        if by_status is not None:
            raise ApiError(by_status)
        try:
            answer = response.json()
            code = int(answer.get("errcode", 0))
        except (ValueError, AttributeError, TypeError):
            raise ApiError(Retryable("HTTP 200 with an unreadable body")) from None
        if code == 0:
            return dict(answer)
        reason = redact(f"errcode {code}: {answer.get('errmsg', '')}", self.secret, self._token)
        if code in RETRYABLE_ERRCODES:
            raise ApiError(Retryable(reason, retry_after=RETRYABLE_ERRCODES[code]), code)
        raise ApiError(Permanent(reason), code)
