"""Which notices the operator tasks of a span call for (pure: no store, no clock).

A reminder goes to each person who does a task, ``remind`` before it; tasks due at the same
moment share one reminder. A digest goes to each of them at their ``digest`` time on each day
they have tasks. An escalation goes to every lead reached by notices when tasks of someone who
``escalate``\\ s are still open at their deadline; tasks with the same deadline share one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Iterable, Sequence

from sopengine.model.notices import PlannedNotice
from sopengine.model.operators import Operator, Roster

#: A notice found later than this after its time (a daemon that was down) is not planned.
LATE = timedelta(hours=1)
#: How long an escalation is worth sending after the deadline it is about.
ESCALATION_LIFE = timedelta(hours=12)


@dataclass(frozen=True)
class TaskSlot:
    """An open operator task, as notices need it: when, until when, and who does it (ids)."""

    key: str
    due: datetime
    deadline: datetime
    assignees: tuple[str, ...]


def plan_notices(slots: Iterable[TaskSlot], roster: Roster, now: datetime) -> list[PlannedNotice]:
    """The notices ``slots`` call for, each once by key (tasks sharing a notice merged into it),
    leaving out what is already too late at ``now``. Only declared operators with ``notify:``
    are told anything."""
    found: dict[str, PlannedNotice] = {}

    def add(notice: PlannedNotice) -> None:
        if notice.due < now - LATE or notice.deadline <= now:
            return
        known = found.get(notice.key)
        found[notice.key] = notice if known is None else known.merged(notice)

    leads = [op for op in roster.operators if op.is_lead and op.notify_channel]
    for slot in slots:
        people = [op for ref in slot.assignees if (op := roster.find(ref)) is not None]
        for op in people:
            if op.notify_channel is None:
                continue
            for notice in _own_notices(op, slot):
                add(notice)
        for op in (p for p in people if p.notices.escalate):
            for lead in leads:
                if lead.id != op.id:
                    add(_notice("escalation", lead, slot.deadline, slot.deadline, slot.deadline + ESCALATION_LIFE,
                                {slot.key: (op.id,)}))
    return sorted(found.values(), key=lambda n: (n.due, n.key))


def _own_notices(op: Operator, slot: TaskSlot) -> Sequence[PlannedNotice]:
    settings, out = op.notices, []
    if settings.remind is not None:
        out.append(_notice("reminder", op, slot.due - settings.remind, slot.due, slot.due, {slot.key: (op.id,)}))
    if settings.digest is not None:
        day = slot.due.astimezone(settings.zone).date()
        start = datetime.combine(day, time(0), tzinfo=settings.zone)
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=settings.zone)
        out.append(_notice("digest", op, datetime.combine(day, settings.digest, tzinfo=settings.zone), start, end,
                           {slot.key: (op.id,)}))
    return out


def _notice(kind: str, to: Operator, due: datetime, about: datetime, deadline: datetime,
            tasks: dict[str, tuple[str, ...]]) -> PlannedNotice:
    local = about.astimezone(to.notices.zone)
    moment = local.date().isoformat() if kind == "digest" else local.isoformat(timespec="minutes")
    channel = to.notify_channel
    assert channel is not None  # only people reached by notices are told anything
    return PlannedNotice(f"{kind}/{to.id}/{moment}", kind, to.id, channel, due, about, deadline, tasks)
