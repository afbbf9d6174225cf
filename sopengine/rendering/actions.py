"""Rendering a stored action the way the daemon does: that moment's facts, its item, its event data.

Shared by the dispatcher and by anything that shows an action to a person
(operator task sheets), so both always agree on the text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Mapping, Protocol

from sopengine.channels import OutboundAction
from sopengine.model.content import Attachment, MediaFile
from sopengine.rendering.context import template_context
from sopengine.model.group import Group
from sopengine.kinds import StepBase
from sopengine.model.sop import Sop


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


class StoredActionLike(Protocol):
    """What :func:`outbound` reads of a stored action (a claimed one, or one read for a display)."""

    @property
    def key(self) -> str: ...
    @property
    def step(self) -> str: ...
    @property
    def part(self) -> str | None: ...
    @property
    def due(self) -> datetime: ...
    @property
    def deadline(self) -> datetime: ...
    @property
    def day(self) -> int: ...
    @property
    def occurrence(self) -> int: ...
    @property
    def item(self) -> Any: ...
    @property
    def data(self) -> Any: ...


def escaped_context(context: Mapping[str, Any], escape: Callable[[str], str]) -> dict[str, Any]:
    """``context`` with the text that comes from outside the SOP files escaped by ``escape``: the
    group's facts and name, and an event's data (a newcomer's name). The SOP's own text, vars and
    pools are the ops lead's markup and stay as written."""
    out = dict(context)
    out["group"] = _escaped(context.get("group"), escape)
    for key in ("member", "members"):
        if key in context:
            out[key] = _escaped(context[key], escape)
    return out


def _escaped(value: Any, escape: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, Mapping):
        return {k: _escaped(v, escape) for k, v in value.items()}
    if isinstance(value, list):
        return [_escaped(v, escape) for v in value]
    return value


def attachments(step: StepBase, part: str | None,
                media: Callable[[str], bytes | None] | None = None) -> tuple[Attachment, ...]:
    """What ``part`` of ``step`` carries besides text (none for work only a person does); a file
    kept in the ledger comes with its bytes when ``media`` (SHA-256 → bytes) is given."""
    if step.traits(part).operator_only:
        return ()
    def data(ref: MediaFile) -> bytes | None:
        return media(ref.sha256) if media is not None and ref.sha256 else None

    out = []
    if step.image is not None:
        out.append(Attachment.of_media("image", step.image, data(step.image)))
    if step.link is not None:
        out.append(Attachment.of_link(step.link))
    if step.miniprogram is not None:
        out.append(Attachment.of_miniprogram(step.miniprogram, data(step.miniprogram.picture)))
    if step.file is not None:
        out.append(Attachment.of_media("file", step.file, data(step.file)))
    return tuple(out)


def mentioned(step: StepBase, context: Mapping[str, Any]) -> tuple[str, ...]:
    """The names ``step`` mentions, rendered (one that renders empty, such as a greeting's
    newcomer without a name, is left out)."""
    from sopengine.rendering.templating import render_template

    return tuple(name for source in step.mentions if (name := render_template(source, context).strip()))


class MembersSource(Protocol):
    """Where a kind that reads members finds them (the store)."""

    def list_members(self, group_ids: Any = None, *, present: bool = False,
                     member_id: str | None = None) -> list[Any]: ...

    def member_facts_at(self, group_id: str, at: datetime) -> dict[str, dict[str, Any]]: ...


def members_context(step: StepBase, group: Group, due: datetime, source: MembersSource | None) -> list[dict[str, Any]]:
    """``group_members`` for a kind that reads them: each present member's template view as of
    ``due``, with ``before``: their facts ``member_window()`` earlier (empty without a source)."""
    if source is None or not step.reads_members:
        return []
    window = step.member_window()
    before = source.member_facts_at(group.id, due - window) if window else {}
    return [{**m.template_view(due), "before": before.get(m.id, {})}
            for m in source.list_members([group.id], present=True)]


def member_now(group: Group, named: dict[str, Any], at: datetime, source: MembersSource | None) -> dict[str, Any]:
    """The member a per-member action is for, as the store knows them at ``at`` (their template
    view), else as the action names them."""
    if source is not None and named.get("id"):
        for m in source.list_members([group.id], member_id=str(named["id"])):  # one row, by key
            return dict(m.template_view(at))
    return named


def outbound(sop: Sop, group: Group, stored: StoredActionLike, escape: Callable[[str], str] | None = None,
             media: Callable[[str], bytes | None] | None = None, members: MembersSource | None = None,
             ) -> tuple[StepBase, dict[str, Any], OutboundAction | None]:
    """(step, context, rendered action) of ``stored``, an action of ``sop`` for ``group``; raises
    KeyError for a step gone from the SOP and TemplateProblem when rendering fails. The action
    is None when ``when:`` is false. ``escape``: the channel's escaping of interpolated values for
    its markup (see :func:`escaped_context`); ``when:`` always sees the values as they are.
    ``media``: where the bytes of the files it carries are read (the dispatcher's ledger);
    ``members``: where a kind that reads members finds them."""
    from sopengine.rendering.templating import compile_condition

    step = sop.step(stored.step)
    context = stored_action_context(sop, group, step, due=stored.due, day=stored.day,
                                    occurrence=stored.occurrence, item=stored.item, data=stored.data)
    if step.reads_members:
        context["group_members"] = members_context(step, group, stored.due, members)
    if step.audience == "member":  # the member as they are now (facts imported since)
        context["member"] = member_now(group, dict((stored.data or {}).get("member") or {}), stored.due, members)
    if step.when is not None and not compile_condition(step.when)(context):
        return step, context, None
    payload = step.render(stored.part, escaped_context(context, escape) if escape else context)
    action = OutboundAction(stored.key, sop.id, stored.step, stored.part, step.kind, group.id, group.name,
                            stored.due, payload, stored.deadline - stored.due,
                            operator_only=step.traits(stored.part).operator_only,
                            instruction=step.operator_instruction(stored.part, payload),
                            mention_all=step.mention_all and not step.traits(stored.part).operator_only,
                            attachments=attachments(step, stored.part, media),
                            mentions=() if step.traits(stored.part).operator_only else mentioned(step, context))
    return step, context, action
