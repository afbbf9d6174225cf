"""Durations as ops teams write them: ``30s``, ``10m``, ``2h``, ``1d``, ``1h30m``."""

from __future__ import annotations

import re
from datetime import timedelta

_PART = re.compile(r"(\d+)([dhms])")
_WHOLE = re.compile(r"^(?:\d+[dhms])+$")
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_ORDER = "dhms"


def parse_duration(text: str) -> timedelta:
    """Parse ``text`` into a timedelta.

    Units must appear at most once each and in the order d, h, m, s.
    Raises ``ValueError`` with a readable message otherwise.
    """
    if not isinstance(text, str):
        raise ValueError(f"a duration is text like '10m' or '1h30m', not {text!r}")
    s = text.strip()
    if not _WHOLE.match(s):
        raise ValueError(f"invalid duration {text!r}: use e.g. 30s, 10m, 2h, 1d or 1h30m")
    units = [u for _, u in _PART.findall(s)]
    if units != sorted(set(units), key=_ORDER.index):
        raise ValueError(f"invalid duration {text!r}: give each unit once, largest first (e.g. 1h30m)")
    return timedelta(seconds=sum(int(n) * _UNIT_SECONDS[u] for n, u in _PART.findall(s)))


def format_duration(value: timedelta) -> str:
    """Inverse of :func:`parse_duration` (``0s`` for zero)."""
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    out = []
    for unit in _ORDER:
        n, seconds = divmod(seconds, _UNIT_SECONDS[unit])
        if n:
            out.append(f"{n}{unit}")
    return sign + ("".join(out) or "0s")
