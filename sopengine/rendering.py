"""Rendering a stored action the way the daemon does: that moment's facts, its item, its event data.

Shared by the dispatcher and by anything that shows an action to a person
(operator task sheets), so both always agree on the text.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Mapping

from .channels import OutboundAction
from .context import template_context
from .group import Group
from .kinds import StepBase
from .sop import Sop


def stored_action_context(sop: Sop, group: Group, step: StepBase, *, due: datetime, day: int, occurrence: int,
                          item: Any, data: Mapping[str, Any] | None) -> dict[str, Any]:
    """Template context of a stored action; event members are greeted together (「A、B」)."""
    members = list((data or {}).get("members") or [])
    member = None
    if step.on is not None:
        names = [str(m.get("name", "")) for m in members if m.get("name")]
        member = {**(members[0] if members else {}), "name": "、".join(names)}
    extra: dict[str, Any] = {"item": item} if step.pick else {}
    context = template_context(sop, group, local_due=due.astimezone(sop.timezone), day=day,
                               occurrence=occurrence, member=member, **extra)
    if step.on is not None:
        context["members"] = members
    return context


def outbound(sop: Sop, group: Group, *, key: str, step_id: str, part: str | None, due: datetime,
             deadline: datetime, day: int, occurrence: int, item: Any, data: Mapping[str, Any] | None
             ) -> tuple[StepBase, dict[str, Any], OutboundAction | None]:
    """(step, context, rendered action); raises KeyError for a step gone from the SOP and
    TemplateProblem when rendering fails. The action is None when ``when:`` is false."""
    from .templating import compile_condition

    step = sop.step(step_id)
    context = stored_action_context(sop, group, step, due=due, day=day, occurrence=occurrence, item=item, data=data)
    if step.when is not None and not compile_condition(step.when)(context):
        return step, context, None
    payload = step.render(part, context)
    action = OutboundAction(key, sop.id, step_id, part, step.kind, group.id, group.name, due, payload,
                            deadline - due if deadline else timedelta(hours=1))
    return step, context, action
