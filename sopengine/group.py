"""Groups: who runs an SOP, with their facts and per-channel addressing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from typing_extensions import Annotated

from .fact_types import typed_fact
from .quiet import QuietHours, parse_quiet

GroupId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=120)]

#: Keys of a groups-file entry that are not facts.
STRUCTURAL_KEYS = frozenset({"id", "name", "start", "tags", "channels", "vars", "pools", "quiet"})


class GroupModel(BaseModel):
    """One entry of a groups file. Keys beyond the listed ones are facts."""

    model_config = ConfigDict(extra="allow")
    id: GroupId
    name: str
    start: date
    tags: list[str] = Field(default_factory=list)
    members: int | None = Field(None, ge=0)
    channels: dict[str, dict[str, Any]] = Field(default_factory=dict)
    vars: dict[str, Any] = Field(default_factory=dict, description="Overrides of the SOP's vars.")
    pools: dict[str, list[Any]] = Field(default_factory=dict, description="Overrides of the SOP's pools.")
    quiet: str | None = Field(None, description="Quiet hours of this group (wins over the SOP's).")

    @field_validator("quiet")
    @classmethod
    def _quiet(cls, value: str | None) -> str | None:
        if value is not None:
            parse_quiet(value)
        return value


@dataclass(frozen=True, eq=False)
class Group:
    """A group and its facts (members, active members, any imported column)."""

    id: str
    name: str
    start: date
    tags: tuple[str, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    vars: dict[str, Any] = field(default_factory=dict)
    pools: dict[str, list[Any]] = field(default_factory=dict)
    quiet: QuietHours | None = None

    @classmethod
    def from_model(cls, model: GroupModel) -> "Group":
        """The group of a validated entry, its facts typed (ValueError for a fact of the wrong type)."""
        facts = {name: typed_fact(name, value) for name, value in (model.model_extra or {}).items()}
        if model.members is not None:
            facts["members"] = model.members
        return cls(model.id, model.name, model.start, tuple(model.tags), facts,
                   dict(model.channels), dict(model.vars), dict(model.pools),
                   parse_quiet(model.quiet) if model.quiet else None)

    def template_view(self) -> dict[str, Any]:
        """Plain data for templates: id, name, start (ISO), tags, then every fact."""
        return {"id": self.id, "name": self.name, "start": self.start.isoformat(),
                "tags": list(self.tags), **self.facts}
