"""The group facts the engine itself reads, and their types.

Any column may be a fact, but these few are read by the engine (red-packet sizes, ``when:``
rules, ``unless_active``), so a value of the wrong type is refused where it is written (a groups
file, a facts import) with its position, instead of breaking a send weeks later.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Callable, Mapping


def _count(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a whole number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        text = str(value).strip().replace(",", "")
        try:
            number = int(text)
        except ValueError:
            try:
                as_float = float(text)
            except ValueError:
                raise ValueError(f"{value!r} is not a whole number") from None
            if not as_float.is_integer():
                raise ValueError(f"{value!r} is not a whole number") from None
            number = int(as_float)
    if number < 0:
        raise ValueError(f"{value!r} is negative")
    return number


def _instant(value: Any) -> str:
    text = value.isoformat() if isinstance(value, datetime) else str(value).strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a time like 2026-09-20T14:50:00+08:00") from None
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset: write it like 2026-09-20T14:50:00+08:00")
    return moment.isoformat()


#: Fact name → (what it is, parser returning the stored value or raising ValueError).
KNOWN_FACTS: Mapping[str, tuple[str, Callable[[Any], Any]]] = {
    "members": ("a whole number of members", _count),
    "active_members": ("a whole number of members", _count),
    "messages_yesterday": ("a whole number of messages", _count),
    "last_message_at": ("a time with its UTC offset", _instant),
}


def typed_fact(name: str, value: Any) -> Any:
    """``value`` as the engine stores fact ``name``; ValueError (saying what was expected) when it
    is a known fact of another type, or a mapping (a fact is a value or a list, never a mapping)."""
    known = KNOWN_FACTS.get(name)
    if known is not None:
        what, parse = known
        try:
            return parse(value)
        except ValueError as exc:
            raise ValueError(f"fact {name!r} must be {what}: {exc}") from None
    if isinstance(value, Mapping):
        raise ValueError(f"fact {name!r} is a mapping; a fact is a value or a list of values")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"fact {name!r} is {value}, not a finite number")
    return value
