"""The SOP file's top level (pydantic model) and the loaded, resolved :class:`Sop`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from typing_extensions import Annotated

from sopengine.model.fields import Identifier
from sopengine.kinds import StepBase
from sopengine.model.problems import Problem, Severity
from sopengine.model.quiet import QuietHours

#: Key of :attr:`Sop.positions` for the ``match:`` block (no step id has a colon).
MATCH_POSITION = ":match"
#: Key of :attr:`Sop.positions` for the ``calendar:`` line.
CALENDAR_POSITION = ":calendar"
#: The position key of the ``then:`` block.
THEN_POSITION = ":then"

Lifetime = Annotated[str, StringConstraints(pattern=r"^\d+d$")]


class MatchModel(BaseModel):
    """Which groups run the SOP: every tag listed, and ``where`` true over the facts."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    tags: list[str] = Field(default_factory=list)
    where: str | None = Field(None, description="Expression over `group` facts.")


class PoolFile(BaseModel):
    """A pool kept in a file next to the SOP (a YAML list)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    file: str


class StageModel(BaseModel):
    """One stage of a member's life in the group (新人, 活跃, 沉默, 核心): the first stage whose
    ``when`` holds for a member is theirs; one without ``when`` takes everyone else."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    id: Identifier = Field(description="How steps name it (`stage: silent`).")
    name: str = Field("", description="What people call it (沉默).")
    when: str | None = Field(None, description="Expression over `member` (`member.days_silent >= 14`).")


@dataclass(frozen=True)
class Stage:
    """A stage as loaded."""

    id: str
    name: str = ""
    when: str | None = None


class ThenModel(BaseModel):
    """``then:``: what follows a group's life (a course group becomes an alumni group)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    move_to: Identifier | None = Field(None, description="The SOP the group moves to (it takes that SOP's "
                                                         "`match.tags`).")
    add_tags: list[str] = Field(default_factory=list, description="Tags the group gets.")
    remove_tags: list[str] = Field(default_factory=list, description="Tags the group loses.")
    members_to: Identifier | None = Field(None, description="An SOP each member starts then (its `audience: "
                                                            "member` steps counted from that moment).")
    at: str | None = Field(None, description="A step of this SOP: it happens when that step's last action is "
                                             "due, not at the end of the life.")


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


class SopHeader(BaseModel):
    """Top-level keys of an SOP file; ``steps`` are validated one by one by kind."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    sop: Identifier = Field(description="Id: lowercase letters, digits, '-'; unique across files.")
    title: str = ""
    description: str | None = None
    timezone: str = Field("Asia/Shanghai", description="IANA zone; every time in the file is local to it.")
    match: MatchModel = Field(default_factory=lambda: MatchModel(where=None))
    lifetime: Lifetime | None = Field(None, description="A group's planned life, e.g. 21d. Omitted = persistent.")
    channel: str = Field("wechat", description="Default channel plugin of every step.")
    calendar: str | None = Field(None, description="Country code of public holidays, e.g. CN.")
    quiet: str | None = Field(None, description="Quiet hours, e.g. 22:30-07:30: nothing is planned inside.")
    vars: dict[str, Any] = Field(default_factory=dict)
    pools: dict[str, list[Any] | PoolFile] = Field(default_factory=dict)
    stages: list[StageModel] = Field(default_factory=list, description="Stages of a member's life in the group, "
                                                                      "for steps with `stage:`.")
    then: ThenModel | None = Field(None, description="What follows the life (`lifetime` SOPs): "
                                                     "`{move_to, add_tags, remove_tags}`, once.")
    steps: list[Any] = Field(min_length=1)


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
