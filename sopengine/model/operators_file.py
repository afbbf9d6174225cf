"""What a groups file's ``operators:`` and ``notices:`` may hold (pydantic models): validated by
the loader, described by ``sopengine schema``. The loaded forms are
:class:`sopengine.model.operators.Operator` and :class:`sopengine.model.notices.NoticeSettings`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from typing_extensions import Annotated

from sopengine.model.durations import parse_duration
from sopengine.model.notices import OFF, NoticeKind, parse_clock

class NoticeFields(BaseModel):
    """The settings an operator entry may carry and a groups file's ``notices:`` may default."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    digest: str | None = Field(None, description="When the day's tasks are sent to them (HH:MM, local), or `off`.")
    remind: str | None = Field(None, description="How long before each task they are reminded (`10m`), or `off`.")
    escalate: bool | None = Field(None, description="Whether the leads are told when their tasks go overdue.")
    timezone: str | None = Field(None, description="IANA zone of the digest time and the times they read.")

    @field_validator("digest")
    @classmethod
    def _digest(cls, value: str | None) -> str | None:
        if value is not None and value != OFF:
            parse_clock(value)
        return value

    @field_validator("remind")
    @classmethod
    def _remind(cls, value: str | None) -> str | None:
        if value is not None and value != OFF and parse_duration(value) <= timedelta(0):
            raise ValueError("remind must be longer than 0s (or `off`)")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r} (an IANA name like Asia/Shanghai)") from None
        return value


class NoticesModel(NoticeFields):
    """A groups file's ``notices:``: defaults for its operators, the workspace address, texts."""

    workspace_url: str | None = Field(None, description="The workspace's address, linked from every notice.")
    templates: dict[NoticeKind, str] = Field(default_factory=dict,
                                             description="Jinja2 texts replacing the built-in Chinese ones.")


OperatorId = Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]


class OperatorModel(NoticeFields):
    """One entry of a groups file's ``operators:`` list (with their own notice settings)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    id: OperatorId = Field(description="A stable id: links and the ledger name the operator by it.")
    name: str = Field(min_length=1, max_length=200, description="The name people know them by (小雅).")
    role: Literal["lead"] | None = Field(None, description="`lead`: sees every group's tasks and the team's counts.")
    notify: dict[str, Any] = Field(default_factory=dict,
                                   description="Where notices reach them: `channel:` and its settings.")
