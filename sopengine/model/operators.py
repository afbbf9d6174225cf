"""Operators: the people who do what no API can (paste the morning post, send the red packet,
rename the group), as a groups file declares them.

A groups file may list them beside its groups::

    operators:
      - {id: xiaoya, name: 小雅, role: lead}
      - {id: ajie, name: 阿杰, notify: {channel: wecom, webhook_env: AJIE_HOOK}}

A group names who does its tasks in its channel's settings (``channels.wechat.operator: 小雅``
or ``operators: [小雅, 阿杰]``), by id or by name. Someone named only in a group is known by
that name (:meth:`Roster.resolve`), so groups files without ``operators:`` keep working.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from sopengine.model.notices import NoticeSettings

@dataclass(frozen=True)
class Operator:
    """A person who does manual tasks. ``id`` is what the ledger records as who confirmed."""

    id: str
    name: str
    role: str | None = None
    notify: Mapping[str, Any] = field(default_factory=dict)
    #: When and how they are told (digest, reminders, escalations): see :mod:`.notices`.
    notices: NoticeSettings = field(default_factory=NoticeSettings)

    @property
    def is_lead(self) -> bool:
        return self.role == "lead"

    @property
    def notify_channel(self) -> str | None:
        """The channel notices reach them through (None: they are told nothing)."""
        channel = self.notify.get("channel")
        return str(channel) if channel else None

    @property
    def notify_settings(self) -> dict[str, Any]:
        """Their ``notify:`` without ``channel``: what that channel reads, as a group's settings."""
        return {k: v for k, v in self.notify.items() if k != "channel"}

    @property
    def refs(self) -> frozenset[str]:
        """What a group may call them by: the id or the name."""
        return frozenset({self.id, self.name})

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role, "notify": dict(self.notify),
                "notices": self.notices.to_json()}


@dataclass(frozen=True)
class Roster:
    """The declared operators, found by id or by name."""

    operators: tuple[Operator, ...] = ()

    def __post_init__(self) -> None:
        by_ref: dict[str, Operator] = {}
        for op in self.operators:
            by_ref.setdefault(op.name, op)
        for op in self.operators:
            by_ref[op.id] = op  # an id wins over someone else's name
        object.__setattr__(self, "_by_ref", by_ref)

    def find(self, ref: str) -> Operator | None:
        """The declared operator with this id or name, or None."""
        found: Operator | None = self._by_ref.get(ref)  # type: ignore[attr-defined]
        return found

    def resolve(self, ref: str) -> Operator:
        """The operator ``ref`` names: a declared one, or someone known only by that name."""
        return self.find(ref) or Operator(ref, ref)

    def everyone(self, named_in_groups: Iterable[str] = ()) -> list[Operator]:
        """The declared operators, then everyone else the groups name, each once, by id."""
        out = {op.id: op for op in self.operators}
        for ref in named_in_groups:
            op = self.resolve(ref)
            out.setdefault(op.id, op)
        return list(out.values())
