"""What an entry of a groups file may hold (pydantic model): validated by the loader and the
spreadsheet reader, described by ``sopengine schema``. The loaded group is
:class:`sopengine.model.group.Group`."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from typing_extensions import Annotated

from sopengine.model.quiet import parse_quiet

GroupId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=120)]

#: Keys of a groups-file entry that are not facts.
STRUCTURAL_KEYS = frozenset({"id", "name", "start", "tags", "channels", "vars", "pools", "quiet", "roles"})


class GroupModel(BaseModel):
    """One entry of a groups file. Keys beyond the listed ones are facts."""

    model_config = ConfigDict(extra="allow", defer_build=True)
    id: GroupId
    name: str
    start: date
    tags: list[str] = Field(default_factory=list)
    members: int | None = Field(None, ge=0)
    channels: dict[str, dict[str, Any]] = Field(default_factory=dict)
    vars: dict[str, Any] = Field(default_factory=dict, description="Overrides of the SOP's vars.")
    pools: dict[str, list[Any]] = Field(default_factory=dict, description="Overrides of the SOP's pools.")
    quiet: str | None = Field(None, description="Quiet hours of this group (wins over the SOP's).")
    roles: dict[str, str] = Field(default_factory=dict,
                                  description="Role → who holds it in this group (群主: 暖暖妈), for a step's "
                                              "`operator:`.")

    @field_validator("quiet")
    @classmethod
    def _quiet(cls, value: str | None) -> str | None:
        if value is not None:
            parse_quiet(value)
        return value
