"""What operators were told in a span: notices by kind and by what they came to (pure)."""

from __future__ import annotations

from typing import Iterable

from sopengine.store import StoredNotice
from sopengine.words import say

#: States in the order people read them: what was told, what needed not be, what went wrong, what waits.
STATE_ORDER = ("sent", "cancelled", "failed", "missed", "retrying", "due", "planned")


def kind_label(kind: str) -> str:
    """每日任务清单 / daily digest …"""
    return say(f"notices.kind.{kind}") if kind in ("digest", "reminder", "escalation") else kind


def state_label(state: str) -> str:
    """已发 / sent …"""
    return say(f"notices.state.{state}") if state in STATE_ORDER else state


def notice_summary(notices: Iterable[StoredNotice]) -> dict[str, dict[str, int]]:
    """Kind → state → how many (kinds by name, states in :data:`STATE_ORDER`, absent ones left out)."""
    out: dict[str, dict[str, int]] = {}
    for n in notices:
        by_state = out.setdefault(n.kind, {})
        by_state[n.state] = by_state.get(n.state, 0) + 1
    rank = {state: i for i, state in enumerate(STATE_ORDER)}
    return {kind: dict(sorted(out[kind].items(), key=lambda item: (rank.get(item[0], len(rank)), item[0])))
            for kind in sorted(out)}


def summary_line(summary: dict[str, dict[str, int]]) -> str:
    """``通知：任务提醒 已发 12、取消 3；…`` for people ('' when nothing was told)."""
    parts = []
    for kind, by_state in summary.items():
        said = say("sep.items").join(f"{state_label(s)} {n}" for s, n in by_state.items())
        parts.append(f"{kind_label(kind)} {said}")
    return say("notices.summary", parts=say("sep.groups").join(parts)) if parts else ""
