"""The plain-data template context of one action (see the spec's "Template context")."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from sopengine.model.group import Group
from sopengine.model.sop import Sop

_UNSET: Any = object()


def template_context(
    sop: Sop,
    group: Group,
    *,
    local_due: datetime,
    day: int,
    occurrence: int,
    item: Any = _UNSET,
    member: Mapping[str, Any] | None = None,
    facts: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Context for rendering a step of ``sop`` for ``group``.

    ``facts`` (the group's facts at dispatch time) override the group's own.
    ``item`` is present only for steps with ``pick``; ``member`` only for events.
    """
    view = group.template_view()
    if facts:
        view.update(facts)
    context: dict[str, Any] = {
        "group": view,
        "day": day,
        "date": local_due.date().isoformat(),
        "weekday": local_due.isoweekday(),
        "vars": {**sop.vars, **group.vars},
        "pools": {**sop.pools, **group.pools},
        "sop": {"id": sop.id, "title": sop.title},
        "occurrence": occurrence,
    }
    if item is not _UNSET:
        context["item"] = item
    if member is not None:
        context["member"] = dict(member)
    return context


def pool_for(sop: Sop, group: Group, name: str) -> list[Any]:
    """Pool ``name`` as this group sees it (a group's override wins)."""
    if name in group.pools:
        return group.pools[name]
    return sop.pools[name]
