"""The loaded, resolved :class:`Sop` (its file's models are in :mod:`.sop_file`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping
from zoneinfo import ZoneInfo

from sopengine.model.problems import Problem, Severity

if TYPE_CHECKING:  # for annotations only: reading a ledger needs no step model
    from sopengine.kinds import StepBase
    from sopengine.model.quiet import QuietHours

#: Key of :attr:`Sop.positions` for the ``match:`` block (no step id has a colon).
MATCH_POSITION = ":match"
#: Key of :attr:`Sop.positions` for the ``calendar:`` line.
CALENDAR_POSITION = ":calendar"
#: The position key of the ``then:`` block.
THEN_POSITION = ":then"


@dataclass(frozen=True)
class Stage:
    """A stage as loaded."""

    id: str
    name: str = ""
    when: str | None = None


@dataclass(frozen=True)
class Then:
    """What follows a life, once: the SOP moved to, the tags added and removed."""

    move_to: str | None = None
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    members_to: str | None = None
    at: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"move_to": self.move_to, "add_tags": list(self.add_tags),
                               "remove_tags": list(self.remove_tags)}
        out.update({k: v for k, v in (("members_to", self.members_to), ("at", self.at)) if v})
        return out


@dataclass(frozen=True, eq=False)
class Sop:
    """A validated SOP, pools resolved, ready to plan. Immutable."""

    id: str
    title: str
    timezone: ZoneInfo
    steps: tuple[StepBase, ...]
    match_tags: tuple[str, ...] = ()
    match_where: str | None = None
    lifetime: int | None = None
    channel: str = "wechat"
    calendar: str | None = None
    quiet: QuietHours | None = None
    vars: dict[str, Any] = field(default_factory=dict)
    pools: dict[str, list[Any]] = field(default_factory=dict)
    path: Path | None = None
    content_hash: str = ""
    #: Findings that do not stop the SOP from running (e.g. a pool that runs out and repeats).
    warnings: tuple[Problem, ...] = ()
    #: Step id → 1-based (line, col) of the step in its file; empty for a stored version.
    positions: Mapping[str, tuple[int, int]] = field(default_factory=dict, repr=False)
    #: What follows the life of each of its groups (None: nothing).
    then: Then | None = None
    #: The stages a member goes through (steps with ``stage:`` follow them).
    stages: tuple[Stage, ...] = ()
    #: SHA-256 → bytes of the files its steps carry, as loaded (a stored version names them only:
    #: the ledger keeps the bytes).
    media: Mapping[str, bytes] = field(default_factory=dict, repr=False)

    @property
    def persistent(self) -> bool:
        """True when the SOP has no ``lifetime``."""
        return self.lifetime is None

    def step(self, step_id: str) -> StepBase:
        """The step with ``step_id``; KeyError if none."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def problem(self, step_id: str | None, message: str, severity: Severity = "error") -> Problem:
        """A problem at the step ``step_id`` of this SOP's file (its first line when unknown;
        :data:`MATCH_POSITION`: the ``match:`` block)."""
        line, col = self.positions.get(step_id or "", (1, 1))
        name = str(self.path) if self.path else f"SOP {self.id}"
        where = f"step {step_id!r}: " if step_id and not step_id.startswith(":") else ""
        return Problem(name, line, col, f"{where}{message}", severity)

    def step_index(self, step_id: str) -> int:
        """File order of the step (0-based)."""
        for i, step in enumerate(self.steps):
            if step.id == step_id:
                return i
        raise KeyError(step_id)
