"""Domain records the store reads back: actions (enough to render them again as the daemon does)
and groups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sopengine.model.group import Group
from sopengine.model.quiet import parse_quiet


@dataclass(frozen=True)
class ActionRecord:
    """An action row's identity, timing and rendering inputs (see :func:`sopengine.rendering.actions.outbound`).

    Readers add what their use needs: a claim its lease bookkeeping
    (:class:`.claims.ClaimedAction`), a display its state (:class:`.queries.StoredAction`).
    """

    key: str
    sop_id: str
    step: str
    part: str | None
    group_id: str
    kind: str
    channel: str
    due: datetime
    deadline: datetime
    day: int
    occurrence: int
    item: Any
    data: Any
    version_id: int


@dataclass(frozen=True)
class StoredGroup:
    """A group as the ledger holds it: with its current facts (imports and events merged in),
    whether it is paused, and when it was dissolved (None: it runs)."""

    group: Group
    paused: bool
    dissolved_at: datetime | None


def group_from_row(row: Any) -> Group:
    """A :class:`Group` (with its current facts) from a groups-table row."""
    start = row.start if isinstance(row.start, date) else date.fromisoformat(str(row.start))
    return Group(row.id, row.name, start, tuple(row.tags or ()), dict(row.facts or {}),
                 dict(row.channels or {}), dict(row.vars or {}), dict(row.pools or {}),
                 parse_quiet(row.quiet) if row.quiet else None,
                 operators=tuple(row.operators or ()),
                 roles=dict(row.roles or {}))


@dataclass(frozen=True)
class Confirmation:
    """Who moved an action to a state by hand, and when (from the audit)."""

    actor: str
    at: datetime
    from_state: str | None


@dataclass(frozen=True)
class TokenGrant:
    """What a valid workspace token lets in: one operator (by id), as a lead or not."""

    operator: str
    lead: bool
    expires_at: datetime | None


@dataclass(frozen=True)
class ExecutionRecord:
    """An action as an execution report counts it: its state now, when it finished, and who
    confirmed it (an audit actor such as ``operator:xiaoya``) when a person did."""

    key: str
    sop_id: str
    group_id: str
    step: str
    channel: str
    due: datetime
    deadline: datetime
    state: str
    finished_at: datetime | None
    confirmed_by: str | None


@dataclass(frozen=True)
class DayStats:
    """A group's numbers on one local day: members and active members as last imported that day
    (or before), messages, and how many joined (``member_joined`` events)."""

    day: date
    members: int | None
    active_members: int | None
    messages: int | None
    joins: int

    def to_json(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "members": self.members, "active_members": self.active_members,
                "messages": self.messages, "joins": self.joins}


@dataclass(frozen=True)
class AwaitingTask:
    """An operator task handed over and not yet confirmed: what a confirmation is decided on."""

    key: str
    group_id: str
    due: datetime
    deadline: datetime
    #: The ledger row (what :meth:`~.abc.DataStore.confirm_tasks` finds it by).
    id: int


@dataclass(frozen=True)
class HandedRecord:
    """An action a channel handed to a person to send, waiting for the provider's word."""

    key: str
    channel: str
    group_id: str
    provider_id: str
    due: datetime
    deadline: datetime
    reminded: bool


@dataclass(frozen=True)
class ExecutionTally:
    """How many actions of one group, channel and state, alike for an execution report (finished
    by their deadline or not; confirmed by the same person or by nobody): a span's figures
    without an object per action."""

    group_id: str
    channel: str
    state: str
    #: For done (or sent) actions: whether they finished by their deadline; else None.
    on_time: bool | None
    confirmed_by: str | None
    n: int
