"""What notices say: built-in texts of the words catalogue (Chinese by default), overridable per
groups file (``notices.templates``).

A template is Jinja2, rendered in the engine's sandbox with :func:`notice_context`'s names:
``operator`` (who is told), ``count``, ``tasks`` (each with ``time``, ``group``, ``label``,
``whose``, ``link``), ``workspace_url``, and by kind ``date`` (digest), ``time`` and
``minutes`` (reminder), ``people`` (escalation: each with ``name`` and ``tasks``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping, Sequence
from urllib.parse import quote

from sopengine.present.labels import weekday_label
from sopengine.rendering.templating import TemplateProblem, render_template
from sopengine.words import say

def default_template(kind: str) -> str:
    """The built-in text of a ``kind`` notice, in the current language (:mod:`sopengine.words`)."""
    return say(f"notices.{kind}")


@dataclass(frozen=True)
class NoticeTask:
    """A task as a notice names it."""

    key: str
    due: datetime
    group: str
    label: str
    #: Who does it, by name.
    whose: tuple[str, ...] = ()


def notice_context(kind: str, operator: str, tasks: Sequence[NoticeTask], about: datetime, now: datetime,
                   zone: Any, workspace_url: str | None) -> dict[str, Any]:
    """The names a ``kind`` template is rendered with (times local to ``zone``)."""
    base = (workspace_url or "").rstrip("/") or None

    def link(t: NoticeTask) -> str | None:
        day = t.due.astimezone(zone).date().isoformat()
        return f"{base}/?date={day}#task-{quote(t.key, safe='')}" if base else None

    rows = [{"key": t.key, "time": t.due.astimezone(zone).strftime("%H:%M"), "group": t.group, "label": t.label,
             "whose": "、".join(t.whose), "link": link(t)} for t in tasks]
    local = about.astimezone(zone)
    context: dict[str, Any] = {"operator": operator, "count": len(rows), "tasks": rows, "workspace_url": base}
    if kind == "digest":
        day = say("date.month_day", month=local.month, day=local.day)
        context["date"] = f"{day} {weekday_label(local.isoweekday())}"
    elif kind == "reminder":
        context["time"] = local.strftime("%H:%M")
        context["minutes"] = max(0, round((about - now).total_seconds() / 60))
    else:
        people: dict[str, list[dict[str, Any]]] = {}
        for t, row in zip(tasks, rows):
            for name in t.whose or (say("who.nobody"),):
                people.setdefault(name, []).append(row)
        context["people"] = [{"name": name, "tasks": items} for name, items in people.items()]
    return context


def render_notice(kind: str, context: Mapping[str, Any], templates: Mapping[str, str]) -> str:
    """The text of a ``kind`` notice: the groups file's template for it, else the built-in one.
    Raises :class:`TemplateProblem` when the template does not render."""
    return render_template(templates.get(kind) or default_template(kind), context).strip()


def check_template(kind: str, source: str) -> None:
    """Render ``source`` with a sample ``kind`` context (TemplateProblem when it cannot): a bad
    template is an error where it is written, at validate time, not a failed notice later."""
    now = datetime.fromisoformat("2026-09-19T07:50:00+08:00")
    about = datetime.fromisoformat("2026-09-19T08:00:00+08:00")
    sample = [NoticeTask("sop/step/group/2026-09-19T08:00", about, "示例群", "早报", ("小雅",))]
    context = notice_context(kind, "小雅", sample, about, now, about.tzinfo, "https://ops.example.com")
    render_template(source, context)


__all__ = ["NoticeTask", "default_template", "TemplateProblem", "check_template", "notice_context",
           "render_notice"]
