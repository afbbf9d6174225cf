"""The built-in lint rules, in the order they are documented."""

from __future__ import annotations

from sopengine.lint.rule import Rule
from sopengine.lint.rules.channels import OVER_QUOTA
from sopengine.lint.rules.content import STINGY_RED_PACKET, WALL_OF_TEXT
from sopengine.lint.rules.lifecycle import NO_DISSOLUTION, NO_RULES_DAY0, NO_SURVEY
from sopengine.lint.rules.rhythm import FEW_TOUCHES, IRREGULAR_TIME, QUIET_HOURS, TOO_MANY_PUSHES

RULES: tuple[Rule, ...] = (
    FEW_TOUCHES, TOO_MANY_PUSHES, IRREGULAR_TIME, WALL_OF_TEXT, NO_SURVEY,
    NO_DISSOLUTION, STINGY_RED_PACKET, NO_RULES_DAY0, QUIET_HOURS, OVER_QUOTA,
)

__all__ = ["RULES"]
