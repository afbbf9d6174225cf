"""Typed rule thresholds: each declared with a default and a parser.

A :class:`Param` parses a value written in a config file (already typed by
YAML) or on the command line (``--set rule.name=value``, always text) into the
value a rule sees. Every parser raises ``ValueError`` with a readable message
on a bad value; it never guesses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from sopengine.model.durations import format_duration, parse_duration

_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class Param:
    """One threshold of a rule: ``default`` (already parsed), ``parse`` and a one-line ``help``."""

    default: Any
    parse: Callable[[Any], Any]
    help: str
    #: How the value is written back for people (help texts, messages).
    show: Callable[[Any], str] = str


def parse_count(value: Any) -> int:
    """A whole number ≥ 0 (``3``, ``"3"``); ``ValueError`` otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"expected a whole number, got {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise ValueError(f"expected a whole number, got {value!r}")
    if number < 0:
        raise ValueError(f"expected a whole number of at least 0, got {number}")
    return number


def parse_duration_param(value: Any) -> timedelta:
    """A duration written like the SOP format's (``10m``, ``1h30m``); ``0`` means none."""
    if isinstance(value, timedelta):
        return value
    if value == 0 or value == "0":
        return timedelta(0)
    return parse_duration(str(value) if not isinstance(value, str) else value)


def show_duration(value: timedelta) -> str:
    """``10m`` for ten minutes (inverse of :func:`parse_duration_param`)."""
    return format_duration(value)


def parse_clock(value: Any) -> time:
    """A local wall-clock time ``HH:MM`` (24-hour)."""
    if isinstance(value, time):
        return value
    match = _CLOCK.match(str(value).strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"expected a time of day HH:MM (e.g. 22:30), got {value!r}")
    return time(int(match.group(1)), int(match.group(2)))


def show_clock(value: time) -> str:
    """``22:30``."""
    return value.strftime("%H:%M")


def parse_money(value: Any) -> Decimal:
    """An amount of yuan ≥ 0 (``0.5``, ``"0.5"``), kept exact as a Decimal."""
    if isinstance(value, bool):
        raise ValueError(f"expected an amount of yuan, got {value!r}")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"expected an amount of yuan, got {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"expected an amount of yuan of at least 0, got {value!r}")
    return amount


def parse_bool(value: Any) -> bool:
    """``true``/``false`` (also ``yes``/``no``, ``on``/``off``, ``1``/``0``)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise ValueError(f"expected true or false, got {value!r}")
