"""Labels of kinds, parts and weekdays, as operators read them (each kind says its own)."""

from __future__ import annotations

from typing import Mapping

from sopengine.kinds import KindRegistry, StepBase
from sopengine.words import say, word

_BUILTIN = KindRegistry()


def kind_label(kind: str, part: str | None = None, kinds: Mapping[str, type[StepBase]] = _BUILTIN) -> str:
    """``红包·预告`` style label of a kind and part, as the kind declares it (a key of the words
    catalogue or its own text); a kind ``kinds`` does not know is shown by its name."""
    model = kinds.get(kind)
    if model is None:
        return f"{kind}·{part}" if part else kind
    return word(model.traits(part).label if part else (model.label or kind))


def weekday_label(isoweekday: int) -> str:
    """周一 … 周日 (Mon … Sun)."""
    return say(f"weekday.{isoweekday}")
