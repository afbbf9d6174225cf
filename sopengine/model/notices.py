"""How an operator is told about their work: a morning digest, a reminder before each task, and
the lead's word when tasks go overdue (settings only; planning them is :mod:`sopengine.notices`).

A groups file sets them for everyone it declares, and an operator may set their own::

    notices:
      digest: "08:00"            # the day's tasks, each morning (off: none)
      remind: 10m                # before each task (off: none)
      escalate: true             # tell the leads when my tasks go overdue
      timezone: Asia/Shanghai
      workspace_url: https://ops.example.com/sop
      templates: {reminder: "⏰ {{ count }} 项任务 {{ time }} 到点"}
    operators:
      - {id: ajie, name: 阿杰, notify: {channel: wecom, webhook_env: AJIE_HOOK}, remind: 15m}

Nobody is told anything until they have ``notify:`` (where they are reached).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any, Literal, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sopengine.model.durations import format_duration, parse_duration

#: The three things a person is told, by the name their template goes by.
NOTICE_KINDS = ("digest", "reminder", "escalation")
NoticeKind = Literal["digest", "reminder", "escalation"]
OFF = "off"
DEFAULT_REMIND = timedelta(minutes=10)
DEFAULT_ZONE = "Asia/Shanghai"


def parse_clock(text: str) -> time:
    """``"08:00"`` as a time of day (ValueError with a readable message otherwise)."""
    try:
        hour, minute = (int(part) for part in str(text).split(":"))
        return time(hour, minute)
    except (ValueError, TypeError):
        raise ValueError(f"a time of day is HH:MM like '08:00', or 'off'; got {text!r}") from None


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


@dataclass(frozen=True)
class NoticeSettings:
    """One operator's resolved settings (``None``: that notice is off)."""

    digest: time | None = None
    remind: timedelta | None = DEFAULT_REMIND
    escalate: bool = True
    timezone: str = DEFAULT_ZONE
    workspace_url: str | None = None
    templates: Mapping[str, str] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def overlaid(self, fields: NoticeFields) -> "NoticeSettings":
        """These settings with what ``fields`` gives (a groups file's defaults, then the operator's)."""
        out = self
        if fields.digest is not None:
            out = replace(out, digest=None if fields.digest == OFF else parse_clock(fields.digest))
        if fields.remind is not None:
            out = replace(out, remind=None if fields.remind == OFF else parse_duration(fields.remind))
        if fields.escalate is not None:
            out = replace(out, escalate=fields.escalate)
        if fields.timezone is not None:
            out = replace(out, timezone=fields.timezone)
        if isinstance(fields, NoticesModel):
            out = replace(out, workspace_url=fields.workspace_url or out.workspace_url,
                          templates={**out.templates, **{str(k): v for k, v in fields.templates.items()}})
        return out

    def to_json(self) -> dict[str, Any]:
        return {"digest": self.digest.strftime("%H:%M") if self.digest else OFF,
                "remind": format_duration(self.remind) if self.remind else OFF,
                "escalate": self.escalate, "timezone": self.timezone,
                "workspace_url": self.workspace_url, "templates": dict(self.templates)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> "NoticeSettings":
        """The settings :meth:`to_json` wrote (defaults for what is absent: a row from before)."""
        if not data:
            return cls()
        model = NoticesModel.model_validate({k: v for k, v in data.items() if v is not None})
        return cls().overlaid(model)


@dataclass(frozen=True)
class PlannedNotice:
    """One notice to send: planning makes it, the store keeps it, the daemon sends it once.

    ``key`` is ``kind/recipient/local moment`` (the tasks' due time for a reminder, their
    deadline for an escalation, the day for a digest), so planning again finds the same notice.
    ``about`` is that moment; ``deadline`` the last moment it is worth sending; ``tasks`` the
    keys of the operator tasks it is about, each with whose task it is (operator ids)."""

    key: str
    kind: str
    operator: str
    channel: str
    due: datetime
    about: datetime
    deadline: datetime
    tasks: Mapping[str, tuple[str, ...]]

    def merged(self, other: "PlannedNotice") -> "PlannedNotice":
        """This notice about the tasks of both (same key), sent at the earlier time."""
        tasks = dict(self.tasks)
        for key, whose in other.tasks.items():
            tasks[key] = tuple(dict.fromkeys((*tasks.get(key, ()), *whose)))
        return replace(self, due=min(self.due, other.due), tasks=tasks)
