"""Sample actions and targets for channel tests: every built-in kind and part, with realistic copy.

Payloads have the shape the built-in kinds render (``text`` always; ``amount``/``count``
on red packets, ``blessing`` on the send part; ``title``/``questions`` on surveys;
``name`` on renames), so a channel tested on them meets real actions.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Mapping, Protocol

from sopengine.channels import OutboundAction, Target
from sopengine.kinds import KindRegistry
from sopengine.kinds.survey import survey_text

KindPart = tuple[str, str | None]

_BUILTIN = KindRegistry()
#: Every (kind, part) the built-in kinds produce, in the order an SOP would (as the kinds say).
KINDS_AND_PARTS: tuple[KindPart, ...] = tuple(
    (name, part) for name, model in _BUILTIN.items() for part in model.part_names())

SAMPLE_DUE = datetime(2026, 12, 2, 8, 0, tzinfo=timezone(timedelta(hours=8)))
SAMPLE_GROUP_ID = "ppt-camp-2026-12-a"
SAMPLE_GROUP_NAME = "PPT打卡营·12月A班"

#: (kind, part) → its sample payload, as each built-in kind gives it (``StepBase.examples``).
_PAYLOADS: dict[KindPart, Mapping[str, Any]] = {
    (name, part): model.examples[part] for name, model in _BUILTIN.items() for part in model.part_names()}


class ActionFactory(Protocol):
    def __call__(self, kind: str = "message", part: str | None = None, **payload: Any) -> OutboundAction: ...


class TargetFactory(Protocol):
    def __call__(self, settings: Mapping[str, Any] | None = None, *, group_id: str = SAMPLE_GROUP_ID,
                 group_name: str = SAMPLE_GROUP_NAME) -> Target: ...


def sample_payload(kind: str, part: str | None = None) -> dict[str, Any]:
    """A fresh copy of the sample payload of (kind, part); KeyError for a pair no built-in kind makes."""
    payload = _PAYLOADS[(kind, part)]
    return {k: ([dict(q) for q in v] if k == "questions" else v) for k, v in payload.items()}


def make_action(kind: str = "message", part: str | None = None, **payload: Any) -> OutboundAction:
    """An action of (kind, part) with its sample payload, fields in ``payload`` replacing the sample's.

    A (kind, part) no built-in kind makes (a plugin's own kind) gets ``payload`` alone.
    """
    base = sample_payload(kind, part) if (kind, part) in _PAYLOADS else {}
    base.update(payload)
    base.setdefault("text", "")
    step = kind.replace("_", "-")
    local_due = SAMPLE_DUE.strftime("%Y-%m-%dT%H:%M")
    key = "/".join(x for x in ("learning-camp-21d", step, part, SAMPLE_GROUP_ID, local_due) if x)
    model = _BUILTIN.get(kind)
    return OutboundAction(key=key, sop="learning-camp-21d", step=step, part=part, kind=kind,
                          group_id=SAMPLE_GROUP_ID, group_name=SAMPLE_GROUP_NAME, due=SAMPLE_DUE, payload=base,
                          operator_only=bool(model and model.traits(part).operator_only),
                          instruction=model.operator_instruction(part, base) if model else None)


def make_target(settings: Mapping[str, Any] | None = None, *, group_id: str = SAMPLE_GROUP_ID,
                group_name: str = SAMPLE_GROUP_NAME) -> Target:
    """The sample group with ``settings`` as its channel settings (``channels.<name>``)."""
    return Target(group_id, group_name, dict(settings or {}))


def long_text(min_bytes: int) -> str:
    """Copy longer than ``min_bytes`` UTF-8 bytes: many lines of CJK, emoji and ASCII, then one
    line with no break longer than ``min_bytes`` by itself, so a channel must split inside a line."""
    line = "第{n}条：对齐、对比、重复、亲密性——排版四原则👍 keep it simple."
    lines: list[str] = []
    n = 0
    while len("\n".join(lines).encode()) <= min_bytes:
        n += 1
        lines.append(line.format(n=n))
    unbroken = "一二三四五六七八九十😀abc"
    lines.append(unbroken * (min_bytes // len(unbroken.encode()) + 2))
    return "\n".join(lines)


def long_actions(min_bytes: int) -> list[OutboundAction]:
    """Actions whose copy exceeds ``min_bytes``: a long post and a long survey."""
    text = long_text(min_bytes)
    many = [{"ask": f"第{i}题：{'你觉得哪一页最需要改进？' * 3}", "choices": ["封面", "目录", "正文", "结尾"]}
            for i in range(1, min_bytes // 100 + 3)]
    return [
        make_action("message", text=text),
        make_action(next(n for n, m in _BUILTIN.items() if m.gathers_feedback),  # the survey kind
                    text=survey_text("结营问卷", None, many), title="结营问卷", questions=many),
    ]
