"""What operators were told in a span: notices by kind and by what they came to (pure)."""

from __future__ import annotations

from typing import Iterable

from sopengine.store import StoredNotice

KIND_LABELS = {"digest": "每日任务清单", "reminder": "任务提醒", "escalation": "逾期通知"}
#: States in the order people read them: what was told, what needed not be, what went wrong, what waits.
STATE_LABELS = {"sent": "已发", "cancelled": "取消", "failed": "失败", "missed": "错过", "retrying": "重试中",
                "due": "发送中", "planned": "待发"}


def notice_summary(notices: Iterable[StoredNotice]) -> dict[str, dict[str, int]]:
    """Kind → state → how many (kinds by name, states in :data:`STATE_LABELS` order, absent ones left out)."""
    out: dict[str, dict[str, int]] = {}
    for n in notices:
        by_state = out.setdefault(n.kind, {})
        by_state[n.state] = by_state.get(n.state, 0) + 1
    order = list(STATE_LABELS)
    return {kind: dict(sorted(out[kind].items(), key=lambda item: (order.index(item[0]) if item[0] in order
                                                                   else len(order), item[0])))
            for kind in sorted(out)}


def summary_line(summary: dict[str, dict[str, int]]) -> str:
    """``通知：任务提醒 已发 12、取消 3；…`` for people ('' when nothing was told)."""
    parts = []
    for kind, by_state in summary.items():
        said = "、".join(f"{STATE_LABELS.get(s, s)} {n}" for s, n in by_state.items())
        parts.append(f"{KIND_LABELS.get(kind, kind)} {said}")
    return f"通知：{'；'.join(parts)}" if parts else ""
