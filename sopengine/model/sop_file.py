"""What an SOP file's top level may hold (pydantic models): validated by the loader, described
by ``sopengine schema``. The loaded SOP is :class:`sopengine.model.sop.Sop`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from typing_extensions import Annotated

from sopengine.model.fields import Identifier

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
