"""A day's operator sheet, read from the store and rendered the way the daemon renders.

Any channel that hands work to people builds its sheet here (``sopengine tasks``, the
workspace): the tasks of one channel due on a local day, each worded by its kind, with its
state, and with the reason when it could not be rendered or sent (it never drops out of view).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, Callable, Collection, Mapping, Sequence
from zoneinfo import ZoneInfo

from sopengine.channels import ChannelConfigError, Target
from sopengine.operators.tasks import SheetRow, operator_task, unusable_task
from sopengine.rendering.actions import outbound
from sopengine.store import DataStore
from sopengine.rendering.templating import TemplateProblem

#: States a sheet leaves out unless asked for everything.
HIDDEN_BY_DEFAULT = frozenset({"cancelled"})
#: Who a task goes to when its group names nobody.
NOBODY = "（未分配）"


def build_sheet(store: DataStore, channel: str, local_day: date, zone: ZoneInfo,
                operators_of: Callable[[Mapping[str, Any]], Sequence[str]], *,
                operator: Collection[str] | None = None, show_all: bool = False,
                group_ids: Collection[str] | None = None) -> list[SheetRow]:
    """The tasks of ``channel`` due on ``local_day`` in ``zone``, in time order.

    ``operators_of`` reads who does a group's tasks from its settings for ``channel`` (every one
    of them sees the task); ``operator``: only the tasks of the person called by any of these
    refs (their id and name); ``group_ids``: only these groups' (read through the group index)."""
    start = datetime.combine(local_day, time(0), tzinfo=zone)
    stored = store.channel_actions(channel, start, start + timedelta(days=1), group_ids)
    group_rows = store.groups_by_id({a.group_id for a in stored})
    rows: list[SheetRow] = []
    for a in stored:
        if a.state in HIDDEN_BY_DEFAULT and not show_all:
            continue
        stored_group = group_rows.get(a.group_id)
        if stored_group is None:
            continue
        group = stored_group.group
        settings = dict(group.channels.get(channel) or {})
        named = list(operators_of(settings))
        if operator is not None and not set(named) & set(operator):
            continue
        sop = store.sop_version(a.version_id)
        try:  # a step naming who does it (operator: 群主) is theirs; the others are everyone's
            assigned = group.assignee(getattr(sop.step(a.step), "operator", None))
        except KeyError:
            assigned = None
        who = assigned or "、".join(named) or NOBODY
        note = a.reason or "" if a.state in ("failed", "skipped", "missed") else ""
        try:
            _, _, action = outbound(sop, group, a)
            task = operator_task(action, Target(group.id, group.name, settings), who) if action else None
        except (KeyError, TemplateProblem, ChannelConfigError) as exc:
            # never dropped: the operator sees that something is wrong, and why
            reason = f"无法生成内容：{exc}" if not isinstance(exc, ChannelConfigError) else str(exc)
            note = "；".join(x for x in (note, reason) if x)
            task = unusable_task(a.key, who, group.id, group.name, a.due.isoformat(), a.kind, a.part)
        if task is None:
            continue  # `when:` is false with today's facts: nothing to do
        rows.append(SheetRow(task, a.state, a.due.astimezone(zone), note))
    return rows
