"""Channel rules: what the providers a plan goes through allow (WeCom's mass-send quota)."""

from __future__ import annotations

from typing import Iterator, Sequence

from sopengine.lint.plans import GroupPlan
from sopengine.lint.rule import Hit, Params, Rule
from sopengine.model.sop import Sop


def over_quota(sop: Sop, plans: Sequence[GroupPlan], params: Params) -> Iterator[Hit]:
    """One hit per step-bearing channel whose declared quota (sends per group per local day or
    month) a group's plan exceeds, naming the worst period."""
    worst: dict[tuple[str, int, str], tuple[int, str]] = {}
    for p in plans:
        for channel, caps in p.capabilities.items():
            for quota in caps.quotas:
                counts: dict[str, int] = {}
                for a in p.touches:
                    if a.channel != channel:
                        continue
                    local = a.due.astimezone(sop.timezone)
                    period = local.strftime("%Y-%m") if quota.per == "month" else local.date().isoformat()
                    counts[period] = counts.get(period, 0) + 1
                for period, n in counts.items():
                    key = (channel, quota.count, quota.per)
                    if n > quota.count and n > worst.get(key, (0, ""))[0]:
                        worst[key] = (n, period)
    for (channel, count, per), (n, period) in sorted(worst.items()):
        yield Hit(f"channel {channel!r} lets a group receive at most {count} sends a {per}; this SOP sends "
                  f"{n} to a group in {period}: the rest will not be delivered")


OVER_QUOTA = Rule(
    "over-quota", over_quota,
    why="providers cap what one group may receive (WeCom: 4 mass sends a month per customer group); "
        "sends past the cap are refused, silently for the members",
    summary="a plan sends a group more than its channel's quota allows",
)
