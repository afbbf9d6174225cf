"""What a lint rule is: a pure check over one SOP's plans, with its thresholds and why.

A rule's ``check`` is a pure function ``(sop, plans, params) -> hits``: it
reads the SOP and the plans of its groups (see :mod:`sopengine.lint.plans`),
never a file or a clock, and says *where* (a step id, or a top-level key of
the SOP file) and *what*. The engine turns hits into positioned findings,
applies suppression comments and deduplicates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

from sopengine.lint.params import Param

if TYPE_CHECKING:
    from sopengine.model.sop import Sop
    from sopengine.lint.plans import GroupPlan

Params = Mapping[str, Any]
"""A rule's resolved thresholds, by name (values already parsed)."""


@dataclass(frozen=True)
class Hit:
    """One thing a rule found in one SOP.

    ``step`` is the id of the step it is about, or None for the SOP as a
    whole; then ``key`` names the top-level key of the file it points at.
    """

    message: str
    step: str | None = None
    key: str = "steps"


RuleCheck = Callable[["Sop", "Sequence[GroupPlan]", Params], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    """A named best-practice check: id (kebab-case), the check, the one-line why, its thresholds."""

    id: str
    check: RuleCheck
    why: str
    summary: str
    params: Mapping[str, Param] = field(default_factory=dict)

    def defaults(self) -> dict[str, Any]:
        """Every threshold at its default value."""
        return {name: param.default for name, param in self.params.items()}
