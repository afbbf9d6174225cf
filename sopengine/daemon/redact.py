"""Secrets never reach the ledger or the logs: what providers and libraries echo back is redacted.

A provider's error body may echo the request (a WeCom ``errmsg`` with the webhook URL and its
key), and an HTTP library's exception names the URL. Every reason and result the daemon records
or logs passes through :func:`redact`: the values of the environment variables a group's
settings name (``webhook_env``, ``token_env``, …) and anything shaped like a credential are
replaced by ``***``.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, Protocol, Sequence, TypeVar


class Recorded(Protocol):
    """What the daemon records of a send (an action's outcome, a notice's)."""

    reason: str | None
    last_result: str | None

    @property
    def attempts(self) -> Sequence[Any]: ...


R = TypeVar("R", bound=Recorded)

#: Credentials by shape: query parameters, Slack tokens and webhook paths, bearer tokens.
_SHAPES = re.compile(
    r"(?i)((?:key|access_token|token|secret|sign|password|passwd|pwd|signature)=)[^&\s\"'<>\])]+"
    r"|xox[abposr]-[A-Za-z0-9-]+"
    r"|(hooks\.slack\.com/services/)[^\s\"'<>\])]+"
    r"|(bearer\s+)[A-Za-z0-9._~+/=-]+"
    r"|(://[^/\s:@]+:)[^@\s/]+(@)")
#: Shorter secrets are not looked for by value (they would match ordinary words).
MIN_SECRET = 6


def _shape(match: re.Match[str]) -> str:
    if match.group(4) is not None:  # user:password@ in a URL
        return f"{match.group(4)}***{match.group(5)}"
    prefix = next((g for g in (match.group(1), match.group(2), match.group(3)) if g), "")
    return f"{prefix}***"


def secrets_named(settings: Mapping[str, object], env: Mapping[str, str]) -> list[str]:
    """The values of the environment variables ``settings`` name (keys ending in ``_env``)."""
    out = []
    for key, name in settings.items():
        if key.endswith("_env") and isinstance(name, str):
            value = env.get(name)
            if value and len(value) >= MIN_SECRET:
                out.append(value)
    return out


def redact(text: str | None, secrets: Iterable[str] = ()) -> str | None:
    """``text`` with every secret value in ``secrets`` and every credential-shaped part masked."""
    if not text:
        return text
    for secret in sorted(set(secrets), key=len, reverse=True):
        text = text.replace(secret, "***")
    return _SHAPES.sub(_shape, text)


def redact_recorded(outcome: R, secrets: Iterable[str]) -> R:
    """``outcome`` (an action's or a notice's) with ``secrets`` and credential shapes masked in
    everything it records: its reason, last result and each attempt's detail. Returns it."""
    secrets = list(secrets)
    outcome.reason = redact(outcome.reason, secrets)
    outcome.last_result = redact(outcome.last_result, secrets)
    for attempt in outcome.attempts:
        attempt.detail = redact(attempt.detail, secrets) or ""
    return outcome
