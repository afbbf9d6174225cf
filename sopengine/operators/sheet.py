"""A day's operator sheet, read from the store and rendered the way the daemon renders.

Any channel that hands work to people builds its sheet here (``sopengine tasks``, the
workspace): the tasks of one channel due on a local day, each worded by its kind, with its
state, and with the reason when it could not be rendered or sent (it never drops out of view).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from datetime import date, datetime, time, timedelta
from typing import Any, Callable, Collection, Hashable, Mapping, Sequence
from zoneinfo import ZoneInfo

from sopengine.words import say
from sopengine.channels import ChannelConfigError, Target
from sopengine.model.group import Group
from sopengine.model.sop import Sop
from sopengine.operators.tasks import OperatorTask, SheetRow, operator_task, unusable_task
from sopengine.rendering.actions import outbound
from sopengine.store import DataStore, StoredAction
from sopengine.rendering.templating import TemplateProblem

#: States a sheet leaves out unless asked for everything.
HIDDEN_BY_DEFAULT = frozenset({"cancelled"})


class RenderCache:
    """Tasks already rendered, by everything their text depends on: the action (key, version,
    item, event data), the group (its name, facts, vars, settings, pools, quiet hours) and who it
    goes to. A page asked for again re-renders only what changed. Bounded (least recently used
    go first); one per process that serves pages."""

    def __init__(self, size: int = 20_000):
        self.size = size
        self._tasks: OrderedDict[Hashable, tuple[OperatorTask | None, str]] = OrderedDict()

    def get(self, key: Hashable) -> tuple[OperatorTask | None, str] | None:
        found = self._tasks.get(key)
        if found is not None:
            self._tasks.move_to_end(key)
        return found

    def put(self, key: Hashable, value: tuple[OperatorTask | None, str]) -> None:
        self._tasks[key] = value
        if len(self._tasks) > self.size:
            self._tasks.popitem(last=False)


def _group_fingerprint(group: Group) -> str:
    return json.dumps([group.name, group.facts, group.vars, group.channels, group.pools, str(group.quiet),
                       group.roles], sort_keys=True, ensure_ascii=False, default=str)


def build_sheet(store: DataStore, channel: str, local_day: date, zone: ZoneInfo,
                operators_of: Callable[[Mapping[str, Any]], Sequence[str]], *,
                operator: Collection[str] | None = None, show_all: bool = False,
                group_ids: Collection[str] | None = None, cache: RenderCache | None = None,
                in_states: Collection[str] | None = None, limit: int | None = None) -> list[SheetRow]:
    """The tasks of ``channel`` due on ``local_day`` in ``zone``, in time order.

    ``operators_of`` reads who does a group's tasks from its settings for ``channel`` (every one
    of them sees the task); ``operator``: only the tasks of the person called by any of these
    refs (their id and name); ``group_ids``: only these groups' (read through the group index);
    ``cache``: tasks rendered before, reused while nothing they depend on has changed;
    ``in_states``, ``limit``: only tasks in those states, the first ``limit`` by time (read so)."""
    start = datetime.combine(local_day, time(0), tzinfo=zone)
    stored = store.channel_actions(channel, start, start + timedelta(days=1), group_ids, in_states, limit)
    group_rows = store.groups_by_id({a.group_id for a in stored})
    fingerprints: dict[str, str] = {}
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
        who = assigned or say("sep.items").join(named) or say("who.nobody")
        note = a.reason or "" if a.state in ("failed", "skipped", "missed") else ""
        cache_key: Hashable = None
        try:  # a task naming members is rendered afresh: who is in the group changes under it
            fresh = sop.step(a.step).reads_members
        except KeyError:
            fresh = False
        if cache is not None and not fresh:
            if group.id not in fingerprints:
                fingerprints[group.id] = _group_fingerprint(group)
            cache_key = (a.key, a.version_id, channel, who, fingerprints[group.id],
                         json.dumps([a.item, a.data], sort_keys=True, ensure_ascii=False, default=str))
        rendered = cache.get(cache_key) if cache_key is not None and cache is not None else None
        if rendered is None:
            rendered = _render(sop, group, a, settings, who, store)
            if cache is not None and cache_key is not None:
                cache.put(cache_key, rendered)
        task, problem = rendered
        if task is None:
            continue  # `when:` is false with today's facts: nothing to do
        note = "；".join(x for x in (note, problem) if x)
        rows.append(SheetRow(task, a.state, a.due.astimezone(zone), note))
    return rows


def _render(sop: Sop, group: Group, a: StoredAction, settings: dict[str, Any],
            who: str, store: DataStore) -> tuple[OperatorTask | None, str]:
    """(the task, or None when its ``when:`` is false; why it could not be rendered, or "")."""
    try:
        _, _, action = outbound(sop, group, a, members=store)
        return (operator_task(action, Target(group.id, group.name, settings), who) if action else None), ""
    except (KeyError, TemplateProblem, ChannelConfigError) as exc:
        # never dropped: the operator sees that something is wrong, and why
        reason = say("instruction.cannot_render", reason=exc) if not isinstance(exc, ChannelConfigError) else str(exc)
        return unusable_task(a.key, who, group.id, group.name, a.due.isoformat(), a.kind, a.part), reason
