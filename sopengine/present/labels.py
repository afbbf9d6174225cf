"""Chinese labels of kinds and parts, as operators read them."""

from __future__ import annotations

KIND_LABELS = {
    "message": "消息", "morning_post": "早报", "topic": "话题", "rules": "群规", "task": "任务",
    "red_packet": "红包", "survey": "问卷", "rename": "改群名", "dissolution": "解散",
}
PART_LABELS = {
    "announce": "预告", "send": "发红包", "notice": "解散通知", "grey_avatar": "灰色头像",
    "rename": "改群名", "dissolve": "解散群",
}
WEEKDAYS = "一二三四五六日"


def kind_label(kind: str, part: str | None = None) -> str:
    """``红包·预告`` style label of a kind and part (unknown names shown as they are)."""
    label = KIND_LABELS.get(kind, kind)
    return f"{label}·{PART_LABELS.get(part, part)}" if part else label


def weekday_label(isoweekday: int) -> str:
    """周一 … 周日."""
    return "周" + WEEKDAYS[isoweekday - 1]
