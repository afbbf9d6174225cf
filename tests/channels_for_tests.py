"""Channels for daemon tests: real objects with scripted answers (no patching)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable, Sequence

from sopengine.channels import (
    Capabilities, Ok, OutboundAction, Permanent, RateLimit, Retryable, SendResult, Target,
)


@dataclass
class RecordingChannel:
    """An automatic channel that records every send; ``script(key, n)`` decides each answer."""

    name: str = "wechat"
    script: Callable[[str, int], SendResult] | None = None
    rate_limit: RateLimit | None = None
    manual: bool = False
    sent: list[tuple[str, Any]] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(rate_limit=self.rate_limit, manual=self.manual)

    def target_key(self, target: Target) -> str:
        return f"{self.name}:{target.group_id}"

    def render(self, action: OutboundAction, target: Target) -> Sequence[dict[str, Any]]:
        return [{"key": action.key, "due": action.due, "text": action.text, "group": target.group_id}]

    def send(self, payload: dict[str, Any], idempotency_key: str) -> SendResult:
        with self.lock:
            n = self.calls.get(idempotency_key, 0) + 1
            self.calls[idempotency_key] = n
        result = self.script(idempotency_key, n) if self.script else Ok(provider_id=f"p-{idempotency_key}")
        if isinstance(result, Exception):
            raise result
        if isinstance(result, Ok):
            with self.lock:
                self.sent.append((idempotency_key, payload))
        return result


def fail_times(times: int, result: SendResult) -> Callable[[str, int], SendResult]:
    """Answer ``result`` for the first ``times`` calls of each key, then Ok."""
    return lambda key, n: result if n <= times else Ok(provider_id=key)


__all__ = ["Ok", "Permanent", "RecordingChannel", "Retryable", "fail_times", "timedelta"]
