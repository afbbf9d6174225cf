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
from typing import TYPE_CHECKING, Any, Literal, Mapping
from zoneinfo import ZoneInfo

from sopengine.model.durations import format_duration, parse_duration

if TYPE_CHECKING:
    from sopengine.model.operators_file import NoticeFields

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
        # a groups file's ``notices:`` (NoticesModel) also sets the workspace and the texts
        workspace_url, templates = getattr(fields, "workspace_url", None), getattr(fields, "templates", None)
        if workspace_url is not None or templates is not None:
            out = replace(out, workspace_url=workspace_url or out.workspace_url,
                          templates={**out.templates, **{str(k): v for k, v in (templates or {}).items()}})
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
        # the file's model checks what is read back too; imported here, as only a roster's reading
        # needs it, and a command that reads no roster then never loads pydantic
        from sopengine.model.operators_file import NoticesModel

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
