"""The daemon's notice desk: plans notices from the ledger's operator tasks, and sends each
due one once through the channel its person is reached by.

What a notice is about is read again when it is sent (:meth:`DataStore.open_tasks`): a task
done, skipped, cancelled by a re-plan, or of a paused group or SOP is left out, and a notice left
with nothing to say is cancelled. Retries follow the daemon's :class:`RetryPolicy`; the store, the
channels and the clock are given, never found.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Collection, Mapping, Sequence

from sopengine.channels import Channel, ChannelConfigError, Ok, OutboundAction, Permanent, Retryable, Target
from sopengine.daemon.dispatcher import attempt_record
from sopengine.daemon.redact import redact_recorded, secrets_named
from sopengine.daemon.retry import RetryPolicy
from sopengine.model.operators import Operator, Roster
from sopengine.notices.planning import TaskSlot, plan_notices
from sopengine.notices.texts import NoticeTask, notice_context, render_notice
from sopengine.present.labels import kind_label
from sopengine.rendering.templating import TemplateProblem
from sopengine.store import AttemptRecord, DataStore, NoticeOutcome, StoredAction, StoredNotice, states

#: The span of tasks notices are planned from, around now: digests of tomorrow, escalations of
#: tasks due yesterday with a long grace.
LOOKBACK = timedelta(days=1)
LOOKAHEAD = timedelta(days=2)
#: Planning again while nothing changed waits until the span has moved this far.
REPLAN_EVERY = timedelta(hours=1)
#: What a notice's kind says about why it was cancelled (nothing left to tell).
NOTHING_LEFT = {"reminder": "the tasks were done, skipped or moved before the reminder",
                "digest": "no task left to do that day",
                "escalation": "the tasks were done in time"}


@dataclass
class NoticeDesk:
    """Plans and sends notices for one daemon (``owner``), over ``channels`` (name → instance);
    ``manual_channels``: the channels whose actions are operator tasks."""

    store: DataStore
    channels: Mapping[str, Channel]
    manual_channels: Collection[str]
    owner: str
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    env: Mapping[str, str] = field(default_factory=dict)
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("sopengine.daemon"))
    _planned_revision: int = -1
    _planned_at: datetime | None = None
    #: Whether anyone is reached by notices, or a notice waits (as of the last plan).
    _active: bool = True

    def plan(self, now: datetime, revision: int | None = None) -> int:
        """Plan the notices of the tasks around ``now`` (when what is planned changed, or the span
        has moved on); returns notice rows written. ``revision``: the store's setup revision, if
        the caller has read it. While nobody has ``notify:`` and no notice waits, this reads only
        that revision, and the desk sends nothing."""
        if revision is None:  # a confirmation only takes tasks away: dispatch sees it
            revision = self.store.setup_revision()
        if revision == self._planned_revision and (
                not self._active or (self._planned_at is not None and now - self._planned_at < REPLAN_EVERY)):
            return 0
        roster = self.store.roster()
        reached = any(op.notify_channel for op in roster.operators)
        self._active = reached or self.store.next_notice(now) is not None
        self._planned_revision, self._planned_at = revision, now
        if not reached:
            return 0
        slots = self._slots(now - LOOKBACK, now + LOOKAHEAD, roster)
        return self.store.plan_notices(plan_notices(slots, roster, now), now, self.owner)

    def _slots(self, since: datetime, until: datetime, roster: Roster) -> list[TaskSlot]:
        """The open operator tasks due in ``[since, until)``, each with who does it."""
        stored = [a for channel in sorted(self.manual_channels) for a in self.store.channel_actions(
            channel, since, until, in_states=(states.PLANNED, states.DUE, states.RETRYING))]
        groups = self.store.groups_by_id({a.group_id for a in stored})
        slots = []
        for a in stored:
            row = groups.get(a.group_id)
            if row is None or row.paused or row.dissolved_at is not None:
                continue
            slots.append(TaskSlot(a.key, a.due, a.deadline, self._assignees(a, row.group, roster)))
        return slots

    def _assignees(self, a: StoredAction, group: Any, roster: Roster) -> tuple[str, ...]:
        """Operator ids who do ``a``: the person its step names, or everyone its group names."""
        try:
            named = getattr(self.store.sop_version(a.version_id).step(a.step), "operator", None)
        except (KeyError, ValueError):
            named = None
        refs = [group.assignee(named)] if named else list(group.operators)
        return tuple(dict.fromkeys(roster.resolve(ref).id for ref in refs if ref))

    def next_due(self, now: datetime) -> datetime | None:
        """When a notice is next due (None while the desk has nothing to do)."""
        return self.store.next_notice(now) if self._active else None

    def dispatch(self, now: Callable[[], datetime], lease: timedelta, limit: int = 500,
                 stop: Callable[[], bool] = lambda: False) -> list[NoticeOutcome]:
        """Send every notice due now (up to ``limit`` per claim); returns what each came to."""
        out: list[NoticeOutcome] = []
        while self._active and not stop():
            claimed = self.store.claim_notices(now(), self.owner, limit, lease)
            if not claimed:
                break
            roster = self.store.roster()
            for i, notice in enumerate(claimed):
                if stop():
                    self.store.release_notices(claimed[i:], now(), self.owner)
                    return out
                outcome = self._one_safely(notice, roster, now)
                if self.store.record_notice(outcome, now(), self.owner):
                    self.log.info("state", extra={"fields": {
                        "key": notice.key, "from": states.DUE, "to": outcome.state, "notice": notice.kind,
                        "operator": notice.operator, "reason": outcome.reason}})
                    out.append(outcome)
        return out

    def _one_safely(self, notice: StoredNotice, roster: Roster, now: Callable[[], datetime]) -> NoticeOutcome:
        op = roster.find(notice.operator)
        try:
            outcome = self._one(notice, op, roster, now)
        except Exception as exc:  # one notice's bad data fails that notice alone
            outcome = NoticeOutcome(notice, states.FAILED, reason=f"cannot be sent: {type(exc).__name__}: {exc}")
        return redact_recorded(outcome, secrets_named(op.notify_settings, self.env) if op is not None else ())

    def _one(self, notice: StoredNotice, op: Operator | None, roster: Roster,
             now: Callable[[], datetime]) -> NoticeOutcome:
        if op is None or op.notify_channel is None:
            return NoticeOutcome(notice, states.CANCELLED, reason=f"{notice.operator} is no longer reached by notices")
        switched_off = {"reminder": op.notices.remind is None, "digest": op.notices.digest is None,
                        "escalation": not op.is_lead}
        if switched_off.get(notice.kind, False):
            return NoticeOutcome(notice, states.CANCELLED, reason=f"{notice.kind}s are off for {op.id}")
        moment = now()
        if moment > notice.deadline:
            return NoticeOutcome(notice, states.MISSED, reason="past the time it was worth sending")
        tasks = self.store.open_tasks(notice.tasks)
        if notice.kind == "escalation":
            tasks = [t for t in tasks if t.deadline <= moment]
        if not tasks:
            return NoticeOutcome(notice, states.CANCELLED, reason=NOTHING_LEFT.get(notice.kind, "nothing left"))
        channel = self.channels.get(op.notify_channel)
        if channel is None:
            return NoticeOutcome(notice, states.FAILED, reason=f"channel {op.notify_channel!r} is not installed")
        try:
            text = render_notice(notice.kind, self._context(notice, op, roster, tasks, moment), op.notices.templates)
        except TemplateProblem as exc:
            return NoticeOutcome(notice, states.FAILED, reason=f"{notice.kind} template: {exc}")
        action = OutboundAction(key=notice.key, sop="", step=notice.kind, part=None, kind=notice.kind,
                                group_id=op.id, group_name=op.name, due=notice.due, payload={"text": text})
        target = Target(op.id, op.name, op.notify_settings)
        try:
            bodies = list(channel.render(action, target))
        except ChannelConfigError as exc:
            return NoticeOutcome(notice, states.FAILED, reason=f"channel {op.notify_channel}: {exc}")
        return self._send(notice, channel, target, bodies, now)

    def _context(self, notice: StoredNotice, op: Operator, roster: Roster, tasks: Sequence[StoredAction],
                 moment: datetime) -> dict[str, Any]:
        names = {g: row.group.name for g, row in self.store.groups_by_id({t.group_id for t in tasks}).items()}
        said = [NoticeTask(t.key, t.due, names.get(t.group_id, t.group_id), kind_label(t.kind, t.part),
                           tuple(roster.resolve(who).name for who in notice.tasks.get(t.key, ())))
                for t in tasks]
        return notice_context(notice.kind, op.name, said, notice.about, moment, op.notices.zone,
                              op.notices.workspace_url)

    def _send(self, notice: StoredNotice, channel: Channel, target: Target, bodies: list[Any],
              now: Callable[[], datetime]) -> NoticeOutcome:
        records: list[AttemptRecord] = []
        progress = notice.progress
        bucket = channel.target_key(target)
        result: Any = Ok()
        for index in range(notice.progress, len(bodies)):
            idempotency_key = notice.key if len(bodies) == 1 else f"{notice.key}#{index + 1}"
            started = now()
            try:
                result = channel.send(bodies[index], idempotency_key)
            except Exception as exc:  # an adapter bug must not stop the daemon; assume transient
                result = Retryable(f"{type(exc).__name__}: {exc}")
            records.append(attempt_record(bucket, idempotency_key, started, now(), result))
            if not isinstance(result, Ok):
                break
            progress += 1
        if isinstance(result, Ok):
            return NoticeOutcome(notice, states.SENT, last_result="ok", provider_id=result.provider_id,
                                 progress=progress, attempts=records)
        if isinstance(result, Permanent):
            return NoticeOutcome(notice, states.FAILED, reason=result.reason, last_result=f"permanent: {result.reason}",
                                 progress=progress, attempts=records)
        verdict = self.policy.after(result, notice.attempts + 1, now(), notice.deadline,
                                    late="past the time it was worth sending")
        return NoticeOutcome(notice, verdict.state, reason=verdict.reason, last_result=f"retryable: {result.reason}",
                             next_attempt_at=verdict.next_attempt_at, progress=progress, attempts=records)

