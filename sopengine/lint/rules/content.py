"""Content rules: what a post looks like once rendered for a real group.

Both read rendered payloads, so they skip group plans that could not be
rendered (:attr:`~sopengine.lint.plans.GroupPlan.rendered` is False).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Iterator, Sequence

from sopengine.model.sop import Sop
from sopengine.lint.params import Param, parse_count, parse_money
from sopengine.lint.plans import GroupPlan
from sopengine.lint.rule import Hit, Params, Rule

CENT = Decimal("0.01")


def wall_of_text(sop: Sop, plans: Sequence[GroupPlan], params: Params) -> Iterator[Hit]:
    """Each step with a rendered post over ``max_chars`` characters and no line break.

    Characters are counted after stripping leading and trailing whitespace
    (a Chinese character counts one). One hit per step, for its longest such text.
    """
    limit: int = params["max_chars"]
    longest: dict[str, int] = {}
    for p in plans:
        if not p.rendered:
            continue
        for action in p.touches:
            text = action.payload.get("text")
            if not isinstance(text, str):
                continue
            body = text.strip()
            if len(body) > limit and "\n" not in body:
                longest[action.step] = max(len(body), longest.get(action.step, 0))
    for step, length in longest.items():
        yield Hit(f"a {length}-character text without a line break (over {limit})", step=step)


def stingy_red_packet(sop: Sop, plans: Sequence[GroupPlan], params: Params) -> Iterator[Hit]:
    """Each red-packet step that gives under ``min_per_person`` yuan a packet (amount / count)
    to some group; one hit per step, naming the group that gets the least.
    """
    minimum: Decimal = params["min_per_person"]
    worst: dict[str, tuple[Decimal, Decimal, int, str]] = {}
    for p in plans:
        if not p.rendered:
            continue
        for action in p.actions:
            if "blessing" not in action.payload:  # the send itself: what each person gets
                continue
            amount, count = action.payload.get("amount"), action.payload.get("count")
            if not isinstance(amount, (int, float)) or not isinstance(count, int) or count < 1:
                continue
            total = Decimal(str(amount)).quantize(CENT)
            each = total / count
            if each < minimum and (action.step not in worst or each < worst[action.step][0]):
                worst[action.step] = (each, total, count, p.group.id)
    for step, (each, total, count, group) in worst.items():
        shown = each.quantize(CENT, rounding=ROUND_HALF_UP)
        yield Hit(f"¥{shown} a packet (¥{total} in {count} packets) for group {group}, "
                  f"under ¥{minimum} each", step=step)


WALL_OF_TEXT = Rule(
    id="wall-of-text",
    check=wall_of_text,
    summary="a text over 300 characters with no line breaks",
    why="walls of text are skipped on a phone; break them into short lines",
    params={"max_chars": Param(300, parse_count, "longest text allowed on a single line")},
)

STINGY_RED_PACKET = Rule(
    id="stingy-red-packet",
    check=stingy_red_packet,
    summary="a red packet under ¥0.5 per person (amount / count)",
    why="a red packet of a few jiao looks stingy (几毛钱的红包) and stirs no one; size it to the group",
    params={"min_per_person": Param(Decimal("0.5"), parse_money, "least yuan a packet")},
)
