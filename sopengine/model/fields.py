"""Reusable pydantic field types of the SOP format (ids, durations)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, StringConstraints, WithJsonSchema

from sopengine.model.durations import format_duration, parse_duration

#: At least one unit, each at most once, largest first (what :func:`parse_duration` accepts).
DURATION_PATTERN = r"^(?=\d)(\d+d)?(\d+h)?(\d+m)?(\d+s)?$"


def _to_duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    return parse_duration(value)


Duration = Annotated[
    timedelta,
    BeforeValidator(_to_duration),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema({"type": "string", "pattern": DURATION_PATTERN, "examples": ["10m", "1h30m", "1d"]}),
]
"""A duration written ``30s``, ``10m``, ``2h``, ``1d`` or combined (``1h30m``)."""

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
"""An SOP id: lowercase letters, digits and '-'."""

StepId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$", max_length=80)]
"""A step id: letters, digits, '-' and '_' (it becomes part of action keys)."""
