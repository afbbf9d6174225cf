"""The members of a group, as the store knows them (imported from a group tool's export, and
kept up to date by ``member_joined``/``member_left`` events), and the stage each is at.

Stages follow the usual stratification of community operations (seed 003): 核心 (core: tagged
so), 新人 (new: joined less than 7 days ago), 沉默 (silent: no message for 14 days), 活跃
(active: everyone else). They are computed, never stored: a member moves as time passes.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any, Mapping

#: The tags that make a member core (核心成员).
CORE_TAGS = frozenset({"核心", "core", "KOC", "koc"})
NEW_FOR = timedelta(days=7)
SILENT_AFTER = timedelta(days=14)
STAGES = ("core", "new", "silent", "active")


@dataclass(frozen=True)
class Member:
    """One member of one group. ``facts`` holds the rest of what was imported (``messages``,
    ``last_active_at`` as an ISO time with its offset, any column)."""

    group_id: str
    id: str
    name: str
    joined_at: datetime | None = None
    left_at: datetime | None = None
    tags: tuple[str, ...] = ()
    facts: Mapping[str, Any] = field(default_factory=dict)

    @property
    def present(self) -> bool:
        """Still in the group (not left)."""
        return self.left_at is None

    def last_active(self) -> datetime | None:
        value = self.facts.get("last_active_at")
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(str(value)) if value else None
        except ValueError:
            return None
        return moment if moment is not None and moment.tzinfo is not None else None

    def days_silent(self, now: datetime) -> int | None:
        """Whole days since the member last wrote (None: unknown), counted from joining when they never did."""
        since = self.last_active() or self.joined_at
        return None if since is None else max(0, (now - since).days)

    def days_in_group(self, now: datetime) -> int | None:
        return None if self.joined_at is None else max(0, (now - self.joined_at).days)

    def stage(self, now: datetime) -> str:
        """``core``, ``new``, ``silent`` or ``active`` at ``now`` (see the module)."""
        if CORE_TAGS & set(self.tags):
            return "core"
        if self.joined_at is not None and now - self.joined_at < NEW_FOR:
            return "new"
        silent = self.days_silent(now)
        if silent is None or silent >= SILENT_AFTER.days:
            return "silent"
        return "active"

    def template_view(self, now: datetime) -> dict[str, Any]:
        """Plain data for templates and rules: ``member.name``, ``member.days_silent`` …"""
        return {**dict(self.facts), "id": self.id, "name": self.name, "tags": list(self.tags),
                "joined_at": self.joined_at.isoformat() if self.joined_at else None,
                "days_silent": self.days_silent(now), "days_in_group": self.days_in_group(now),
                "stage": self.stage(now)}

    def to_json(self, now: datetime, zone: tzinfo | None = None) -> dict[str, Any]:
        """The fields of ``members --format json``, times in ``zone`` (else as kept)."""
        def local(t: datetime | None) -> str | None:
            return None if t is None else (t.astimezone(zone) if zone is not None else t).isoformat()
        return {"group": self.group_id, "id": self.id, "name": self.name,
                "joined_at": local(self.joined_at), "left_at": local(self.left_at), "tags": list(self.tags),
                "facts": {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in self.facts.items()},
                "stage": self.stage(now), "days_silent": self.days_silent(now)}


def member_segment(member_id: str) -> str:
    """The key segment naming a member (``m.`` and the id; an id a key cannot hold is hashed)."""
    if re.fullmatch(r"[A-Za-z0-9_.@-]{1,80}", member_id):
        return f"m.{member_id}"
    return "m." + hashlib.sha256(member_id.encode("utf-8")).hexdigest()[:16]
