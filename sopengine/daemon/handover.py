"""Following up what channels handed to a person to send (a WeCom mass-send task the group
owner confirms in the client): ask the provider what became of each, every few minutes, and
remind the sender once, halfway to the deadline. The channels are the daemon's; the store and
the clock are given."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Mapping

from sopengine.channels import Channel, HandedOver, HandsOver, Ok, Target
from sopengine.daemon.logs import log_state
from sopengine.store import DataStore, NotFound, states

#: How often the provider is asked (WeCom counts these calls too).
POLL_EVERY = timedelta(minutes=5)
#: Tasks asked about per round.
POLL_BATCH = 500


@dataclass
class HandOverDesk:
    """The follow-up of handed-over actions for one daemon (``owner``)."""

    store: DataStore
    channels: Mapping[str, Channel]
    owner: str
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("sopengine.daemon"))
    _asked_at: datetime | None = None
    #: Tasks still waiting after the last round (the daemon wakes to ask again while any do).
    _waiting: int = 0

    #: The channels that hand sends over and can say how they went (a daemon's channels are fixed).
    following: dict[str, HandsOver] = field(init=False)

    def __post_init__(self) -> None:
        self.following = {name: ch for name, ch in self.channels.items() if isinstance(ch, HandsOver)}

    def step(self, now: Callable[[], datetime]) -> int:
        """Ask about waiting tasks when :data:`POLL_EVERY` has passed; returns actions settled."""
        following = self.following
        moment = now()
        if not following or (self._asked_at is not None and moment - self._asked_at < POLL_EVERY):
            return 0
        self._asked_at = moment
        records = self.store.handed_over(following, POLL_BATCH)
        self._waiting = len(records)
        if not records:
            return 0
        rows = self.store.groups_by_id({r.group_id for r in records})
        settled = 0
        for channel_name, channel in following.items():
            handed = []
            for r in records:
                row = rows.get(r.group_id)
                if r.channel != channel_name or row is None:
                    continue
                target = Target(row.group.id, row.group.name, dict(row.group.channels.get(channel_name) or {}))
                handed.append(HandedOver(r.key, r.provider_id, target, r.due, r.deadline, r.reminded))
            if not handed:
                continue
            try:
                outcomes = {s.key: s for s in channel.settle(handed)}
            except Exception as exc:  # the provider's trouble: asked again next round
                self.log.warning("settle failed", extra={"fields": {"channel": channel_name, "error": str(exc)}})
                continue
            for h in handed:
                outcome = outcomes.get(h.key)
                if outcome is not None and outcome.state in (states.SENT, states.FAILED):
                    settled += self._settle(h.key, outcome.state, outcome.reason, now())
                elif not h.reminded and moment >= h.due + (h.deadline - h.due) / 2:
                    self._remind(channel, h, now())
        self._waiting -= settled
        return settled

    def expect(self, at: datetime) -> None:
        """An action was just handed over: ask about it a round from now."""
        if not self._waiting:
            self._asked_at = at
        self._waiting += 1

    def next_due(self) -> datetime | None:
        """When to ask again: a round after the last one, while tasks wait (None: nothing to follow)."""
        if self._asked_at is None or not self._waiting:
            return None
        return self._asked_at + POLL_EVERY

    def _settle(self, key: str, state: str, reason: str, at: datetime) -> int:
        try:
            before = self.store.settle(key, state, reason, at, self.owner)
        except (NotFound, states.TransitionError):  # confirmed by hand meanwhile
            return 0
        log_state(self.log, key, before, state, reason=reason or None)
        return 1

    def _remind(self, channel: HandsOver, handed: HandedOver, at: datetime) -> None:
        try:
            result = channel.remind(handed)
        except Exception as exc:
            self.log.warning("remind failed", extra={"fields": {"key": handed.key, "error": str(exc)}})
            return
        if isinstance(result, Ok):
            self.store.note_reminded(handed.key, at, self.owner)
            self.log.info("reminded", extra={"fields": {"key": handed.key}})
