"""Turning one claimed action into an outcome: facts of the moment, ``when:``, render, send.

Pure of storage: it reads what it needs through the store, but writes nothing;
the runner records the outcomes. Channel sends are the only I/O, through the
injected channel objects.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping, Sequence

from sqlalchemy.exc import SQLAlchemyError

from sopengine.channels import (
    Channel, ChannelConfigError, Ok, Permanent, RateLimit, Retryable, SendResult, Target,
)
from sopengine.kinds import StepBase
from sopengine.store import (
    AttemptRecord, ClaimedAction, DataStore, DueSoon, Outcome, StoredGroup, states,
)
from sopengine.planning.planner import step_is_manual
from sopengine.rendering.actions import outbound
from sopengine.rendering.templating import TemplateProblem, precompile
from sopengine.daemon.redact import redact_recorded, secrets_named
from sopengine.daemon.retry import RetryPolicy


#: Outcomes are recorded at least this often while a batch is dispatched (count, wall seconds):
#: after a crash, the duplicates are at most what was sent since.
RECORD_EVERY = 200
RECORD_SECONDS = 0.25
#: Files kept in memory between sends (each at most 20 MB; a burst sends the same few).
MEDIA_KEPT = 8
#: Group rows kept between batches (a few MB): the groups a day's sends go to, read once.
GROUPS_KEPT = 20_000


@dataclass
class Dispatcher:
    """Dispatches claimed actions through ``channels`` (name → channel instance)."""

    store: DataStore
    channels: Mapping[str, Channel]
    now: Callable[[], datetime]
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    #: Where the variables group settings name are read: their values are redacted from reasons.
    env: Mapping[str, str] = field(default_factory=dict)
    _groups: dict[str, StoredGroup] = field(default_factory=dict, repr=False)
    _media_cache: dict[str, bytes | None] = field(default_factory=dict, repr=False)
    _groups_revision: int = -1

    def dispatch(self, claimed: Sequence[ClaimedAction], stop: Callable[[], bool] = lambda: False,
                 record: Callable[[list[Outcome]], None] | None = None) -> list[Outcome]:
        """Outcomes of ``claimed``, in order, until ``stop()`` says to stop (the rest are not started).

        ``record`` is handed the outcomes as they come, at least every :data:`RECORD_EVERY`
        outcomes and :data:`RECORD_SECONDS` seconds, and the rest at the end: after a crash only
        what was sent since then can be sent again. Never raises for one action's problem.
        Sends within the batch count towards rate limits together with those already recorded.
        """
        group_rows = self._group_rows({c.group_id for c in claimed})
        recent = self._recent_sends(claimed, group_rows)
        outcomes: list[Outcome] = []
        pending: list[Outcome] = []
        since = time.monotonic()
        for c in claimed:
            if stop():
                break
            outcome = self._one_safely(c, group_rows.get(c.group_id), recent)
            outcomes.append(outcome)
            if record is not None:
                pending.append(outcome)
                if len(pending) >= RECORD_EVERY or time.monotonic() - since >= RECORD_SECONDS:
                    record(pending)
                    pending, since = [], time.monotonic()
        if record is not None and pending:
            record(pending)
        return outcomes

    def prepare(self, due: DueSoon) -> None:
        """Load the SOP versions (templates compiled) and group rows the next actions need, ahead
        of time (while idle), so a burst starts sending at once and reads no group rows.

        The group rows are kept (up to :data:`GROUPS_KEPT`) until the store's setup revision moves
        (every change to a group moves it: apply, facts, events, pause, dissolution; a person's
        confirmation does not)."""
        try:
            self._group_rows(set(due.group_ids))
        except SQLAlchemyError:  # only a head start: dispatching reads them itself
            self._groups = {}
        for version_id in due.version_ids:
            try:
                sop = self.store.sop_version(version_id)
            except (LookupError, ValueError, SQLAlchemyError):  # dispatching reports it, with the action's key
                continue
            for step in sop.steps:
                for _, source in step.all_templates():
                    precompile(source)

    def _media(self, sha256: str) -> bytes | None:
        """A file's bytes, kept while the batches that send it run (a poster goes to every group)."""
        if sha256 not in self._media_cache:
            if len(self._media_cache) >= MEDIA_KEPT:
                self._media_cache.pop(next(iter(self._media_cache)))
            self._media_cache[sha256] = self.store.media(sha256)
        return self._media_cache[sha256]

    def _group_rows(self, ids: set[str]) -> dict[str, StoredGroup]:
        """Stored groups by id: those kept while the setup revision they were read at holds, the
        rest read now (and kept)."""
        revision = self.store.setup_revision()  # read first: rows read below are at least this recent
        if revision != self._groups_revision:
            self._groups, self._groups_revision = {}, revision
        missing = ids - self._groups.keys()
        if missing:
            if len(self._groups) + len(missing) > GROUPS_KEPT:
                self._groups = {}
            self._groups.update(self.store.groups_by_id(missing))
        return {i: self._groups[i] for i in ids if i in self._groups}

    def _recent_sends(self, claimed: Sequence[ClaimedAction],
                      rows: Mapping[str, StoredGroup]) -> dict[str, list[datetime]]:
        periods = [ch.capabilities.rate_limit.period for ch in self.channels.values() if ch.capabilities.rate_limit]
        if not periods:
            return {}
        keys = []
        for c in claimed:
            channel, row = self.channels.get(c.channel), rows.get(c.group_id)
            if channel is not None and channel.capabilities.rate_limit and row is not None:
                keys.append(channel.target_key(_target(row, c.channel)))
        return self.store.recent_sends(keys, self.now() - max(periods))

    def _one_safely(self, c: ClaimedAction, row: StoredGroup | None, recent: dict[str, list[datetime]]) -> Outcome:
        """:meth:`_one`, where anything one action's data raises fails that action alone, with the
        reason: bad data never stops the daemon or touches another action of the batch."""
        try:
            outcome = self._one(c, row, recent)
        except SQLAlchemyError:
            raise  # the store itself: the batch's leases are released and it is claimed again
        except Exception as exc:
            outcome = Outcome(c, states.FAILED, reason=f"cannot be dispatched: {type(exc).__name__}: {exc}")
        return self._redacted(outcome, row)

    def _redacted(self, outcome: Outcome, row: StoredGroup | None) -> Outcome:
        """``outcome`` with secrets masked in everything it records (see :mod:`.redact`)."""
        settings = row.group.channels.get(outcome.action.channel) or {} if row is not None else {}
        return redact_recorded(outcome, secrets_named(settings, self.env))

    def _one(self, c: ClaimedAction, row: StoredGroup | None, recent: dict[str, list[datetime]]) -> Outcome:
        if row is None:
            return Outcome(c, states.FAILED, reason=f"group {c.group_id!r} is not in the store")
        if row.dissolved_at is not None:
            return Outcome(c, states.CANCELLED, reason="group dissolved")
        channel = self.channels.get(c.channel)
        now = self.now()
        manual = bool(channel and channel.capabilities.manual)
        if now > c.deadline and not manual:
            return Outcome(c, states.MISSED, reason="past due + grace before it could be sent")
        try:
            sop = self.store.sop_version(c.version_id)
            sop.step(c.step)
        except KeyError:
            return Outcome(c, states.CANCELLED, reason=f"step {c.step!r} is no longer in SOP {c.sop_id!r}")
        group = row.group
        try:
            step, _, action = outbound(sop, group, c, channel.capabilities.escape if channel else None,
                                       self._media, self.store)
        except TemplateProblem as exc:
            return Outcome(c, states.FAILED, reason=str(exc))
        if action is None:
            return Outcome(c, states.SKIPPED, reason=f"when is false: {step.when}")
        if step.unless_active is not None:
            busy = recently_active(group.facts.get("last_message_at"), now, step.unless_active)
            if busy:
                return Outcome(c, states.SKIPPED, reason=f"group active: last message at {busy}")
        quiet = group.quiet or sop.quiet
        if quiet is not None and not step_is_manual(step, c.part) and quiet.defer(now, sop.timezone) != now:
            return _deferred(c, quiet.defer(now, sop.timezone), f"quiet hours {quiet}: deferred", manual)
        if channel is None:
            return Outcome(c, states.FAILED, reason=f"channel {c.channel!r} is not installed")
        limit = channel.capabilities.max_red_packet_amount
        # a red packet (its announcement too: never promise what cannot be sent) carries its size
        if limit is not None and "amount" in action.payload and "count" in action.payload:
            per_packet = float(action.payload["amount"]) / int(action.payload["count"])
            if per_packet > limit:
                return Outcome(c, states.FAILED, reason=(
                    f"¥{per_packet:.2f} per packet is over the {c.channel} limit of ¥{limit:.2f}: "
                    "lower amount or raise count"))
        target = _target(row, c.channel)
        try:
            bodies = list(channel.render(action, target))
        except ChannelConfigError as exc:
            return Outcome(c, states.FAILED, reason=f"channel {c.channel}: {exc}")
        return self._send(c, channel, target, bodies, recent, step)

    def _send(self, c: ClaimedAction, channel: Channel, target: Target, bodies: list[Any],
              recent: dict[str, list[datetime]], step: StepBase) -> Outcome:
        limit = channel.capabilities.rate_limit
        bucket = channel.target_key(target)
        todo = bodies[c.progress:]
        records: list[AttemptRecord] = []
        progress = c.progress
        result: SendResult = Ok()
        for index, body in enumerate(todo, start=c.progress):
            # every part counts against the target's limit: a post split in 60 parts is 60 sends
            free_at = _rate_limited_until(recent.get(bucket, []), limit, self.now()) if limit else None
            if limit is not None and free_at is not None:
                waiting = _deferred(c, free_at, f"rate limited: {limit.count} per {limit.period} for {bucket}",
                                    bool(channel.capabilities.manual))
                waiting.progress, waiting.attempts = progress, records  # the parts sent stay sent
                return waiting
            idempotency_key = c.key if len(bodies) == 1 else f"{c.key}#{index + 1}"
            started = self.now()
            try:
                result = channel.send(body, idempotency_key)
            except Exception as exc:  # an adapter bug must not stop the daemon; assume transient
                result = Retryable(f"{type(exc).__name__}: {exc}")
            finished = self.now()
            recent.setdefault(bucket, []).append(started)
            records.append(attempt_record(bucket, idempotency_key, started, finished, result))
            if not isinstance(result, Ok):
                break
            progress += 1
        return self._outcome(c, channel, result, records, progress, step)

    def _outcome(self, c: ClaimedAction, channel: Channel, result: SendResult, records: list[AttemptRecord],
                 progress: int, step: StepBase) -> Outcome:
        summary = records[-1].detail if records else ""
        if isinstance(result, Ok):
            manual = channel.capabilities.manual
            return Outcome(c, states.DUE if manual else states.SENT, provider_id=result.provider_id,
                           last_result="ok" + (f": {summary}" if summary else ""), progress=progress,
                           count_attempt=True, attempts=records, awaiting_operator=manual,
                           dissolves_group=step.traits(c.part).ends_group)
        if isinstance(result, Permanent):
            return Outcome(c, states.FAILED, reason=result.reason, last_result=f"permanent: {result.reason}",
                           progress=progress, count_attempt=True, attempts=records)
        verdict = self.policy.after(result, c.attempts + 1, self.now(), c.deadline)
        return Outcome(c, verdict.state, reason=verdict.reason, next_attempt_at=verdict.next_attempt_at,
                       last_result=f"retryable: {result.reason}", progress=progress, count_attempt=True,
                       attempts=records)


def _rate_limited_until(sent: Sequence[datetime], limit: RateLimit, now: datetime) -> datetime | None:
    """When the target is free again, if ``limit`` allows no send now (None: send now)."""
    window = [t for t in sent if t > now - limit.period]
    if len(window) < limit.count:
        return None
    return max(window[len(window) - limit.count] + limit.period, now + timedelta(seconds=1))


def _deferred(c: ClaimedAction, later: datetime, reason: str, manual: bool) -> Outcome:
    """Wait until ``later`` — unless that is past due + grace: then it is missed (an operator
    task: overdue) now. A waiting action's next attempt is never after its deadline, which is
    what lets the deadline sweep read the claim index."""
    if later > c.deadline:
        return Outcome(c, states.OVERDUE if manual else states.MISSED, reason=f"{reason} past due + grace")
    return Outcome(c, c.previous_state if c.previous_state in states.WAITING else states.PLANNED,
                   next_attempt_at=later, reason=reason)


def recently_active(last_message_at: Any, now: datetime, window: timedelta) -> str | None:
    """The fact's value when the group had a message within ``window`` before ``now``, else None."""
    if not last_message_at:
        return None
    try:
        moment = datetime.fromisoformat(str(last_message_at))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return str(last_message_at) if timedelta(0) <= now - moment < window else None


def _target(row: StoredGroup, channel: str) -> Target:
    group = row.group
    return Target(group.id, group.name, dict(group.channels.get(channel) or {}))


def attempt_record(bucket: str, idempotency_key: str, started: datetime, finished: datetime,
                   result: SendResult) -> AttemptRecord:
    """The attempts-table row of one send (an action's or a notice's)."""
    if isinstance(result, Ok):
        return AttemptRecord(bucket, idempotency_key, started, finished, "ok", result.provider_id, result.detail)
    if isinstance(result, Retryable):
        return AttemptRecord(bucket, idempotency_key, started, finished, "retryable", None, result.reason,
                             result.retry_after)
    return AttemptRecord(bucket, idempotency_key, started, finished, "permanent", None, result.reason)
